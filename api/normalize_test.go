package api

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/vpn"
)

// TestNormalizeOrientation pins which side is which on Alibaba's own
// documented example. The example's addresses settle it: 139.196.32.167 is
// the customer gateway and 116.62.69.64 the VPN gateway (CreateVpnConnection
// and DescribeVpnConnection, cloud-perspective, give them those roles), and
// the Download example puts 139.196.32.167 in Local/LocalId. So Local is
// this device and Remote is Alibaba.
func TestNormalizeOrientation(t *testing.T) {
	cfg, err := Parse(Example)
	require.NoError(t, err)
	c, _, err := Normalize(cfg)
	require.NoError(t, err)
	require.Len(t, c.Tunnels, 1)
	tun := c.Tunnels[0]

	customerGateway := netip.MustParseAddr("139.196.32.167")
	vpnGateway := netip.MustParseAddr("116.62.69.64")
	assert.Equal(t, customerGateway, tun.LocalAddr, "Local must be this device (customer gateway)")
	assert.Equal(t, vpnGateway, tun.RemoteAddr, "Remote must be Alibaba's VPN gateway")
	assert.Equal(t, vpn.AddressID(customerGateway), tun.LocalID)
	assert.Equal(t, vpn.AddressID(vpnGateway), tun.RemoteID)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("2.2.2.0/24")}, c.LocalSubnets, "LocalSubnet is the data center")
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("1.1.1.0/24"), netip.MustParsePrefix("1.1.2.0/24")}, c.RemoteSubnets, "RemoteSubnet is the VPC")
}

func TestNormalizeSeedExample(t *testing.T) {
	cfg, err := Parse(Example)
	require.NoError(t, err)
	c, warns, err := Normalize(cfg)
	require.NoError(t, err)
	tun := c.Tunnels[0]
	assert.Equal(t, vpn.IKE{Version: vpn.IKEv1, Mode: vpn.MainMode, Cipher: vpn.AES128, Integrity: vpn.SHA1, DHGroup: vpn.Group2, Lifetime: 86400 * time.Second}, tun.IKE)
	assert.Equal(t, vpn.IPsec{Cipher: vpn.AES128, Integrity: vpn.SHA1, PFS: vpn.Group2, Lifetime: 86400 * time.Second}, tun.IPsec)
	assert.Equal(t, "pgw6dy7d1i8in7x5", tun.PSK.Reveal())
	assert.Equal(t, vpn.RoleSingle, tun.Role)
	assert.True(t, c.DPD)
	assert.True(t, c.NATTraversal)
	assert.False(t, c.RouteBased())
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].String(), "IKEv1 with 2 subnet pairs")
}

// base is a valid single-tunnel JSON body; cases patch one field.
const base = `{"Local":"198.51.100.1","Remote":"203.0.113.1","LocalSubnet":"10.20.0.0/24","RemoteSubnet":"10.10.0.0/24",
 "IkeConfig":{"IkeVersion":"ikev2","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"sha1","IkePfs":"group2","IkeLifetime":86400,"LocalId":"198.51.100.1","RemoteId":"203.0.113.1","Psk":"fake-key"},
 "IpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1","IpsecPfs":"group2","IpsecLifetime":3600}}`

func normalizeJSON(t *testing.T, body string) (vpn.Connection, []vpn.Warning, error) {
	t.Helper()
	cfg, err := Parse([]byte(body))
	require.NoError(t, err)
	return Normalize(cfg)
}

