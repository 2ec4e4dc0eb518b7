package render_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// Readers for huawei.txt and h3c.txt: they parse the rendered command
// tree back and compare every fact with the model of the same
// testdata/api case, with keyword tables written from
// docs/vendors/huawei.md and docs/vendors/h3c.md (not shared with the
// renderers). They also check that the objects the configuration creates,
// the objects its header lists and the objects its rollback removes are
// the same set.

var (
	hwReadCipher = map[string]vpn.Cipher{"aes-128": vpn.AES128, "aes-192": vpn.AES192, "aes-256": vpn.AES256, "des": vpn.DES, "3des": vpn.TripleDES}
	hwReadAuth   = map[string]vpn.Integrity{"md5": vpn.MD5, "sha1": vpn.SHA1, "sha2-256": vpn.SHA256, "sha2-384": vpn.SHA384, "sha2-512": vpn.SHA512}
	hwReadInteg  = map[string]vpn.Integrity{"hmac-md5-96": vpn.MD5, "hmac-sha1-96": vpn.SHA1, "hmac-sha2-256": vpn.SHA256, "hmac-sha2-384": vpn.SHA384, "hmac-sha2-512": vpn.SHA512}
	hwReadPRF    = map[string]vpn.Integrity{"hmac-md5": vpn.MD5, "hmac-sha1": vpn.SHA1, "hmac-sha2-256": vpn.SHA256, "hmac-sha2-384": vpn.SHA384, "hmac-sha2-512": vpn.SHA512}
	hwReadGroup  = map[string]vpn.DHGroup{"group1": vpn.Group1, "group2": vpn.Group2, "group5": vpn.Group5, "group14": vpn.Group14}
	hwReadPFS    = map[string]vpn.DHGroup{"dh-group1": vpn.Group1, "dh-group2": vpn.Group2, "dh-group5": vpn.Group5, "dh-group14": vpn.Group14}

	h3cReadCipher = map[string]vpn.Cipher{"aes-cbc-128": vpn.AES128, "aes-cbc-192": vpn.AES192, "aes-cbc-256": vpn.AES256, "des-cbc": vpn.DES, "3des-cbc": vpn.TripleDES}
	h3cReadV1Auth = map[string]vpn.Integrity{"md5": vpn.MD5, "sha": vpn.SHA1, "sha256": vpn.SHA256, "sha384": vpn.SHA384, "sha512": vpn.SHA512}
	h3cReadHash   = map[string]vpn.Integrity{"md5": vpn.MD5, "sha1": vpn.SHA1, "sha256": vpn.SHA256, "sha384": vpn.SHA384, "sha512": vpn.SHA512}
	h3cReadGroup  = map[string]vpn.DHGroup{"group1": vpn.Group1, "group2": vpn.Group2, "group5": vpn.Group5, "group14": vpn.Group14, "group24": vpn.Group24}
	h3cReadPFS    = map[string]vpn.DHGroup{"dh-group1": vpn.Group1, "dh-group2": vpn.Group2, "dh-group5": vpn.Group5, "dh-group14": vpn.Group14, "dh-group24": vpn.Group24}
)

// vrpNode is one command and the commands entered in its view (one more
// leading blank per level); "quit" lines only close views.
type vrpNode struct {
	line string
	kids []*vrpNode
}

// parseVRP reads the uncommented command tree of a file.
func parseVRP(t *testing.T, text string) *vrpNode {
	t.Helper()
	root := &vrpNode{}
	stack := []*vrpNode{root}
	for n, l := range strings.Split(text, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		depth := len(l) - len(strings.TrimLeft(l, " "))
		line := strings.TrimSpace(l)
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line %d has trailing blanks", n+1)
		}
		if line == "quit" || line == "return" {
			continue
		}
		if depth+1 > len(stack) {
			t.Fatalf("line %d %q is indented below no view", n+1, l)
		}
		stack = stack[:depth+1]
		node := &vrpNode{line: line}
		parent := stack[depth]
		parent.kids = append(parent.kids, node)
		stack = append(stack, node)
	}
	return root
}

