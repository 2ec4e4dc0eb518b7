package render

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/vpn"
)

// TestASAVocabulary pins every Alibaba algorithm to its ASA keyword per
// IKE version (policy, transform set, IPsec proposal), or to an error.
func TestASAVocabulary(t *testing.T) {
	type want struct{ ike, esp1, esp2 string }
	ciphers := map[vpn.Cipher]want{
		vpn.AES128:    {" encryption aes\n", " esp-aes esp-sha-hmac\n", " protocol esp encryption aes\n"},
		vpn.AES192:    {" encryption aes-192\n", " esp-aes-192 esp-sha-hmac\n", " protocol esp encryption aes-192\n"},
		vpn.AES256:    {" encryption aes-256\n", " esp-aes-256 esp-sha-hmac\n", " protocol esp encryption aes-256\n"},
		vpn.DES:       {" encryption des\n", " esp-des esp-sha-hmac\n", " protocol esp encryption des\n"},
		vpn.TripleDES: {" encryption 3des\n", " esp-3des esp-sha-hmac\n", " protocol esp encryption 3des\n"},
	}
	for cph, w := range ciphers {
		t.Run(cph.String(), func(t *testing.T) {
			for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
				c := ciscoTestConn()
				if v == vpn.IKEv1 {
					setIKEv1(&c)
					c.Tunnels[0].IPsec.Integrity = vpn.SHA1
				}
				c.Tunnels[0].IKE.Cipher = cph
				c.Tunnels[0].IPsec.Cipher = cph
				out, _, err := renderText(t, "cisco-asa", c, Options{})
				require.NoError(t, err)
				assert.Contains(t, out, "\n"+w.ike)
				if v == vpn.IKEv1 {
					assert.Contains(t, out, w.esp1)
				} else {
					assert.Contains(t, out, "\n"+w.esp2)
				}
			}
		})
	}
	// integrity: IKEv1 hash, IKEv2 integrity+prf, IKEv1 transform, IKEv2 proposal ("" = error)
	integs := map[vpn.Integrity]struct{ v1, v2, esp1, esp2 string }{
		vpn.MD5:    {"md5", "md5", "esp-md5-hmac", "md5"},
		vpn.SHA1:   {"sha", "sha", "esp-sha-hmac", "sha-1"},
		vpn.SHA256: {"", "sha256", "", "sha-256"},
		vpn.SHA384: {"", "sha384", "", "sha-384"},
		vpn.SHA512: {"", "sha512", "", "sha-512"},
	}
	for in, w := range integs {
		t.Run(in.String(), func(t *testing.T) {
			c := ciscoTestConn()
			c.Tunnels[0].IKE.Integrity = in
			c.Tunnels[0].IPsec.Integrity = in
			out, _, err := renderText(t, "cisco-asa", c, Options{})
			require.NoError(t, err)
			assert.Contains(t, out, "\n integrity "+w.v2+"\n")
			assert.Contains(t, out, "\n prf "+w.v2+"\n")
			assert.Contains(t, out, "\n protocol esp integrity "+w.esp2+"\n")

			c = ciscoTestConn()
			setIKEv1(&c)
			c.Tunnels[0].IKE.Integrity = in
			out, _, err = renderText(t, "cisco-asa", c, Options{})
			if w.v1 == "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "tunnel 1: IKE integrity "+in.String()+" cannot be expressed on Cisco ASA with IKEv1")
			} else {
				require.NoError(t, err)
				assert.Contains(t, out, "\n hash "+w.v1+"\n")
			}

			c = ciscoTestConn()
			setIKEv1(&c)
			c.Tunnels[0].IPsec.Integrity = in
			out, _, err = renderText(t, "cisco-asa", c, Options{})
			if w.esp1 == "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "tunnel 1: IPsec integrity "+in.String()+" cannot be expressed on Cisco ASA with IKEv1")
			} else {
				require.NoError(t, err)
				assert.Contains(t, out, " esp-aes-256 "+w.esp1+"\n")
			}
		})
	}
	for _, g := range []vpn.DHGroup{vpn.Group1, vpn.Group2, vpn.Group5, vpn.Group14, vpn.Group24} {
		t.Run(g.String(), func(t *testing.T) {
			num := strings.TrimPrefix(asaPFS[g], "group")
			c := ciscoTestConn()
			c.Tunnels[0].IKE.DHGroup = g
			c.Tunnels[0].IPsec.PFS = g
			out, _, err := renderText(t, "cisco-asa", c, Options{})
			require.NoError(t, err)
			assert.Contains(t, out, "\n group "+num+"\n")
			assert.Contains(t, out, " set pfs group"+num+"\n")

			c = ciscoTestConn()
			setIKEv1(&c)
			c.Tunnels[0].IPsec.Integrity = vpn.SHA1
			c.Tunnels[0].IKE.DHGroup = g
			out, _, err = renderText(t, "cisco-asa", c, Options{})
			if g == vpn.Group24 {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "tunnel 1: IKE DH MODP-2048-256 (group 24) cannot be expressed on Cisco ASA with IKEv1")
			} else {
				require.NoError(t, err)
				assert.Contains(t, out, "\n group "+num+"\n")
			}
		})
	}
	t.Run("PFS disabled", func(t *testing.T) {
		c := ciscoTestConn()
		c.Tunnels[0].IPsec.PFS = vpn.NoPFS
		out, _, err := renderText(t, "cisco-asa", c, Options{})
		require.NoError(t, err)
		assert.NotContains(t, out, "set pfs")
	})
}

