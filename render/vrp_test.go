package render

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/vpn"
)

// Tests for the Huawei VRP and H3C Comware renderers (huawei.go, h3c.go,
// vrp.go). Expected keywords are written here from docs/vendors/huawei.md
// and docs/vendors/h3c.md, not copied from the renderers' tables.

// TestHuaweiVocabulary pins every model algorithm to its VRP keyword, per
// IKE version and for the IPsec proposal, or to an explicit error.
func TestHuaweiVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{vpn.AES128: "aes-128", vpn.AES192: "aes-192", vpn.AES256: "aes-256", vpn.DES: "des", vpn.TripleDES: "3des"}
	integ := map[vpn.Integrity]struct{ v1, v2, prf, esp string }{
		vpn.MD5:    {"md5", "hmac-md5-96", "hmac-md5", "md5"},
		vpn.SHA1:   {"sha1", "hmac-sha1-96", "hmac-sha1", "sha1"},
		vpn.SHA256: {"sha2-256", "hmac-sha2-256", "hmac-sha2-256", "sha2-256"},
		vpn.SHA384: {"sha2-384", "hmac-sha2-384", "hmac-sha2-384", "sha2-384"},
		vpn.SHA512: {"sha2-512", "hmac-sha2-512", "hmac-sha2-512", "sha2-512"},
	}
	for c, kw := range ciphers {
		for i, w := range integ {
			for _, ver := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				t.Run(fmt.Sprintf("%s/%s/%s", c, i, ver), func(t *testing.T) {
					conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) {
						tn.IKE.Version, tn.IKE.Cipher, tn.IKE.Integrity = ver, c, i
						tn.IPsec.Cipher, tn.IPsec.Integrity = c, i
					})
					out, _, err := renderText(t, "huawei", conn, Options{})
					require.NoError(t, err)
					assert.Contains(t, out, "\n encryption-algorithm "+kw+"\n")
					assert.Contains(t, out, "\n esp encryption-algorithm "+kw+"\n")
					assert.Contains(t, out, "\n esp authentication-algorithm "+w.esp+"\n")
					if ver == vpn.IKEv1 {
						assert.Contains(t, out, "\n authentication-algorithm "+w.v1+"\n")
						assert.Contains(t, out, "\n undo version 2\n")
						assert.NotContains(t, out, "integrity-algorithm")
					} else {
						assert.Contains(t, out, "\n integrity-algorithm "+w.v2+"\n prf "+w.prf+"\n")
						assert.Contains(t, out, "\n undo version 1\n")
					}
				})
			}
		}
	}
	for g, want := range map[vpn.DHGroup]string{vpn.Group1: "1", vpn.Group2: "2", vpn.Group5: "5", vpn.Group14: "14", vpn.Group24: ""} {
		t.Run("group/"+g.String(), func(t *testing.T) {
			conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g })
			out, _, err := renderText(t, "huawei", conn, Options{})
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IPsec PFS group MODP-2048-256 (group 24) cannot be expressed on Huawei USG (VRP)")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, "\n dh group"+want+"\n")
			assert.Contains(t, out, "\n pfs dh-group"+want+"\n")
		})
	}
	t.Run("ike group24", func(t *testing.T) {
		conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup = vpn.Group24 })
		_, _, err := renderText(t, "huawei", conn, Options{})
		require.ErrorContains(t, err, "tunnel 1: IKE DH group MODP-2048-256 (group 24) cannot be expressed on Huawei USG (VRP)")
	})
	t.Run("pfs disabled", func(t *testing.T) {
		conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.NoPFS })
		out, _, err := renderText(t, "huawei", conn, Options{})
		require.NoError(t, err)
		assert.NotContains(t, out, " pfs ")
	})
}