// find returns the top-level nodes whose line starts with prefix.
func (n *vrpNode) find(prefix string) []*vrpNode {
	var out []*vrpNode
	for _, k := range n.kids {
		if strings.HasPrefix(k.line, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// one returns the single child whose line starts with prefix and the rest
// of that line.
func (n *vrpNode) one(t *testing.T, prefix string) string {
	t.Helper()
	var vals []string
	for _, k := range n.kids {
		if v, ok := strings.CutPrefix(k.line, prefix+" "); ok {
			vals = append(vals, v)
		}
	}
	if len(vals) != 1 {
		t.Errorf("%q: %d lines %q..., want one", n.line, len(vals), prefix)
		return ""
	}
	return vals[0]
}

// maybe is one without the error when the line is absent.
func (n *vrpNode) maybe(prefix string) (string, bool) {
	for _, k := range n.kids {
		if v, ok := strings.CutPrefix(k.line, prefix+" "); ok {
			return v, true
		}
	}
	return "", false
}

func (n *vrpNode) has(line string) bool {
	return slices.ContainsFunc(n.kids, func(k *vrpNode) bool { return k.line == line })
}

// named returns the top-level node "<kind> <name>…".
func (n *vrpNode) named(t *testing.T, kind, name string) *vrpNode {
	t.Helper()
	for _, k := range n.kids {
		if k.line == kind+" "+name || strings.HasPrefix(k.line, kind+" "+name+" ") {
			return k
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

// vrpReadKey undoes the file's key encoding: "…" (Huawei USG, keys with
// '?') or a bare word.
func vrpReadKey(t *testing.T, s string) string {
	t.Helper()
	if strings.HasPrefix(s, `"`) {
		if !strings.HasSuffix(s, `"`) || len(s) < 2 || strings.Count(s, `"`) != 2 {
			t.Errorf("badly quoted key %q", s)
		}
		return s[1 : len(s)-1]
	}
	if strings.ContainsAny(s, "\" ?") {
		t.Errorf("bare key %q holds a character the CLI cannot take", s)
	}
	return s
}

func wantKey(tn vpn.Tunnel, kind vpn.SecretKind, s vpn.Secret, o render.Options) string {
	if o.Redact {
		return vpn.Placeholder(kind, tn.Index)
	}
	return s.Reveal()
}

func readInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Errorf("not a number: %q", s)
	}
	return n
}

func maskLen(t *testing.T, mask string) int {
	t.Helper()
	if n, err := strconv.Atoi(mask); err == nil {
		return n
	}
	a, err := netip.ParseAddr(mask)
	if err != nil {
		t.Errorf("bad mask %q", mask)
		return -1
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&(1<<31) != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		t.Errorf("non-contiguous mask %q", mask)
	}
	return n
}

func wildLen(t *testing.T, wild string) int {
	t.Helper()
	a, err := netip.ParseAddr(wild)
	if err != nil {
		t.Errorf("bad wildcard %q", wild)
		return -1
	}
	b := a.As4()
	inv := netip.AddrFrom4([4]byte{^b[0], ^b[1], ^b[2], ^b[3]})
	return maskLen(t, inv.String())
}

func prefixOf(t *testing.T, addr string, bits int) netip.Prefix {
	t.Helper()
	a, err := netip.ParseAddr(addr)
	if err != nil {
		t.Errorf("bad address %q", addr)
		return netip.Prefix{}
	}
	p := netip.PrefixFrom(a, bits)
	if p.Masked() != p {
		t.Errorf("%s/%d is not a network address", addr, bits)
	}
	return p
}

// readACLPairs reads "rule N permit ip source A W destination B W".
func readACLPairs(t *testing.T, acl *vrpNode) []vpn.SubnetPair {
	t.Helper()
	var out []vpn.SubnetPair
	last := 0
	for _, k := range acl.kids {
		f := strings.Fields(k.line)
		if len(f) != 10 || f[0] != "rule" || f[2] != "permit" || f[3] != "ip" || f[4] != "source" || f[7] != "destination" {
			t.Errorf("%s: unexpected rule %q", acl.line, k.line)
			continue
		}
		if n := readInt(t, f[1]); n <= last {
			t.Errorf("%s: rule numbers not increasing at %q", acl.line, k.line)
		} else {
			last = n
		}
		out = append(out, vpn.SubnetPair{Local: prefixOf(t, f[5], wildLen(t, f[6])), Remote: prefixOf(t, f[8], wildLen(t, f[9]))})
	}
	return out
}

// wantPairs is what the ACL must hold: every subnet pair, plus the
// health check's pair when the subnets do not cover it.
func wantPairs(c vpn.Connection) []vpn.SubnetPair {
	pairs := c.SubnetPairs()
	if hc := c.HealthCheck; hc != nil && hc.Source.IsValid() && hc.Destination.IsValid() {
		p := vpn.SubnetPair{Local: netip.PrefixFrom(hc.Destination, 32), Remote: netip.PrefixFrom(hc.Source, 32)}
		covered := false
		for _, q := range pairs {
			if q.Local.Contains(hc.Destination) && q.Remote.Contains(hc.Source) {
				covered = true
			}
		}
		if !covered {
			pairs = append(pairs, p)
		}
	}
	return pairs
}

// headerObjects reads the "Objects this file creates" list.
func headerObjects(text string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "# Objects this file creates"):
			in = true
		case in && strings.HasPrefix(l, "#  - "):
			out = append(out, strings.TrimPrefix(l, "#  - "))
		case in:
			return out
		}
	}
	return out
}

// sameSet compares object lists as sets, reporting what differs.
func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(slices.Compact(g), slices.Compact(w)) {
		t.Errorf("%s:\n got  %q\n want %q", what, g, w)
	}
}

// vrpFiles renders a case's configuration and rollback.
func vrpFiles(t *testing.T, vendor string, c vpn.Connection, o render.Options) (string, string, error) {
	t.Helper()
	o.Rollback = true
	files, _, err := render.Render(templates.FS, vendor, c, o)
	if err != nil {
		return "", "", err
	}
	if len(files) != 2 {
		t.Fatalf("%d files, want configuration and rollback", len(files))
	}
	return string(files[0].Data), string(files[1].Data), nil
}

// vrpUsesGroup24 reports a case Huawei refuses.
func vrpUsesGroup24(c vpn.Connection) bool {
	for _, tn := range c.Tunnels {
		if tn.IKE.DHGroup == vpn.Group24 || tn.IPsec.PFS == vpn.Group24 {
			return true
		}
	}
	return false
}

// vrpKeyRefused reports a key the CLIs cannot carry (see TestVRPPSK).
func vrpKeyRefused(c vpn.Connection, questionOK bool) bool {
	for _, tn := range c.Tunnels {
		k := tn.PSK.Reveal()
		if strings.ContainsAny(k, "\" ") || (!questionOK && strings.Contains(k, "?")) {
			return true
		}
	}
	return false
}

