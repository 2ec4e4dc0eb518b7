package pskdiff

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// FuzzRender drives the whole pipeline (parse, normalize, every
// registered renderer) with a saved response whose PSK, IKE IDs and BGP
// password (given to every BGP session) are replaced by fuzzed strings,
// and checks that every value stays in its place (see checkConfined). In a normal `go test` it runs only the
// seeds: every testdata/api case with awkward keys. Run it for real with
//
//	go test ./internal/pskdiff/ -run '^$' -fuzz FuzzRender -fuzztime 60s
func FuzzRender(f *testing.F) {
	awkward := []string{
		`k"#;!x`, "0xdeadbeef", "0sAAAA", `$9$abc`, `a\b"c`, "new\nline", "cr\rreturn",
		"`~!@#$%^&*()_-+={}[]|;:\",.<>/?", "<PSK-REDACTED:tunnel-1>", "?help",
	}
	for i, path := range apiCases(f) {
		if !strings.HasSuffix(path, ".json") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, awkward[i%len(awkward)], "", "", awkward[(i+5)%len(awkward)])
		f.Add(data, awkward[(i+3)%len(awkward)], "vpn.example.com", "a;b", "")
	}
	f.Fuzz(func(t *testing.T, doc []byte, psk, localID, remoteID, bgpKey string) {
		cfg, err := api.Parse(doc)
		if err != nil {
			return
		}
		for _, ike := range ikeConfigs(cfg) {
			ike.Psk = psk
			if localID != "" {
				ike.LocalID = localID
			}
			if remoteID != "" {
				ike.RemoteID = remoteID
			}
		}
		conn, _, err := api.Normalize(cfg)
		if err != nil {
			assertNoSecret(t, "normalize error", err.Error(), psk)
			return
		}
		conn.Name = "fuzz"
		if bgpKey != "" {
			// Alibaba's BGP keys are printable ASCII; the renderers must
			// confine or refuse whatever reaches them.
			conn = withBGPKeys(conn, bgpKey)
		}
		for _, v := range render.Vendors() {
			checkConfined(t, v.Name, conn)
		}
	})
}

// ikeConfigs returns every IkeConfig of a response: the top-level one and
// each tunnel's.
func ikeConfigs(cfg *api.VpnConnectionConfig) []*api.IkeConfig {
	var out []*api.IkeConfig
	if cfg.IkeConfig != nil {
		out = append(out, cfg.IkeConfig)
	}
	if cfg.TunnelsConfig != nil {
		for i := range cfg.TunnelsConfig.TunnelConfig {
			if ike := cfg.TunnelsConfig.TunnelConfig[i].IkeConfig; ike != nil {
				out = append(out, ike)
			}
		}
	}
	return out
}

// spanCheck is a vendor's own rule for how a key may be written, where
// its syntax is known; other vendors get the generic rules only.
var spanCheck = map[string]*regexp.Regexp{
	// swanctl: a quoted plain key or 0s<base64> (render/strongswan.go).
	"strongswan": regexp.MustCompile(`^("[A-Za-z0-9_.:@/+=,<>-]+"|0s[A-Za-z0-9+/]+=*)$`),
	// Huawei VRP: one bare word without '"', '?' or blanks, or on USG a
	// key holding '?' inside "…" (render/vrp.go, docs/vendors/huawei.md).
	"huawei": regexp.MustCompile(`^([!#->@-~]+|"[!#-~]*\?[!#-~]*")$`),
	// Comware: one bare word without '"', '?' or blanks (render/vrp.go).
	"h3c": regexp.MustCompile(`^[!#->@-~]+$`),
	// PAN-OS: a bare key, or one inside "…" without a quote, question mark
	// or backslash (render/paloalto.go).
	"paloalto": regexp.MustCompile("^([A-Za-z0-9_.:@/+=,-]+|\"[A-Za-z0-9~!`@#$%^&*()_+={}\\[\\]|;:,.<>/-]+\")$"),
	// RouterOS: secret="…" with \ \" \$ \? escaped, or secret=0x<hex>
	// (render/mikrotik.go).
	"mikrotik": regexp.MustCompile(`^secret=("([^"\\$?]|\\["\\$?])*"|0x[0-9a-f]+)$`),
}

var placeholderRE = regexp.MustCompile(`^<(PSK|BGP-KEY)-[A-Z]+(:tunnel-\d+)?>$`)