// TestH3CVocabulary pins every model algorithm to its Comware keyword.
func TestH3CVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{vpn.AES128: "aes-cbc-128", vpn.AES192: "aes-cbc-192", vpn.AES256: "aes-cbc-256", vpn.DES: "des-cbc", vpn.TripleDES: "3des-cbc"}
	integ := map[vpn.Integrity]struct{ v1, hash string }{
		vpn.MD5: {"md5", "md5"}, vpn.SHA1: {"sha", "sha1"}, vpn.SHA256: {"sha256", "sha256"}, vpn.SHA384: {"sha384", "sha384"}, vpn.SHA512: {"sha512", "sha512"},
	}
	for c, kw := range ciphers {
		for i, w := range integ {
			for _, ver := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				t.Run(fmt.Sprintf("%s/%s/%s", c, i, ver), func(t *testing.T) {
					conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) {
						tn.IKE.Version, tn.IKE.Cipher, tn.IKE.Integrity = ver, c, i
						tn.IPsec.Cipher, tn.IPsec.Integrity = c, i
					})
					out, _, err := renderText(t, "h3c", conn, Options{})
					require.NoError(t, err)
					assert.Contains(t, out, "\n esp encryption-algorithm "+kw+"\n")
					assert.Contains(t, out, "\n esp authentication-algorithm "+w.hash+"\n")
					if ver == vpn.IKEv1 {
						assert.Contains(t, out, "\n encryption-algorithm "+kw+"\n")
						assert.Contains(t, out, "\n authentication-algorithm "+w.v1+"\n")
						assert.Contains(t, out, "\n ike-profile unit\n")
					} else {
						assert.Contains(t, out, "\n encryption "+kw+"\n integrity "+w.hash+"\n prf "+w.hash+"\n")
						assert.Contains(t, out, "\n ikev2-profile unit\n")
					}
				})
			}
		}
	}
	for g, want := range map[vpn.DHGroup]string{vpn.Group1: "1", vpn.Group2: "2", vpn.Group5: "5", vpn.Group14: "14", vpn.Group24: "24"} {
		t.Run("group/"+g.String(), func(t *testing.T) {
			conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g })
			out, _, err := renderText(t, "h3c", conn, Options{})
			require.NoError(t, err)
			assert.Contains(t, out, "\n dh group"+want+"\n")
			assert.Contains(t, out, "\n pfs dh-group"+want+"\n")
		})
	}
}

// TestVRPSMError: SM connections get one error saying what they are and
// which of these platforms could serve them.
func TestVRPSMError(t *testing.T) {
	for _, vendor := range []string{"huawei", "h3c"} {
		conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.Cipher = vpn.SM4 })
		_, _, err := renderText(t, vendor, conn, Options{})
		require.ErrorContains(t, err, "tunnel 1: SM (国密) algorithms SM3/SM4: this is an Alibaba SM VPN gateway connection")
		require.ErrorContains(t, err, "pre-shared-key connections only")
	}
}

// TestVRPLifetimes checks the range edges: Huawei IKE 60-604800 and
// IPsec 120-604800, Comware IKE 60-604800 and IPsec 180-604800.
func TestVRPLifetimes(t *testing.T) {
	cases := []struct {
		vendor      string
		ike, ipsec  time.Duration
		wantErr     string
		wantIKE     string
		wantIPsecKw string
	}{
		{"huawei", 60 * time.Second, 120 * time.Second, "", " sa duration 60", " sa duration time-based 120"},
		{"huawei", 59 * time.Second, time.Hour, "IKE lifetime 59s is outside Huawei USG (VRP)'s range 60-604800 seconds", "", ""},
		{"huawei", time.Hour, 119 * time.Second, "IPsec lifetime 119s is outside Huawei USG (VRP)'s range 120-604800 seconds", "", ""},
		{"h3c", 60 * time.Second, 180 * time.Second, "", " sa duration 60", " sa duration time-based 180"},
		{"h3c", time.Hour, 179 * time.Second, "IPsec lifetime 179s is outside H3C SecPath (Comware V7)'s range 180-604800 seconds", "", ""},
		{"h3c", 0, time.Hour, "IKE lifetime is 0, which Alibaba does not define", "", ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%v/%v", tc.vendor, tc.ike, tc.ipsec), func(t *testing.T) {
			conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Lifetime, tn.IPsec.Lifetime = tc.ike, tc.ipsec })
			out, _, err := renderText(t, tc.vendor, conn, Options{})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			requireLine(t, []byte(out), strings.TrimSpace(tc.wantIKE))
			requireLine(t, []byte(out), strings.TrimSpace(tc.wantIPsecKw))
		})
	}
}

