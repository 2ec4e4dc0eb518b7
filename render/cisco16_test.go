package render

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/vpn"
)

// Issue 16 checks for cisco-ios and cisco-asa (docs/vendors/cisco-ios.md,
// docs/vendors/cisco-asa.md): what an engineer pasting into a production
// router or ASA relies on.

func asRouteBased(c vpn.Connection) vpn.Connection {
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	return c
}

func withBGP(c vpn.Connection, tunnels ...int) vpn.Connection {
	ts := append([]vpn.Tunnel(nil), c.Tunnels...)
	for _, i := range tunnels {
		n := byte(i * 10)
		ts[i-1].BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104,
			TunnelCIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, n, 0}), 30),
			LocalIP:    netip.AddrFrom4([4]byte{169, 254, n, 2}), RemoteIP: netip.AddrFrom4([4]byte{169, 254, n, 1})}
	}
	c.Tunnels = ts
	return c
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// TestCiscoVolumeLifetime: Alibaba limits SAs by time only; IOS's default
// volume lifetime (4,608,000 KB) and ASA's would rekey early, so every
// lifetime statement comes with the volume lifetime switched off.
func TestCiscoVolumeLifetime(t *testing.T) {
	for _, tc := range []struct {
		vendor, want string
		conn         vpn.Connection
	}{
		{"cisco-ios", "set security-association lifetime kilobytes disable", ciscoTestConn()},
		{"cisco-ios", "set security-association lifetime kilobytes disable", asRouteBased(dualPolicyConn())},
		{"cisco-asa", "set security-association lifetime kilobytes unlimited", ciscoTestConn()},
		{"cisco-asa", "set security-association lifetime kilobytes unlimited", asRouteBased(ciscoTestConn())},
	} {
		out, _, err := renderText(t, tc.vendor, tc.conn, Options{})
		require.NoError(t, err)
		secs, kb := 0, 0
		for _, l := range lines(out) {
			if strings.Contains(l, "set security-association lifetime seconds") {
				secs++
			}
			if strings.HasSuffix(l, tc.want) {
				kb++
			}
		}
		if secs == 0 || kb != secs {
			t.Errorf("%s: %d lifetime-seconds lines, %d %q lines:\n%s", tc.vendor, secs, kb, tc.want, out)
		}
	}
}

// TestIOSIKEv2PolicyScope: a crypto ikev2 policy without match applies to
// every IKEv2 peer of the router and replaces IOS's default policy for
// them, so the policy keeps the default proposal, takes match address
// local when the WAN address is given, and the file says what to check.
func TestIOSIKEv2PolicyScope(t *testing.T) {
	out, _, err := renderText(t, "cisco-ios", ciscoTestConn(), Options{})
	require.NoError(t, err)
	ls := lines(out)
	policy := -1
	for i, l := range ls {
		if l == "crypto ikev2 policy unit" {
			policy = i
		}
	}
	if policy < 0 {
		t.Fatalf("no crypto ikev2 policy:\n%s", out)
	}
	if ls[policy+1] != "proposal unit" || ls[policy+2] != "proposal default" {
		t.Errorf("policy does not keep IOS's default proposal after its own:\n%s", strings.Join(ls[policy:policy+4], "\n"))
	}
	if !strings.Contains(out, "other IKEv2 peer") {
		t.Errorf("no check item about other IKEv2 peers")
	}
	out, _, err = renderText(t, "cisco-ios", ciscoTestConn(), Options{Params: map[string]string{"ikev2-local-address": "198.51.100.10"}})
	require.NoError(t, err)
	requireLine(t, []byte(out), "match address local 198.51.100.10")
	_, _, err = renderText(t, "cisco-ios", ciscoTestConn(), Options{Params: map[string]string{"ikev2-local-address": "nope"}})
	require.ErrorContains(t, err, "ikev2-local-address")
}

// TestIOSKeyringPSKKeyword: IOS reads a key that abbreviates a keyword of
// "pre-shared-key" (local, remote, hex) as that keyword.
func TestIOSKeyringPSKKeyword(t *testing.T) {
	for psk, bad := range map[string]bool{"re": true, "lo": true, "L": true, "Hex": true, "remote": true, "lox": false, "hexagon1": false} {
		c := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(psk) })
		out, _, err := renderText(t, "cisco-ios", c, Options{})
		if bad {
			require.ErrorContains(t, err, "abbreviation of one of its keywords (local, remote, hex)")
			if strings.Contains(err.Error(), `"`+psk+`"`) {
				t.Errorf("error shows the key: %v", err)
			}
			continue
		}
		require.NoError(t, err)
		requireLine(t, []byte(out), "pre-shared-key "+psk)
	}
}

