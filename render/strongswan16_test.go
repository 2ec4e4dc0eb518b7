package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// Issue 16 checks for strongswan (docs/vendors/strongswan.md).

// TestSwanXFRMNamesUnique: two connections on one host (distinct if-ids,
// as a batch hands out) never share an XFRM interface name.
func TestSwanXFRMNamesUnique(t *testing.T) {
	c := asRouteBased(srxFortiConn())
	a, _, err := renderMain(templates.FS, "strongswan", c, Options{Params: map[string]string{"if-id": "1"}})
	require.NoError(t, err)
	b, _, err := renderMain(templates.FS, "strongswan", c, Options{Params: map[string]string{"if-id": "3"}})
	require.NoError(t, err)
	dev := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if f := strings.Fields(l); len(f) > 4 && f[1] == "ip" && f[2] == "link" && f[3] == "add" {
				return f[4]
			}
		}
		return ""
	}
	if da, db := dev(string(a.Data)), dev(string(b.Data)); da == "" || da == db {
		t.Errorf("XFRM interface names %q and %q", da, db)
	}
}

// TestSwanWeakAlgorithmWarnings: DES needs OpenSSL 3's legacy provider;
// MD5 does not (the legacy provider holds DES and MD4); the caveats are
// WARNING lines in the file.
func TestSwanWeakAlgorithmWarnings(t *testing.T) {
	md5 := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.Integrity = vpn.MD5 })
	out, warns, err := renderMain(templates.FS, "strongswan", md5, Options{})
	require.NoError(t, err)
	for _, w := range warns {
		if strings.Contains(w.Message, "legacy provider") {
			t.Errorf("MD5 alone does not need the legacy provider: %s", w)
		}
		if !strings.Contains(string(out.Data), "# WARNING: "+strings.TrimPrefix(w.String(), "strongswan: ")) {
			t.Errorf("warning %q is not in the file", w)
		}
	}
	des := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.Cipher = vpn.DES })
	_, warns, err = renderMain(templates.FS, "strongswan", des, Options{})
	require.NoError(t, err)
	requireWarning(t, warns, "legacy provider")
}

// TestSwanRollback: the back-out script terminates and unloads exactly
// the file's connections and deletes its XFRM interfaces and routes.
func TestSwanRollback(t *testing.T) {
	c := asRouteBased(dualPolicyConn())
	files, _, err := Render(templates.FS, "strongswan", c, Options{Rollback: true, Params: map[string]string{"vpc-cidr": "172.16.0.0/12", "if-id": "7"}})
	require.NoError(t, err)
	if len(files) != 2 {
		t.Fatalf("%d files", len(files))
	}
	rb := string(files[1].Data)
	for _, want := range []string{"swanctl --terminate --ike unit-t1", "swanctl --terminate --ike unit-t2", "swanctl --load-all",
		"ip route del 172.16.0.0/12 dev ipsec7", "ip link del ipsec7", "ip link del ipsec8"} {
		requireLine(t, []byte(rb), want)
	}
}
