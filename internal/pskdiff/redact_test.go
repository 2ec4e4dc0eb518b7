package pskdiff

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
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
					ph := redactedMark(tu.Index)
					// A vendor whose file carries no PSK (frr) has no placeholder either.
					if strings.Contains(string(real.Data), tu.PSK.Reveal()) && !strings.Contains(string(red.Data), ph) {
						t.Errorf("redacted output lacks %s", ph)
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
