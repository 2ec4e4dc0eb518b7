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

// ciscoTestConn is a valid single-tunnel, policy-based IKEv2 connection
// that tests mutate: aes256/sha256/group14 both phases, address IDs.
func ciscoTestConn() vpn.Connection {
	local := netip.MustParseAddr("198.51.100.1")
	remote := netip.MustParseAddr("203.0.113.1")
	return vpn.Connection{
		Name:          "unit",
		LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")},
		RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("10.10.0.0/24")},
		DPD:           true,
		NATTraversal:  true,
		Tunnels: []vpn.Tunnel{{
			Index: 1, Role: vpn.RoleSingle,
			LocalAddr: local, RemoteAddr: remote,
			LocalID: vpn.AddressID(local), RemoteID: vpn.AddressID(remote),
			PSK:   vpn.NewSecret("unit-test-key"),
			IKE:   vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES256, Integrity: vpn.SHA256, DHGroup: vpn.Group14, Lifetime: 8 * time.Hour},
			IPsec: vpn.IPsec{Cipher: vpn.AES256, Integrity: vpn.SHA256, PFS: vpn.Group14, Lifetime: time.Hour},
		}},
	}
}

// dualPolicyConn is ciscoTestConn with a second (slave) tunnel.
func dualPolicyConn() vpn.Connection {
	c := ciscoTestConn()
	t2 := c.Tunnels[0]
	t2.Index, t2.Role = 2, vpn.RoleSlave
	t2.RemoteAddr = netip.MustParseAddr("203.0.113.2")
	t2.RemoteID = vpn.AddressID(t2.RemoteAddr)
	t2.PSK = vpn.NewSecret("unit-test-key-2")
	c.Tunnels[0].Role = vpn.RoleMaster
	c.Tunnels = append(c.Tunnels, t2)
	return c
}

func renderText(t *testing.T, vendor string, c vpn.Connection, o Options) (string, []vpn.Warning, error) {
	t.Helper()
	f, w, err := renderMain(templates.FS, vendor, c, o)
	return string(f.Data), w, err
}

// TestIOSVocabulary pins every Alibaba algorithm to its IOS keyword, per
// IKE version and for the transform set, or to an explicit error.
func TestIOSVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]struct{ v1, v2, esp string }{
		vpn.AES128:    {"encryption aes\n", "encryption aes-cbc-128\n", " esp-aes esp-sha256-hmac\n"},
		vpn.AES192:    {"encryption aes 192\n", "encryption aes-cbc-192\n", " esp-aes 192 esp-sha256-hmac\n"},
		vpn.AES256:    {"encryption aes 256\n", "encryption aes-cbc-256\n", " esp-aes 256 esp-sha256-hmac\n"},
		vpn.DES:       {"encryption des\n", "encryption des\n", " esp-des esp-sha256-hmac\n"},
		vpn.TripleDES: {"encryption 3des\n", "encryption 3des\n", " esp-3des esp-sha256-hmac\n"},
	}
	for cph, want := range ciphers {
		t.Run(cph.String(), func(t *testing.T) {
			for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				c := ciscoTestConn()
				c.Tunnels[0].IKE.Version = v
				c.Tunnels[0].IKE.Cipher = cph
				c.Tunnels[0].IPsec.Cipher = cph
				out, _, err := renderText(t, "cisco-ios", c, Options{})
				require.NoError(t, err)
				if v == vpn.IKEv1 {
					assert.Contains(t, out, "\n "+want.v1)
				} else {
					assert.Contains(t, out, "\n "+want.v2)
				}
				assert.Contains(t, out, want.esp)
			}
		})
	}
	integs := map[vpn.Integrity]struct{ v1, v2, esp string }{
		vpn.MD5:    {"hash md5\n", "integrity md5\n", " esp-aes 256 esp-md5-hmac\n"},
		vpn.SHA1:   {"hash sha\n", "integrity sha1\n", " esp-aes 256 esp-sha-hmac\n"},
		vpn.SHA256: {"hash sha256\n", "integrity sha256\n", " esp-aes 256 esp-sha256-hmac\n"},
		vpn.SHA384: {"hash sha384\n", "integrity sha384\n", " esp-aes 256 esp-sha384-hmac\n"},
		vpn.SHA512: {"hash sha512\n", "integrity sha512\n", " esp-aes 256 esp-sha512-hmac\n"},
	}
	for in, want := range integs {
		t.Run(in.String(), func(t *testing.T) {
			for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				c := ciscoTestConn()
				c.Tunnels[0].IKE.Version = v
				c.Tunnels[0].IKE.Integrity = in
				c.Tunnels[0].IPsec.Integrity = in
				out, _, err := renderText(t, "cisco-ios", c, Options{})
				require.NoError(t, err)
				if v == vpn.IKEv1 {
					assert.Contains(t, out, "\n "+want.v1)
				} else {
					assert.Contains(t, out, "\n "+want.v2)
				}
				assert.Contains(t, out, want.esp)
			}
		})
	}
	for _, g := range []vpn.DHGroup{vpn.Group1, vpn.Group2, vpn.Group5, vpn.Group14, vpn.Group24} {
		t.Run(g.String(), func(t *testing.T) {
			for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				c := ciscoTestConn()
				c.Tunnels[0].IKE.Version = v
				c.Tunnels[0].IKE.DHGroup = g
				c.Tunnels[0].IPsec.PFS = g
				out, _, err := renderText(t, "cisco-ios", c, Options{})
				require.NoError(t, err)
				assert.Contains(t, out, "\n group "+strings.TrimPrefix(iosPFS[g], "group")+"\n")
				assert.Contains(t, out, "\n set pfs group"+strings.TrimPrefix(iosPFS[g], "group")+"\n")
			}
		})
	}
	t.Run("PFS disabled", func(t *testing.T) {
		c := ciscoTestConn()
		c.Tunnels[0].IPsec.PFS = vpn.NoPFS
		out, _, err := renderText(t, "cisco-ios", c, Options{})
		require.NoError(t, err)
		assert.NotContains(t, out, "set pfs")
	})
}

