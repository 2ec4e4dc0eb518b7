package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// TestVendorsDeclareSecrets: every registered vendor says where its
// secrets go (SecretKeywords) or that it has none (NoSecrets), and the
// declaration is true: rendering the built-in example with two different
// keys, every line that changes holds one of the declared keywords, and a
// NoSecrets vendor's files do not change at all. A vendor registered
// without a declaration fails here, so the --diff masker's safety net
// covers every vendor by construction.
func TestVendorsDeclareSecrets(t *testing.T) {
	// The built-in example (policy-based) and a route-based BGP case: a
	// vendor may carry only a BGP password (frr).
	bgpJSON, err := os.ReadFile(filepath.Join("..", "testdata", "api", "dual-tunnel-bgp.json"))
	require.NoError(t, err)
	g14JSON, err := os.ReadFile(filepath.Join("..", "testdata", "api", "ikev2-aes256-sha256-g14.json"))
	require.NoError(t, err)
	var conns []vpn.Connection
	for _, in := range [][]byte{api.Example, bgpJSON, g14JSON} {
		cfg, err := api.Parse(in)
		require.NoError(t, err)
		conn, _, err := api.Normalize(cfg)
		require.NoError(t, err)
		conn.Name = "example"
		conns = append(conns, conn)
	}
	withKey := func(conn vpn.Connection, k string) vpn.Connection {
		c := conn
		c.Tunnels = append([]vpn.Tunnel{}, conn.Tunnels...)
		for i := range c.Tunnels {
			c.Tunnels[i].PSK = vpn.NewSecret(k)
			if b := c.Tunnels[i].BGP; b != nil {
				bgp := *b
				bgp.AuthKey = vpn.NewSecret(k + "-bgp")
				c.Tunnels[i].BGP = &bgp
			}
		}
		return c
	}
	for _, v := range render.Vendors() {
		t.Run(v.Name, func(t *testing.T) {
			require.True(t, v.NoSecrets || len(v.SecretKeywords) > 0,
				"%s declares neither SecretKeywords nor NoSecrets", v.Name)
			changed := 0
			rendered := 0
			for _, conn := range conns {
				a, _, err := render.Render(templates.FS, v.Name, withKey(conn, "ProbeKeyAlpha1"), render.Options{Rollback: true})
				if errors.Is(err, render.ErrCannotExpress) {
					continue // libreswan 4.x: no DH group 2 in the example
				}
				require.NoError(t, err)
				rendered++
				b, _, err := render.Render(templates.FS, v.Name, withKey(conn, "ProbeKeyBravo2"), render.Options{Rollback: true})
				require.NoError(t, err)
				require.Len(t, b, len(a))
				for i := range a {
					al := strings.Split(string(a[i].Data), "\n")
					bl := strings.Split(string(b[i].Data), "\n")
					require.Len(t, bl, len(al), "%s: the key changes the number of lines", a[i].Name)
					for j := range al {
						if al[j] == bl[j] {
							continue
						}
						changed++
						assert.False(t, v.NoSecrets, "%s declares NoSecrets but line %d of %s carries the key", v.Name, j+1, a[i].Name)
						assert.True(t, hasKeyword(al[j], v.SecretKeywords), "%s line %d carries the key without a declared keyword %v: %q", a[i].Name, j+1, v.SecretKeywords, al[j])
					}
				}
			}
			require.NotZero(t, rendered, "%s renders none of the inputs", v.Name)
			if !v.NoSecrets {
				assert.NotZero(t, changed, "%s declares secret keywords but its files never carry the key", v.Name)
			}
		})
	}
}

