package render

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

func renderMT(t *testing.T, c vpn.Connection, params map[string]string) (string, []vpn.Warning, error) {
	t.Helper()
	f, w, err := renderMain(templates.FS, "mikrotik", c, Options{Params: params})
	return string(f.Data), w, err
}

// TestMikrotikVocabulary maps every model algorithm to its RouterOS
// keyword (profile and proposal enumerations) or to the "cannot be
// expressed" error; sha384 exists for IKE but not for ESP.
func TestMikrotikVocabulary(t *testing.T) {
	type kw struct{ profile, proposal string }
	ciphers := map[vpn.Cipher]kw{vpn.AES128: {"aes-128", "aes-128-cbc"}, vpn.AES192: {"aes-192", "aes-192-cbc"}, vpn.AES256: {"aes-256", "aes-256-cbc"}, vpn.TripleDES: {"3des", "3des"}, vpn.DES: {"des", "des"}, vpn.SM4: {}}
	for c, want := range ciphers {
		t.Run("cipher/"+c.String(), func(t *testing.T) {
			out, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Cipher, tn.IPsec.Cipher = c, c }), nil)
			if want.profile == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE encryption SM4 cannot be expressed on RouterOS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, " enc-algorithm="+want.profile+" ")
			assert.Contains(t, out, " enc-algorithms="+want.proposal+" ")
		})
	}
	for h, want := range map[vpn.Integrity]string{vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA512: "sha512", vpn.SM3: ""} {
		t.Run("hash/"+h.String(), func(t *testing.T) {
			out, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Integrity, tn.IPsec.Integrity = h, h }), nil)
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE integrity SM3 cannot be expressed on RouterOS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, " hash-algorithm="+want+" ")
			assert.Contains(t, out, " auth-algorithms="+want+" ")
		})
	}
	t.Run("sha384", func(t *testing.T) {
		out, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.Integrity = vpn.SHA384 }), nil)
		require.NoError(t, err)
		assert.Contains(t, out, " hash-algorithm=sha384 ")
		_, _, err = renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.Integrity = vpn.SHA384 }), nil)
		require.ErrorContains(t, err, "tunnel 1: IPsec integrity HMAC-SHA2-384-192 cannot be expressed on RouterOS")
	})
	for g, want := range map[vpn.DHGroup]string{vpn.Group1: "modp768", vpn.Group2: "modp1024", vpn.Group5: "modp1536", vpn.Group14: "modp2048", vpn.Group24: ""} {
		t.Run("group/"+g.String(), func(t *testing.T) {
			out, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g }), nil)
			if want == "" {
				require.ErrorContains(t, err, "tunnel 1: IKE DH group MODP-2048-256 (group 24) cannot be expressed on RouterOS")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, out, " dh-group="+want+" ")
			assert.Contains(t, out, " pfs-group="+want+" ")
		})
	}
	out, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.NoPFS }), nil)
	require.NoError(t, err)
	assert.Contains(t, out, " pfs-group=none ")
}

func TestMikrotikDuration(t *testing.T) {
	for s, want := range map[int]string{86400: "1d", 28800: "8h", 3600: "1h", 27001: "7h30m1s", 90061: "1d1h1m1s", 59: "59s"} {
		assert.Equal(t, want, mtDuration(s), "%d", s)
	}
	_, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.IPsec.Lifetime = 0 }), nil)
	require.ErrorContains(t, err, "IPsec lifetime is 0")
}