// TestIOSNATKeepaliveGlobal: crypto isakmp/ikev2 nat keepalive are global
// commands; the file says so.
func TestIOSNATKeepaliveGlobal(t *testing.T) {
	out, _, err := renderText(t, "cisco-ios", ciscoTestConn(), Options{})
	require.NoError(t, err)
	if !strings.Contains(out, "nat keepalive 20") || !strings.Contains(out, "global") {
		t.Errorf("the NAT keepalive line is not called global:\n%s", out)
	}
}

// TestIOSNATExemptionSequence: the NAT exemption lines carry sequence
// numbers below IOS's default first entry (10), so they land before the
// NAT ACL's permit lines.
func TestIOSNATExemptionSequence(t *testing.T) {
	out, _, err := renderText(t, "cisco-ios", ciscoTestConn(), Options{})
	require.NoError(t, err)
	requireLine(t, []byte(out), "!  1 deny ip 10.20.0.0 0.0.0.255 10.10.0.0 0.0.0.255")
}

// TestASANATExemptionLine1: the ASA NAT exemption goes to the top of
// section 1 (a twice-NAT rule without a line number lands at its end,
// after any PAT rule there).
func TestASANATExemptionLine1(t *testing.T) {
	out, _, err := renderText(t, "cisco-asa", ciscoTestConn(), Options{})
	require.NoError(t, err)
	found := false
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "nat (") {
			found = true
			if !strings.Contains(l, ") 1 source static ") {
				t.Errorf("NAT exemption without line 1: %s", l)
			}
		}
	}
	if !found {
		t.Errorf("no NAT exemption:\n%s", out)
	}
}

// TestASANoGlobalIdentity: crypto isakmp identity is global; the default
// (auto) already sends the address for pre-shared-key tunnels, and forcing
// "address" changes certificate tunnels' IDs.
func TestASANoGlobalIdentity(t *testing.T) {
	for _, c := range []vpn.Connection{ciscoTestConn(), asRouteBased(ciscoTestConn())} {
		out, _, err := renderText(t, "cisco-asa", c, Options{})
		require.NoError(t, err)
		for _, l := range lines(out) {
			if l == "crypto isakmp identity address" {
				t.Errorf("the file forces crypto isakmp identity address")
			}
		}
	}
}

// TestCiscoPlaceholderRoutesCommented: a placeholder route is never left
// uncommented (the paste would fail), even beside a BGP tunnel.
func TestCiscoPlaceholderRoutesCommented(t *testing.T) {
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		out, _, err := renderText(t, vendor, withBGP(asRouteBased(dualPolicyConn()), 1), Options{})
		require.NoError(t, err)
		for _, l := range lines(out) {
			if strings.Contains(l, "<VPC-") && !strings.HasPrefix(l, "!") {
				t.Errorf("%s: uncommented placeholder: %s", vendor, l)
			}
		}
	}
}

// TestCiscoBGPWithSelectorsRefused: BGP over a policy-based (crypto map)
// connection never establishes (its packets match no selector); refuse
// instead of dropping BGP silently.
func TestCiscoBGPWithSelectorsRefused(t *testing.T) {
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		_, _, err := renderText(t, vendor, withBGP(ciscoTestConn(), 1), Options{})
		require.ErrorContains(t, err, "BGP with specific subnets")
	}
}

// TestCiscoDualLocalAddress: tunnel 2 from another on-prem address cannot
// be sourced from the same interface; say so, naming both addresses.
func TestCiscoDualLocalAddress(t *testing.T) {
	c := asRouteBased(dualPolicyConn())
	c.Tunnels[1].LocalAddr = netip.MustParseAddr("198.51.100.99")
	c.Tunnels[1].LocalID = vpn.AddressID(c.Tunnels[1].LocalAddr)
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		_, _, err := renderText(t, vendor, c, Options{})
		require.ErrorContains(t, err, "198.51.100.1")
		require.ErrorContains(t, err, "198.51.100.99")
		require.ErrorContains(t, err, "outside-interface-2")
	}
	out, _, err := renderText(t, "cisco-ios", c, Options{Params: map[string]string{"outside-interface-2": "GigabitEthernet2"}})
	require.NoError(t, err)
	requireLine(t, []byte(out), "tunnel source GigabitEthernet2")
	out, _, err = renderText(t, "cisco-asa", c, Options{Params: map[string]string{"outside-interface-2": "outside2"}})
	require.NoError(t, err)
	requireLine(t, []byte(out), "tunnel source interface outside2")
}