// TestVendorsDeclareBGPKeys: the declaration also covers BGP passwords.
// Rendering a BGP connection with two different passwords, every line
// that changes holds a declared keyword.
func TestVendorsDeclareBGPKeys(t *testing.T) {
	data, err := os.ReadFile("../testdata/api/dual-tunnel-bgp.json")
	require.NoError(t, err)
	cfg, err := api.Parse(data)
	require.NoError(t, err)
	conn, _, err := api.Normalize(cfg)
	require.NoError(t, err)
	conn.Name = "bgp"
	withKey := func(k string) vpn.Connection {
		c := conn
		c.Tunnels = append([]vpn.Tunnel{}, conn.Tunnels...)
		for i := range c.Tunnels {
			b := *c.Tunnels[i].BGP
			b.AuthKey = vpn.NewSecret(k)
			c.Tunnels[i].BGP = &b
		}
		return c
	}
	for _, v := range render.Vendors() {
		t.Run(v.Name, func(t *testing.T) {
			a, _, err := render.Render(templates.FS, v.Name, withKey("BgpKeyAlpha1"), render.Options{Rollback: true})
			if err != nil {
				t.Skipf("%s cannot render a BGP connection: %v", v.Name, err)
			}
			b, _, err := render.Render(templates.FS, v.Name, withKey("BgpKeyBravo2"), render.Options{Rollback: true})
			require.NoError(t, err)
			require.Len(t, b, len(a))
			changed, carried := 0, false
			for i := range a {
				carried = carried || strings.Contains(string(a[i].Data), "BgpKeyAlpha1")
				al := strings.Split(string(a[i].Data), "\n")
				bl := strings.Split(string(b[i].Data), "\n")
				require.Len(t, bl, len(al), "%s: the key changes the number of lines", a[i].Name)
				for j := range al {
					if al[j] != bl[j] {
						changed++
						assert.True(t, hasKeyword(al[j], v.SecretKeywords), "%s line %d carries the BGP key without a declared keyword %v: %q", a[i].Name, j+1, v.SecretKeywords, al[j])
					}
				}
			}
			assert.Equal(t, carried, changed > 0, "the files carry the key exactly where lines change")
		})
	}
}

func hasKeyword(line string, words []string) bool {
	for _, f := range strings.Fields(line) {
		// RouterOS writes name=value in one field: the name counts.
		if name, _, ok := strings.Cut(f, "="); ok && name != "" {
			f = name
		}
		f = strings.Trim(f, `:=;"'`)
		for _, w := range words {
			if strings.EqualFold(f, w) {
				return true
			}
		}
	}
	return false
}

// TestInputWarningsInEveryFile: what the download left open (an assumed
// master tunnel, a guessed BGP orientation) is a WARNING in every
// vendor's file, not only on stderr, and never carries a key.
func TestInputWarningsInEveryFile(t *testing.T) {
	cfg, err := api.Parse(api.Example)
	require.NoError(t, err)
	conn, _, err := api.Normalize(cfg)
	require.NoError(t, err)
	conn.Name = "example"
	key := conn.Tunnels[0].PSK.Reveal()
	warn := vpn.Warning{Scope: "connection", Message: "assuming tunnel 1 is the master (echoed input: " + key + ")"}
	for _, v := range render.Vendors() {
		if v.NoSecrets {
			continue // the summary lists input warnings in its own section
		}
		t.Run(v.Name, func(t *testing.T) {
			files, _, err := render.Render(templates.FS, v.Name, conn, render.Options{InputWarnings: []vpn.Warning{warn}})
			if errors.Is(err, render.ErrCannotExpress) {
				// libreswan 4.x: no DH group 2 in the example.
				c := conn
				c.Tunnels = append([]vpn.Tunnel{}, conn.Tunnels...)
				c.Tunnels[0].IKE.DHGroup, c.Tunnels[0].IPsec.PFS = vpn.Group14, vpn.Group14
				files, _, err = render.Render(templates.FS, v.Name, c, render.Options{InputWarnings: []vpn.Warning{warn}})
			}
			require.NoError(t, err)
			assert.Contains(t, string(files[0].Data), "WARNING: connection: assuming tunnel 1 is the master")
			assert.NotContains(t, string(files[0].Data), "echoed input: "+key)
		})
	}
}
