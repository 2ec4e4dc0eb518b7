package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// MaxInputSize bounds a saved response. A real DownloadVpnConnectionConfig
// response is a few kilobytes; anything this large is not one.
const MaxInputSize = 1 << 20

// maxXMLDepth bounds element nesting; the real response is 5 levels deep.
const maxXMLDepth = 32

// Example is the documented DownloadVpnConnectionConfig example response
// (Alibaba's 2019 API page, the only sample with complete addresses),
// shipped in the binary for `vpnexport render --example`.
//
//go:embed example.json
var Example []byte

// ReadLimited reads at most MaxInputSize bytes from r and fails clearly
// when there is more.
func ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("input is larger than %d bytes; a DownloadVpnConnectionConfig response is a few KB", MaxInputSize)
	}
	return data, nil
}

// Parse decodes a saved DownloadVpnConnectionConfig response in JSON or
// XML, detected from the first non-blank character. It accepts the whole
// response or only its VpnConnectionConfig object.
func Parse(data []byte) (*VpnConnectionConfig, error) {
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("input is larger than %d bytes; a DownloadVpnConnectionConfig response is a few KB", MaxInputSize)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	trimmed = bytes.TrimLeft(trimmed, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("input is empty")
	}
	switch trimmed[0] {
	case '{':
		return parseJSON(trimmed)
	case '<':
		return parseXML(trimmed)
	default:
		if json.Valid(trimmed) {
			return nil, fmt.Errorf("input is JSON but not an object (starts with %q): expected a JSON object, the DownloadVpnConnectionConfig response or its VpnConnectionConfig", firstRunes(trimmed, 12))
		}
		return nil, fmt.Errorf("input is neither JSON nor XML (starts with %q)", firstRunes(trimmed, 12))
	}
}

func firstRunes(b []byte, n int) string {
	s := string(b)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// apiError is Alibaba's error envelope, recognised so that a saved error
// response is reported as such instead of as missing fields.
type apiError struct {
	Code    string `json:"Code" xml:"Code"`
	Message string `json:"Message" xml:"Message"`
}

func parseJSON(data []byte) (*VpnConnectionConfig, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, err
	}
	body := data
	inner, found, err := lookupFold(top, "VpnConnectionConfig")
	if err != nil {
		return nil, err
	}
	if found {
		body = inner
		if t := bytes.TrimLeft(inner, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return nil, fmt.Errorf("parse JSON: VpnConnectionConfig: expected a JSON object, got %s", firstRunes(t, 12))
		}
	}
	if _, isErr, _ := lookupFold(top, "Code"); isErr {
		if !found {
			var e apiError
			_ = json.Unmarshal(data, &e)
			return nil, fmt.Errorf("input is an Alibaba error response, not a configuration: %s: %s", e.Code, e.Message)
		}
	}
	var cfg VpnConnectionConfig
	if err := json.Unmarshal(body, &cfg); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	return &cfg, nil
}

// lookupFold finds key like encoding/json does, ignoring letter case, but
// refuses two keys that differ only in case: map order would otherwise
// decide which one wins, and the same input could render differently.
func lookupFold(m map[string]json.RawMessage, key string) (json.RawMessage, bool, error) {
	var found []string
	for k := range m {
		if strings.EqualFold(k, key) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return nil, false, nil
	case 1:
		return m[found[0]], true, nil
	default:
		sort.Strings(found)
		return nil, false, fmt.Errorf("parse JSON: keys %s differ only in letter case; keep one", strings.Join(found, ", "))
	}
}

// checkDuplicateKeys refuses an object that names a key twice, exactly
// or in another letter case: encoding/json keeps the last one and
// matches keys regardless of case, so which value counts would be a guess
// (and a hand-edited file that adds a line instead of changing one would
// silently render the old value or the new one). Syntax errors are left
// to the decoder, which reports them better.
func checkDuplicateKeys(data []byte) error {
	type frame struct {
		object    bool
		keys      map[string]string // lower case -> as written
		path, key string
		index     int
		expectKey bool
	}
	var stack []*frame
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if f := stack[len(stack)-1]; f.object {
			f.expectKey = true
		} else {
			f.index++
		}
	}
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return strings.TrimPrefix(f.path+"."+f.key, ".")
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if k, ok := tok.(string); ok {
				f := stack[n-1]
				if prev, dup := f.keys[strings.ToLower(k)]; dup {
					return duplicateKey(f.path, prev, k)
				}
				f.keys[strings.ToLower(k)], f.key, f.expectKey = k, k, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]string{}, path: childPath(), expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: childPath()})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

func duplicateKey(path, a, b string) error {
	where := ""
	if path != "" {
		where = path + ": "
	}
	if a == b {
		return fmt.Errorf("parse JSON: %skey %s given twice; keep one", where, a)
	}
	keys := []string{a, b}
	sort.Strings(keys)
	return fmt.Errorf("parse JSON: %skeys %s differ only in letter case (one key given twice); keep one", where, strings.Join(keys, ", "))
}

// jsonErr names the field of a type error the way the API does
// (IkeConfig.IkeVersion) instead of Go's struct path.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: unexpected JSON %s", te.Field, te.Value)
	}
	return err
}

func parseXML(data []byte) (*VpnConnectionConfig, error) {
	if err := checkXMLDepth(data); err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("parse XML: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "DownloadVpnConnectionConfigResponse":
			var resp DownloadResponse
			if err := dec.DecodeElement(&resp, &start); err != nil {
				return nil, fmt.Errorf("parse XML: %w", err)
			}
			return &resp.VpnConnectionConfig, nil
		case "VpnConnectionConfig":
			var cfg VpnConnectionConfig
			if err := dec.DecodeElement(&cfg, &start); err != nil {
				return nil, fmt.Errorf("parse XML: %w", err)
			}
			return &cfg, nil
		case "Error":
			var e apiError
			_ = dec.DecodeElement(&e, &start)
			return nil, fmt.Errorf("input is an Alibaba error response, not a configuration: %s: %s", e.Code, e.Message)
		default:
			return nil, fmt.Errorf("parse XML: root element <%s>, want <DownloadVpnConnectionConfigResponse> or <VpnConnectionConfig>", start.Name.Local)
		}
	}
}

// checkXMLDepth refuses deeply nested documents before decoding them.
func checkXMLDepth(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse XML: %w", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return fmt.Errorf("parse XML: elements nested deeper than %d levels", maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
}