func TestNormalizeValues(t *testing.T) {
	tests := map[string]struct {
		old, new string
		check    func(t *testing.T, c vpn.Connection)
	}{
		"aes192":       {`"IkeEncAlg":"aes"`, `"IkeEncAlg":"aes192"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.AES192, c.Tunnels[0].IKE.Cipher) }},
		"aes256":       {`"IkeEncAlg":"aes"`, `"IkeEncAlg":"aes256"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.AES256, c.Tunnels[0].IKE.Cipher) }},
		"des":          {`"IkeEncAlg":"aes"`, `"IkeEncAlg":"des"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.DES, c.Tunnels[0].IKE.Cipher) }},
		"3des":         {`"IpsecEncAlg":"aes"`, `"IpsecEncAlg":"3des"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.TripleDES, c.Tunnels[0].IPsec.Cipher) }},
		"md5":          {`"IkeAuthAlg":"sha1"`, `"IkeAuthAlg":"md5"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.MD5, c.Tunnels[0].IKE.Integrity) }},
		"sha256":       {`"IkeAuthAlg":"sha1"`, `"IkeAuthAlg":"sha256"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.SHA256, c.Tunnels[0].IKE.Integrity) }},
		"sha384":       {`"IpsecAuthAlg":"sha1"`, `"IpsecAuthAlg":"sha384"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.SHA384, c.Tunnels[0].IPsec.Integrity) }},
		"sha512":       {`"IpsecAuthAlg":"sha1"`, `"IpsecAuthAlg":"sha512"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.SHA512, c.Tunnels[0].IPsec.Integrity) }},
		"group1":       {`"IkePfs":"group2"`, `"IkePfs":"group1"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.Group1, c.Tunnels[0].IKE.DHGroup) }},
		"group5":       {`"IkePfs":"group2"`, `"IkePfs":"group5"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.Group5, c.Tunnels[0].IKE.DHGroup) }},
		"group14":      {`"IpsecPfs":"group2"`, `"IpsecPfs":"group14"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.Group14, c.Tunnels[0].IPsec.PFS) }},
		"group24":      {`"IpsecPfs":"group2"`, `"IpsecPfs":"group24"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.Group24, c.Tunnels[0].IPsec.PFS) }},
		"pfs disabled": {`"IpsecPfs":"group2"`, `"IpsecPfs":"disabled"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.NoPFS, c.Tunnels[0].IPsec.PFS) }},
		"upper case": {`"IkeEncAlg":"aes","IkeAuthAlg":"sha1"`, `"IkeEncAlg":"AES256","IkeAuthAlg":"SHA256"`, func(t *testing.T, c vpn.Connection) {
			assert.Equal(t, vpn.AES256, c.Tunnels[0].IKE.Cipher)
			assert.Equal(t, vpn.SHA256, c.Tunnels[0].IKE.Integrity)
		}},
		"ikev1":           {`"IkeVersion":"ikev2"`, `"IkeVersion":"IKEv1"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.IKEv1, c.Tunnels[0].IKE.Version) }},
		"aggressive v1":   {`"IkeVersion":"ikev2","IkeMode":"main"`, `"IkeVersion":"ikev1","IkeMode":"aggressive"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.AggressiveMode, c.Tunnels[0].IKE.Mode) }},
		"aggressive v2":   {`"IkeMode":"main"`, `"IkeMode":"aggressive"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, vpn.MainMode, c.Tunnels[0].IKE.Mode) }},
		"lifetime string": {`"IkeLifetime":86400`, `"IkeLifetime":"28800"`, func(t *testing.T, c vpn.Connection) { assert.Equal(t, 28800*time.Second, c.Tunnels[0].IKE.Lifetime) }},
		"fqdn ids": {`"LocalId":"198.51.100.1","RemoteId":"203.0.113.1"`, `"LocalId":"onprem.example.net","RemoteId":"cloud.example.com"`, func(t *testing.T, c vpn.Connection) {
			assert.Equal(t, vpn.FQDNID("onprem.example.net"), c.Tunnels[0].LocalID)
			assert.Equal(t, vpn.FQDNID("cloud.example.com"), c.Tunnels[0].RemoteID)
		}},
		"empty ids default to addresses": {`"LocalId":"198.51.100.1","RemoteId":"203.0.113.1"`, `"LocalId":"","RemoteId":""`, func(t *testing.T, c vpn.Connection) {
			assert.Equal(t, vpn.AddressID(netip.MustParseAddr("198.51.100.1")), c.Tunnels[0].LocalID)
			assert.Equal(t, vpn.AddressID(netip.MustParseAddr("203.0.113.1")), c.Tunnels[0].RemoteID)
		}},
		"subnet list": {`"LocalSubnet":"10.20.0.0/24"`, `"LocalSubnet":" 10.20.0.0/24 , 10.21.0.0/24,10.20.0.0/24"`, func(t *testing.T, c vpn.Connection) {
			assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24"), netip.MustParsePrefix("10.21.0.0/24")}, c.LocalSubnets)
			assert.Len(t, c.SubnetPairs(), 2)
		}},
		"route-based":      {`"LocalSubnet":"10.20.0.0/24","RemoteSubnet":"10.10.0.0/24"`, `"LocalSubnet":"0.0.0.0/0","RemoteSubnet":"0.0.0.0/0"`, func(t *testing.T, c vpn.Connection) { assert.True(t, c.RouteBased()) }},
		"one side any":     {`"LocalSubnet":"10.20.0.0/24"`, `"LocalSubnet":"0.0.0.0/0"`, func(t *testing.T, c vpn.Connection) { assert.False(t, c.RouteBased()) }},
		"no local address": {`"Local":"198.51.100.1"`, `"Local":""`, func(t *testing.T, c vpn.Connection) { assert.False(t, c.Tunnels[0].LocalAddr.IsValid()) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, base, tc.old, "test case patches a field that is not in the base")
			c, _, err := normalizeJSON(t, strings.Replace(base, tc.old, tc.new, 1))
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := map[string]struct {
		old, new string
		want     string
	}{
		"bad cipher":       {`"IkeEncAlg":"aes"`, `"IkeEncAlg":"aes512"`, `IkeConfig.IkeEncAlg: unsupported value "aes512" (want aes, aes192, aes256, des, 3des, sm4)`},
		"bad integrity":    {`"IpsecAuthAlg":"sha1"`, `"IpsecAuthAlg":"sha386"`, `IpsecConfig.IpsecAuthAlg: unsupported value "sha386" (want md5, sha1, sha256, sha384, sha512, sm3)`},
		"bad ike group":    {`"IkePfs":"group2"`, `"IkePfs":"disabled"`, `IkeConfig.IkePfs: unsupported value "disabled" (want group1, group2, group5, group14, group24)`},
		"bad version":      {`"IkeVersion":"ikev2"`, `"IkeVersion":"ikev3"`, `IkeConfig.IkeVersion: unsupported value "ikev3" (want ikev1, ikev2)`},
		"missing version":  {`"IkeVersion":"ikev2",`, ``, `IkeConfig.IkeVersion: missing (want ikev1, ikev2)`},
		"bad mode":         {`"IkeVersion":"ikev2","IkeMode":"main"`, `"IkeVersion":"ikev1","IkeMode":"quick"`, `IkeConfig.IkeMode: unsupported value "quick" (want main, aggressive)`},
		"lifetime range":   {`"IkeLifetime":86400`, `"IkeLifetime":86401`, `IkeConfig.IkeLifetime: 86401 out of range (want seconds, 1-86400)`},
		"lifetime zero":    {`"IpsecLifetime":3600`, `"IpsecLifetime":0`, `IpsecConfig.IpsecLifetime: 0 is not a valid lifetime`},
		"lifetime text":    {`"IpsecLifetime":3600`, `"IpsecLifetime":"1h"`, `IpsecConfig.IpsecLifetime: not a number: "1h" (want seconds, 1-86400)`},
		"lifetime missing": {`,"IpsecLifetime":3600`, ``, `IpsecConfig.IpsecLifetime: missing`},
		"bad remote":       {`"Remote":"203.0.113.1"`, `"Remote":"vpn-gw"`, `Remote: not an IP address: "vpn-gw"`},
		"missing remote":   {`"Remote":"203.0.113.1"`, `"Remote":""`, `Remote: missing (want the gateway's IP address)`},
		"bad subnet":       {`"LocalSubnet":"10.20.0.0/24"`, `"LocalSubnet":"10.20.0.0/33"`, `LocalSubnet: "10.20.0.0/33" is not a CIDR block`},
		"host bits":        {`"RemoteSubnet":"10.10.0.0/24"`, `"RemoteSubnet":"10.10.0.1/24"`, `RemoteSubnet: "10.10.0.1/24" has host bits set (did you mean 10.10.0.0/24?)`},
		"no subnet":        {`"RemoteSubnet":"10.10.0.0/24"`, `"RemoteSubnet":""`, `RemoteSubnet: missing`},
		"id injection":     {`"LocalId":"198.51.100.1"`, `"LocalId":"evil\nline"`, `IkeConfig.LocalId: "evil\nline" is neither an IP address nor a host name`},
		"id quote":         {`"RemoteId":"203.0.113.1"`, `"RemoteId":"a\"b"`, `IkeConfig.RemoteId: "a\"b" is neither an IP address nor a host name`},
		"psk missing":      {`"Psk":"fake-key"`, `"Psk":""`, `IkeConfig.Psk: missing`},
		"psk newline":      {`"Psk":"fake-key"`, `"Psk":"fake\nkey"`, `IkeConfig.Psk: character 5 is not allowed in a pre-shared key (a newline;`},
		"psk space":        {`"Psk":"fake-key"`, `"Psk":"fake key"`, `IkeConfig.Psk: character 5 is not allowed in a pre-shared key (a space;`},
		"psk too long":     {`"Psk":"fake-key"`, `"Psk":"` + strings.Repeat("k", 101) + `"`, `IkeConfig.Psk: 101 characters; Alibaba allows at most 100`},
		"no ipsec":         {",\n " + `"IpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1","IpsecPfs":"group2","IpsecLifetime":3600}`, ``, `IpsecConfig: missing`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, base, tc.old)
			_, _, err := normalizeJSON(t, strings.Replace(base, tc.old, tc.new, 1))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "fake-key", "error leaks the PSK")
		})
	}
}

