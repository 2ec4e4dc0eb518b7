package render

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// paloTestConn is a single-tunnel IKEv2 policy-based connection.
func paloTestConn() vpn.Connection {
	return vpn.Connection{
		Name:          "unit",
		LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")},
		RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("10.10.0.0/24")},
		DPD:           true,
		NATTraversal:  true,
		Tunnels: []vpn.Tunnel{{
			Index:      1,
			LocalAddr:  netip.MustParseAddr("198.51.100.1"),
			RemoteAddr: netip.MustParseAddr("203.0.113.1"),
			LocalID:    vpn.AddressID(netip.MustParseAddr("198.51.100.1")),
			RemoteID:   vpn.AddressID(netip.MustParseAddr("203.0.113.1")),
			PSK:        vpn.NewSecret("unit-test-key"),
			IKE:        vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES256, Integrity: vpn.SHA256, DHGroup: vpn.Group14, Lifetime: 86400 * time.Second},
			IPsec:      vpn.IPsec{Cipher: vpn.AES256, Integrity: vpn.SHA256, PFS: vpn.Group14, Lifetime: 3600 * time.Second},
		}},
	}
}

// editTunnel returns c with tunnel 1 changed by edit.
func editTunnel(c vpn.Connection, edit func(t *vpn.Tunnel)) vpn.Connection {
	ts := append([]vpn.Tunnel(nil), c.Tunnels...)
	edit(&ts[0])
	c.Tunnels = ts
	return c
}

// dualBGP is a route-based dual-tunnel connection with BGP on both tunnels.
func dualBGP() vpn.Connection {
	c := paloTestConn()
	any := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.LocalSubnets, c.RemoteSubnets = any, any
	t1, t2 := c.Tunnels[0], c.Tunnels[0]
	t1.Role, t2.Role = vpn.RoleMaster, vpn.RoleSlave
	t2.Index, t2.RemoteAddr = 2, netip.MustParseAddr("203.0.113.2")
	t2.RemoteID = vpn.AddressID(t2.RemoteAddr)
	t1.BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104, TunnelCIDR: netip.MustParsePrefix("169.254.10.0/30"),
		LocalIP: netip.MustParseAddr("169.254.10.2"), RemoteIP: netip.MustParseAddr("169.254.10.1"), AuthKey: vpn.NewSecret("bgp-key-one")}
	t2.BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104, TunnelCIDR: netip.MustParsePrefix("169.254.20.0/30"),
		LocalIP: netip.MustParseAddr("169.254.20.2"), RemoteIP: netip.MustParseAddr("169.254.20.1"), AuthKey: vpn.NewSecret("bgp-key-two")}
	c.Tunnels = []vpn.Tunnel{t1, t2}
	return c
}

func renderPalo(t *testing.T, c vpn.Connection, params map[string]string) (string, []vpn.Warning, error) {
	t.Helper()
	f, w, err := renderMain(templates.FS, "paloalto", c, Options{Params: params})
	return string(f.Data), w, err
}