// TestIOSErrors asserts every capability error by its message: the value
// and the platform are named.
func TestIOSErrors(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *vpn.Connection)
		params map[string]string
		want   string
	}{
		"SM4 IKE":            {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Cipher = vpn.SM4 }, want: "tunnel 1: IKE encryption SM4 cannot be expressed on Cisco IOS-XE"},
		"SM4 IKEv1":          {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Version = vpn.IKEv1; c.Tunnels[0].IKE.Cipher = vpn.SM4 }, want: "IKE encryption SM4 cannot be expressed on Cisco IOS-XE"},
		"SM3 IKE":            {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Integrity = vpn.SM3 }, want: "tunnel 1: IKE integrity SM3 cannot be expressed on Cisco IOS-XE"},
		"SM4 IPsec":          {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Cipher = vpn.SM4 }, want: "tunnel 1: IPsec encryption SM4 cannot be expressed on Cisco IOS-XE"},
		"SM3 IPsec":          {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Integrity = vpn.SM3 }, want: "tunnel 1: IPsec integrity SM3 cannot be expressed on Cisco IOS-XE"},
		"unknown DH group":   {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup = 19 }, want: "tunnel 1: IKE DH group DHGroup(19) cannot be expressed on Cisco IOS-XE"},
		"unknown PFS group":  {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.PFS = 19 }, want: "tunnel 1: IPsec PFS group DHGroup(19) cannot be expressed on Cisco IOS-XE"},
		"IKEv2 lifetime 60s": {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Lifetime = time.Minute }, want: "tunnel 1: IKE lifetime 60s is outside Cisco IOS-XE's range 120-86400 seconds"},
		"IKEv1 lifetime 59s": {mutate: func(c *vpn.Connection) {
			c.Tunnels[0].IKE.Version = vpn.IKEv1
			c.Tunnels[0].IKE.Lifetime = 59 * time.Second
		}, want: "IKE lifetime 59s is outside Cisco IOS-XE's range 60-86400 seconds"},
		"IKE lifetime 0":      {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Lifetime = 0 }, want: "tunnel 1: IKE lifetime is 0"},
		"IPsec lifetime 119s": {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Lifetime = 119 * time.Second }, want: "tunnel 1: IPsec lifetime 119s is outside Cisco IOS-XE's range 120-2592000 seconds"},
		"PSK with ?":          {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("abc?def") }, want: "tunnel 1: the pre-shared key cannot be entered on Cisco IOS-XE: character 4 is '?'"},
		"PSK with quote":      {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret(`a"b`) }, want: "character 2 is a double quote"},
		"PSK with space":      {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("a b") }, want: "character 2 is a space"},
		"PSK with newline":    {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("ab\ncrypto map X") }, want: "character 3 is a control character"},
		"PSK non-ASCII":       {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("abcé") }, want: "character 4 is a non-ASCII character"},
		"PSK one digit":       {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("7") }, want: "a one-digit key is read as the key-type argument"},
		"PSK empty":           {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("") }, want: "tunnel 1: the pre-shared key is empty"},
		"dual PFS differs":    {mutate: func(c *vpn.Connection) { *c = dualPolicyConn(); c.Tunnels[1].IPsec.PFS = vpn.Group5 }, want: "tunnel 2: IPsec PFS MODP-1536 (group 5) differs from tunnel 1's MODP-2048 (group 14); a Cisco IOS-XE crypto map entry carries one PFS group"},
		"dual IKE versions":   {mutate: func(c *vpn.Connection) { *c = dualPolicyConn(); c.Tunnels[1].IKE.Version = vpn.IKEv1 }, want: "tunnel 2: IKEv1 while tunnel 1 uses IKEv2"},
		"bad ios-version":     {params: map[string]string{"ios-version": "latest"}, want: `cisco-ios: --set ios-version: value "latest"`},
		"bad vpc-cidr":        {params: map[string]string{"vpc-cidr": "10.0.0.1/8"}, want: `cisco-ios: --set vpc-cidr: value "10.0.0.1/8": want an IPv4 network`},
		"bad crypto-map-seq":  {params: map[string]string{"crypto-map-seq": "0"}, want: "cisco-ios: --set crypto-map-seq: value \"0\": want a number from 1 to 65535"},
		"unknown param":       {params: map[string]string{"interface": "x"}, want: "cisco-ios: --set interface: unknown key (valid: outside-interface, outside-interface-2, ikev2-local-address, tunnel-number"},
		"bad isakmp-priority": {params: map[string]string{"isakmp-priority": "10000"}, want: "--set isakmp-priority: value \"10000\""},
		"bad tunnel-number":   {params: map[string]string{"tunnel-number": "-1"}, want: "--set tunnel-number"},
		"IKEv1 local ID mixed": {mutate: func(c *vpn.Connection) {
			*c = dualPolicyConn()
			setIKEv1(c)
			c.Tunnels[1].LocalID = vpn.FQDNID("x.example")
		}, want: "tunnel 2: local identity x.example differs from tunnel 1's 198.51.100.1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := ciscoTestConn()
			if tc.mutate != nil {
				tc.mutate(&c)
			}
			_, _, err := renderText(t, "cisco-ios", c, Options{Params: tc.params})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, tun := range c.Tunnels {
				if len(tun.PSK.Reveal()) > 3 {
					assert.NotContains(t, err.Error(), tun.PSK.Reveal(), "errors never echo the key")
				}
			}
		})
	}
}