// TestNormalizeErrorsMaskTheKey: a value echoed in an error may contain
// the key (found by fuzzing: PSK "000000", LocalId "!000000").
func TestNormalizeErrorsMaskTheKey(t *testing.T) {
	body := strings.NewReplacer(`"Psk":"fake-key"`, `"Psk":"s3cr3tkey"`, `"LocalId":"198.51.100.1"`, `"LocalId":"!s3cr3tkey"`).Replace(base)
	_, _, err := normalizeJSON(t, body)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3tkey")
	assert.Contains(t, err.Error(), `IkeConfig.LocalId: "!<PSK-REDACTED>" is neither an IP address nor a host name`)
}

func TestNormalizeReportsEveryProblem(t *testing.T) {
	body := strings.NewReplacer(`"IkeEncAlg":"aes"`, `"IkeEncAlg":"rc4"`, `"IpsecPfs":"group2"`, `"IpsecPfs":"group99"`).Replace(base)
	_, _, err := normalizeJSON(t, body)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "IkeConfig.IkeEncAlg")
	assert.Contains(t, err.Error(), "IpsecConfig.IpsecPfs")
}

func TestNormalizeDualTunnel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "api", "dual-tunnel.json"))
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)
	c, warns, err := Normalize(cfg)
	require.NoError(t, err)
	require.Len(t, c.Tunnels, 2)
	t1, t2 := c.Tunnels[0], c.Tunnels[1]
	assert.Equal(t, "tun-fake0000000000001", t1.ID)
	assert.Equal(t, vpn.RoleMaster, t1.Role)
	assert.True(t, t1.RoleAssumed)
	assert.Equal(t, vpn.RoleSlave, t2.Role)
	assert.Equal(t, netip.MustParseAddr("203.0.113.2"), t2.RemoteAddr)
	assert.Equal(t, "fake-psk-tunnel-two", t2.PSK.Reveal(), "each tunnel keeps its own PSK")
	assert.Equal(t, vpn.Group5, t2.IKE.DHGroup, "each tunnel keeps its own proposals")
	assert.Equal(t, 28800*time.Second, t2.IKE.Lifetime)
	assert.Equal(t, 2, t2.Index)
	require.NotEmpty(t, warns)
	assert.Contains(t, warns[0].Message, "assuming tunnel 1")
}