// TestPaloVocabulary maps every model algorithm to its PAN-OS keyword
// (pan-os-codegen enumerations) or to the "cannot be expressed" error.
func TestPaloVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{vpn.AES128: "aes-128-cbc", vpn.AES192: "aes-192-cbc", vpn.AES256: "aes-256-cbc", vpn.TripleDES: "3des", vpn.DES: "des", vpn.SM4: ""}
	hashes := map[vpn.Integrity]string{vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512", vpn.SM3: ""}
	groups := map[vpn.DHGroup]string{vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14", vpn.Group24: ""}
	for c, want := range ciphers {
		t.Run("cipher/"+c.String(), func(t *testing.T) {
			out, _, err := renderPalo(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Cipher, tn.IPsec.Cipher = c, c }), nil)
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE encryption "+c.String()+" cannot be expressed on PAN-OS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, "ike-crypto-profiles unit-ike encryption "+want+"\n")
			assert.Contains(t, out, "ipsec-crypto-profiles unit-ipsec esp encryption "+want+"\n")
			assert.Equal(t, c == vpn.DES, strings.Contains(out, "WARNING: tunnel 1: des: documented up to PAN-OS 10.0"))
		})
	}
	for h, want := range hashes {
		t.Run("hash/"+h.String(), func(t *testing.T) {
			out, _, err := renderPalo(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Integrity, tn.IPsec.Integrity = h, h }), nil)
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE integrity "+h.String()+" cannot be expressed on PAN-OS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, "unit-ike hash "+want+"\n")
			assert.Contains(t, out, "unit-ipsec esp authentication "+want+"\n")
		})
	}
	for g, want := range groups {
		t.Run("group/"+g.String(), func(t *testing.T) {
			out, _, err := renderPalo(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g }), nil)
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE DH group "+g.String()+" cannot be expressed on PAN-OS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, "unit-ike dh-group "+want+"\n")
			assert.Contains(t, out, "unit-ipsec dh-group "+want+"\n")
		})
	}
	t.Run("pfs group24 only", func(t *testing.T) {
		_, _, err := renderPalo(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.Group24 }), nil)
		require.ErrorContains(t, err, "tunnel 1: IPsec PFS group MODP-2048-256 (group 24) cannot be expressed on PAN-OS")
	})
	t.Run("pfs disabled", func(t *testing.T) {
		out, _, err := renderPalo(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.NoPFS }), nil)
		require.NoError(t, err)
		assert.Contains(t, out, "unit-ipsec dh-group no-pfs\n")
	})
}

// TestPaloLifetime: the largest exact unit within PAN-OS's ranges, and
// errors for what no unit expresses.
func TestPaloLifetime(t *testing.T) {
	for s, want := range map[int]string{
		86400: "days 1", 28800: "hours 8", 3600: "hours 1", 27000: "minutes 450", 1000: "seconds 1000",
		180: "minutes 3", 181: "seconds 181", 65535: "seconds 65535", 65580: "minutes 1093", 120: "", 70001: "", 0: "",
	} {
		got, err := paloLife(vpn.Tunnel{Index: 1}, "IKE lifetime", time.Duration(s)*time.Second)
		switch {
		case want == "":
			assert.Error(t, err, "%d s", s)
		case assert.NoError(t, err, "%d s", s):
			assert.Equal(t, want, got.Unit+" "+strconv.Itoa(got.Value), "%d s", s)
		}
	}
	_, err := paloLife(vpn.Tunnel{Index: 1}, "IKE lifetime", 70001*time.Second)
	assert.EqualError(t, err, "tunnel 1: IKE lifetime 70001s cannot be expressed on PAN-OS: above 65535 seconds it must be a whole number of minutes (set 69960s or 70020s on Alibaba)")
}

// TestPaloPSK: plain keys bare, other legal keys quoted with a warning,
// keys with a double quote or question mark refused naming the position,
// never the key; the redacted file has the same lines.
func TestPaloPSK(t *testing.T) {
	for key, want := range map[string]string{
		"abc-DEF_1.2:3@4/5+6=7,8": "key abc-DEF_1.2:3@4/5+6=7,8\n",
		"a#b;c|d[e]{f}$g":         "key \"a#b;c|d[e]{f}$g\"\n",
		"x`~!%^&*()<>":            "key \"x`~!%^&*()<>\"\n",
		`ab"cd`:                   "character 3 is a double quote",
		"abc?":                    "character 4 is a question mark",
		strings.Repeat("k", 256):  "the pre-shared key has 256 characters; PAN-OS accepts at most 255",
	} {
		c := editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(key) })
		out, _, err := renderPalo(t, c, nil)
		if strings.HasPrefix(want, "key ") {
			require.NoError(t, err, key)
			assert.Contains(t, out, "authentication pre-shared-key "+want)
			assert.Equal(t, strings.HasPrefix(want, `key "`), strings.Contains(out, "WARNING: tunnel 1: the pre-shared key holds characters written inside double quotes"))
			red, _, err := renderMain(templates.FS, "paloalto", c, Options{Redact: true})
			require.NoError(t, err)
			assert.Contains(t, string(red.Data), `authentication pre-shared-key key "<PSK-REDACTED:tunnel-1>"`)
			assert.Equal(t, strings.Count(out, "\n")+1, strings.Count(string(red.Data), "\n"), "redaction changes more than the key and the REDACTED header line")
			continue
		}
		require.ErrorContains(t, err, want)
		assert.NotContains(t, err.Error(), key)
		_, _, err = renderMain(templates.FS, "paloalto", c, Options{Redact: true})
		require.ErrorContains(t, err, want, "a redacted render must refuse what the real one refuses")
	}
}

