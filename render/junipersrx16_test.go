package render

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// Issue 16 checks for juniper-srx: what an engineer pasting into a
// production SRX relies on. Keywords per docs/vendors/juniper-srx.md
// (Juniper's published junos-es configuration YANG).

// TestJunosSHA2Release: ESP SHA-384/512 are hmac-sha-384/hmac-sha-512
// (Junos 23.2 and later; no release knows a -192/-256 suffix), IKE sha-512
// is 23.2+ as well, IKE sha-384 exists since 17.4. --set junos-version
// refuses what the release lacks; without it the file warns.
func TestJunosSHA2Release(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ike, ipsec vpn.Integrity
		version    string
		err        string // "" = renders
		warn       bool   // a "23.2" warning is expected
	}{
		{name: "esp-sha384", ike: vpn.SHA256, ipsec: vpn.SHA384, warn: true},
		{name: "esp-sha512", ike: vpn.SHA256, ipsec: vpn.SHA512, warn: true},
		{name: "ike-sha512", ike: vpn.SHA512, ipsec: vpn.SHA256, warn: true},
		{name: "ike-sha384 needs no warning", ike: vpn.SHA384, ipsec: vpn.SHA256},
		{name: "esp-sha384 on 23.2", ike: vpn.SHA256, ipsec: vpn.SHA384, version: "23.2R1"},
		{name: "esp-sha512 on 24.4", ike: vpn.SHA256, ipsec: vpn.SHA512, version: "24.4"},
		{name: "esp-sha384 on 22.4", ike: vpn.SHA256, ipsec: vpn.SHA384, version: "22.4R3",
			err: "tunnel 1: IPsec integrity hmac-sha-384 needs Junos 23.2 or later (--set junos-version=22.4R3)"},
		{name: "ike-sha512 on 21.4", ike: vpn.SHA512, ipsec: vpn.SHA256, version: "21.4",
			err: "tunnel 1: IKE integrity sha-512 needs Junos 23.2 or later (--set junos-version=21.4)"},
		{name: "ike-sha384 on 17.4", ike: vpn.SHA384, ipsec: vpn.SHA256, version: "17.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.Integrity, tn.IPsec.Integrity = tc.ike, tc.ipsec })
			o := Options{}
			if tc.version != "" {
				o.Params = map[string]string{"junos-version": tc.version}
			}
			out, warns, err := renderMain(templates.FS, "juniper-srx", conn, o)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				if !strings.Contains(err.Error(), "Alibaba") {
					t.Errorf("error %q does not say what to change on Alibaba", err)
				}
				return
			}
			require.NoError(t, err)
			s := string(out.Data)
			for _, bad := range []string{"hmac-sha-384-192", "hmac-sha-512-256"} {
				if strings.Contains(s, bad) {
					t.Errorf("file has %s, which no Junos release accepts", bad)
				}
			}
			if tc.ipsec == vpn.SHA384 {
				requireLine(t, out.Data, "set security ipsec proposal ipsec-prop-unit authentication-algorithm hmac-sha-384")
			}
			if tc.ipsec == vpn.SHA512 {
				requireLine(t, out.Data, "set security ipsec proposal ipsec-prop-unit authentication-algorithm hmac-sha-512")
			}
			hasWarn := strings.Contains(s, "# WARNING: tunnel 1: ") && strings.Contains(s, "Junos 23.2")
			if hasWarn != tc.warn {
				t.Errorf("23.2 WARNING line in file: %v, want %v\n%s", hasWarn, tc.warn, s)
			}
			if tc.warn {
				requireWarning(t, warns, "Junos 23.2")
			}
		})
	}
}

// TestJunosGroup24OneText: the group24 caveat is one text, in the file and
// on stderr (it was two different texts).
func TestJunosGroup24OneText(t *testing.T) {
	conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup = vpn.Group24 })
	out, warns, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
	require.NoError(t, err)
	for _, w := range warns {
		if strings.Contains(w.Message, "group24") && !strings.Contains(string(out.Data), "# WARNING: "+strings.TrimPrefix(w.String(), "juniper-srx: ")) {
			t.Errorf("warning %q is not in the file as a WARNING line", w.String())
		}
	}
}

// TestJunosHostInboundZoneLevel: host-inbound-traffic on the external
// interface overrides the zone's (ssh, ping, dhcp), so ike goes at zone
// level, and the file recommends commit confirmed.
func TestJunosHostInboundZoneLevel(t *testing.T) {
	out, _, err := renderMain(templates.FS, "juniper-srx", srxFortiConn(), Options{})
	require.NoError(t, err)
	s := string(out.Data)
	if strings.Contains(s, "interfaces ge-0/0/0.0 host-inbound-traffic") {
		t.Errorf("host-inbound-traffic set on the external interface, which overrides the zone's services:\n%s", s)
	}
	requireLine(t, out.Data, "set security zones security-zone untrust host-inbound-traffic system-services ike")
	if !strings.Contains(s, "commit confirmed") {
		t.Errorf("the file does not recommend commit confirmed")
	}
}

