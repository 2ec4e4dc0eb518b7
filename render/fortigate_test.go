package render

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// TestFortiVocabulary maps every model algorithm to its FortiOS token or
// to an explicit error naming the value.
func TestFortiVocabulary(t *testing.T) {
	ciphers := map[vpn.Cipher]string{
		vpn.AES128: "aes128", vpn.AES192: "aes192", vpn.AES256: "aes256",
		vpn.DES: "des", vpn.TripleDES: "3des", vpn.SM4: "",
	}
	integ := map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512", vpn.SM3: "",
	}
	for c, enc := range ciphers {
		for i, auth := range integ {
			t.Run(c.String()+"/"+i.String(), func(t *testing.T) {
				conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) {
					tn.IKE.Cipher, tn.IKE.Integrity = c, i
					tn.IPsec.Cipher, tn.IPsec.Integrity = c, i
				})
				out, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
				switch {
				case enc == "":
					require.ErrorContains(t, err, "tunnel 1: IKE encryption SM4 cannot be expressed on FortiOS")
				case auth == "":
					require.ErrorContains(t, err, "tunnel 1: IKE integrity SM3 cannot be expressed on FortiOS")
				default:
					require.NoError(t, err)
					if n := strings.Count(string(out.Data), "\n        set proposal "+enc+"-"+auth+"\n"); n != 2 {
						t.Errorf("proposal %s-%s appears %d times, want 2 (phase 1 and phase 2)", enc, auth, n)
					}
				}
			})
		}
	}

	for g, want := range map[vpn.DHGroup]int{vpn.Group1: 1, vpn.Group2: 2, vpn.Group5: 5, vpn.Group14: 14, vpn.Group24: 0} {
		t.Run("group/"+g.String(), func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.DHGroup, tn.IPsec.PFS = g, g })
			out, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
			if want == 0 {
				require.ErrorContains(t, err, "render fortigate: tunnel 1: IKE DH group MODP-2048-256 (group 24) cannot be expressed on FortiOS")
				return
			}
			require.NoError(t, err)
			if n := strings.Count(string(out.Data), "\n        set dhgrp "+strconv.Itoa(want)+"\n"); n != 2 {
				t.Errorf("dhgrp %d appears %d times, want 2", want, n)
			}
			requireLine(t, out.Data, "set pfs enable")
		})
	}
	t.Run("pfs group24 only", func(t *testing.T) {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.Group24 })
		_, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
		require.ErrorContains(t, err, "tunnel 1: IPsec PFS group MODP-2048-256 (group 24) cannot be expressed on FortiOS")
	})
	t.Run("pfs disabled", func(t *testing.T) {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IPsec.PFS = vpn.NoPFS })
		out, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
		require.NoError(t, err)
		requireLine(t, out.Data, "set pfs disable")
		if n := strings.Count(string(out.Data), "set dhgrp"); n != 1 {
			t.Errorf("set dhgrp appears %d times, want 1 (phase 1 only)", n)
		}
	})
}

// TestFortiLifetimes checks FortiOS's 120-172800 s range on both phases.
func TestFortiLifetimes(t *testing.T) {
	for name, tc := range map[string]struct {
		ike, ipsec time.Duration
		err        string
	}{
		"minimum":        {ike: 120 * time.Second, ipsec: 120 * time.Second},
		"maximum":        {ike: 172800 * time.Second, ipsec: 172800 * time.Second},
		"ike too short":  {ike: 119 * time.Second, ipsec: 3600 * time.Second, err: "tunnel 1: IKE lifetime 119s is outside FortiOS's range 120-172800 seconds"},
		"ipsec too long": {ike: 3600 * time.Second, ipsec: 172801 * time.Second, err: "tunnel 1: IPsec lifetime 172801s is outside FortiOS's range 120-172800 seconds"},
		"ipsec zero":     {ike: 3600 * time.Second, ipsec: 0, err: "tunnel 1: IPsec lifetime is 0, which Alibaba does not define; FortiOS needs 120-172800 seconds"},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.IKE.Lifetime, tn.IPsec.Lifetime = tc.ike, tc.ipsec })
			out, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			requireLine(t, out.Data, "set keylife "+strconv.Itoa(int(tc.ike/time.Second)))
			requireLine(t, out.Data, "set keylifeseconds "+strconv.Itoa(int(tc.ipsec/time.Second)))
		})
	}
}