// TestCiscoBGPDenyByDefault: the BGP neighbors advertise only the on-prem
// prefixes given with --set onprem-prefixes (nothing, with a warning, by
// default), never take a default route from Alibaba, tag the VPC routes
// no-export, and --set local-as keeps the router's existing process.
func TestCiscoBGPDenyByDefault(t *testing.T) {
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		pl := "ip prefix-list"
		if vendor == "cisco-asa" {
			pl = "prefix-list"
		}
		c := withBGP(asRouteBased(dualPolicyConn()), 1, 2)
		out, warns, err := renderText(t, vendor, c, Options{})
		require.NoError(t, err)
		requireWarning(t, warns, "onprem-prefixes")
		requireLine(t, []byte(out), "route-map unit-out deny 10")
		requireLine(t, []byte(out), pl+" unit-in seq 5 deny 0.0.0.0/0")
		requireLine(t, []byte(out), pl+" unit-in seq 10 permit 0.0.0.0/0 le 32")
		requireLine(t, []byte(out), "set community no-export additive")
		requireLine(t, []byte(out), "router bgp 65530")
		for _, n := range []string{"169.254.10.1", "169.254.20.1"} {
			in, outMap := false, false
			for _, l := range lines(out) {
				in = in || strings.HasPrefix(l, "neighbor "+n+" route-map unit-in") && strings.HasSuffix(l, " in")
				outMap = outMap || strings.HasPrefix(l, "neighbor "+n+" route-map unit-out") && strings.HasSuffix(l, " out")
			}
			if !in || !outMap {
				t.Errorf("%s: neighbor %s lacks an inbound or outbound route-map:\n%s", vendor, n, out)
			}
		}

		out, _, err = renderText(t, vendor, c, Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16", "local-as": "64999"}})
		require.NoError(t, err)
		requireLine(t, []byte(out), pl+" unit-onprem seq 5 permit 10.20.0.0/16")
		requireLine(t, []byte(out), "match ip address prefix-list unit-onprem")
		requireLine(t, []byte(out), "router bgp 64999")
		requireLine(t, []byte(out), "neighbor 169.254.10.1 local-as 65530 no-prepend replace-as")
		if strings.Contains(out, "route-map unit-out deny 10") {
			t.Errorf("%s: prefixes given, but the outbound route-map still denies everything", vendor)
		}
	}
}

// TestASAVersion: --set asa-version refuses what ASA 9.15 and later no
// longer offer (DH 2/5/24, MD5, DES/3DES; DH 5 stays for IKEv1), with the
// fix on Alibaba's side; an IKEv2 VTI needs 9.8(1).
func TestASAVersion(t *testing.T) {
	weak := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup = vpn.Group2 })
	_, _, err := renderText(t, "cisco-asa", weak, Options{Params: map[string]string{"asa-version": "9.16.4"}})
	require.ErrorContains(t, err, "ASA 9.15 and later")
	require.ErrorContains(t, err, "Alibaba")
	_, _, err = renderText(t, "cisco-asa", weak, Options{Params: map[string]string{"asa-version": "9.14.3"}})
	require.NoError(t, err)
	v1g5 := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) {
		tn.IKE.Version, tn.IKE.DHGroup, tn.IKE.Integrity, tn.IPsec.Integrity = vpn.IKEv1, vpn.Group5, vpn.SHA1, vpn.SHA1
	})
	_, _, err = renderText(t, "cisco-asa", v1g5, Options{Params: map[string]string{"asa-version": "9.18"}})
	require.NoError(t, err)
	_, _, err = renderText(t, "cisco-asa", asRouteBased(ciscoTestConn()), Options{Params: map[string]string{"asa-version": "9.7.1"}})
	require.ErrorContains(t, err, "9.8(1)")
	_, _, err = renderText(t, "cisco-asa", ciscoTestConn(), Options{Params: map[string]string{"asa-version": "nine"}})
	require.ErrorContains(t, err, "asa-version")
}

// TestCiscoTunnelNumbersChecked: the VTI numbers are check items.
func TestCiscoTunnelNumbersChecked(t *testing.T) {
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		out, _, err := renderText(t, vendor, asRouteBased(dualPolicyConn()), Options{Params: map[string]string{"tunnel-number": "7"}})
		require.NoError(t, err)
		if !strings.Contains(out, "interface Tunnel7-8 must not exist yet") {
			t.Errorf("%s: the tunnel numbers are not a check item", vendor)
		}
	}
}