// TestHuaweiReader parses every rendered huawei.txt (both platforms,
// with and without --redact) and compares it with the model.
func TestHuaweiReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		for _, platform := range []string{"usg", "ar"} {
			for _, redact := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/redact=%v", tc.name, platform, redact), func(t *testing.T) {
					o := render.Options{Redact: redact, Params: map[string]string{"platform": platform, "vpc-cidr": "172.16.0.0/12"}}
					cfg, rb, err := vrpFiles(t, "huawei", tc.conn, o)
					switch {
					case vrpUsesGroup24(tc.conn):
						if err == nil || !strings.Contains(err.Error(), "(group 24) cannot be expressed on Huawei") {
							t.Fatalf("group 24: got %v, want an error naming it", err)
						}
						return
					case vrpKeyRefused(tc.conn, platform == "usg"):
						if err == nil || !strings.Contains(err.Error(), "the pre-shared key cannot be entered on Huawei") {
							t.Fatalf("got %v, want the key refused", err)
						}
						return
					case err != nil:
						t.Fatalf("render: %v", err)
					}
					checkHuawei(t, tc.conn, platform == "usg", cfg, rb, o)
				})
			}
		}
	}
}

func checkHuawei(t *testing.T, c vpn.Connection, usg bool, cfg, rb string, o render.Options) {
	root := parseVRP(t, cfg)
	version := c.Tunnels[0].IKE.Version
	var tunnelIfs []string
	for _, tn := range c.Tunnels {
		var peer *vrpNode
		for _, p := range root.find("ike peer ") {
			if p.one(t, "remote-address") == tn.RemoteAddr.String() {
				peer = p
			}
		}
		if peer == nil {
			t.Fatalf("%s: no ike peer for %s", tn.Label(), tn.RemoteAddr)
		}
		peerName := strings.TrimPrefix(peer.line, "ike peer ")
		if version == vpn.IKEv1 && !peer.has("undo version 2") || version == vpn.IKEv2 && !peer.has("undo version 1") {
			t.Errorf("%s: IKE version lines do not say %s", tn.Label(), version)
		}
		kw := "pre-shared-key"
		if !usg {
			kw = "pre-shared-key cipher"
		}
		if got := vrpReadKey(t, peer.one(t, kw)); got != wantKey(tn, vpn.KindPSK, tn.PSK, o) {
			t.Errorf("%s: pre-shared key differs", tn.Label())
		}
		if (tn.IKE.Version == vpn.IKEv1 && tn.IKE.Mode == vpn.AggressiveMode) != peer.has("exchange-mode aggressive") {
			t.Errorf("%s: exchange mode differs from %s", tn.Label(), tn.IKE.Mode)
		}
		if tn.LocalID.IsFQDN() && (peer.one(t, "local-id-type") != "fqdn" || peer.one(t, "local-id") != tn.LocalID.FQDN) {
			t.Errorf("%s: local FQDN identity differs", tn.Label())
		}
		if tn.RemoteID.IsFQDN() && (peer.one(t, "remote-id-type") != "fqdn" || peer.one(t, "remote-id") != tn.RemoteID.FQDN) {
			t.Errorf("%s: remote FQDN identity differs", tn.Label())
		}
		if c.DPD != peer.has("dpd type periodic") {
			t.Errorf("%s: DPD differs", tn.Label())
		}
		prop := root.named(t, "ike proposal", peer.one(t, "ike-proposal"))
		if got := lookupKeyword(t, hwReadCipher, prop.one(t, "encryption-algorithm")); got != tn.IKE.Cipher {
			t.Errorf("%s: IKE cipher %s, want %s", tn.Label(), got, tn.IKE.Cipher)
		}
		if got := lookupKeyword(t, hwReadGroup, prop.one(t, "dh")); got != tn.IKE.DHGroup {
			t.Errorf("%s: DH %s, want %s", tn.Label(), got, tn.IKE.DHGroup)
		}
		if version == vpn.IKEv1 {
			if got := lookupKeyword(t, hwReadAuth, prop.one(t, "authentication-algorithm")); got != tn.IKE.Integrity {
				t.Errorf("%s: IKE integrity %s, want %s", tn.Label(), got, tn.IKE.Integrity)
			}
		} else {
			if got := lookupKeyword(t, hwReadInteg, prop.one(t, "integrity-algorithm")); got != tn.IKE.Integrity {
				t.Errorf("%s: IKE integrity %s, want %s", tn.Label(), got, tn.IKE.Integrity)
			}
			if got := lookupKeyword(t, hwReadPRF, prop.one(t, "prf")); got != tn.IKE.Integrity {
				t.Errorf("%s: PRF %s, want %s", tn.Label(), got, tn.IKE.Integrity)
			}
		}
		if got := readSeconds(t, prop.one(t, "sa duration")); got != tn.IKE.Lifetime {
			t.Errorf("%s: IKE lifetime %v, want %v", tn.Label(), got, tn.IKE.Lifetime)
		}

		// The IPsec policy or profile that uses the peer.
		var sa *vrpNode
		for _, n := range append(root.find("ipsec policy "), root.find("ipsec profile ")...) {
			if v, _ := n.maybe("ike-peer"); v == peerName {
				sa = n
			}
		}
		if sa == nil {
			t.Fatalf("%s: no IPsec policy or profile uses ike peer %s", tn.Label(), peerName)
		}
		ip := root.named(t, "ipsec proposal", sa.one(t, "proposal"))
		if got := lookupKeyword(t, hwReadCipher, ip.one(t, "esp encryption-algorithm")); got != tn.IPsec.Cipher {
			t.Errorf("%s: ESP cipher %s, want %s", tn.Label(), got, tn.IPsec.Cipher)
		}
		if got := lookupKeyword(t, hwReadAuth, ip.one(t, "esp authentication-algorithm")); got != tn.IPsec.Integrity {
			t.Errorf("%s: ESP integrity %s, want %s", tn.Label(), got, tn.IPsec.Integrity)
		}
		pfs, ok := sa.maybe("pfs")
		if tn.IPsec.PFS == vpn.NoPFS && ok || tn.IPsec.PFS != vpn.NoPFS && lookupKeyword(t, hwReadPFS, pfs) != tn.IPsec.PFS {
			t.Errorf("%s: PFS %q, want %s", tn.Label(), pfs, tn.IPsec.PFS)
		}
		if got := readSeconds(t, sa.one(t, "sa duration time-based")); got != tn.IPsec.Lifetime {
			t.Errorf("%s: IPsec lifetime %v, want %v", tn.Label(), got, tn.IPsec.Lifetime)
		}
		if strings.HasPrefix(sa.line, "ipsec policy ") {
			acl := root.named(t, "acl number", sa.one(t, "security acl"))
			if got, want := readACLPairs(t, acl), wantPairs(c); !slices.Equal(got, want) {
				t.Errorf("%s: ACL pairs %v, want %v", tn.Label(), got, want)
			}
		}
		// Where the policy or profile is applied.
		name := strings.Fields(sa.line)[2]
		applied := 0
		for _, ifc := range root.find("interface ") {
			for _, apply := range []string{"ipsec profile " + name, "ipsec policy " + name} {
				if !ifc.has(apply) {
					continue
				}
				applied++
				if tun, ok := strings.CutPrefix(ifc.line, "interface Tunnel"); ok {
					tunnelIfs = append(tunnelIfs, "Tunnel"+tun)
					if ifc.one(t, "destination") != tn.RemoteAddr.String() || !ifc.has("tunnel-protocol ipsec") {
						t.Errorf("%s: tunnel interface %s does not lead to %s", tn.Label(), ifc.line, tn.RemoteAddr)
					}
					if tn.BGP != nil {
						f := strings.Fields(ifc.one(t, "ip address"))
						if len(f) != 2 || f[0] != tn.BGP.LocalIP.String() || maskLen(t, f[1]) != tn.BGP.TunnelCIDR.Bits() {
							t.Errorf("%s: tunnel address %v, want %s/%d", tn.Label(), f, tn.BGP.LocalIP, tn.BGP.TunnelCIDR.Bits())
						}
					}
				}
			}
		}
		if applied != 1 {
			t.Errorf("%s: %s applied %d times, want once", tn.Label(), sa.line, applied)
		}
	}
	checkVRPRouting(t, root, c, tunnelIfs, "ip-prefix", "ipv4-family unicast", o)
	if usg {
		if len(root.find("security-policy")) != 1 {
			t.Errorf("usg: want one security-policy block")
		}
	} else if len(root.find("security-policy")) != 0 || len(root.find("firewall zone")) != 0 {
		t.Errorf("ar: no zones or security policy expected")
	}
	checkVRPObjects(t, cfg, rb, huaweiCreated(t, root), huaweiRemoved(t, rb))
}