// TestVRPPSK: what each CLI can carry, how it is written, and that an
// error names position and character class but never the key.
func TestVRPPSK(t *testing.T) {
	cases := []struct {
		vendor, platform, key string
		line, err             string
	}{
		{"huawei", "usg", "abc!#$%&*()-_=+[]{}|;:,.<>/~`@^", "pre-shared-key abc!#$%&*()-_=+[]{}|;:,.<>/~`@^", ""},
		{"huawei", "usg", "ab?cd", `pre-shared-key "ab?cd"`, ""},
		{"huawei", "usg", "ends?", `pre-shared-key "ends?"`, ""},
		{"huawei", "ar", "ab?cd", "", "character 3 is '?', which opens the CLI help"},
		{"huawei", "ar", "plainkey", "pre-shared-key cipher plainkey", ""},
		{"huawei", "usg", `ab"cd`, "", "character 3 is a double quote"},
		{"huawei", "usg", "ab cd", "", "character 3 is a space"},
		{"huawei", "usg", "ab\tcd", "", "character 3 is a control character"},
		{"huawei", "usg", "abé", "", "character 3 is a non-ASCII character"},
		{"huawei", "usg", "%^%#looks-encrypted", "", "starts with \"%^%#\", the start of Huawei USG (VRP)'s encrypted-key format"},
		{"huawei", "usg", strings.Repeat("k", 129), "", "has 129 characters; Huawei USG (VRP) takes at most 128"},
		{"huawei", "usg", strings.Repeat("k", 128), "pre-shared-key " + strings.Repeat("k", 128), ""},
		{"h3c", "firewall", "abc!#$%&*()-_=+[]{}|;:,.<>/~`@^", "pre-shared-key address 203.0.113.1 255.255.255.255 key simple abc!#$%&*()-_=+[]{}|;:,.<>/~`@^", ""},
		{"h3c", "firewall", "ab?cd", "", "character 3 is '?'"},
		{"h3c", "router", `x"`, "", "character 2 is a double quote"},
		{"h3c", "router", "%^%#fine-here", "pre-shared-key address 203.0.113.1 255.255.255.255 key simple %^%#fine-here", ""},
	}
	for _, tc := range cases {
		t.Run(tc.vendor+"/"+tc.platform+"/"+tc.key, func(t *testing.T) {
			conn := withTunnel(ciscoTestConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(tc.key); tn.IKE.Version = vpn.IKEv1 })
			out, _, err := renderText(t, tc.vendor, conn, Options{Params: map[string]string{"platform": tc.platform}})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				if len(tc.key) > 3 {
					assert.NotContains(t, err.Error(), tc.key)
				}
				return
			}
			require.NoError(t, err)
			requireLine(t, []byte(out), tc.line)
			red, _, err := renderText(t, tc.vendor, conn, Options{Redact: true, Params: map[string]string{"platform": tc.platform}})
			require.NoError(t, err)
			assert.NotContains(t, red, tc.key)
			assert.Contains(t, red, "<PSK-REDACTED:tunnel-1>")
		})
	}
}

// TestVRPParams: platform values, number ranges and the parameters that
// do not apply to a routing mode are refused by name.
func TestVRPParams(t *testing.T) {
	cases := []struct {
		vendor string
		conn   vpn.Connection
		set    map[string]string
		err    string
	}{
		{"huawei", ciscoTestConn(), map[string]string{"platform": "ne40"}, `huawei: --set platform: value "ne40": want usg or ar`},
		{"h3c", ciscoTestConn(), map[string]string{"platform": "usg"}, `h3c: --set platform: value "usg": want firewall or router`},
		{"huawei", ciscoTestConn(), map[string]string{"acl-number": "2999"}, "want a number from 3000 to 3998"},
		{"huawei", ciscoTestConn(), map[string]string{"ike-proposal": "101"}, "want a number from 1 to 100"},
		{"h3c", ciscoTestConn(), map[string]string{"acl-number": "4000"}, "want a number from 3000 to 3999"},
		{"huawei", routeConn(), map[string]string{"policy-name": "existing"}, "a route-based connection uses IPsec profiles"},
		{"huawei", dualPolicyConn(), map[string]string{"policy-name": "existing"}, "a dual-tunnel connection gets one IPsec policy per tunnel interface"},
		{"h3c", routeConn(), map[string]string{"policy-name": "existing"}, "a route-based connection uses IPsec profiles"},
		{"huawei", routeConn(), map[string]string{"onprem-prefixes": "0.0.0.0/0"}, "want IPv4 networks in CIDR form, other than 0.0.0.0/0"},
	}
	for _, tc := range cases {
		_, _, err := renderText(t, tc.vendor, tc.conn, Options{Params: tc.set})
		require.ErrorContains(t, err, tc.err)
	}
}

