package pskdiff

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// TestRedact checks --redact for every case and vendor: no key left, a
// placeholder per tunnel wherever the unredacted output has a key, a
// header saying so, and a placeholder the vendor's syntax accepts
// (checked by the same oracle as the fuzz target).
func TestRedact(t *testing.T) {
	for _, input := range apiCases(t) {
		data, err := os.ReadFile(input)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := api.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := api.Normalize(cfg)
		if err != nil {
			t.Fatal(err)
		}
		conn.Name = caseName(input)
		// Every BGP session gets a password, so that redaction covers
		// BGP keys too.
		conn = withBGPKeys(conn, "Bgp-Key#!;$x")
		for _, v := range render.Vendors() {
			t.Run(caseName(input)+"/"+v.Name, func(t *testing.T) {
				realFiles, _, err := render.Render(templates.FS, v.Name, conn, render.Options{})
				if err != nil {
					t.Skipf("vendor cannot render this case: %v", err)
				}
				redFiles, _, err := render.Render(templates.FS, v.Name, conn, render.Options{Redact: true})
				if err != nil {
					t.Fatal(err)
				}
				real, red := realFiles[0], redFiles[0]
				if !strings.Contains(string(red.Data), "REDACTED") {
					t.Error("redacted output does not say it is redacted")
				}
				for _, tu := range conn.Tunnels {
					if strings.Contains(string(red.Data), tu.PSK.Reveal()) {
						t.Errorf("%s: key left in redacted output", tu.Label())
					}
					ph := redactedMark(secretID{vpn.KindPSK, tu.Index})
					// A vendor whose file carries no PSK (frr) has no placeholder either.
					if strings.Contains(string(real.Data), tu.PSK.Reveal()) && !strings.Contains(string(red.Data), ph) {
						t.Errorf("redacted output lacks %s", ph)
					}
					if tu.BGP == nil {
						continue
					}
					if strings.Contains(string(red.Data), tu.BGP.AuthKey.Reveal()) {
						t.Errorf("%s: BGP password left in redacted output", tu.Label())
					}
					if strings.Contains(string(real.Data), tu.BGP.AuthKey.Reveal()) && !strings.Contains(string(red.Data), vpn.Placeholder(vpn.KindBGPKey, tu.Index)) {
						t.Errorf("redacted output lacks %s", vpn.Placeholder(vpn.KindBGPKey, tu.Index))
					}
				}
				checkConfined(t, v.Name, conn)
			})
		}
	}
	// strongSwan: the placeholder is a quoted plain value, not base64.
	cfg, _ := api.Parse(api.Example)
	conn, _, _ := api.Normalize(cfg)
	files, _, err := render.Render(templates.FS, "strongswan", conn, render.Options{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^        secret = "<PSK-REDACTED:tunnel-1>"$`).Match(files[0].Data) {
		t.Errorf("strongSwan redacted secret line:\n%s", files[0].Data)
	}
}

// withBGPKeys gives every BGP session of c the password key.
func withBGPKeys(c vpn.Connection, key string) vpn.Connection {
	for _, t := range c.Tunnels {
		if t.BGP != nil {
			c = withSecret(c, secretID{vpn.KindBGPKey, t.Index}, key)
		}
	}
	return c
}
