package render

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// srxFortiConn is a valid single-tunnel, policy-based IKEv2 connection
// the juniper-srx and fortigate table tests start from and then modify.
func srxFortiConn() vpn.Connection {
	return vpn.Connection{
		Name:          "unit",
		LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")},
		RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("10.10.0.0/24")},
		DPD:           true,
		NATTraversal:  true,
		Tunnels: []vpn.Tunnel{{
			Index:      1,
			Role:       vpn.RoleSingle,
			LocalAddr:  netip.MustParseAddr("198.51.100.1"),
			RemoteAddr: netip.MustParseAddr("203.0.113.1"),
			LocalID:    vpn.AddressID(netip.MustParseAddr("198.51.100.1")),
			RemoteID:   vpn.AddressID(netip.MustParseAddr("203.0.113.1")),
			PSK:        vpn.NewSecret("unit-test-key"),
			IKE: vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES256, Integrity: vpn.SHA256,
				DHGroup: vpn.Group14, Lifetime: 86400 * time.Second},
			IPsec: vpn.IPsec{Cipher: vpn.AES256, Integrity: vpn.SHA256, PFS: vpn.Group14,
				Lifetime: 3600 * time.Second},
		}},
	}
}

func withTunnel(c vpn.Connection, edit func(t *vpn.Tunnel)) vpn.Connection {
	ts := append([]vpn.Tunnel(nil), c.Tunnels...)
	edit(&ts[0])
	c.Tunnels = ts
	return c
}

// TestJunosVocabulary maps every model algorithm to its Junos keyword or
// to an explicit "cannot be expressed" error.
func TestJunosVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{
		vpn.AES128: "aes-128-cbc", vpn.AES192: "aes-192-cbc", vpn.AES256: "aes-256-cbc",
		vpn.DES: "des-cbc", vpn.TripleDES: "3des-cbc", vpn.SM4: "",
	}
	for c, want := range ciphers {
		for _, phase := range []string{"IKE", "IPsec"} {
			t.Run(phase+"/"+c.String(), func(t *testing.T) {
				conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) {
					if phase == "IKE" {
						tn.IKE.Cipher = c
					} else {
						tn.IPsec.Cipher = c
					}
				})
				out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
				if want == "" {
					require.ErrorContains(t, err, phase+" encryption SM4 cannot be expressed on Junos")
					return
				}
				require.NoError(t, err)
				prefix := "set security ike proposal ike-prop-unit encryption-algorithm "
				if phase == "IPsec" {
					prefix = "set security ipsec proposal ipsec-prop-unit encryption-algorithm "
				}
				requireLine(t, out.Data, prefix+want)
			})
		}
	}

	integ := map[vpn.Integrity][2]string{ // IKE, IPsec
		vpn.MD5: {"md5", "hmac-md5-96"}, vpn.SHA1: {"sha1", "hmac-sha1-96"},
		vpn.SHA256: {"sha-256", "hmac-sha-256-128"}, vpn.SHA384: {"sha-384", "hmac-sha-384"},
		vpn.SHA512: {"sha-512", "hmac-sha-512"}, vpn.SM3: {},
	}
	for i, want := range integ {
		t.Run("integrity/"+i.String(), func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.Integrity, tn.IPsec.Integrity = i, i })
			out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
			if want[0] == "" {
				require.ErrorContains(t, err, "IKE integrity SM3 cannot be expressed on Junos")
				return
			}
			require.NoError(t, err)
			requireLine(t, out.Data, "set security ike proposal ike-prop-unit authentication-algorithm "+want[0])
			requireLine(t, out.Data, "set security ipsec proposal ipsec-prop-unit authentication-algorithm "+want[1])
		})
	}

	groups := map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14", vpn.Group24: "group24",
	}
	for g, want := range groups {
		t.Run("group/"+want, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g })
			out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
			require.NoError(t, err)
			requireLine(t, out.Data, "set security ike proposal ike-prop-unit dh-group "+want)
			requireLine(t, out.Data, "set security ipsec policy ipsec-pol-unit perfect-forward-secrecy keys "+want)
		})
	}
	t.Run("group/unknown", func(t *testing.T) {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.DHGroup(19) })
		_, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
		require.ErrorContains(t, err, "IPsec PFS group DHGroup(19) cannot be expressed on Junos")
	})
	t.Run("pfs-disabled", func(t *testing.T) {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.NoPFS })
		out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
		require.NoError(t, err)
		if strings.Contains(string(out.Data), "perfect-forward-secrecy keys") {
			t.Errorf("PFS disabled, but the file has a perfect-forward-secrecy statement")
		}
	})
}

