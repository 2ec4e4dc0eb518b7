package render

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/vpn"
)

// TestFileNotesWarn: a warning lands in the file and in the returned list
// with the same text, in the order found; warnNotInFile reaches only the
// returned list.
func TestFileNotesWarn(t *testing.T) {
	var n fileNotes
	n.warn(vpn.Tunnel{Index: 2}, "weak group")
	n.warnNotInFile("tunnel 1", "name shortened")
	n.warnConn("no VPC prefix")
	n.check("pick a free %s", "priority")

	assert.Equal(t, []string{"tunnel 2: weak group", "no VPC prefix"}, n.Warnings)
	assert.Equal(t, []vpn.Warning{
		{Scope: "tunnel 2", Message: "weak group"},
		{Scope: "tunnel 1", Message: "name shortened"},
		{Message: "no VPC prefix"},
	}, n.returned)
	assert.Equal(t, []string{"pick a free priority"}, n.Checks)
}

// TestEveryViewEmbedsFileNotes: each file vendor's view embeds fileNotes,
// so every template reaches .Header, .Checks, .Warnings and .Verify under
// the same names (the summary is a page of its own and does not).
func TestEveryViewEmbedsFileNotes(t *testing.T) {
	cfg, err := api.Parse(api.Example)
	require.NoError(t, err)
	conn, _, err := api.Normalize(cfg)
	require.NoError(t, err)
	for _, v := range Vendors() {
		if v.aggregate {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			view, err := View(v.Name, conn, Options{Redact: true})
			if errors.Is(err, ErrCannotExpress) {
				view, err = View(v.Name, expressibleCase(t), Options{Redact: true})
			}
			require.NoError(t, err)
			f, ok := reflect.TypeOf(view).FieldByName("fileNotes")
			require.True(t, ok, "%T does not embed fileNotes", view)
			assert.True(t, f.Anonymous, "%T has a fileNotes field that is not embedded", view)
			assert.NotEmpty(t, reflect.ValueOf(view).FieldByName("Header").Interface(), "no header lines")
		})
	}
}

// TestKeyword: a known value gives its keyword; an unknown one the error
// naming the tunnel, what it is for, the value and the platform.
func TestKeyword(t *testing.T) {
	table := map[vpn.Cipher]string{vpn.AES128: "aes"}
	tun := vpn.Tunnel{Index: 2}

	got, err := keyword(table, "Example OS", tun, "IKE encryption", vpn.AES128)
	require.NoError(t, err)
	assert.Equal(t, "aes", got)

	_, err = keyword(table, "Example OS", tun, "IKE encryption", vpn.SM4)
	require.EqualError(t, err, "tunnel 2: IKE encryption SM4 cannot be expressed on Example OS")

	pfs, err := pfsKeyword(map[vpn.DHGroup]string{vpn.Group14: "group14"}, "Example OS", tun)
	require.NoError(t, err)
	assert.Empty(t, pfs, "PFS disabled: no keyword")
	tun.IPsec.PFS = vpn.Group5
	_, err = pfsKeyword(map[vpn.DHGroup]string{vpn.Group14: "group14"}, "Example OS", tun)
	require.EqualError(t, err, "tunnel 2: IPsec PFS group MODP-1536 (group 5) cannot be expressed on Example OS")
}

// TestBaseNameNeverCollides: names that sanitise or shorten to the same
// identifier get different stable suffixes; clean names that fit stay as
// they are.
func TestBaseNameNeverCollides(t *testing.T) {
	conn := func(name, id string) vpn.Connection { return vpn.Connection{Name: name, ID: id} }
	pairs := [][2]vpn.Connection{
		{conn("主线路", "vco-bp1aaaaaaaaaaaaaaaa1"), conn("备线路", "vco-bp1aaaaaaaaaaaaaaaa2")},
		{conn("prod-shanghai-idc-a", "vco-bp1aaaaaaaaaaaaaaaa3"), conn("prod-shanghai-idc-b", "vco-bp1aaaaaaaaaaaaaaaa4")},
		{conn("site 1", ""), conn("site/1", "")},
	}
	pairs[2][0].Tunnels = []vpn.Tunnel{{RemoteAddr: netip.MustParseAddr("203.0.113.1")}}
	pairs[2][1].Tunnels = []vpn.Tunnel{{RemoteAddr: netip.MustParseAddr("203.0.113.2")}}
	for _, limit := range []int{12, 15, 18, 30, 40, 48} {
		for _, p := range pairs {
			a, b := baseName(p[0], limit), baseName(p[1], limit)
			if a == b {
				t.Errorf("limit %d: %q and %q both become %q", limit, p[0].Name, p[1].Name, a)
			}
			for _, n := range []string{a, b} {
				if len(n) > limit || !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`).MatchString(n) {
					t.Errorf("limit %d: %q is not a valid identifier within the limit", limit, n)
				}
			}
			if baseName(p[0], limit) != a {
				t.Errorf("not stable")
			}
		}
	}
	if got := baseName(conn("dual-tunnel", "vco-x"), 40); got != "dual-tunnel" {
		t.Errorf("a clean name that fits changed: %q", got)
	}
	shared := conn("dual-tunnel", "vco-x")
	shared.DisambiguateName = true
	if got := baseName(shared, 40); got == "dual-tunnel" || !strings.HasPrefix(got, "dual-tunnel-") {
		t.Errorf("a name shared in the run was not disambiguated: %q", got)
	}
}

// expressibleCase is a connection every vendor can express (IKEv2,
// AES-256, SHA-256, group 14), for vendors that refuse the built-in
// example (libreswan 4.x has no DH group 2).
func expressibleCase(t *testing.T) vpn.Connection {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "api", "ikev2-aes256-sha256-g14.json"))
	require.NoError(t, err)
	cfg, err := api.Parse(data)
	require.NoError(t, err)
	conn, _, err := api.Normalize(cfg)
	require.NoError(t, err)
	conn.Name = "example"
	return conn
}