// TestJunosTrafficSelectorLimit: Junos takes at most 200 traffic selectors
// per VPN, and at most 200 terms in one traffic selector (max-elements 200
// for both in the model). IKEv1 writes one selector per subnet pair, IKEv2
// one selector with a term per pair.
func TestJunosTrafficSelectorLimit(t *testing.T) {
	for version, want := range map[vpn.IKEVersion]string{
		vpn.IKEv1: "210 subnet pairs need 210 traffic selectors; Junos takes at most 200 per VPN",
		vpn.IKEv2: "210 subnet pairs need 210 traffic-selector terms; Junos takes at most 200 per traffic selector",
	} {
		conn := withTunnel(srxFortiConn(), func(t *vpn.Tunnel) { t.IKE.Version = version })
		conn.LocalSubnets, conn.RemoteSubnets = nil, nil
		for i := 0; i < 15; i++ {
			conn.LocalSubnets = append(conn.LocalSubnets, netip.MustParsePrefix(fmt.Sprintf("10.20.%d.0/24", i)))
		}
		for i := 0; i < 14; i++ {
			conn.RemoteSubnets = append(conn.RemoteSubnets, netip.MustParsePrefix(fmt.Sprintf("10.10.%d.0/24", i)))
		}
		_, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
		require.ErrorContains(t, err, want)

		conn.RemoteSubnets = conn.RemoteSubnets[:13] // 195 pairs
		_, _, err = renderMain(templates.FS, "juniper-srx", conn, Options{})
		require.NoError(t, err)
	}
}

func srxBGPConn() vpn.Connection {
	c := srxFortiConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.Tunnels[0].BGP = &vpn.BGP{
		LocalASN: 65530, RemoteASN: 45104,
		TunnelCIDR: netip.MustParsePrefix("169.254.10.0/30"),
		LocalIP:    netip.MustParseAddr("169.254.10.2"), RemoteIP: netip.MustParseAddr("169.254.10.1"),
	}
	return c
}

// TestJunosBGPDenyByDefault: the BGP group exports only the on-prem
// prefixes given with --set onprem-prefixes (nothing, with a warning, when
// none are given), never accepts a default route from Alibaba, keeps the
// learned VPC routes off eBGP sessions (no-export), and --set local-as
// keeps an existing autonomous-system statement.
func TestJunosBGPDenyByDefault(t *testing.T) {
	t.Run("no prefixes", func(t *testing.T) {
		out, warns, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{})
		require.NoError(t, err)
		requireLine(t, out.Data, "set protocols bgp group unit-t1 export unit-export")
		requireLine(t, out.Data, "set policy-options policy-statement unit-export then reject")
		requireLine(t, out.Data, "set protocols bgp group unit-t1 import unit-import")
		requireLine(t, out.Data, "set policy-options policy-statement unit-import term no-default from route-filter 0.0.0.0/0 exact")
		requireLine(t, out.Data, "set policy-options policy-statement unit-import term no-default then reject")
		requireLine(t, out.Data, "set policy-options policy-statement unit-import then community add unit-no-export")
		requireLine(t, out.Data, "set policy-options community unit-no-export members no-export")
		requireLine(t, out.Data, "set routing-options autonomous-system 65530")
		if strings.Contains(string(out.Data), "prefix-list unit-onprem") {
			t.Errorf("an empty prefix list was written")
		}
		requireWarning(t, warns, "onprem-prefixes")
	})
	t.Run("prefixes", func(t *testing.T) {
		out, _, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16,192.168.1.0/24"}})
		require.NoError(t, err)
		requireLine(t, out.Data, "set policy-options prefix-list unit-onprem 10.20.0.0/16")
		requireLine(t, out.Data, "set policy-options prefix-list unit-onprem 192.168.1.0/24")
		requireLine(t, out.Data, "set policy-options policy-statement unit-export term onprem from prefix-list unit-onprem")
		requireLine(t, out.Data, "set policy-options policy-statement unit-export term onprem then accept")
		requireLine(t, out.Data, "set policy-options policy-statement unit-export then reject")
	})
	t.Run("bad prefixes", func(t *testing.T) {
		_, _, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16,nope"}})
		require.ErrorContains(t, err, "onprem-prefixes")
		_, _, err = renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{Params: map[string]string{"onprem-prefixes": "0.0.0.0/0"}})
		require.ErrorContains(t, err, "0.0.0.0/0")
	})
	t.Run("local-as same", func(t *testing.T) {
		out, _, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{Params: map[string]string{"local-as": "65530"}})
		require.NoError(t, err)
		if strings.Contains(string(out.Data), "set routing-options autonomous-system") {
			t.Errorf("--set local-as given, but the file still sets the global autonomous-system")
		}
	})
	t.Run("local-as other", func(t *testing.T) {
		out, _, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{Params: map[string]string{"local-as": "64999"}})
		require.NoError(t, err)
		if strings.Contains(string(out.Data), "set routing-options autonomous-system") {
			t.Errorf("--set local-as given, but the file still sets the global autonomous-system")
		}
		requireLine(t, out.Data, "set protocols bgp group unit-t1 local-as 65530")
	})
}

// TestJunosObjectsListed: every object the file creates is named in the
// header, and the st0 unit is a check item.
func TestJunosObjectsListed(t *testing.T) {
	out, _, err := renderMain(templates.FS, "juniper-srx", srxBGPConn(), Options{})
	require.NoError(t, err)
	s := string(out.Data)
	for _, want := range []string{"ike proposal ike-prop-unit", "ike gateway gw-unit", "ipsec vpn vpn-unit", "interface st0.0", "bgp group unit-t1", "policy-statement unit-export"} {
		if !strings.Contains(s, "#   "+want) {
			t.Errorf("header does not list %q:\n%s", want, s)
		}
	}
	if !strings.Contains(s, "st0.0 must be free") {
		t.Errorf("st0.0 is not a check item")
	}
}