// TestFortiPSK: safe keys in quotes; keys with characters the FortiOS CLI
// interprets, and keys FortiOS would decode (0x…, ENC…), as 0x<hex>.
func TestFortiPSK(t *testing.T) {
	hexOf := func(s string) string { return "0x" + hex.EncodeToString([]byte(s)) }
	for name, tc := range map[string]struct {
		psk    string
		redact bool
		want   string
	}{
		"plain":        {psk: "Abc-123_x.y", want: `"Abc-123_x.y"`},
		"double quote": {psk: `ab"cdef`, want: hexOf(`ab"cdef`)},
		"single quote": {psk: `ab'cdef`, want: hexOf(`ab'cdef`)},
		"backslash":    {psk: `ab\cdef`, want: hexOf(`ab\cdef`)},
		"question":     {psk: "abc?def", want: hexOf("abc?def")},
		"0x prefix":    {psk: "0x41424344", want: hexOf("0x41424344")},
		"0X prefix":    {psk: "0X41424344", want: hexOf("0X41424344")},
		"ENC prefix":   {psk: "ENCabcdef", want: hexOf("ENCabcdef")},
		"newline":      {psk: "abcdef\nend", want: hexOf("abcdef\nend")},
		"redacted":     {psk: `sec"ret`, redact: true, want: `"<PSK-REDACTED:tunnel-1>"`},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret(tc.psk) })
			out, _, err := renderMain(templates.FS, "fortigate", conn, Options{Redact: tc.redact})
			require.NoError(t, err)
			requireLine(t, out.Data, "set psksecret "+tc.want)
			if strings.HasPrefix(tc.want, "0x") != strings.Contains(string(out.Data), "it is written as 0x<hex>") {
				t.Error("the hex comment must appear exactly when the key is hex-encoded")
			}
		})
	}
	t.Run("short key warns", func(t *testing.T) {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret("abc") })
		_, warns, err := renderMain(templates.FS, "fortigate", conn, Options{})
		require.NoError(t, err)
		requireWarning(t, warns, "fewer than 6 characters")
	})
}

// TestFortiNames: phase1-interface names fit 15 characters, stay unique
// per tunnel and deterministic, and a shortened name is warned about.
func TestFortiNames(t *testing.T) {
	p1 := regexp.MustCompile(`(?m)^config vpn ipsec phase1-interface\n((?:    .*\n)*)end$`)
	edit := regexp.MustCompile(`(?m)^    edit "([^"]*)"$`)
	for name, tc := range map[string]struct {
		conn     string
		dual     bool
		want     []string
		warnings int
	}{
		"short":      {conn: "hq", want: []string{"hq"}},
		"exactly 15": {conn: "abcdefghijklmno", want: []string{"abcdefghijklmno"}},
		// Shortened names carry the connection's tag ("TAG" below), so a
		// second connection "headquarters-shanghai-test" cannot overwrite
		// this one's phase1-interface.
		"long":        {conn: "headquarters-shanghai-prod", want: []string{"headquart-TAG"}, warnings: 1},
		"dual short":  {conn: "hq", dual: true, want: []string{"hq-t1", "hq-t2"}},
		"dual long":   {conn: "headquarters-shanghai-prod", dual: true, want: []string{"headqu-TAG-t1", "headqu-TAG-t2"}, warnings: 2},
		"dual trim -": {conn: "branch-office-x", dual: true, want: []string{"branch-TAG-t1", "branch-TAG-t2"}, warnings: 2},
	} {
		t.Run(name, func(t *testing.T) {
			c := srxFortiConn()
			c.Name = tc.conn
			if tc.dual {
				t2 := c.Tunnels[0]
				t2.Index, t2.RemoteAddr = 2, netip.MustParseAddr("203.0.113.2")
				c.Tunnels = []vpn.Tunnel{c.Tunnels[0], t2}
				c.Tunnels[0].Role, c.Tunnels[1].Role = vpn.RoleMaster, vpn.RoleSlave
			}
			out, warns, err := renderMain(templates.FS, "fortigate", c, Options{})
			require.NoError(t, err)
			block := p1.FindSubmatch(out.Data)
			if block == nil {
				t.Fatalf("no phase1-interface block in:\n%s", out.Data)
			}
			var got []string
			for _, m := range edit.FindAllSubmatch(block[1], -1) {
				got = append(got, string(m[1]))
			}
			if want := strings.ReplaceAll(strings.Join(tc.want, ","), "TAG", c.Tag()); strings.Join(got, ",") != want {
				t.Errorf("phase1 names %q, want %q", got, want)
			}
			for _, n := range got {
				if len(n) > 15 {
					t.Errorf("phase1 name %q has %d characters", n, len(n))
				}
			}
			n := 0
			for _, w := range warns {
				if strings.Contains(w.Message, "phase1-interface name shortened") {
					n++
				}
			}
			if n != tc.warnings {
				t.Errorf("%d name warnings, want %d: %v", n, tc.warnings, warns)
			}
		})
	}
}