// TestASAErrors asserts the ASA capability and parameter errors by message.
func TestASAErrors(t *testing.T) {
	routeBased := func(c *vpn.Connection) {
		c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		c.RemoteSubnets = c.LocalSubnets
	}
	tests := map[string]struct {
		mutate func(c *vpn.Connection)
		params map[string]string
		want   string
	}{
		"SM4 IKE":           {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Cipher = vpn.SM4 }, want: "tunnel 1: IKE encryption SM4 cannot be expressed on Cisco ASA"},
		"SM3 IKE":           {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Integrity = vpn.SM3 }, want: "tunnel 1: IKE integrity SM3 cannot be expressed on Cisco ASA"},
		"SM4 IPsec":         {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Cipher = vpn.SM4 }, want: "tunnel 1: IPsec encryption SM4 cannot be expressed on Cisco ASA"},
		"SM3 IPsec":         {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Integrity = vpn.SM3 }, want: "tunnel 1: IPsec integrity SM3 cannot be expressed on Cisco ASA"},
		"SM3 IPsec IKEv1":   {mutate: func(c *vpn.Connection) { setIKEv1(c); c.Tunnels[0].IPsec.Integrity = vpn.SM3 }, want: "tunnel 1: IPsec integrity SM3 cannot be expressed on Cisco ASA"},
		"IKE lifetime 119s": {mutate: func(c *vpn.Connection) { c.Tunnels[0].IKE.Lifetime = 119 * time.Second }, want: "tunnel 1: IKE lifetime 119s is outside Cisco ASA's range 120-2147483647 seconds"},
		"IPsec lifetime 0":  {mutate: func(c *vpn.Connection) { c.Tunnels[0].IPsec.Lifetime = 0 }, want: "tunnel 1: IPsec lifetime is 0"},
		"PSK with ?":        {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("secret?x") }, want: "tunnel 1: the pre-shared key cannot be entered on Cisco ASA: character 7 is '?'"},
		"PSK with tab":      {mutate: func(c *vpn.Connection) { c.Tunnels[0].PSK = vpn.NewSecret("secret\tx") }, want: "character 7 is a control character"},
		"dual PFS differs":  {mutate: func(c *vpn.Connection) { *c = dualPolicyConn(); c.Tunnels[1].IPsec.PFS = vpn.NoPFS }, want: "tunnel 2: IPsec PFS none differs from tunnel 1's MODP-2048 (group 14); a Cisco ASA crypto map entry carries one PFS group"},
		"dual modes differ": {mutate: func(c *vpn.Connection) {
			*c = dualPolicyConn()
			setIKEv1(c)
			c.Tunnels[1].IKE.Mode = vpn.AggressiveMode
		}, want: "tunnel 2: IKEv1 aggressive mode differs from tunnel 1's main mode"},
		"mixed identities":      {mutate: func(c *vpn.Connection) { *c = dualPolicyConn(); c.Tunnels[0].LocalID = vpn.FQDNID("gw.example") }, want: "tunnel 2: address identity 198.51.100.1 while another tunnel uses an FQDN; Cisco ASA sets its identity globally"},
		"VTI aggressive":        {mutate: func(c *vpn.Connection) { routeBased(c); setIKEv1(c); c.Tunnels[0].IKE.Mode = vpn.AggressiveMode }, want: "tunnel 1: IKEv1 aggressive mode cannot be expressed on a Cisco ASA VTI"},
		"vti-network too small": {mutate: func(c *vpn.Connection) { *c = dualPolicyConn(); routeBased(c) }, params: map[string]string{"vti-network": "169.254.0.0/30"}, want: `cisco-asa: --set vti-network: value "169.254.0.0/30": needs room for 2 /30 networks`},
		"bad vti-network":       {params: map[string]string{"vti-network": "169.254.0.1/29"}, want: `--set vti-network: value "169.254.0.1/29": want an IPv4 network`},
		"unknown param":         {params: map[string]string{"ios-version": "17.9"}, want: "cisco-asa: --set ios-version: unknown key (valid: outside-interface, outside-interface-2, inside-interface"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := ciscoTestConn()
			if tc.mutate != nil {
				tc.mutate(&c)
			}
			_, _, err := renderText(t, "cisco-asa", c, Options{Params: tc.params})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, tun := range c.Tunnels {
				assert.NotContains(t, err.Error(), tun.PSK.Reveal(), "errors never echo the key")
			}
		})
	}
}

