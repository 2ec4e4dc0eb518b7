package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
)

// reorderJSON re-encodes a JSON document with the keys of every object in
// an order drawn from seed, keeping values (numbers as written) and array
// order. encoding/json sorts map keys, so the writer is hand-made.
func reorderJSON(t testing.TB, data []byte, seed int64) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(seed))
	var buf bytes.Buffer
	writeShuffled(&buf, v, rng)
	return buf.Bytes()
}

func writeShuffled(buf *bytes.Buffer, v any, rng *rand.Rand) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // a fixed start, so the seed alone decides
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			writeShuffled(buf, x[k], rng)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeShuffled(buf, e, rng)
		}
		buf.WriteByte(']')
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// xmlNode is an element of a document being reordered.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

// reorderXML re-encodes an XML document with the child elements of every
// element in an order drawn from seed. Repeated siblings of the same name
// (list items such as TunnelConfig) keep their relative order: that order
// is data, not layout.
func reorderXML(t testing.TB, data []byte, seed int64) []byte {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		top := stack[len(stack)-1]
		switch x := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: x.Name.Local}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text += string(x)
		}
	}
	rng := rand.New(rand.NewSource(seed))
	var buf bytes.Buffer
	for _, c := range root.children {
		writeXMLShuffled(&buf, c, rng)
	}
	return buf.Bytes()
}

func writeXMLShuffled(buf *bytes.Buffer, n *xmlNode, rng *rand.Rand) {
	buf.WriteString("<" + n.name + ">")
	if len(n.children) == 0 {
		_ = xml.EscapeText(buf, []byte(n.text))
	}
	// Shuffle the distinct names, then emit each name's elements in order.
	var names []string
	byName := map[string][]*xmlNode{}
	for _, c := range n.children {
		if byName[c.name] == nil {
			names = append(names, c.name)
		}
		byName[c.name] = append(byName[c.name], c)
	}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, name := range names {
		for _, c := range byName[name] {
			writeXMLShuffled(buf, c, rng)
		}
	}
	buf.WriteString("</" + n.name + ">")
}

// renderBytes runs parse, normalize and render in process.
func renderBytes(t *testing.T, data []byte, vendor string) ([]byte, error) {
	t.Helper()
	cfg, err := api.Parse(data)
	if err != nil {
		return nil, err
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		return nil, err
	}
	conn.Name = "determinism"
	files, _, err := render.Render(templates.FS, vendor, conn, render.Options{})
	var out []byte
	for _, f := range files {
		out = append(out, f.Data...)
	}
	return out, err
}

// TestDeterminism renders every case for every vendor twice, and again
// from copies whose JSON object keys or XML child elements are shuffled
// with five seeds: all outputs (or all errors) must be identical.
func TestDeterminism(t *testing.T) {
	for _, input := range goldenCases(t) {
		data, err := os.ReadFile(input)
		if err != nil {
			t.Fatal(err)
		}
		reorder := reorderJSON
		if strings.HasSuffix(input, ".xml") {
			reorder = reorderXML
		}
		for _, vendor := range vendorNames() {
			t.Run(caseName(input)+"/"+vendor, func(t *testing.T) {
				want, wantErr := renderBytes(t, data, vendor)
				again, againErr := renderBytes(t, data, vendor)
				if fmt.Sprint(wantErr) != fmt.Sprint(againErr) || !bytes.Equal(want, again) {
					t.Fatalf("second render differs:\n%s", lineDiff(string(want), string(again)))
				}
				for seed := int64(1); seed <= 5; seed++ {
					shuffled := reorder(t, data, seed)
					got, gotErr := renderBytes(t, shuffled, vendor)
					if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
						t.Fatalf("seed %d: error %v, want %v", seed, gotErr, wantErr)
					}
					if !bytes.Equal(want, got) {
						t.Fatalf("seed %d: shuffled keys change the output:\n%s", seed, lineDiff(string(want), string(got)))
					}
				}
			})
		}
	}
}

// TestReorderJSONShuffles guards the helper: a shuffle that did nothing
// would make TestDeterminism pass vacuously.
func TestReorderJSONShuffles(t *testing.T) {
	data, err := os.ReadFile("testdata/api/dual-tunnel-bgp.json")
	if err != nil {
		t.Fatal(err)
	}
	a := reorderJSON(t, data, 1)
	b := reorderJSON(t, data, 2)
	if bytes.Equal(a, b) {
		t.Fatal("seeds 1 and 2 give the same key order")
	}
	xa := reorderXML(t, []byte("<R><A>1</A><B>2</B><C>3</C><L>x</L><L>y</L><D>4</D></R>"), 1)
	xb := reorderXML(t, []byte("<R><A>1</A><B>2</B><C>3</C><L>x</L><L>y</L><D>4</D></R>"), 3)
	if bytes.Equal(xa, xb) || !bytes.Contains(xa, []byte("<L>x</L><L>y</L>")) {
		t.Fatalf("XML reorder: %s vs %s", xa, xb)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(data, &y) != nil || fmt.Sprint(x) != fmt.Sprint(y) {
		t.Fatal("reordering changed the document's content")
	}
}