// checkConfined is the fuzz oracle. It renders c for one vendor with and
// without redaction; since the two differ only in the keys, any line that
// differs carries a key. The key is confined to its place when:
//
//  1. the output has no carriage return or other control character, so
//     no value can start a line that a device would read;
//  2. the redacted output and every error hold no key;
//  3. every changed line pairs with a redacted line that has the same
//     fields before and after the key (cut at whitespace), and the key's
//     span is at most two fields (an encoding keyword and the value) with
//     balanced quotes, or matches the vendor's own rule (spanCheck);
//  4. any changed line without a partner is a comment without the key
//     (strongSwan's "0s = Base64" note);
//  5. the output stays below 8 MB;
//  6. replacing FQDN identities by harmless names of the same length
//     leaves the number of lines unchanged.
func checkConfined(t *testing.T, vendor string, c vpn.Connection) {
	t.Helper()
	var psks []string
	for _, sv := range c.Secrets() {
		// A key that is itself a placeholder cannot be told from one.
		if !placeholderRE.MatchString(sv.Value) {
			psks = append(psks, sv.Value)
		}
	}
	realFiles, _, err := render.Render(templates.FS, vendor, c, render.Options{})
	if err != nil {
		assertNoSecret(t, vendor+" error", err.Error(), psks...)
		return
	}
	redFiles, _, err := render.Render(templates.FS, vendor, c, render.Options{Redact: true})
	if err != nil {
		t.Fatalf("%s: renders with keys but not redacted: %v", vendor, err)
	}
	for i := range realFiles {
		checkFileConfined(t, vendor, realFiles[i], redFiles[i], psks)
	}

	// Identities: same lines with harmless names of the same length.
	benign := c
	benign.Tunnels = append([]vpn.Tunnel{}, c.Tunnels...)
	changedID := false
	for i := range benign.Tunnels {
		for _, id := range []*vpn.Identity{&benign.Tunnels[i].LocalID, &benign.Tunnels[i].RemoteID} {
			if id.Kind == vpn.IDFQDN {
				*id = vpn.FQDNID(regexp.MustCompile(`[^.]`).ReplaceAllString(id.FQDN, "a"))
				changedID = true
			}
		}
	}
	if changedID {
		bf, _, err := render.Render(templates.FS, vendor, benign, render.Options{})
		if err == nil {
			for i := range bf {
				bl, _ := splitLines(string(bf[i].Data))
				rl, _ := splitLines(string(realFiles[i].Data))
				if len(bl) != len(rl) {
					t.Fatalf("%s: an FQDN identity changes the number of lines of %s (%d vs %d)", vendor, bf[i].Name, len(rl), len(bl))
				}
			}
		}
	}
}

// checkFileConfined applies rules 1-5 to one file of a vendor.
func checkFileConfined(t *testing.T, vendor string, real, red render.File, psks []string) {
	t.Helper()
	// Output size stays proportional to a sane connection (render's
	// subnet limits); an amplification would show up here.
	if len(real.Data) > 8<<20 {
		t.Fatalf("%s: %d bytes of output", vendor, len(real.Data))
	}
	for i, r := range string(real.Data) {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r == '\u2028' || r == '\u2029' {
			t.Fatalf("%s: output has control character %U at byte %d", vendor, r, i)
		}
	}
	assertNoSecret(t, vendor+" redacted output", string(red.Data), psks...)

	realLines, _ := splitLines(string(real.Data))
	redLines, _ := splitLines(string(red.Data))
	for _, pr := range changedLines(realLines, redLines) {
		line := realLines[pr.a]
		if pr.b < 0 {
			if tr := strings.TrimSpace(line); !strings.HasPrefix(tr, "#") && !strings.HasPrefix(tr, "!") {
				t.Fatalf("%s: key adds a line that is not a comment: %q", vendor, line)
			}
			assertNoSecret(t, vendor+" added comment", line, psks...)
			continue
		}
		n, m := commonEnds(line, redLines[pr.b])
		if n == 0 && m == 0 {
			t.Fatalf("%s: key line shares no field with its redacted form:\n  %q\n  %q", vendor, line, redLines[pr.b])
		}
		sp := line[n : len(line)-m]
		if re := spanCheck[vendor]; re != nil {
			if !re.MatchString(sp) {
				t.Fatalf("%s: key written as %q, outside the vendor's key syntax", vendor, sp)
			}
			continue
		}
		fields := strings.Fields(sp)
		if len(fields) > 2 {
			t.Fatalf("%s: key spans %d fields: %q", vendor, len(fields), sp)
		}
		last := fields[len(fields)-1]
		if strings.HasPrefix(last, `"`) {
			inner := strings.ReplaceAll(last, `\\`, "")
			inner = strings.ReplaceAll(inner, `\"`, "")
			if len(inner) < 2 || !strings.HasSuffix(inner, `"`) || strings.Count(inner, `"`) != 2 {
				t.Fatalf("%s: quoted key is not closed where it should be: %q", vendor, last)
			}
		}
	}
}

// assertNoSecret fails when text holds one of the secrets. Keys shorter
// than 6 characters occur in ordinary text by chance and are skipped.
func assertNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 6 && strings.Contains(text, s) {
			t.Fatalf("%s reveals a secret %q:\n%s", what, s, text)
		}
	}
}

// apiCases lists the saved API responses of the golden cases.
func apiCases(t testing.TB) []string {
	t.Helper()
	cases, err := filepath.Glob("../../testdata/api/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	return cases
}

// caseName is a case's name: its file name without extension.
func caseName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}
