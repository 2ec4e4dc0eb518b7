package render_test

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

// apiCase is one saved response under ../testdata/api, normalized into
// the model exactly as `vpnexport render -i` does.
type apiCase struct {
	name string
	conn vpn.Connection
}

// loadAPICases parses and normalizes every testdata/api case; the
// readers compare each rendered file with these models.
func loadAPICases(t *testing.T) []apiCase {
	t.Helper()
	var paths []string
	for _, pat := range []string{"../testdata/api/*.json", "../testdata/api/*.xml"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no cases under ../testdata/api")
	}
	var cases []apiCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := api.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		conn, _, err := api.Normalize(cfg)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		conn.Name = name
		cases = append(cases, apiCase{name: name, conn: conn})
	}
	return cases
}

// assertSecretOnOwnLine checks that a PSK reaches the file only on the
// line that configures it: the clear text (and, when it is encoded, the
// encoded form) appears on no other line, and nowhere at all when the
// file carries the encoded form.
func assertSecretOnOwnLine(t *testing.T, data []byte, psk, pskLinePrefix string, encode func(string) string) {
	t.Helper()
	var own []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), pskLinePrefix) {
			own = append(own, l)
			continue
		}
		if strings.Contains(l, psk) || strings.Contains(l, encode(psk)) {
			t.Errorf("the pre-shared key leaks into line %q", l)
		}
	}
	if len(own) == 0 {
		t.Errorf("no line starting %q", pskLinePrefix)
	}
}

func hexString(s string) string { return hex.EncodeToString([]byte(s)) }

// wantPSK is the key as a reader must find it in the file: the secret,
// or with Redact the placeholder naming the tunnel.
func wantPSK(tn vpn.Tunnel, o render.Options) string {
	if o.Redact {
		return fmt.Sprintf("<PSK-REDACTED:tunnel-%d>", tn.Index)
	}
	return tn.PSK.Reveal()
}

// tokenize splits a configuration line on blanks, keeping "…" together
// (without the quotes). The renderers never escape inside quotes, so a
// backslash or a stray quote in a token is itself an error.
func tokenize(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(line); {
		switch {
		case line[i] == ' ' || line[i] == '\t':
			i++
		case line[i] == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			tok := line[i+1 : i+1+j]
			if strings.ContainsAny(tok, `\`) {
				t.Errorf("backslash inside quotes in %q: escaping is not what the renderers promise", line)
			}
			out = append(out, tok)
			i += j + 2
			if i < len(line) && line[i] != ' ' {
				t.Errorf("text right after a closing quote in %q", line)
			}
		default:
			j := strings.IndexAny(line[i:], " \t")
			if j < 0 {
				j = len(line) - i
			}
			tok := line[i : i+j]
			if strings.ContainsAny(tok, `"'`) {
				t.Errorf("quote inside an unquoted token in %q", line)
			}
			out = append(out, tok)
			i += j
		}
	}
	return out
}

// lookupKeyword reads a vendor keyword back into the model through the
// reader's own table (written from the vendor's reference, not shared with
// the renderer): an unknown keyword is an error.
func lookupKeyword[T any](t *testing.T, m map[string]T, kw string) T {
	t.Helper()
	v, ok := m[kw]
	if !ok {
		t.Errorf("unknown keyword %q", kw)
	}
	return v
}

// readSeconds reads a lifetime in seconds.
func readSeconds(t *testing.T, s string) time.Duration {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Errorf("lifetime %q: %v", s, err)
	}
	return time.Duration(n) * time.Second
}

// mustPrefix reads a CIDR prefix.
func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Errorf("prefix %q: %v", s, err)
	}
	return p
}

// maskBits turns a dotted netmask (or, with wildcard, a Cisco wildcard
// mask) into a prefix length; a mask that is not contiguous is an error.
func maskBits(t *testing.T, mask string, wildcard bool) int {
	t.Helper()
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		t.Errorf("mask %q is not a dotted IPv4 mask", mask)
		return 0
	}
	b := m.As4()
	u := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if wildcard {
		u = ^u
	}
	bits := 0
	for bits < 32 && u&(1<<(31-bits)) != 0 {
		bits++
	}
	if u != uint32(0xffffffff)<<(32-bits)&0xffffffff {
		t.Errorf("mask %s is not contiguous", mask)
	}
	return bits
}