// TestASAWarnings: weak and version-dependent algorithms are warnings,
// returned and written into the file.
func TestASAWarnings(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *vpn.Connection)
		want   string
	}{
		"3des":      {func(c *vpn.Connection) { c.Tunnels[0].IKE.Cipher = vpn.TripleDES }, "IKE encryption 3DES-CBC: weak"},
		"md5 IPsec": {func(c *vpn.Connection) { c.Tunnels[0].IPsec.Integrity = vpn.MD5 }, "IPsec integrity HMAC-MD5-96: weak"},
		"group5":    {func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup = vpn.Group5 }, "IKE DH MODP-1536 (group 5): weak"},
		"group24":   {func(c *vpn.Connection) { c.Tunnels[0].IPsec.PFS = vpn.Group24 }, "PFS MODP-2048-256 (group 24): offered by some ASA releases only"},
		"strong":    {func(c *vpn.Connection) {}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := ciscoTestConn()
			tc.mutate(&c)
			out, warns, err := renderText(t, "cisco-asa", c, Options{})
			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, warns)
				assert.NotContains(t, out, "WARNING")
				return
			}
			require.Len(t, warns, 1)
			assert.Equal(t, "cisco-asa: tunnel 1", warns[0].Scope)
			assert.Contains(t, warns[0].Message, tc.want)
			assert.Contains(t, out, "! WARNING: tunnel 1: "+tc.want)
		})
	}
}

// TestASADualPolicy: one crypto map entry, both peers on one line with
// the master first, both transform sets, one tunnel-group per peer.
func TestASADualPolicy(t *testing.T) {
	c := dualPolicyConn()
	c.Tunnels[1].IPsec.Lifetime = 30 * time.Minute
	out, warns, err := renderText(t, "cisco-asa", c, Options{})
	require.NoError(t, err)
	assert.Contains(t, out, "crypto map ALIYUN-MAP 10 set peer 203.0.113.1 203.0.113.2\n")
	assert.Contains(t, out, "crypto map ALIYUN-MAP 10 set ikev2 ipsec-proposal unit-t1 unit-t2\n")
	assert.Contains(t, out, "crypto map ALIYUN-MAP 10 set security-association lifetime seconds 1800\n")
	assert.Contains(t, out, "tunnel-group 203.0.113.1 type ipsec-l2l\n")
	assert.Contains(t, out, "tunnel-group 203.0.113.2 type ipsec-l2l\n")
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Message, "IPsec lifetimes differ (3600s and 1800s)")
}

// TestASANamesUnique: in dual-tunnel files every policy priority, object
// name, tunnel number and nameif is defined once.
func TestASANamesUnique(t *testing.T) {
	for _, routeBased := range []bool{false, true} {
		for _, v := range []vpn.IKEVersion{vpn.IKEv1, vpn.IKEv2} {
			c := dualPolicyConn()
			if v == vpn.IKEv1 {
				setIKEv1(&c)
			}
			if routeBased {
				c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
				c.RemoteSubnets = c.LocalSubnets
			}
			out, _, err := renderText(t, "cisco-asa", c, Options{})
			require.NoError(t, err)
			seen := map[string]bool{}
			for _, l := range strings.Split(out, "\n") {
				f := strings.Fields(l)
				var def string
				switch {
				case strings.HasPrefix(l, "crypto ikev") && len(f) == 4 && f[2] == "policy",
					strings.HasPrefix(l, "crypto ipsec "),
					strings.HasPrefix(l, "interface "),
					strings.HasPrefix(l, "object-group "),
					strings.HasPrefix(l, "route-map "),
					strings.HasPrefix(l, "tunnel-group ") && len(f) == 4 && f[2] == "type":
					def = l
				case strings.HasPrefix(l, " nameif "), strings.HasPrefix(l, " ip address "):
					def = strings.TrimSpace(l)
				default:
					continue
				}
				assert.False(t, seen[def], "defined twice: %q", def)
				seen[def] = true
			}
		}
	}
}

// TestASAVTIIdentity: an ASA VTI selects the tunnel-group by the peer's
// identity, so an Alibaba ID other than its address is a warning.
func TestASAVTIIdentity(t *testing.T) {
	c := ciscoTestConn()
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = c.LocalSubnets
	c.Tunnels[0].RemoteID = vpn.FQDNID("cloud.example.com")
	out, warns, err := renderText(t, "cisco-asa", c, Options{})
	require.NoError(t, err)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Message, "Alibaba identifies as cloud.example.com, not as its address 203.0.113.1: an ASA VTI needs the tunnel-group named after the peer's identity")
	assert.Contains(t, out, "! WARNING: tunnel 1: Alibaba identifies as cloud.example.com")
}