// checkVRPRouting compares static routes or BGP with the model.
func checkVRPRouting(t *testing.T, root *vrpNode, c vpn.Connection, tunnelIfs []string, prefixKW, family string, o render.Options) {
	t.Helper()
	bgps := root.find("bgp ")
	if !slices.ContainsFunc(c.Tunnels, func(tn vpn.Tunnel) bool { return tn.BGP != nil }) {
		if len(bgps) != 0 {
			t.Errorf("BGP without a BGP tunnel")
		}
		if !c.RouteBased() && !c.Dual() {
			if len(root.find("ip route-static")) != 0 {
				t.Errorf("policy-based single tunnel: no routes expected")
			}
			return
		}
		// Every VPC prefix into every tunnel, the master preferred.
		want := c.RemoteSubnets
		if c.RouteBased() {
			want = []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}
		}
		for _, p := range want {
			prefs := map[string]int{}
			for _, r := range root.find("ip route-static ") {
				f := strings.Fields(r.line)
				if len(f) == 7 && f[5] == "preference" && prefixOf(t, f[2], maskLen(t, f[3])) == p {
					prefs[f[4]] = readInt(t, f[6])
				}
			}
			for i, tn := range c.Tunnels {
				pref, ok := prefs[tunnelIfs[i]]
				if !ok {
					t.Errorf("no route to %s via %s", p, tunnelIfs[i])
					continue
				}
				if tn.Role == vpn.RoleSlave && !c.ActiveActive && pref <= prefs[tunnelIfs[0]] {
					t.Errorf("route to %s: the slave's preference %d does not lose to the master's", p, pref)
				}
			}
			for _, r := range root.find("ip route-static 0.0.0.0 ") {
				t.Errorf("default route into a tunnel: %q", r.line)
			}
		}
		return
	}
	if len(bgps) != 1 {
		t.Fatalf("%d BGP blocks, want one", len(bgps))
	}
	bgp := bgps[0]
	for _, tn := range c.Tunnels {
		if tn.BGP == nil {
			continue
		}
		if bgp.line != fmt.Sprintf("bgp %d", tn.BGP.LocalASN) {
			t.Errorf("%s: %q, want local AS %d", tn.Label(), bgp.line, tn.BGP.LocalASN)
		}
		ip := tn.BGP.RemoteIP.String()
		if got := bgp.one(t, "peer "+ip+" as-number"); got != strconv.FormatUint(uint64(tn.BGP.RemoteASN), 10) {
			t.Errorf("%s: peer AS %s, want %d", tn.Label(), got, tn.BGP.RemoteASN)
		}
		if !tn.BGP.AuthKey.Empty() {
			pw := bgp.one(t, "peer "+ip+" password")
			_, key, _ := strings.Cut(pw, " ")
			if vrpReadKey(t, key) != wantKey(tn, vpn.KindBGPKey, tn.BGP.AuthKey, o) {
				t.Errorf("%s: BGP password differs", tn.Label())
			}
		}
		var fam *vrpNode
		for _, k := range bgp.kids {
			if k.line == family {
				fam = k
			}
		}
		if fam == nil {
			t.Fatalf("no %q in the BGP block", family)
		}
		if !fam.has("peer " + ip + " enable") {
			t.Errorf("%s: peer not enabled", tn.Label())
		}
		in, exp := "", ""
		for _, l := range fam.kids {
			if v, ok := strings.CutPrefix(l.line, "peer "+ip+" route-policy "); ok {
				if name, ok := strings.CutSuffix(v, " import"); ok {
					in = name
				}
				if name, ok := strings.CutSuffix(v, " export"); ok {
					exp = name
				}
			}
		}
		// Export: deny-by-default, only the on-prem prefix list.
		for _, rp := range root.find("route-policy " + exp + " ") {
			if strings.HasSuffix(rp.line, "permit node 10") && !slices.ContainsFunc(rp.kids, func(k *vrpNode) bool {
				return strings.Contains(k.line, prefixKW) || strings.Contains(k.line, "prefix-list")
			}) {
				t.Errorf("%s: export policy %s permits without a prefix list", tn.Label(), exp)
			}
		}
		if in == "" {
			t.Errorf("%s: no import policy", tn.Label())
		}
	}
}