func TestNormalizeDualTunnelErrorsNameTheTunnel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "api", "dual-tunnel.json"))
	require.NoError(t, err)
	body := strings.Replace(string(data), `"Remote": "203.0.113.2"`, `"Remote": "nope"`, 1)
	cfg, err := Parse([]byte(body))
	require.NoError(t, err)
	_, _, err = Normalize(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `TunnelsConfig.TunnelConfig[1].Remote: not an IP address: "nope"`)
}

func TestNormalizeBGP(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "api", "dual-tunnel-bgp.json"))
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)
	c, _, err := Normalize(cfg)
	require.NoError(t, err)
	require.NotNil(t, c.Tunnels[1].BGP)
	b := c.Tunnels[1].BGP
	// BgpConfigs is read from the cloud's side: LocalAsn 45104 is Alibaba.
	assert.Equal(t, uint32(45104), b.RemoteASN)
	assert.Equal(t, uint32(65530), b.LocalASN)
	assert.Equal(t, netip.MustParseAddr("169.254.20.2"), b.LocalIP)
	assert.Equal(t, netip.MustParseAddr("169.254.20.1"), b.RemoteIP)
	assert.Equal(t, netip.MustParsePrefix("169.254.20.0/30"), b.TunnelCIDR)
	assert.True(t, c.RouteBased())
}