// setIKEv1 turns every tunnel into IKEv1 with SHA-1, which both Cisco
// platforms can express in IKEv1.
func setIKEv1(c *vpn.Connection) {
	for i := range c.Tunnels {
		c.Tunnels[i].IKE.Version = vpn.IKEv1
		c.Tunnels[i].IKE.Integrity = vpn.SHA1
		c.Tunnels[i].IPsec.Integrity = vpn.SHA1
	}
}

// TestIOSComplianceShield: IOS-XE 17.11+ blocks weak algorithms (FN72510):
// a warning returned from Render and a WARNING comment in the file; older
// releases get neither.
func TestIOSComplianceShield(t *testing.T) {
	tests := map[string]struct {
		mutate  func(c *vpn.Connection)
		version string
		want    string // "" = no warning
	}{
		"3des IKE":         {func(c *vpn.Connection) { c.Tunnels[0].IKE.Cipher = vpn.TripleDES }, "17.12", "IKE encryption 3DES-CBC"},
		"des IPsec":        {func(c *vpn.Connection) { c.Tunnels[0].IPsec.Cipher = vpn.DES }, "17.11.1a", "IPsec encryption DES-CBC"},
		"md5 IKE":          {func(c *vpn.Connection) { c.Tunnels[0].IKE.Integrity = vpn.MD5 }, "17.15", "IKE integrity HMAC-MD5-96"},
		"md5 IPsec":        {func(c *vpn.Connection) { c.Tunnels[0].IPsec.Integrity = vpn.MD5 }, "18.1", "IPsec integrity HMAC-MD5-96"},
		"group2 IKE":       {func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup = vpn.Group2 }, "17.12", "IKE DH MODP-1024 (group 2)"},
		"group5 PFS":       {func(c *vpn.Connection) { c.Tunnels[0].IPsec.PFS = vpn.Group5 }, "17.12", "PFS MODP-1536 (group 5)"},
		"group1 IKEv1":     {func(c *vpn.Connection) { setIKEv1(c); c.Tunnels[0].IKE.DHGroup = vpn.Group1 }, "17.12", "IKE DH MODP-768 (group 1)"},
		"group24 IKEv2":    {func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup = vpn.Group24 }, "17.12", "IKE DH MODP-2048-256 (group 24)"},
		"group24 IKEv1 ok": {func(c *vpn.Connection) { setIKEv1(c); c.Tunnels[0].IKE.DHGroup = vpn.Group24 }, "17.12", ""},
		"md5 before 17.11": {func(c *vpn.Connection) { c.Tunnels[0].IKE.Integrity = vpn.MD5 }, "17.9", ""},
		"group2 on 16.12":  {func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup = vpn.Group2 }, "16.12.4", ""},
		"strong on 17.12":  {func(c *vpn.Connection) {}, "17.12", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := ciscoTestConn()
			tc.mutate(&c)
			out, warns, err := renderText(t, "cisco-ios", c, Options{Params: map[string]string{"ios-version": tc.version}})
			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, warns)
				assert.NotContains(t, out, "WARNING")
				return
			}
			require.Len(t, warns, 1)
			assert.Equal(t, "cisco-ios: tunnel 1", warns[0].Scope)
			assert.Contains(t, warns[0].Message, "IOS-XE "+tc.version+" refuses "+tc.want)
			assert.Contains(t, warns[0].Message, "crypto engine compliance shield disable")
			assert.Contains(t, out, "! WARNING: tunnel 1: IOS-XE "+tc.version+" refuses "+tc.want)
		})
	}
}