// checkVRPObjects: created (from the configuration) == listed (header)
// == removed (rollback).
func checkVRPObjects(t *testing.T, cfg, rb string, created, removed []string) {
	t.Helper()
	listed := headerObjects(cfg)
	for i, o := range listed {
		// A binding is named by interface and policy in the header; the
		// rollback unbinds by interface.
		if strings.HasPrefix(o, "ipsec policy binding ") || strings.HasPrefix(o, "ipsec apply binding ") {
			f := strings.Fields(o)
			listed[i] = strings.Join(f[:4], " ")
		}
	}
	sameSet(t, "objects the configuration creates vs its header", created, listed)
	sameSet(t, "objects the rollback removes vs the header", removed, listed)
	if !slices.Equal(headerObjects(rb), headerObjects(cfg)) {
		t.Errorf("the rollback's header lists other objects than the configuration's")
	}
}

// huaweiCreated lists the objects huawei.txt creates, by reading it.
func huaweiCreated(t *testing.T, root *vrpNode) []string {
	var out []string
	for _, n := range root.kids {
		f := strings.Fields(n.line)
		switch {
		case strings.HasPrefix(n.line, "ike proposal "), strings.HasPrefix(n.line, "ike peer "), strings.HasPrefix(n.line, "ipsec proposal "), strings.HasPrefix(n.line, "ipsec profile "):
			out = append(out, n.line)
		case strings.HasPrefix(n.line, "acl number "):
			out = append(out, "acl "+f[2])
		case strings.HasPrefix(n.line, "ipsec policy "):
			out = append(out, "ipsec policy "+f[2]+" "+f[3])
		case strings.HasPrefix(n.line, "interface Tunnel"):
			out = append(out, n.line)
		case strings.HasPrefix(n.line, "interface "):
			if v, ok := n.maybe("ipsec policy"); ok && v != "" {
				out = append(out, "ipsec policy binding "+f[1])
			}
		case strings.HasPrefix(n.line, "firewall zone "):
			for _, k := range n.kids {
				out = append(out, "firewall zone member "+f[2]+" "+strings.TrimPrefix(k.line, "add interface "))
			}
		case strings.HasPrefix(n.line, "ip route-static "):
			out = append(out, "ip route-static "+strings.Join(f[2:5], " "))
		case strings.HasPrefix(n.line, "ip ip-prefix "):
			out = append(out, "ip ip-prefix "+f[2])
		case strings.HasPrefix(n.line, "route-policy "):
			out = append(out, "route-policy "+f[1])
		case strings.HasPrefix(n.line, "bgp "):
			for _, k := range n.kids {
				if kf := strings.Fields(k.line); len(kf) == 4 && kf[2] == "as-number" {
					out = append(out, "bgp peer "+kf[1])
				}
			}
		case n.line == "security-policy" || n.line == "nat-policy":
			for _, k := range n.kids {
				if name, ok := strings.CutPrefix(k.line, "rule name "); ok {
					out = append(out, n.line+" rule "+name)
				}
			}
		case n.line == "ipsec authentication sha2 compatible enable":
		default:
			t.Errorf("unexpected top-level command %q", n.line)
		}
	}
	return out
}

