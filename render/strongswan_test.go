package render

import (
	"encoding/base64"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// testConn is a minimal valid single-tunnel connection; tests modify it.
func testConn() vpn.Connection {
	local, remote := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("203.0.113.1")
	return vpn.Connection{
		Name:          "test",
		LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")},
		RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("10.10.0.0/24")},
		DPD:           true, NATTraversal: true,
		Tunnels: []vpn.Tunnel{{
			Index: 1, LocalAddr: local, RemoteAddr: remote,
			LocalID: vpn.AddressID(local), RemoteID: vpn.AddressID(remote),
			PSK:   vpn.NewSecret("fake-key"),
			IKE:   vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES128, Integrity: vpn.SHA1, DHGroup: vpn.Group14, Lifetime: 86400 * time.Second},
			IPsec: vpn.IPsec{Cipher: vpn.AES128, Integrity: vpn.SHA1, PFS: vpn.Group14, Lifetime: 3600 * time.Second},
		}},
	}
}

func renderSwan(t *testing.T, c vpn.Connection, o Options) (string, []vpn.Warning) {
	t.Helper()
	f, w, err := renderMain(templates.FS, "strongswan", c, o)
	require.NoError(t, err)
	return string(f.Data), w
}

func line(t *testing.T, out, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(key) + ` = (.*)$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %q line in:\n%s", key, out)
	return m[1]
}

// TestStrongswanVocabulary: every algorithm maps to strongSwan's proposal
// keyword, or is refused with an error naming it.
func TestStrongswanVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{vpn.AES128: "aes128", vpn.AES192: "aes192", vpn.AES256: "aes256", vpn.DES: "des", vpn.TripleDES: "3des"}
	for c, want := range ciphers {
		conn := testConn()
		conn.Tunnels[0].IKE.Cipher = c
		conn.Tunnels[0].IPsec.Cipher = c
		out, _ := renderSwan(t, conn, Options{})
		assert.Equal(t, want+"-sha1-modp2048", line(t, out, "proposals"), c.String())
		assert.Equal(t, want+"-sha1-modp2048", line(t, out, "esp_proposals"), c.String())
	}
	integ := map[vpn.Integrity]string{vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512"}
	for i, want := range integ {
		conn := testConn()
		conn.Tunnels[0].IKE.Integrity = i
		conn.Tunnels[0].IPsec.Integrity = i
		out, _ := renderSwan(t, conn, Options{})
		assert.Equal(t, "aes128-"+want+"-modp2048", line(t, out, "proposals"), i.String())
		assert.Equal(t, "aes128-"+want+"-modp2048", line(t, out, "esp_proposals"), i.String())
	}
	groups := map[vpn.DHGroup]string{vpn.Group1: "modp768", vpn.Group2: "modp1024", vpn.Group5: "modp1536", vpn.Group14: "modp2048", vpn.Group24: "modp2048s256"}
	for g, want := range groups {
		conn := testConn()
		conn.Tunnels[0].IKE.DHGroup = g
		conn.Tunnels[0].IPsec.PFS = g
		out, _ := renderSwan(t, conn, Options{})
		assert.Equal(t, "aes128-sha1-"+want, line(t, out, "proposals"), g.String())
		assert.Equal(t, "aes128-sha1-"+want, line(t, out, "esp_proposals"), g.String())
	}

	conn := testConn()
	conn.Tunnels[0].IPsec.PFS = vpn.NoPFS
	out, _ := renderSwan(t, conn, Options{})
	assert.Equal(t, "aes128-sha1", line(t, out, "esp_proposals"), "PFS disabled: no group in the ESP proposal")
	assert.Equal(t, "aes128-sha1-modp2048", line(t, out, "proposals"), "PFS disabled does not touch IKE")

	for name, mutate := range map[string]func(*vpn.Tunnel){
		"IKE encryption SM4":  func(t *vpn.Tunnel) { t.IKE.Cipher = vpn.SM4 },
		"IPsec integrity SM3": func(t *vpn.Tunnel) { t.IPsec.Integrity = vpn.SM3 },
	} {
		conn := testConn()
		mutate(&conn.Tunnels[0])
		_, _, err := renderMain(templates.FS, "strongswan", conn, Options{})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "render strongswan: tunnel 1: "+name+" cannot be expressed on strongSwan")
	}
}

func TestStrongswanLifetimes(t *testing.T) {
	conn := testConn()
	conn.Tunnels[0].IKE.Lifetime = 28800 * time.Second
	conn.Tunnels[0].IPsec.Lifetime = 3600 * time.Second
	out, _ := renderSwan(t, conn, Options{})
	// IKEv1 proposes rekey_time + over_time: it must equal Alibaba's lifetime.
	rekey, over := line(t, out, "rekey_time"), line(t, out, "over_time")
	assert.Equal(t, "25920s", rekey)
	assert.Equal(t, "2880s", over)
	assert.Equal(t, "3600s", line(t, out, "life_time"))

	odd := testConn()
	odd.Tunnels[0].IKE.Lifetime = 86399 * time.Second
	out, _ = renderSwan(t, odd, Options{})
	assert.Equal(t, "77759s", line(t, out, "rekey_time"))
	assert.Equal(t, "8640s", line(t, out, "over_time"), "77759 + 8640 = 86399 exactly")

	zero := testConn()
	zero.Tunnels[0].IPsec.Lifetime = 0
	_, _, err := renderMain(templates.FS, "strongswan", zero, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tunnel 1: IPsec lifetime is 0, which Alibaba does not define")
}

func TestStrongswanIKEv1OneChildPerPair(t *testing.T) {
	conn := testConn()
	conn.LocalSubnets = append(conn.LocalSubnets, netip.MustParsePrefix("10.21.0.0/24"))
	conn.RemoteSubnets = append(conn.RemoteSubnets, netip.MustParsePrefix("10.11.0.0/24"))

	v1 := conn
	v1.Tunnels = []vpn.Tunnel{conn.Tunnels[0]}
	v1.Tunnels[0].IKE.Version = vpn.IKEv1
	out, _ := renderSwan(t, v1, Options{})
	pairs := regexp.MustCompile(`local_ts = (\S+)\n\s+remote_ts = (\S+)`).FindAllStringSubmatch(out, -1)
	var got []string
	for _, p := range pairs {
		got = append(got, p[1]+" "+p[2])
	}
	assert.Equal(t, []string{
		"10.20.0.0/24 10.10.0.0/24", "10.20.0.0/24 10.11.0.0/24",
		"10.21.0.0/24 10.10.0.0/24", "10.21.0.0/24 10.11.0.0/24",
	}, got, "IKEv1: one child per subnet pair")

	out, _ = renderSwan(t, conn, Options{})
	assert.Equal(t, "10.20.0.0/24,10.21.0.0/24", line(t, out, "local_ts"), "IKEv2: one child with every selector")
	assert.Equal(t, "10.10.0.0/24,10.11.0.0/24", line(t, out, "remote_ts"))
	assert.Equal(t, 1, strings.Count(out, "local_ts"))
}

func TestStrongswanIdentities(t *testing.T) {
	conn := testConn()
	conn.Tunnels[0].IKE.Version = vpn.IKEv1
	conn.Tunnels[0].IKE.Mode = vpn.AggressiveMode
	conn.Tunnels[0].LocalID = vpn.FQDNID("onprem.example.net")
	conn.Tunnels[0].RemoteID = vpn.FQDNID("cloud.example.com")
	out, _ := renderSwan(t, conn, Options{})
	assert.Contains(t, out, "id = fqdn:onprem.example.net")
	assert.Contains(t, out, "id = fqdn:cloud.example.com")
	assert.Contains(t, out, "id-1 = fqdn:onprem.example.net")
	assert.Equal(t, "yes", line(t, out, "aggressive"))
	assert.Equal(t, "1", line(t, out, "version"))

	v2 := testConn()
	v2.Tunnels[0].IKE.Mode = vpn.AggressiveMode // normalize drops it; render must too
	out, _ = renderSwan(t, v2, Options{})
	assert.NotContains(t, out, "aggressive")
}

// TestStrongswanSecretEncoding: every character Alibaba allows survives,
// and keys strongSwan would decode (0x…, 0s…) are encoded.
func TestStrongswanSecretEncoding(t *testing.T) {
	for _, psk := range []string{
		"plainKey123",
		`a"b`, "semi;colon", "hash#tag", "dollar$sign", "back`tick", "0xdeadbeef", "0sAAAA",
		"~!`@#$%^&*()_-+={}[]|;:\",.<>/?",
	} {
		val, encoded := swanSecretValue(psk)
		if !encoded {
			require.Equal(t, `"`+psk+`"`, val)
			assert.NotContains(t, psk, `"`)
			continue
		}
		require.True(t, strings.HasPrefix(val, "0s"), psk)
		dec, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(val, "0s"))
		require.NoError(t, err)
		assert.Equal(t, psk, string(dec))
	}
	_, enc := swanSecretValue("0xdeadbeef")
	assert.True(t, enc, "a key starting with 0x must not be read as hex")
}