// TestFortiPolicyIDs: "edit 0" by default, consecutive unique IDs from
// --set policy-id, never one ID twice (the AWS sample's "edit 5" bug).
func TestFortiPolicyIDs(t *testing.T) {
	c := srxFortiConn()
	t2 := c.Tunnels[0]
	t2.Index, t2.RemoteAddr = 2, netip.MustParseAddr("203.0.113.2")
	c.Tunnels = []vpn.Tunnel{c.Tunnels[0], t2}
	c.Tunnels[0].Role, c.Tunnels[1].Role = vpn.RoleMaster, vpn.RoleSlave
	policyEdits := func(data []byte) []string {
		block := regexp.MustCompile(`(?m)^config firewall policy\n((?:    .*\n)*)end$`).FindSubmatch(data)
		if block == nil {
			t.Fatalf("no firewall policy block")
		}
		var ids []string
		for _, m := range regexp.MustCompile(`(?m)^    edit (\S+)$`).FindAllSubmatch(block[1], -1) {
			ids = append(ids, string(m[1]))
		}
		return ids
	}
	out, _, err := renderMain(templates.FS, "fortigate", c, Options{})
	require.NoError(t, err)
	if got := strings.Join(policyEdits(out.Data), ","); got != "0,0,0,0" {
		t.Errorf("default policy edits %s, want 0,0,0,0", got)
	}
	out, _, err = renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"policy-id": "100"}})
	require.NoError(t, err)
	if got := strings.Join(policyEdits(out.Data), ","); got != "100,101,102,103" {
		t.Errorf("policy edits %s, want 100,101,102,103", got)
	}
	_, _, err = renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"policy-id": "-1"}})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Key != "policy-id" {
		t.Errorf("policy-id=-1: got %v, want a ParamError", err)
	}
}

// TestFortiPeerID: FortiOS checks a peer ID only in IKEv2 and IKEv1
// aggressive mode; IKEv1 main mode accepts any ID (the key is chosen by
// address).
func TestFortiPeerID(t *testing.T) {
	for name, tc := range map[string]struct {
		version vpn.IKEVersion
		mode    vpn.Mode
		want    []string
	}{
		"ikev2":            {version: vpn.IKEv2, want: []string{"set peertype one", `set peerid "cloud.example.com"`}},
		"ikev1 aggressive": {version: vpn.IKEv1, mode: vpn.AggressiveMode, want: []string{"set mode aggressive", "set peertype one", `set peerid "cloud.example.com"`}},
		"ikev1 main":       {version: vpn.IKEv1, mode: vpn.MainMode, want: []string{"set mode main", "set peertype any"}},
	} {
		t.Run(name, func(t *testing.T) {
			conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) {
				tn.IKE.Version, tn.IKE.Mode = tc.version, tc.mode
				tn.RemoteID = vpn.FQDNID("cloud.example.com")
				tn.LocalID = vpn.FQDNID("onprem.example.net")
			})
			out, _, err := renderMain(templates.FS, "fortigate", conn, Options{})
			require.NoError(t, err)
			for _, w := range tc.want {
				requireLine(t, out.Data, w)
			}
			requireLine(t, out.Data, "set localid-type fqdn")
			requireLine(t, out.Data, `set localid "onprem.example.net"`)
			if tc.version == vpn.IKEv2 && strings.Contains(string(out.Data), "set mode ") {
				t.Error("IKEv2 phase 1 has a mode")
			}
		})
	}
}