// huaweiRemoved lists the objects huawei-rollback.txt removes.
func huaweiRemoved(t *testing.T, rb string) []string {
	var out []string
	for _, n := range parseVRP(t, rb).kids {
		f := strings.Fields(n.line)
		switch {
		case strings.HasPrefix(n.line, "undo acl number "):
			out = append(out, "acl "+f[3])
		case strings.HasPrefix(n.line, "undo "):
			out = append(out, strings.TrimPrefix(n.line, "undo "))
		case n.line == "security-policy" || n.line == "nat-policy":
			for _, k := range n.kids {
				out = append(out, n.line+" rule "+strings.TrimPrefix(k.line, "undo rule name "))
			}
		case strings.HasPrefix(n.line, "bgp "):
			for _, k := range n.kids {
				out = append(out, "bgp peer "+strings.TrimPrefix(k.line, "undo peer "))
			}
		case strings.HasPrefix(n.line, "firewall zone "):
			for _, k := range n.kids {
				out = append(out, "firewall zone member "+f[2]+" "+strings.TrimPrefix(k.line, "undo add interface "))
			}
		case strings.HasPrefix(n.line, "interface "):
			if !n.has("undo ipsec policy") || len(n.kids) != 1 {
				t.Errorf("rollback: unexpected interface view %q", n.line)
			}
			out = append(out, "ipsec policy binding "+f[1])
		default:
			t.Errorf("rollback: unexpected command %q", n.line)
		}
	}
	return out
}

// TestH3CReader parses every rendered h3c.txt (both platforms, with and
// without --redact) and compares it with the model.
func TestH3CReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		for _, platform := range []string{"firewall", "router"} {
			for _, redact := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/redact=%v", tc.name, platform, redact), func(t *testing.T) {
					o := render.Options{Redact: redact, Params: map[string]string{"platform": platform, "vpc-cidr": "172.16.0.0/12"}}
					cfg, rb, err := vrpFiles(t, "h3c", tc.conn, o)
					switch {
					case !tc.conn.RouteBased() && tc.conn.Dual():
						if err == nil || !strings.Contains(err.Error(), "set the connection to destination routing") {
							t.Fatalf("dual policy-based: got %v, want the refusal", err)
						}
						return
					case vrpKeyRefused(tc.conn, false):
						if err == nil || !strings.Contains(err.Error(), "the pre-shared key cannot be entered on H3C") {
							t.Fatalf("got %v, want the key refused", err)
						}
						return
					case err != nil:
						t.Fatalf("render: %v", err)
					}
					checkH3C(t, tc.conn, platform == "firewall", cfg, rb, o)
				})
			}
		}
	}
}

func checkH3C(t *testing.T, c vpn.Connection, firewall bool, cfg, rb string, o render.Options) {
	root := parseVRP(t, cfg)
	version := c.Tunnels[0].IKE.Version
	var tunnelIfs []string
	for _, tn := range c.Tunnels {
		// The IPsec policy or profile for this tunnel: a policy names the
		// remote address, a profile is applied to a tunnel interface
		// whose destination is it.
		var sa *vrpNode
		for _, n := range root.find("ipsec policy ") {
			if n.one(t, "remote-address") == tn.RemoteAddr.String() {
				sa = n
			}
		}
		for _, ifc := range root.find("interface Tunnel") {
			if ifc.one(t, "destination") != tn.RemoteAddr.String() {
				continue
			}
			if !strings.HasSuffix(ifc.line, " mode ipsec") {
				t.Errorf("%s: %q is not an IPsec tunnel interface", tn.Label(), ifc.line)
			}
			tunnelIfs = append(tunnelIfs, strings.Fields(ifc.line)[1])
			sa = root.named(t, "ipsec profile", ifc.one(t, "tunnel protection ipsec profile"))
			if tn.BGP != nil {
				f := strings.Fields(ifc.one(t, "ip address"))
				if len(f) != 2 || f[0] != tn.BGP.LocalIP.String() || maskLen(t, f[1]) != tn.BGP.TunnelCIDR.Bits() {
					t.Errorf("%s: tunnel address %v, want %s/%d", tn.Label(), f, tn.BGP.LocalIP, tn.BGP.TunnelCIDR.Bits())
				}
			}
		}
		if sa == nil {
			t.Fatalf("%s: no IPsec policy or profile for %s", tn.Label(), tn.RemoteAddr)
		}
		if got := readSeconds(t, sa.one(t, "sa duration time-based")); got != tn.IPsec.Lifetime {
			t.Errorf("%s: IPsec lifetime %v, want %v", tn.Label(), got, tn.IPsec.Lifetime)
		}
		if sa.one(t, "sa duration traffic-based") != "4294967295" {
			t.Errorf("%s: volume lifetime not at its maximum", tn.Label())
		}
		ts := root.named(t, "ipsec transform-set", sa.one(t, "transform-set"))
		if got := lookupKeyword(t, h3cReadCipher, ts.one(t, "esp encryption-algorithm")); got != tn.IPsec.Cipher {
			t.Errorf("%s: ESP cipher %s, want %s", tn.Label(), got, tn.IPsec.Cipher)
		}
		if got := lookupKeyword(t, h3cReadHash, ts.one(t, "esp authentication-algorithm")); got != tn.IPsec.Integrity {
			t.Errorf("%s: ESP integrity %s, want %s", tn.Label(), got, tn.IPsec.Integrity)
		}
		pfs, ok := ts.maybe("pfs")
		if tn.IPsec.PFS == vpn.NoPFS && ok || tn.IPsec.PFS != vpn.NoPFS && lookupKeyword(t, h3cReadPFS, pfs) != tn.IPsec.PFS {
			t.Errorf("%s: PFS %q, want %s", tn.Label(), pfs, tn.IPsec.PFS)
		}
		if strings.HasPrefix(sa.line, "ipsec policy ") {
			acl := root.named(t, "acl advanced", sa.one(t, "security acl"))
			if got, want := readACLPairs(t, acl), wantPairs(c); !slices.Equal(got, want) {
				t.Errorf("%s: ACL pairs %v, want %v", tn.Label(), got, want)
			}
		}
		if version == vpn.IKEv1 {
			checkH3CIKEv1(t, root, tn, root.named(t, "ike profile", sa.one(t, "ike-profile")), c, o)
		} else {
			checkH3CIKEv2(t, root, tn, root.named(t, "ikev2 profile", sa.one(t, "ikev2-profile")), c, o)
		}
	}
	checkVRPRouting(t, root, c, tunnelIfs, "prefix-list", "address-family ipv4 unicast", o)
	if firewall != (len(root.find("security-policy ip")) == 1) {
		t.Errorf("firewall=%v: security-policy block presence differs", firewall)
	}
	checkVRPObjects(t, cfg, rb, h3cCreated(t, root), h3cRemoved(t, rb))
}