// TestJunosLifetimes checks Junos's 180-86400 s range on both phases.
func TestJunosLifetimes(t *testing.T) {
	for name, tc := range map[string]struct {
		ike, ipsec time.Duration
		err        string
	}{
		"minimum":       {ike: 180 * time.Second, ipsec: 180 * time.Second},
		"maximum":       {ike: 86400 * time.Second, ipsec: 86400 * time.Second},
		"ike too short": {ike: 179 * time.Second, ipsec: 3600 * time.Second, err: "tunnel 1: IKE lifetime 179s is outside Junos's range 180-86400 seconds"},
		"ipsec too short": {ike: 3600 * time.Second, ipsec: 120 * time.Second,
			err: "tunnel 1: IPsec lifetime 120s is outside Junos's range 180-86400 seconds"},
		"ipsec too long": {ike: 3600 * time.Second, ipsec: 86401 * time.Second,
			err: "tunnel 1: IPsec lifetime 86401s is outside Junos's range 180-86400 seconds"},
		"zero": {ike: 0, ipsec: 3600 * time.Second, err: "tunnel 1: IKE lifetime is 0, which Alibaba does not define; Junos needs 180-86400 seconds"},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.Lifetime, tn.IPsec.Lifetime = tc.ike, tc.ipsec })
			out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
			if tc.err != "" {
				require.ErrorContains(t, err, "render juniper-srx: "+tc.err)
				return
			}
			require.NoError(t, err)
			requireLine(t, out.Data, "set security ike proposal ike-prop-unit lifetime-seconds "+strconv.Itoa(int(tc.ike/time.Second)))
			requireLine(t, out.Data, "set security ipsec proposal ipsec-prop-unit lifetime-seconds "+strconv.Itoa(int(tc.ipsec/time.Second)))
		})
	}
}

// TestJunosFIPSWarnings: values Junos FIPS mode rejects give a warning on
// stderr and a WARNING comment in the file; others give none.
func TestJunosFIPSWarnings(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*vpn.Tunnel)
		want string // blocked keyword list; empty: no FIPS warning
	}{
		"strong":     {edit: func(*vpn.Tunnel) {}},
		"md5":        {edit: func(tn *vpn.Tunnel) { tn.IKE.Integrity, tn.IPsec.Integrity = vpn.MD5, vpn.MD5 }, want: "md5, hmac-md5-96"},
		"des":        {edit: func(tn *vpn.Tunnel) { tn.IPsec.Cipher = vpn.DES }, want: "des-cbc"},
		"group1":     {edit: func(tn *vpn.Tunnel) { tn.IKE.DHGroup = vpn.Group1 }, want: "group1"},
		"group2 pfs": {edit: func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.Group2 }, want: "group2"},
		"3des ok":    {edit: func(tn *vpn.Tunnel) { tn.IKE.Cipher = vpn.TripleDES }},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), tc.edit)
			out, warns, err := renderMain(templates.FS, "juniper-srx", conn, Options{})
			require.NoError(t, err)
			msg := "Junos in FIPS mode rejects " + tc.want + ";"
			found := false
			for _, w := range warns {
				if strings.Contains(w.Message, "FIPS") {
					found = true
					if !strings.Contains(w.Message, msg) || w.Scope != "juniper-srx: tunnel 1" {
						t.Errorf("warning %q, want scope juniper-srx: tunnel 1 and %q", w, msg)
					}
				}
			}
			if found != (tc.want != "") {
				t.Errorf("FIPS warning present = %v, want %v (warnings %v)", found, tc.want != "", warns)
			}
			if inFile := strings.Contains(string(out.Data), "# WARNING: tunnel 1: "+msg); inFile != (tc.want != "") {
				t.Errorf("FIPS comment in file = %v, want %v", inFile, tc.want != "")
			}
		})
	}
}

