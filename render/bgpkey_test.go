package render_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// bgpConn is the dual-tunnel BGP test case with a BGP password on both
// tunnels.
func bgpConn(t *testing.T, key string) vpn.Connection {
	t.Helper()
	data, err := os.ReadFile("../testdata/api/dual-tunnel-bgp.json")
	require.NoError(t, err)
	cfg, err := api.Parse(data)
	require.NoError(t, err)
	c, _, err := api.Normalize(cfg)
	require.NoError(t, err)
	c.Name = "bgp"
	for i := range c.Tunnels {
		b := *c.Tunnels[i].BGP
		b.AuthKey = vpn.NewSecret(key)
		c.Tunnels[i].BGP = &b
	}
	return c
}

func renderOne(t *testing.T, vendor string, c vpn.Connection) (string, []vpn.Warning, error) {
	t.Helper()
	files, warns, err := render.Render(templates.FS, vendor, c, render.Options{})
	if err != nil {
		return "", nil, err
	}
	return string(files[0].Data), warns, nil
}

// TestBGPKeySyntax: each platform writes the BGP password its own way, or
// refuses it with an error that names the character, never the key.
func TestBGPKeySyntax(t *testing.T) {
	for _, tc := range []struct {
		vendor, key, line, err, warn string
	}{
		{"cisco-ios", `plain#key!`, " neighbor 169.254.10.1 password plain#key!\n", "", ""},
		{"cisco-asa", `plain#key!`, "  neighbor 169.254.10.1 password plain#key!\n", "", ""},
		{"cisco-ios", `quo"te-key`, "", `character 4 is a double quote`, ""},
		{"cisco-ios", `9starts-with-digit`, " password 9starts-with-digit\n", "", "starts with a digit"},
		{"cisco-asa", strings.Repeat("k", 30), "", "", "30 characters"},
		{"juniper-srx", `sl\ash"q`, `authentication-key "sl\\ash\"q"` + "\n", "", "backslash in front"},
		{"juniper-srx", `$9$abcdef`, "", `starts with "$9$"`, ""},
		{"juniper-srx", "plainkey", `authentication-key "plainkey"` + "\n", "", ""},
		{"fortigate", `it's\"`, `set password "it\'s\\\""` + "\n", "", "backslash in front"},
		{"fortigate", "plainkey", `set password "plainkey"` + "\n", "", ""},
	} {
		t.Run(tc.vendor+"/"+tc.key, func(t *testing.T) {
			out, warns, err := renderOne(t, tc.vendor, bgpConn(t, tc.key))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.NotContains(t, err.Error(), tc.key)
				return
			}
			require.NoError(t, err)
			if tc.line != "" {
				assert.Contains(t, out, tc.line)
			}
			var msgs []string
			for _, w := range warns {
				msgs = append(msgs, w.Message)
				assert.NotContains(t, w.Message, tc.key, "a warning shows the key")
			}
			if tc.warn != "" {
				assert.Contains(t, strings.Join(msgs, "\n"), tc.warn)
			}
		})
	}
}

// TestBGPKeyRedacted: --redact writes the BGP placeholder in place of the
// key on every platform that writes BGP passwords.
func TestBGPKeyRedacted(t *testing.T) {
	c := bgpConn(t, "redact-me-key")
	for _, v := range []string{"cisco-ios", "cisco-asa", "juniper-srx", "fortigate"} {
		files, _, err := render.Render(templates.FS, v, c, render.Options{Redact: true})
		require.NoError(t, err, v)
		out := string(files[0].Data)
		assert.NotContains(t, out, "redact-me-key", v)
		assert.Contains(t, out, vpn.Placeholder(vpn.KindBGPKey, 2), v)
	}
}