// TestPaloParams: parameter validation and what each parameter changes.
func TestPaloParams(t *testing.T) {
	_, _, err := renderPalo(t, paloTestConn(), map[string]string{"routing": "ospf"})
	require.ErrorContains(t, err, "--set routing: value \"ospf\": want legacy or advanced")
	_, _, err = renderPalo(t, paloTestConn(), map[string]string{"tunnel-unit": "0"})
	require.ErrorContains(t, err, "--set tunnel-unit")
	_, _, err = renderPalo(t, dualBGP(), map[string]string{"onprem-prefixes": "10.0.0.0/8,0.0.0.0/0"})
	require.ErrorContains(t, err, "never 0.0.0.0/0")
	_, _, err = renderPalo(t, dualBGP(), map[string]string{"local-as": "65000"})
	require.ErrorContains(t, err, "Alibaba's customer gateway expects AS 65530")

	out, _, err := renderPalo(t, paloTestConn(), map[string]string{"tunnel-unit": "7", "vpn-zone": "untrust-vpn", "wan-interface": "ethernet1/3", "lan-zone": "inside"})
	require.NoError(t, err)
	for _, want := range []string{
		"set network interface tunnel units tunnel.7 comment",
		"set zone untrust-vpn network layer3 [ tunnel.7 ]",
		"local-address interface ethernet1/3\n",
		"rules unit-out from inside to untrust-vpn ",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "#   zone untrust-vpn\n", "an existing zone is not listed as created")
	assert.Contains(t, out, "#   zone member untrust-vpn tunnel.7\n")

	out, _, err = renderPalo(t, dualBGP(), map[string]string{"local-as": "65530"})
	require.NoError(t, err)
	assert.NotContains(t, out, "bgp router-id", "an existing BGP process keeps its router-id")
}