// TestIOSDualPolicyLifetimes: the shared crypto map entry takes the
// shorter lifetime and says so.
func TestIOSDualPolicyLifetimes(t *testing.T) {
	c := dualPolicyConn()
	c.Tunnels[1].IPsec.Lifetime = 2 * time.Hour
	out, warns, err := renderText(t, "cisco-ios", c, Options{})
	require.NoError(t, err)
	assert.Contains(t, out, " set peer 203.0.113.1\n set peer 203.0.113.2\n", "master first")
	assert.Contains(t, out, " set security-association lifetime seconds 3600\n")
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Message, "IPsec lifetimes differ (3600s and 7200s); the shared crypto map entry uses the shorter, 3600s")
}

// TestIOSNamesUnique: every number and name a dual route-based file
// defines is defined once.
func TestIOSNamesUnique(t *testing.T) {
	c := dualPolicyConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = c.LocalSubnets
	for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
		cc := c
		cc.Tunnels = append([]vpn.Tunnel(nil), c.Tunnels...)
		if v == vpn.IKEv1 {
			setIKEv1(&cc)
		}
		out, _, err := renderText(t, "cisco-ios", cc, Options{Params: map[string]string{"vpc-cidr": "172.16.0.0/12"}})
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			if l == "" || l[0] == ' ' || l[0] == '!' || strings.HasPrefix(l, "ip route") {
				continue
			}
			assert.False(t, seen[l], "defined twice: %q", l)
			seen[l] = true
		}
		assert.Contains(t, out, "\nip route 172.16.0.0 255.240.0.0 Tunnel100 1\nip route 172.16.0.0 255.240.0.0 Tunnel101 10\n")
	}
}

// TestCiscoNoInjectedLines: a connection name (which need not come from a
// file name) with a newline, '?' or non-ASCII text cannot add a command
// or open the CLI help: it only ever appears inside comments or
// sanitized names.
func TestCiscoNoInjectedLines(t *testing.T) {
	for _, vendor := range []string{"cisco-ios", "cisco-asa"} {
		for _, routeBased := range []bool{false, true} {
			c := dualPolicyConn()
			c.Name = "evil\ncrypto map EVIL 1 set peer 192.0.2.66 ?\r\nname 连接"
			if routeBased {
				c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
				c.RemoteSubnets = c.LocalSubnets
			}
			out, _, err := renderText(t, vendor, c, Options{})
			require.NoError(t, err)
			assert.NotContains(t, out, "\ncrypto map EVIL", vendor)
			assert.NotContains(t, out, "?", vendor)
			assert.NotContains(t, out, "\r", vendor)
			for i, r := range out {
				require.True(t, r == '\n' || r >= 0x20 && r <= 0x7e, "%s: byte %d is %q", vendor, i, r)
			}
		}
	}
}