func TestStrongswanRedact(t *testing.T) {
	out, _ := renderSwan(t, testConn(), Options{Redact: true})
	assert.NotContains(t, out, "fake-key")
	assert.Contains(t, out, `secret = "<PSK-REDACTED:tunnel-1>"`)
	assert.Contains(t, out, "# REDACTED:")
}

func TestStrongswanDualTunnelPrefersMaster(t *testing.T) {
	conn := testConn()
	t2 := conn.Tunnels[0]
	t2.Index, t2.RemoteAddr, t2.PSK = 2, netip.MustParseAddr("203.0.113.2"), vpn.NewSecret("other-key")
	conn.Tunnels[0].Role, t2.Role = vpn.RoleMaster, vpn.RoleSlave
	conn.Tunnels = append(conn.Tunnels, t2)
	out, _ := renderSwan(t, conn, Options{})
	assert.Contains(t, out, "test-t1 {")
	assert.Contains(t, out, "test-t2 {")
	prios := regexp.MustCompile(`priority = (\d+)`).FindAllStringSubmatch(out, -1)
	require.Len(t, prios, 2)
	assert.Less(t, prios[0][1], prios[1][1], "the master's policies must have the lower (preferred) priority value")
	assert.Contains(t, out, `secret = "other-key"`)
}