// TestPaloBGP: keys through auth profiles, master preferred, default
// route refused, nothing exported without on-prem prefixes; advanced
// routing writes the routing-profile form; equal preference for ECMP.
func TestPaloBGP(t *testing.T) {
	out, warns, err := renderPalo(t, dualBGP(), nil)
	require.NoError(t, err)
	for _, want := range []string{
		"protocol bgp auth-profile unit-t1-auth secret bgp-key-one\n",
		"peer unit-t1 connection-options authentication unit-t1-auth\n",
		"import rules unit-t1-in used-by unit-t1 action allow update local-preference 200\n",
		"import rules unit-t2-in used-by unit-t2 action allow update local-preference 100\n",
		"match address-prefix 0.0.0.0/0 exact yes\n",
		"protocol bgp reject-default-route yes\n",
		"policy export rules unit-deny used-by [ unit-t1 unit-t2 ] action deny\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "redist-rules")
	assert.Contains(t, out, "WARNING: no on-prem prefixes given")
	assert.NotEmpty(t, warns)

	out, _, err = renderPalo(t, dualBGP(), map[string]string{"onprem-prefixes": "10.20.0.0/16"})
	require.NoError(t, err)
	assert.Contains(t, out, "export rules unit-t2-out used-by unit-t2 action allow update as-path prepend 2\n")
	assert.Contains(t, out, "export rules unit-t1-out used-by unit-t1 action allow\n")
	assert.Less(t, strings.Index(out, "unit-t2-out used-by"), strings.Index(out, "unit-deny used-by"), "allow rules before the deny rule")

	aa := dualBGP()
	aa.ActiveActive = true
	out, _, err = renderPalo(t, aa, map[string]string{"onprem-prefixes": "10.20.0.0/16"})
	require.NoError(t, err)
	assert.NotContains(t, out, "local-preference")
	assert.NotContains(t, out, "prepend")

	adv := dualBGP()
	adv.Tunnels[0].BGP.AuthKey = vpn.NewSecret("bgpKey1!@#%^")
	out, _, err = renderPalo(t, adv, map[string]string{"routing": "advanced", "onprem-prefixes": "10.20.0.0/16"})
	require.ErrorContains(t, err, "tunnel 2: the BGP password's character 4 is a character outside the allowed set", "bgp-key-two has a '-'")
	adv.Tunnels[1].BGP.AuthKey = vpn.NewSecret("bgpKey2")
	out, _, err = renderPalo(t, adv, map[string]string{"routing": "advanced", "onprem-prefixes": "10.20.0.0/16"})
	require.NoError(t, err)
	for _, want := range []string{
		"set network routing-profile bgp auth-profile unit-t1-auth secret \"bgpKey1!@#%^\"\n",
		"set network logical-router default vrf default bgp peer-group unit-t1 connection-options authentication unit-t1-auth\n",
		"filters prefix-list unit-in type ipv4 ipv4-entry 10 action deny prefix entry network 0.0.0.0/0\n",
		"filters prefix-list unit-out type ipv4 ipv4-entry 10 action permit prefix entry network 10.20.0.0/16\n",
		"route-maps bgp unit-t1-in route-map 10 set local-preference 200\n",
		"set network logical-router default vrf default bgp advertise-network ipv4 network 10.20.0.0/16 unicast yes\n",
	} {
		assert.Contains(t, out, want)
	}

	bad := dualBGP()
	bad.Tunnels[0].BGP.AuthKey = vpn.NewSecret("key&with&ampersand")
	_, _, err = renderPalo(t, bad, map[string]string{"routing": "advanced"})
	require.ErrorContains(t, err, "the BGP password's character 4 is a character outside the allowed set")
	_, _, err = renderPalo(t, bad, nil)
	require.NoError(t, err, "legacy routing takes any key it can quote")
}

// TestPaloDualStaticAndHealthCheck: a policy-based dual tunnel routes over
// both tunnels with the master's lower metric and warns that nothing
// fails over without monitoring; a health check outside the subnets gets
// its own proxy ID, route and addresses.
func TestPaloDualStaticAndHealthCheck(t *testing.T) {
	c := dualBGP()
	c.LocalSubnets, c.RemoteSubnets = paloTestConn().LocalSubnets, paloTestConn().RemoteSubnets
	for i := range c.Tunnels {
		c.Tunnels[i].BGP = nil
	}
	c.HealthCheck = &vpn.HealthCheck{Source: netip.MustParseAddr("10.99.0.1"), Destination: netip.MustParseAddr("192.168.50.1")}
	out, _, err := renderPalo(t, c, nil)
	require.NoError(t, err)
	for _, want := range []string{
		"static-route unit-t1-r1 destination 10.10.0.0/24 interface tunnel.101 metric 10\n",
		"static-route unit-t2-r1 destination 10.10.0.0/24 interface tunnel.102 metric 20\n",
		"static-route unit-r1-drop destination 10.10.0.0/24 nexthop discard admin-dist 240 metric 10\n",
		"static-route unit-t1-r2 destination 10.99.0.1/32 interface tunnel.101 metric 10\n",
		"auto-key proxy-id p2 local 192.168.50.1/32 remote 10.99.0.1/32 protocol any\n",
		"set address unit-onprem-2 ip-netmask 192.168.50.1/32\n",
		"WARNING: no automatic fail-over between the tunnels",
		"Alibaba's health check pings 192.168.50.1 from 10.99.0.1",
	} {
		assert.Contains(t, out, want)
	}
}
