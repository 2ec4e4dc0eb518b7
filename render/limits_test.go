package render

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// TestSizeLimits: connections whose output would explode are refused
// before anything is built.
func TestSizeLimits(t *testing.T) {
	subnets := func(n int) []netip.Prefix {
		out := make([]netip.Prefix, n)
		for i := range out {
			out[i] = netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))
		}
		return out
	}
	conn := func(ver vpn.IKEVersion, l, r int) vpn.Connection {
		return vpn.Connection{
			Name: "limits", LocalSubnets: subnets(l), RemoteSubnets: subnets(r),
			Tunnels: []vpn.Tunnel{{Index: 1, RemoteAddr: netip.MustParseAddr("203.0.113.1"), PSK: vpn.NewSecret("k"),
				IKE:   vpn.IKE{Version: ver, Cipher: vpn.AES128, Integrity: vpn.SHA1, DHGroup: vpn.Group2, Lifetime: time.Hour},
				IPsec: vpn.IPsec{Cipher: vpn.AES128, Integrity: vpn.SHA1, PFS: vpn.Group2, Lifetime: time.Hour}}},
		}
	}
	fsys := fstest.MapFS{"strongswan/swanctl.conf.tmpl": {Data: []byte("ok")}}
	tests := map[string]struct {
		c       vpn.Connection
		wantErr string
	}{
		"ikev1 small":       {conn(vpn.IKEv1, 64, 64), ""},
		"ikev1 too many":    {conn(vpn.IKEv1, 65, 64), "needs 4160 phase-2 SAs; vpnexport renders at most 4096"},
		"ikev2 many pairs":  {conn(vpn.IKEv2, 200, 200), ""},
		"too many per side": {conn(vpn.IKEv2, 1025, 1), "1025 subnets on one side"},
		"ipv6 on-prem":      {withSubnets(conn(vpn.IKEv2, 1, 1), "2001:db8:1::/64", "10.0.0.0/24"), "on-prem subnet 2001:db8:1::/64 is IPv6"},
		"ipv6 vpc /32":      {withSubnets(conn(vpn.IKEv2, 1, 1), "10.0.0.0/24", "2001:db8::/32"), "VPC subnet 2001:db8::/32 is IPv6"},
		"ipv6 default":      {withSubnets(conn(vpn.IKEv2, 1, 1), "::/0", "::/0"), "is IPv6"},
		"vpc side default":  {withSubnets(conn(vpn.IKEv2, 1, 1), "10.20.0.0/16", "0.0.0.0/0"), "would send every destination (a default route) into the tunnel"},
		"vpc default mixed": {withSubnets(conn(vpn.IKEv1, 1, 1), "10.20.0.0/16", "10.10.0.0/16,0.0.0.0/0"), "default route"},
		"on-prem any ok":    {withSubnets(conn(vpn.IKEv2, 1, 1), "0.0.0.0/0", "10.10.0.0/16"), ""},
		"route-based ok":    {withSubnets(conn(vpn.IKEv2, 1, 1), "0.0.0.0/0", "0.0.0.0/0"), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := renderMain(fsys, "strongswan", tc.c, Options{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// withSubnets replaces a connection's subnets by comma-separated lists.
func withSubnets(c vpn.Connection, local, remote string) vpn.Connection {
	parse := func(s string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range strings.Split(s, ",") {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out
	}
	c.LocalSubnets, c.RemoteSubnets = parse(local), parse(remote)
	return c
}

// TestEveryVendorRefusesIPv6AndDefaultRoutes: the refusals hold for every
// registered vendor with its real templates, never a panic or a file.
func TestEveryVendorRefusesIPv6AndDefaultRoutes(t *testing.T) {
	base := vpn.Connection{Name: "v6", Tunnels: []vpn.Tunnel{{Index: 1, RemoteAddr: netip.MustParseAddr("203.0.113.1"), PSK: vpn.NewSecret("fake-psk-0001"),
		IKE:   vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES128, Integrity: vpn.SHA1, DHGroup: vpn.Group14, Lifetime: time.Hour},
		IPsec: vpn.IPsec{Cipher: vpn.AES128, Integrity: vpn.SHA1, PFS: vpn.Group14, Lifetime: time.Hour}}}}
	for _, v := range Vendors() {
		for name, c := range map[string]vpn.Connection{
			"v6 /64":       withSubnets(base, "2001:db8:1::/64", "10.10.0.0/16"),
			"v6 /32":       withSubnets(base, "10.20.0.0/16", "2001:db8::/32"),
			"half default": withSubnets(base, "10.20.0.0/16", "0.0.0.0/0"),
		} {
			t.Run(v.Name+"/"+name, func(t *testing.T) {
				files, _, err := Render(templates.FS, v.Name, c, Options{})
				if err == nil {
					t.Fatalf("rendered %d file(s); want a refusal", len(files))
				}
			})
		}
	}
}