func TestStrongswanRouteBased(t *testing.T) {
	conn := testConn()
	conn.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	conn.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	out, _ := renderSwan(t, conn, Options{Params: map[string]string{"if-id": "42", "interface": "ens3"}})
	assert.Equal(t, "42", line(t, out, "if_id_in"))
	assert.Equal(t, "42", line(t, out, "if_id_out"))
	assert.Contains(t, out, "#   ip link add ipsec42 type xfrm dev ens3 if_id 42")
	assert.Contains(t, out, "#   ip route add <VPC-CIDR> dev ipsec42 metric 100")

	out, _ = renderSwan(t, conn, Options{Params: map[string]string{"vpc-cidr": "172.16.0.0/12"}})
	assert.Contains(t, out, "#   ip route add 172.16.0.0/12 dev ipsec1 metric 100")
	assert.NotContains(t, out, "<VPC-CIDR>")

	_, _, err := renderMain(templates.FS, "strongswan", conn, Options{Params: map[string]string{"vpc-cidr": "172.16.0.1/12"}})
	assert.ErrorContains(t, err, `--set vpc-cidr: value "172.16.0.1/12": want an IPv4 network in CIDR form`)
}

func TestRenderErrors(t *testing.T) {
	_, _, err := renderMain(templates.FS, "nope", testConn(), Options{})
	assert.ErrorContains(t, err, `unknown vendor "nope"`)

	_, _, err = Render(templates.FS, "strongswan", testConn(), Options{Params: map[string]string{"colour": "red"}})
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	assert.ErrorContains(t, err, "strongswan: --set colour: unknown key (valid: local-addrs, interface, if-id, vpc-cidr)")

	_, _, err = Render(templates.FS, "strongswan", testConn(), Options{Params: map[string]string{"interface": "eth0\nbad"}})
	assert.ErrorContains(t, err, "--set interface: value")

	_, _, err = Render(templates.FS, "strongswan", testConn(), Options{Params: map[string]string{"if-id": "x"}})
	assert.ErrorContains(t, err, `--set if-id: value "x": want a number`)

	broken := fstest.MapFS{"strongswan/swanctl.conf.tmpl": {Data: []byte("line one\n{{ .NoSuchField }}\n")}}
	_, _, err = Render(broken, "strongswan", testConn(), Options{})
	require.Error(t, err)
	assert.Equal(t, `render strongswan: swanctl.conf.tmpl:2: can't evaluate field NoSuchField in type render.strongswanView`, err.Error())

	bad := fstest.MapFS{"strongswan/swanctl.conf.tmpl": {Data: []byte("{{ if }}")}}
	_, _, err = Render(bad, "strongswan", testConn(), Options{})
	assert.ErrorContains(t, err, "render strongswan: swanctl.conf.tmpl:1:")
}

func TestSecretNeverPrints(t *testing.T) {
	s := vpn.NewSecret("fake-key")
	for _, got := range []string{s.String(), s.GoString()} {
		assert.NotContains(t, got, "fake-key")
	}
	b, _ := s.MarshalText()
	assert.NotContains(t, string(b), "fake-key")
}

func TestFuncs(t *testing.T) {
	fm := funcs()
	for _, banned := range []string{"now", "date", "randInt", "randAlpha", "uuidv4", "env", "expandenv", "shuffle", "genPrivateKey"} {
		assert.NotContains(t, fm, banned, "non-hermetic function %s must not reach templates", banned)
	}
	p := netip.MustParsePrefix("10.20.0.0/22")
	assert.Equal(t, "255.255.252.0", fm["prefixMask"].(func(netip.Prefix) string)(p))
	assert.Equal(t, "0.0.3.255", fm["wildcard"].(func(netip.Prefix) string)(p))
	assert.Equal(t, "10.20.0.0", fm["prefixAddr"].(func(netip.Prefix) string)(p))
	assert.Equal(t, "0.0.0.0", fm["prefixMask"].(func(netip.Prefix) string)(netip.MustParsePrefix("0.0.0.0/0")))
}

func TestTidy(t *testing.T) {
	assert.Equal(t, "a\n\nb\n", string(tidy([]byte("\n\na  \r\n\n\n\nb\t\n\n"))))
}

// BenchmarkRender reports ns/op and allocations to render one
// single-tunnel connection, per vendor (go test -bench Render ./render/).
func BenchmarkRender(b *testing.B) {
	conn := testConn()
	for _, v := range Vendors() {
		b.Run(v.Name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := renderMain(templates.FS, v.Name, conn, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