// TestMikrotikPSK: the key as a RouterOS string with \ " $ ? escaped,
// a key starting 0x written as hex of all its bytes, control or
// non-ASCII characters refused by position; the redacted file keeps the
// same lines.
func TestMikrotikPSK(t *testing.T) {
	for key, want := range map[string]string{
		"plain-key":       `secret="plain-key"`,
		`a"b\c$d?e#f;g`:   `secret="a\"b\\c\$d\?e#f;g"`,
		"0xdeadbeef":      "secret=0x30786465616462656566",
		"0Xq[1]{2}":       "secret=0x3058715b315d7b327d",
		"`~!@%^&*()+=|<>": "secret=\"`~!@%^&*()+=|<>\"",
	} {
		c := editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(key) })
		out, _, err := renderMT(t, c, nil)
		require.NoError(t, err, key)
		assert.Contains(t, out, " "+want+" ", key)
		red, _, err := renderMain(templates.FS, "mikrotik", c, Options{Redact: true})
		require.NoError(t, err)
		assert.Contains(t, string(red.Data), ` secret="<PSK-REDACTED:tunnel-1>" `)
		assert.NotContains(t, string(red.Data), key)
	}
	for key, want := range map[string]string{"tab\there": "character 4 is a control character", "naïve": "character 3 is a non-ASCII character"} {
		_, _, err := renderMT(t, editTunnel(paloTestConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(key) }), nil)
		require.ErrorContains(t, err, want)
		assert.NotContains(t, err.Error(), key)
	}
}

// TestMikrotikRefusals: BGP and route-based connections cannot be
// expressed with policy-based IPsec; route-based works with explicit
// selectors, which policy-based connections refuse.
func TestMikrotikRefusals(t *testing.T) {
	_, _, err := renderMT(t, dualBGP(), nil)
	require.ErrorContains(t, err, "tunnel 1: BGP cannot be expressed on RouterOS")

	rb := dualBGP()
	for i := range rb.Tunnels {
		rb.Tunnels[i].BGP = nil
	}
	_, _, err = renderMT(t, rb, nil)
	require.ErrorContains(t, err, "route-based connection (0.0.0.0/0 on both sides) cannot be expressed on RouterOS")
	_, _, err = renderMT(t, rb, map[string]string{"onprem-prefixes": "10.20.0.0/16"})
	require.ErrorContains(t, err, "--set vpc-cidr")
	out, warns, err := renderMT(t, rb, map[string]string{"onprem-prefixes": "10.20.0.0/16,10.21.0.0/16", "vpc-cidr": "172.16.0.0/12"})
	require.NoError(t, err)
	assert.Contains(t, out, "src-address=10.21.0.0/16 dst-address=172.16.0.0/12 ")
	assert.NotContains(t, out, "0.0.0.0/0 dst-address")
	assert.NotEmpty(t, warns)

	_, _, err = renderMT(t, paloTestConn(), map[string]string{"vpc-cidr": "172.16.0.0/12"})
	require.ErrorContains(t, err, "only for route-based connections")
}

// TestMikrotikDualAndOptions: the standby tunnel's policies are disabled
// with fail-over commands; private networks and NAT-T off open UDP 500
// only; DPD off is said; a health check outside the subnets joins the
// selectors.
func TestMikrotikDualAndOptions(t *testing.T) {
	c := dualBGP()
	c.LocalSubnets, c.RemoteSubnets = paloTestConn().LocalSubnets, paloTestConn().RemoteSubnets
	for i := range c.Tunnels {
		c.Tunnels[i].BGP = nil
	}
	c.PrivateNetwork, c.DPD = true, false
	c.HealthCheck = &vpn.HealthCheck{Source: netip.MustParseAddr("10.99.0.1"), Destination: netip.MustParseAddr("192.168.50.1"), Interval: 2 * time.Second}
	out, _, err := renderMT(t, c, nil)
	require.NoError(t, err)
	for _, want := range []string{
		`peer="unit-t2" tunnel=yes src-address=10.20.0.0/24 dst-address=10.10.0.0/24 proposal="unit-t2" action=encrypt level=unique disabled=yes`,
		`#   /ip ipsec policy enable [find comment~"^vpnexport:unit:tunnel 2 "]`,
		"protocol=udp src-address=203.0.113.2 dst-port=500 comment=",
		"dpd-interval=disable-dpd proposal-check=obey",
		"WARNING: DPD is off on Alibaba",
		`src-address=192.168.50.1/32 dst-address=10.99.0.1/32`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "4500")
	assert.Equal(t, 2, strings.Count(out, "/ip ipsec policy add peer=\"unit-t1\""), "the subnet pair and the health-check pair, not crossed")
	assert.NotContains(t, out, "src-address=10.20.0.0/24 dst-address=10.99.0.1/32", "the probe source crossed with the on-prem subnet")
}