func checkH3CIKEv1(t *testing.T, root *vrpNode, tn vpn.Tunnel, prof *vrpNode, c vpn.Connection, o render.Options) {
	kc := root.named(t, "ike keychain", prof.one(t, "keychain"))
	f := strings.Fields(kc.one(t, "pre-shared-key"))
	if len(f) != 6 || f[0] != "address" || f[1] != tn.RemoteAddr.String() || f[2] != "255.255.255.255" || f[3] != "key" || f[4] != "simple" {
		t.Errorf("%s: keychain line %v", tn.Label(), f)
	} else if vrpReadKey(t, f[5]) != wantKey(tn, vpn.KindPSK, tn.PSK, o) {
		t.Errorf("%s: pre-shared key differs", tn.Label())
	}
	wantRemote := "identity address " + rdRemote(tn) + " 255.255.255.255"
	if tn.RemoteID.IsFQDN() {
		wantRemote = "identity fqdn " + tn.RemoteID.FQDN
	}
	if got := prof.one(t, "match remote"); got != wantRemote {
		t.Errorf("%s: match remote %q, want %q", tn.Label(), got, wantRemote)
	}
	if got, want := prof.one(t, "local-identity"), h3cWantIdentity(tn.LocalID, tn.LocalAddr); got != want {
		t.Errorf("%s: local identity %q, want %q", tn.Label(), got, want)
	}
	if (tn.IKE.Mode == vpn.AggressiveMode) != prof.has("exchange-mode aggressive") {
		t.Errorf("%s: exchange mode differs", tn.Label())
	}
	if c.DPD != prof.has("dpd interval 10 retry 3 periodic") {
		t.Errorf("%s: DPD differs", tn.Label())
	}
	prop := root.named(t, "ike proposal", prof.one(t, "proposal"))
	if got := lookupKeyword(t, h3cReadCipher, prop.one(t, "encryption-algorithm")); got != tn.IKE.Cipher {
		t.Errorf("%s: IKE cipher %s, want %s", tn.Label(), got, tn.IKE.Cipher)
	}
	if got := lookupKeyword(t, h3cReadV1Auth, prop.one(t, "authentication-algorithm")); got != tn.IKE.Integrity {
		t.Errorf("%s: IKE integrity %s, want %s", tn.Label(), got, tn.IKE.Integrity)
	}
	if got := lookupKeyword(t, h3cReadGroup, prop.one(t, "dh")); got != tn.IKE.DHGroup {
		t.Errorf("%s: DH %s, want %s", tn.Label(), got, tn.IKE.DHGroup)
	}
	if got := readSeconds(t, prop.one(t, "sa duration")); got != tn.IKE.Lifetime {
		t.Errorf("%s: IKE lifetime %v, want %v", tn.Label(), got, tn.IKE.Lifetime)
	}
}