func TestParseForms(t *testing.T) {
	whole, err := Parse(Example)
	require.NoError(t, err)

	inner := `{"Remote":"116.62.69.64","Local":"139.196.32.167"}`
	got, err := Parse([]byte(inner))
	require.NoError(t, err)
	assert.Equal(t, "116.62.69.64", got.Remote, "a bare VpnConnectionConfig object is accepted")

	xmlWhole, err := os.ReadFile(filepath.Join("..", "testdata", "api", "xml-input.xml"))
	require.NoError(t, err)
	x, err := Parse(xmlWhole)
	require.NoError(t, err)
	assert.Equal(t, "203.0.113.1", x.Remote)
	assert.Equal(t, int64(28800), x.IkeConfig.IkeLifetime.Value)

	xmlInner := `<VpnConnectionConfig><Remote>116.62.69.64</Remote><TunnelsConfig><TunnelConfig><TunnelId>tun-a</TunnelId></TunnelConfig><TunnelConfig><TunnelId>tun-b</TunnelId></TunnelConfig></TunnelsConfig></VpnConnectionConfig>`
	xi, err := Parse([]byte(xmlInner))
	require.NoError(t, err)
	require.Len(t, xi.TunnelsConfig.TunnelConfig, 2)
	assert.Equal(t, "tun-b", xi.TunnelsConfig.TunnelConfig[1].TunnelID)
	assert.Equal(t, "139.196.32.167", whole.Local)
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"empty":      {"  \n", "input is empty"},
		"not json":   {"hello", `input is neither JSON nor XML (starts with "hello")`},
		"bad json":   {`{"Local": }`, "parse JSON"},
		"type":       {`{"VpnConnectionConfig":{"IkeConfig":{"IkeVersion":2}}}`, "IkeConfig.IkeVersion: unexpected JSON number"},
		"xml root":   {`<Foo/>`, "root element <Foo>"},
		"api error":  {`{"RequestId":"x","Code":"Forbidden","Message":"User not authorized"}`, "Alibaba error response, not a configuration: Forbidden: User not authorized"},
		"xml error":  {`<Error><Code>Forbidden</Code><Message>no</Message></Error>`, "Alibaba error response"},
		"case twins": {`{"VpnConnectionConfig":{"Remote":"203.0.113.1"},"vpnconnectionconfig":{"Remote":"203.0.113.2"}}`, "keys VpnConnectionConfig, vpnconnectionconfig differ only in letter case"},
		"deep xml":   {strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), "nested deeper than 32 levels"},
		"too large":  {"{" + strings.Repeat(" ", MaxInputSize) + "}", "larger than"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestFlexTypes(t *testing.T) {
	for in, want := range map[string]FlexInt{
		`86400`: {Value: 86400, Set: true}, `"86400"`: {Value: 86400, Set: true}, `" 5 "`: {Value: 5, Set: true},
		`""`: {}, `null`: {}, `"abc"`: {Set: true, Raw: "abc"},
	} {
		var f FlexInt
		require.NoError(t, f.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, want, f, in)
	}
	for in, want := range map[string]FlexBool{
		`true`: {Value: true, Set: true}, `"true"`: {Value: true, Set: true}, `"1"`: {Value: true, Set: true},
		`false`: {Set: true}, `"False"`: {Set: true}, `""`: {}, `null`: {},
	} {
		var f FlexBool
		require.NoError(t, f.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, want, f, in)
	}
	var f FlexBool
	assert.Error(t, f.UnmarshalJSON([]byte(`"maybe"`)))
}