// routeConn is ciscoTestConn made route-based.
func routeConn() vpn.Connection {
	c := ciscoTestConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	return c
}

// bgpDual is a route-based dual-tunnel connection with BGP and MD5 keys.
func bgpDual(key string) vpn.Connection {
	c := dualPolicyConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	for i := range c.Tunnels {
		n := 10 * (i + 1)
		c.Tunnels[i].BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104,
			TunnelCIDR: netip.MustParsePrefix(fmt.Sprintf("169.254.%d.0/30", n)),
			LocalIP:    netip.MustParseAddr(fmt.Sprintf("169.254.%d.2", n)),
			RemoteIP:   netip.MustParseAddr(fmt.Sprintf("169.254.%d.1", n)),
			AuthKey:    vpn.NewSecret(key)}
	}
	return c
}

// TestVRPBGP: the master is preferred (local preference in, AS-path
// prepend out on the slave), export is deny-by-default, the MD5 key is
// written and redacted, and --set local-as asserts the AS.
func TestVRPBGP(t *testing.T) {
	for _, vendor := range []string{"huawei", "h3c"} {
		t.Run(vendor, func(t *testing.T) {
			c := bgpDual("md5-key-1")
			out, warns, err := renderText(t, vendor, c, Options{})
			require.NoError(t, err)
			assert.Contains(t, out, "\nroute-policy unit-out-t1 deny node 10\n")
			assert.Contains(t, out, "\nroute-policy unit-out-t2 deny node 10\n")
			assert.Contains(t, fmt.Sprint(warns), "the export policies advertise nothing")
			assert.Contains(t, out, "\nroute-policy unit-in-t1 permit node 20\n apply local-preference 200\n")
			assert.Contains(t, out, "\nroute-policy unit-in-t2 permit node 20\n quit\n")
			pw := "password cipher md5-key-1"
			if vendor == "h3c" {
				pw = "password simple md5-key-1"
			}
			assert.Contains(t, out, "\n peer 169.254.10.1 "+pw+"\n")

			out, _, err = renderText(t, vendor, c, Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16"}})
			require.NoError(t, err)
			assert.Contains(t, out, "\nroute-policy unit-out-t1 permit node 10\n")
			assert.Regexp(t, `\nroute-policy unit-out-t2 permit node 10\n if-match ip[^\n]*unit-onprem\n apply as-path 65530 65530( additive)?\n`, out)
			assert.NotContains(t, out, "unit-out-t1 permit node 10\n if-match ip-prefix unit-onprem\n apply as-path")

			red, _, err := renderText(t, vendor, c, Options{Redact: true})
			require.NoError(t, err)
			assert.NotContains(t, red, "md5-key-1")
			assert.Contains(t, red, "<BGP-KEY-REDACTED:tunnel-1>")

			_, _, err = renderText(t, vendor, c, Options{Params: map[string]string{"local-as": "65001"}})
			require.ErrorContains(t, err, "this device's BGP AS is 65001 (--set local-as) but Alibaba expects AS 65530")
			_, _, err = renderText(t, vendor, c, Options{Params: map[string]string{"local-as": "65530"}})
			require.NoError(t, err)

			_, _, err = renderText(t, vendor, bgpDual("bad?key"), Options{Params: map[string]string{"platform": map[string]string{"huawei": "ar", "h3c": "router"}[vendor]}})
			require.ErrorContains(t, err, "tunnel 1: the BGP password cannot be entered")

			aa := bgpDual("md5-key-1")
			aa.ActiveActive = true
			out, _, err = renderText(t, vendor, aa, Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16"}})
			require.NoError(t, err)
			assert.NotContains(t, out, "\n apply local-preference")
			assert.NotContains(t, out, "\n apply as-path")
			assert.Contains(t, out, "both tunnels are active (ECMP")
		})
	}
}

// TestVRPStaticRoutes: route-based without BGP routes vpc-cidr into both
// tunnels with the master preferred, or writes commented placeholders.
func TestVRPStaticRoutes(t *testing.T) {
	c := dualPolicyConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	out, _, err := renderText(t, "huawei", c, Options{Params: map[string]string{"vpc-cidr": "172.16.0.0/12"}})
	require.NoError(t, err)
	requireLine(t, []byte(out), "ip route-static 172.16.0.0 255.240.0.0 Tunnel100 preference 10")
	requireLine(t, []byte(out), "ip route-static 172.16.0.0 255.240.0.0 Tunnel101 preference 20")
	out, _, err = renderText(t, "h3c", c, Options{})
	require.NoError(t, err)
	requireLine(t, []byte(out), "# ip route-static <VPC-NETWORK> <VPC-LENGTH> Tunnel100 preference 10")
	assert.NotContains(t, out, "\nip route-static 0.0.0.0")
	out, _, err = renderText(t, "huawei", c, Options{Params: map[string]string{"platform": "ar", "tunnel-number": "7", "vpc-cidr": "172.16.0.0/12"}})
	require.NoError(t, err)
	requireLine(t, []byte(out), "ip route-static 172.16.0.0 255.240.0.0 Tunnel0/0/8 preference 20")
}

// TestH3CRefusesDualPolicy: two ACL-based policies for the same traffic
// cannot fail over on Comware; the error says what to change on Alibaba.
func TestH3CRefusesDualPolicy(t *testing.T) {
	_, _, err := renderText(t, "h3c", dualPolicyConn(), Options{})
	require.ErrorContains(t, err, "set the connection to destination routing (0.0.0.0/0 on both sides)")
}

// TestVRPHealthCheck: probes outside the subnets are added to the ACL
// (policy-based) or routed into the tunnel (route-based), and let in.
func TestVRPHealthCheck(t *testing.T) {
	hc := &vpn.HealthCheck{Source: netip.MustParseAddr("10.10.0.99"), Destination: netip.MustParseAddr("192.168.77.1"), RevokeRoute: true}
	c := ciscoTestConn()
	c.HealthCheck = hc
	out, _, err := renderText(t, "huawei", c, Options{})
	require.NoError(t, err)
	requireLine(t, []byte(out), "rule 10 permit ip source 192.168.77.1 0.0.0.0 destination 10.10.0.99 0.0.0.0")
	assert.Contains(t, out, "rule name unit-hc\n")
	assert.Contains(t, out, "withdraws the connection's routes")
	r := routeConn()
	r.HealthCheck = hc
	out, _, err = renderText(t, "h3c", r, Options{})
	require.NoError(t, err)
	requireLine(t, []byte(out), "ip route-static 10.10.0.99 32 Tunnel100 preference 10")
	assert.Contains(t, out, "  source-ip-host 10.10.0.99\n  destination-ip-host 192.168.77.1\n")
}

// TestVRPSecurityPlatforms: the firewall platforms write zones and
// security policies, the router platforms do not.
func TestVRPSecurityPlatforms(t *testing.T) {
	for _, tc := range []struct{ vendor, platform, marker string }{
		{"huawei", "usg", "\nsecurity-policy\n"}, {"h3c", "firewall", "\nsecurity-policy ip\n"},
	} {
		out, _, err := renderText(t, tc.vendor, routeConn(), Options{Params: map[string]string{"platform": tc.platform}})
		require.NoError(t, err)
		assert.Contains(t, out, tc.marker)
	}
	for _, tc := range []struct{ vendor, platform string }{{"huawei", "ar"}, {"h3c", "router"}} {
		out, _, err := renderText(t, tc.vendor, routeConn(), Options{Params: map[string]string{"platform": tc.platform}})
		require.NoError(t, err)
		assert.NotContains(t, out, "security-policy")
		assert.NotContains(t, out, "zone")
	}
}
