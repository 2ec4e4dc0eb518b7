package pskdiff

import (
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
)

// allVendors plans every registered vendor with the built-in templates.
func allVendors(t *testing.T) *render.Plan {
	t.Helper()
	p, err := render.NewPlan(render.PlanOptions{Vendors: []string{"all"}, Templates: templates.FS})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMaskEscapedForms: a saved API response next to the configs holds
// the key JSON- or XML-escaped; the value masking covers those forms.
func TestMaskEscapedForms(t *testing.T) {
	key := `Esc"aped<&>key`
	cfg, err := api.Parse([]byte(strings.Replace(string(api.Example), "pgw6dy7d1i8in7x5", `Esc\"aped<&>key`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Tunnels[0].PSK.Reveal() != key {
		t.Fatal("example key not replaced")
	}
	m := Learn(allVendors(t), conn)
	saved := strings.Join([]string{
		`{"Psk":"Esc\"aped\u003c\u0026\u003ekey"}`,
		`{"Psk":"Esc\"aped<&>key"}`,
		`<Psk>Esc&#34;aped&lt;&amp;&gt;key</Psk>`,
		`<Psk>Esc&quot;aped&lt;&amp;&gt;key</Psk>`,
	}, "\n") + "\n"
	got := m.Mask("DownloadVpnConnectionConfig.json", saved)
	if strings.Contains(got, "aped") {
		t.Errorf("escaped key survives:\n%s", got)
	}
}

// TestMaskKeywordLines: in a file no vendor's skeleton describes, lines
// naming a key by a keyword some vendor declares are masked, and a changed value still
// shows as a change.
func TestMaskKeywordLines(t *testing.T) {
	cfg, err := api.Parse(api.Example)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := Learn(allVendors(t), conn)
	a, b := m.MaskPair("legacy.cfg",
		"secrets {\n  pre-shared-key OLD-ONE-1\n  psksecret same-2\n}\n# psk: none here\n",
		"secrets {\n  pre-shared-key NEW-ONE-1\n  psksecret same-2\n}\n# psk: none here\n")
	wantA := "secrets {\n  pre-shared-key <PSK-REDACTED>\n  psksecret <PSK-REDACTED>\n}\n# psk: none here\n"
	wantB := "secrets {\n  pre-shared-key <PSK-CHANGED>\n  psksecret <PSK-REDACTED>\n}\n# psk: none here\n"
	if a != wantA || b != wantB {
		t.Errorf("got\n%s---\n%s", a, b)
	}
}
