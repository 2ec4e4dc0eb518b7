package render

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

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