// TestFortiWarnings: weak algorithms warn (FortiOS accepts them).
func TestFortiWarnings(t *testing.T) {
	conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) {
		tn.IKE.Integrity, tn.IKE.DHGroup = vpn.MD5, vpn.Group2
	})
	out, warns, err := renderMain(templates.FS, "fortigate", conn, Options{})
	require.NoError(t, err)
	requireWarning(t, warns, "weak algorithms HMAC-MD5-96, MODP-1024 (group 2)")
	if !strings.Contains(string(out.Data), "# WARNING: tunnel 1: weak algorithms") {
		t.Error("no weak-algorithm comment in the file")
	}
	_, warns, err = renderMain(templates.FS, "fortigate", srxFortiConn(), Options{})
	require.NoError(t, err)
	for _, w := range warns {
		if strings.Contains(w.Message, "weak") {
			t.Errorf("unexpected warning for strong algorithms: %v", w)
		}
	}
}

// TestIPv6Refused: both renderers write IPv4 forms only and say so.
func TestIPv6Refused(t *testing.T) {
	c := srxFortiConn()
	c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("2001:db8::/64")}
	for _, vendor := range []string{"fortigate", "juniper-srx"} {
		_, _, err := renderMain(templates.FS, vendor, c, Options{})
		require.ErrorContains(t, err, "VPC subnet 2001:db8::/64 is IPv6: vpnexport renders IPv4 connections only")
	}
}

// TestUnsafeIdentityRefused: an identity that could end its token (the
// model normally never holds one) is an error, not a broken line.
func TestUnsafeIdentityRefused(t *testing.T) {
	for _, id := range []string{`a"b.example`, "a b.example", "x\nset system"} {
		conn := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.RemoteID = vpn.FQDNID(id) })
		for _, vendor := range []string{"fortigate", "juniper-srx"} {
			_, _, err := renderMain(templates.FS, vendor, conn, Options{})
			require.ErrorContains(t, err, "tunnel 1: identity "+strconv.Quote(id)+": only letters, digits")
		}
	}
}

// TestDPDAndNATSwitches: Alibaba's DPD and NAT-traversal switches reach
// both platforms' keywords.
func TestDPDAndNATSwitches(t *testing.T) {
	c := srxFortiConn()
	c.DPD, c.NATTraversal = false, false
	out, _, err := renderMain(templates.FS, "juniper-srx", c, Options{})
	require.NoError(t, err)
	requireLine(t, out.Data, "set security ike gateway gw-unit no-nat-traversal")
	if strings.Contains(string(out.Data), "dead-peer-detection") {
		t.Error("DPD off, but the Junos file configures dead-peer-detection")
	}
	out, _, err = renderMain(templates.FS, "fortigate", c, Options{})
	require.NoError(t, err)
	requireLine(t, out.Data, "set nattraversal disable")
	requireLine(t, out.Data, "set dpd disable")

	c.DPD, c.NATTraversal = true, true
	out, _, err = renderMain(templates.FS, "juniper-srx", c, Options{})
	require.NoError(t, err)
	requireLine(t, out.Data, "set security ike gateway gw-unit dead-peer-detection interval 10")
	if strings.Contains(string(out.Data), "no-nat-traversal") {
		t.Error("NAT traversal on, but the Junos file disables it")
	}
}