func checkH3CIKEv2(t *testing.T, root *vrpNode, tn vpn.Tunnel, prof *vrpNode, c vpn.Connection, o render.Options) {
	kc := root.named(t, "ikev2 keychain", prof.one(t, "keychain"))
	var peer *vrpNode
	for _, p := range kc.kids {
		if p.one(t, "address") == tn.RemoteAddr.String()+" 32" {
			peer = p
		}
	}
	if peer == nil {
		t.Fatalf("%s: no IKEv2 keychain peer for %s", tn.Label(), tn.RemoteAddr)
	}
	if vrpReadKey(t, peer.one(t, "pre-shared-key plaintext")) != wantKey(tn, vpn.KindPSK, tn.PSK, o) {
		t.Errorf("%s: pre-shared key differs", tn.Label())
	}
	wantRemote := "identity address " + rdRemote(tn) + " 32"
	if tn.RemoteID.IsFQDN() {
		wantRemote = "identity fqdn " + tn.RemoteID.FQDN
	}
	if got := prof.one(t, "match remote"); got != wantRemote {
		t.Errorf("%s: match remote %q, want %q", tn.Label(), got, wantRemote)
	}
	if got, want := prof.one(t, "identity local"), h3cWantIdentity(tn.LocalID, tn.LocalAddr); got != want {
		t.Errorf("%s: local identity %q, want %q", tn.Label(), got, want)
	}
	if got := readSeconds(t, prof.one(t, "sa duration")); got != tn.IKE.Lifetime {
		t.Errorf("%s: IKE lifetime %v, want %v", tn.Label(), got, tn.IKE.Lifetime)
	}
	// The connection's IKEv2 policy offers a proposal equal to the tunnel's.
	pols := root.find("ikev2 policy ")
	if len(pols) != 1 {
		t.Fatalf("%d IKEv2 policies, want one", len(pols))
	}
	if pols[0].one(t, "match local address") == "" {
		t.Errorf("IKEv2 policy not scoped to an interface")
	}
	found := false
	for _, k := range pols[0].kids {
		name, ok := strings.CutPrefix(k.line, "proposal ")
		if !ok {
			continue
		}
		p := root.named(t, "ikev2 proposal", name)
		if lookupKeyword(t, h3cReadCipher, p.one(t, "encryption")) == tn.IKE.Cipher &&
			lookupKeyword(t, h3cReadHash, p.one(t, "integrity")) == tn.IKE.Integrity &&
			lookupKeyword(t, h3cReadHash, p.one(t, "prf")) == tn.IKE.Integrity &&
			lookupKeyword(t, h3cReadGroup, p.one(t, "dh")) == tn.IKE.DHGroup {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no IKEv2 proposal of the policy matches the tunnel's IKE algorithms", tn.Label())
	}
}

func rdRemote(tn vpn.Tunnel) string {
	if tn.RemoteID.Kind == vpn.IDAddress {
		return tn.RemoteID.Addr.String()
	}
	return tn.RemoteAddr.String()
}

func h3cWantIdentity(id vpn.Identity, addr netip.Addr) string {
	switch id.Kind {
	case vpn.IDFQDN:
		return "fqdn " + id.FQDN
	case vpn.IDAddress:
		return "address " + id.Addr.String()
	}
	return "address " + addr.String()
}

// h3cCreated lists the objects h3c.txt creates, by reading it.
func h3cCreated(t *testing.T, root *vrpNode) []string {
	var out []string
	for _, n := range root.kids {
		f := strings.Fields(n.line)
		switch {
		case strings.HasPrefix(n.line, "ike proposal "), strings.HasPrefix(n.line, "ike keychain "), strings.HasPrefix(n.line, "ike profile "),
			strings.HasPrefix(n.line, "ikev2 "), strings.HasPrefix(n.line, "ipsec transform-set "), strings.HasPrefix(n.line, "acl advanced "):
			out = append(out, n.line)
		case strings.HasPrefix(n.line, "ipsec policy "):
			out = append(out, "ipsec policy "+f[2]+" "+f[3])
		case strings.HasPrefix(n.line, "ipsec profile "):
			out = append(out, "ipsec profile "+f[2])
		case strings.HasPrefix(n.line, "interface Tunnel"):
			out = append(out, "interface "+f[1])
		case strings.HasPrefix(n.line, "interface "):
			if v, ok := n.maybe("ipsec apply policy"); ok && v != "" {
				out = append(out, "ipsec apply binding "+f[1])
			}
		case strings.HasPrefix(n.line, "security-zone name "):
			for _, k := range n.kids {
				out = append(out, "security-zone member "+f[2]+" "+strings.TrimPrefix(k.line, "import interface "))
			}
		case strings.HasPrefix(n.line, "ip route-static "):
			out = append(out, "ip route-static "+strings.Join(f[2:5], " "))
		case strings.HasPrefix(n.line, "ip prefix-list "):
			out = append(out, "ip prefix-list "+f[2])
		case strings.HasPrefix(n.line, "route-policy "):
			out = append(out, "route-policy "+f[1])
		case strings.HasPrefix(n.line, "bgp "):
			for _, k := range n.kids {
				if kf := strings.Fields(k.line); len(kf) == 4 && kf[2] == "as-number" {
					out = append(out, "bgp peer "+kf[1])
				}
			}
		case n.line == "security-policy ip":
			for _, k := range n.kids {
				if name, ok := strings.CutPrefix(k.line, "rule name "); ok {
					out = append(out, "security-policy rule "+name)
				}
			}
		default:
			t.Errorf("unexpected top-level command %q", n.line)
		}
	}
	return out
}

// h3cRemoved lists the objects h3c-rollback.txt removes.
func h3cRemoved(t *testing.T, rb string) []string {
	var out []string
	for _, n := range parseVRP(t, rb).kids {
		f := strings.Fields(n.line)
		switch {
		case strings.HasPrefix(n.line, "undo "):
			out = append(out, strings.TrimPrefix(n.line, "undo "))
		case n.line == "security-policy ip":
			for _, k := range n.kids {
				out = append(out, "security-policy rule "+strings.TrimPrefix(k.line, "undo rule name "))
			}
		case strings.HasPrefix(n.line, "bgp "):
			for _, k := range n.kids {
				out = append(out, "bgp peer "+strings.TrimPrefix(k.line, "undo peer "))
			}
		case strings.HasPrefix(n.line, "security-zone name "):
			for _, k := range n.kids {
				out = append(out, "security-zone member "+f[2]+" "+strings.TrimPrefix(k.line, "undo import interface "))
			}
		case strings.HasPrefix(n.line, "interface "):
			if !n.has("undo ipsec apply policy") || len(n.kids) != 1 {
				t.Errorf("rollback: unexpected interface view %q", n.line)
			}
			out = append(out, "ipsec apply binding "+f[1])
		default:
			t.Errorf("rollback: unexpected command %q", n.line)
		}
	}
	return out
}