// TestJunosPSK: safe keys go in quotes, anything with a character whose
// meaning inside Junos quotes is unconfirmed goes hexadecimal; the
// redaction placeholder stays valid ascii-text.
func TestJunosPSK(t *testing.T) {
	for name, tc := range map[string]struct {
		psk    string
		redact bool
		want   string
	}{
		"plain":        {psk: "Abc-123_x.y", want: `ascii-text "Abc-123_x.y"`},
		"double quote": {psk: `a"b`, want: "hexadecimal " + hex.EncodeToString([]byte(`a"b`))},
		"backslash":    {psk: `a\b`, want: "hexadecimal " + hex.EncodeToString([]byte(`a\b`))},
		"junos $9$":    {psk: "$9$abcdef", want: "hexadecimal " + hex.EncodeToString([]byte("$9$abcdef"))},
		"question":     {psk: "abc?def", want: "hexadecimal " + hex.EncodeToString([]byte("abc?def"))},
		"semicolon":    {psk: "abc;set system", want: "hexadecimal " + hex.EncodeToString([]byte("abc;set system"))},
		"newline":      {psk: "abc\nset system root-authentication", want: "hexadecimal " + hex.EncodeToString([]byte("abc\nset system root-authentication"))},
		"redacted":     {psk: `sec"ret`, redact: true, want: `ascii-text "<PSK-REDACTED:tunnel-1>"`},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(tc.psk) })
			out, _, err := renderMain(templates.FS, "juniper-srx", conn, Options{Redact: tc.redact})
			require.NoError(t, err)
			requireLine(t, out.Data, "set security ike policy ike-pol-unit pre-shared-key "+tc.want)
			for _, l := range strings.Split(string(out.Data), "\n") {
				if l != "" && !strings.HasPrefix(l, "set ") && !strings.HasPrefix(l, "#") {
					t.Errorf("line %q is neither a set command nor a comment", l)
				}
			}
		})
	}
}

// TestJunosParams covers the device parameters and their errors.
func TestJunosParams(t *testing.T) {
	route := srxFortiConn()
	route.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	route.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}

	out, warns, err := renderMain(templates.FS, "juniper-srx", route, Options{Params: map[string]string{
		"st0-unit": "7", "external-interface": "reth0.0", "vpc-cidr": "172.16.0.0/12",
	}})
	require.NoError(t, err)
	requireLine(t, out.Data, "set security ipsec vpn vpn-unit bind-interface st0.7")
	requireLine(t, out.Data, "set security ike gateway gw-unit external-interface reth0.0")
	requireLine(t, out.Data, "set routing-options static route 172.16.0.0/12 next-hop st0.7")
	if strings.Contains(string(out.Data), "traffic-selector") {
		t.Error("route-based connection has a traffic selector")
	}
	for _, w := range warns {
		if strings.Contains(w.Message, "vpc-cidr") {
			t.Errorf("unexpected warning with vpc-cidr set: %v", w)
		}
	}

	_, warns, err = Render(templates.FS, "juniper-srx", route, Options{})
	require.NoError(t, err)
	requireWarning(t, warns, "the static routes are commented out (give it with --set vpc-cidr=<prefix>)")

	for key, val := range map[string]string{"st0-unit": "15999", "vpc-cidr": "10.0.0.1/8", "zone": "x"} {
		_, _, err := renderMain(templates.FS, "juniper-srx", route, Options{Params: map[string]string{key: val}})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Key != key {
			t.Errorf("--set %s=%s: got %v, want a ParamError for %s", key, val, err, key)
		}
	}
}

// TestJunosDualTunnel: the master is the plain next-hop, the slave a
// qualified next-hop with a worse preference; names never mix tunnels.
func TestJunosDualTunnel(t *testing.T) {
	c := srxFortiConn()
	t2 := c.Tunnels[0]
	t2.Index, t2.RemoteAddr = 2, netip.MustParseAddr("203.0.113.2")
	c.Tunnels = []vpn.Tunnel{c.Tunnels[0], t2}
	c.Tunnels[0].Role, c.Tunnels[1].Role = vpn.RoleSlave, vpn.RoleMaster // master second on purpose
	out, _, err := renderMain(templates.FS, "juniper-srx", c, Options{})
	require.NoError(t, err)
	requireLine(t, out.Data, "set routing-options static route 10.10.0.0/24 next-hop st0.1")
	requireLine(t, out.Data, "set routing-options static route 10.10.0.0/24 qualified-next-hop st0.0 preference 10")
	requireLine(t, out.Data, "set security ike gateway gw-unit-t1 address 203.0.113.1")
	requireLine(t, out.Data, "set security ike gateway gw-unit-t2 address 203.0.113.2")
	requireLine(t, out.Data, "set security ipsec vpn vpn-unit-t2 ike gateway gw-unit-t2")
	requireLine(t, out.Data, "set security ipsec vpn vpn-unit-t2 bind-interface st0.1")
}

func requireLine(t *testing.T, data []byte, want string) {
	t.Helper()
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == want {
			return
		}
	}
	t.Errorf("no line %q in:\n%s", want, data)
}

func requireWarning(t *testing.T, warns []vpn.Warning, want string) {
	t.Helper()
	for _, w := range warns {
		if strings.Contains(w.Message, want) {
			return
		}
	}
	t.Errorf("no warning containing %q in %v", want, warns)
}
