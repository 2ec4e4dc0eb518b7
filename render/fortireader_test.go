package render_test

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

// FortiOS tokens read back into the model, written from the phase1/phase2
// schema of fortinet-ansible-dev's fortios_vpn_ipsec_phase{1,2}_interface
// (docs/vendors/fortigate.md), independently of render's tables.
var (
	fortiReadCipher = map[string]vpn.Cipher{
		"aes128": vpn.AES128, "aes192": vpn.AES192, "aes256": vpn.AES256, "des": vpn.DES, "3des": vpn.TripleDES,
	}
	fortiReadIntegrity = map[string]vpn.Integrity{
		"md5": vpn.MD5, "sha1": vpn.SHA1, "sha256": vpn.SHA256, "sha384": vpn.SHA384, "sha512": vpn.SHA512,
	}
	fortiReadGroup = map[string]vpn.DHGroup{"1": vpn.Group1, "2": vpn.Group2, "5": vpn.Group5, "14": vpn.Group14}
)

// fortiNode is a config block ("config …") or a table entry ("edit …"):
// its set attributes, its entries and its nested config blocks.
type fortiNode struct {
	name    string
	attrs   map[string][]string
	entries []*fortiNode
	sub     map[string]*fortiNode
}

func newFortiNode(name string) *fortiNode {
	return &fortiNode{name: name, attrs: map[string][]string{}, sub: map[string]*fortiNode{}}
}

// parseForti reads FortiOS CLI into a tree. Blocks with the same path are
// merged, as FortiOS does when the same table is configured twice.
// Comments are allowed only outside config blocks.
func parseForti(t *testing.T, data []byte) *fortiNode {
	root := newFortiNode("")
	stack := []*fortiNode{root}
	inEdit := []bool{false}
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		top := stack[len(stack)-1]
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			if len(stack) > 1 {
				t.Errorf("line %d: comment inside a config block: %q", i+1, raw)
			}
		default:
			tok := tokenize(t, line)
			switch tok[0] {
			case "config":
				path := strings.Join(tok[1:], " ")
				n, ok := top.sub[path]
				if !ok {
					n = newFortiNode(path)
					top.sub[path] = n
				}
				stack, inEdit = append(stack, n), append(inEdit, false)
			case "edit":
				if len(tok) != 2 {
					t.Fatalf("line %d: %q", i+1, raw)
				}
				n := newFortiNode(tok[1])
				top.entries = append(top.entries, n)
				stack, inEdit = append(stack, n), append(inEdit, true)
			case "set":
				if len(tok) < 3 {
					t.Errorf("line %d: set without value: %q", i+1, raw)
					continue
				}
				if _, dup := top.attrs[tok[1]]; dup {
					t.Errorf("line %d: %s set twice in one block", i+1, tok[1])
				}
				top.attrs[tok[1]] = tok[2:]
			case "next", "end":
				if len(stack) == 1 || inEdit[len(inEdit)-1] != (tok[0] == "next") {
					t.Fatalf("line %d: unbalanced %q", i+1, tok[0])
				}
				stack, inEdit = stack[:len(stack)-1], inEdit[:len(inEdit)-1]
			default:
				t.Errorf("line %d: not a FortiOS command: %q", i+1, raw)
			}
		}
	}
	if len(stack) != 1 {
		t.Fatalf("%d config blocks left open", len(stack)-1)
	}
	return root
}

func (n *fortiNode) table(path string) []*fortiNode {
	if s, ok := n.sub[path]; ok {
		return s.entries
	}
	return nil
}

func (n *fortiNode) get(t *testing.T, key string) string {
	t.Helper()
	v := n.attrs[key]
	if len(v) != 1 {
		t.Errorf("%s: set %s %q, want one value", n.name, key, v)
		return ""
	}
	return v[0]
}

// TestFortiReader parses every rendered fortigate.conf back into phase 1
// and phase 2 settings, identities, selectors, addresses, policies and
// routes, and compares them with the model of the same testdata/api case.
// A case FortiOS cannot express (DH group 24) must fail, naming it.
func TestFortiReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := renderFirst("fortigate", tc.conn, render.Options{})
			if usesGroup24(tc.conn) {
				if err == nil || !strings.Contains(err.Error(), "(group 24) cannot be expressed on FortiOS") {
					t.Fatalf("group 24: got %v, want an error naming the group", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			checkForti(t, tc.conn, out.Data)
		})
	}
}

func usesGroup24(c vpn.Connection) bool {
	for _, tn := range c.Tunnels {
		if tn.IKE.DHGroup == vpn.Group24 || tn.IPsec.PFS == vpn.Group24 {
			return true
		}
	}
	return false
}

func checkForti(t *testing.T, c vpn.Connection, data []byte) {
	root := parseForti(t, data)
	addrs := fortiAddresses(t, root)
	var p1Names []string
	ids := map[string]bool{}
	for _, pol := range root.table("firewall policy") {
		if pol.name != "0" && ids[pol.name] {
			t.Errorf("firewall policy ID %s used twice", pol.name)
		}
		ids[pol.name] = true
	}
	for _, tn := range c.Tunnels {
		t.Run(tn.Label(), func(t *testing.T) {
			p1 := checkFortiPhase1(t, root, c, tn, data)
			p1Names = append(p1Names, p1)
			checkFortiPhase2(t, root, c, tn, p1, addrs)
			checkFortiPolicies(t, root, c, p1, addrs)
		})
	}
	if len(p1Names) == len(c.Tunnels) {
		checkFortiRouting(t, root, c, p1Names)
	}
}

func checkFortiPhase1(t *testing.T, root *fortiNode, c vpn.Connection, tn vpn.Tunnel, data []byte) string {
	var p1 *fortiNode
	for _, e := range root.table("vpn ipsec phase1-interface") {
		if slices.Equal(e.attrs["remote-gw"], []string{tn.RemoteAddr.String()}) {
			if p1 != nil {
				t.Fatalf("two phase1-interfaces with remote-gw %s", tn.RemoteAddr)
			}
			p1 = e
		}
	}
	if p1 == nil {
		t.Fatalf("no phase1-interface with remote-gw %s", tn.RemoteAddr)
	}
	if len(p1.name) > 15 || p1.name == "" {
		t.Errorf("phase1-interface name %q: FortiOS allows 1-15 characters", p1.name)
	}
	if p1.get(t, "interface") == "" || p1.get(t, "authmethod") != "psk" {
		t.Error("phase 1 needs an interface and authmethod psk")
	}
	enc, integ := splitProposal(t, p1.get(t, "proposal"))
	version, _ := strconv.Atoi(p1.get(t, "ike-version"))
	got := vpn.IKE{
		Version:   vpn.IKEVersion(version),
		Mode:      vpn.MainMode,
		Cipher:    enc,
		Integrity: integ,
		DHGroup:   lookupKeyword(t, fortiReadGroup, p1.get(t, "dhgrp")),
		Lifetime:  readSeconds(t, p1.get(t, "keylife")),
	}
	if mode, ok := p1.attrs["mode"]; ok {
		if got.Version == vpn.IKEv2 {
			t.Errorf("IKEv2 phase 1 has mode %q", mode)
		}
		if slices.Equal(mode, []string{"aggressive"}) {
			got.Mode = vpn.AggressiveMode
		} else if !slices.Equal(mode, []string{"main"}) {
			t.Errorf("mode %q", mode)
		}
	} else if got.Version == vpn.IKEv1 {
		t.Error("IKEv1 phase 1 without mode")
	}
	if got != tn.IKE {
		t.Errorf("phase 1 read back as %+v, want %+v", got, tn.IKE)
	}

	// Identities.
	var local vpn.Identity
	if id, ok := p1.attrs["localid"]; ok {
		switch p1.get(t, "localid-type") {
		case "address":
			local = vpn.AddressID(netip.MustParseAddr(id[0]))
		case "fqdn":
			local = vpn.FQDNID(id[0])
		default:
			t.Errorf("localid-type %q", p1.attrs["localid-type"])
		}
	}
	if local != tn.LocalID {
		t.Errorf("localid %#v, want %#v", local, tn.LocalID)
	}
	switch pt := p1.get(t, "peertype"); {
	case pt == "one":
		if p1.get(t, "peerid") != tn.RemoteID.String() {
			t.Errorf("peerid %q, want %q", p1.attrs["peerid"], tn.RemoteID)
		}
		if tn.IKE.Version == vpn.IKEv1 && tn.IKE.Mode == vpn.MainMode {
			t.Error("peertype one in IKEv1 main mode, where FortiOS does not check the peer ID")
		}
	case pt == "any":
		if tn.IKE.Version == vpn.IKEv2 || tn.IKE.Mode == vpn.AggressiveMode {
			t.Errorf("peertype any: the peer ID %s is not checked", tn.RemoteID)
		}
	default:
		t.Errorf("peertype %q", pt)
	}

	// Key, DPD, NAT traversal.
	psk := p1.get(t, "psksecret")
	if strings.HasPrefix(psk, "0x") {
		b, err := hex.DecodeString(psk[2:])
		if err != nil {
			t.Fatalf("psksecret %q: %v", psk, err)
		}
		psk = string(b)
	}
	if psk != tn.PSK.Reveal() {
		t.Error("psksecret does not decode to the tunnel's key")
	}
	assertSecretOnOwnLine(t, data, tn.PSK.Reveal(), "set psksecret ", hexString)
	wantDPD := map[bool]string{true: "on-idle", false: "disable"}[c.DPD]
	if got := p1.get(t, "dpd"); got != wantDPD {
		t.Errorf("dpd %s, want %s", got, wantDPD)
	}
	wantNAT := map[bool]string{true: "enable", false: "disable"}[c.NATTraversal]
	if got := p1.get(t, "nattraversal"); got != wantNAT {
		t.Errorf("nattraversal %s, want %s", got, wantNAT)
	}
	return p1.name
}

func splitProposal(t *testing.T, p string) (vpn.Cipher, vpn.Integrity) {
	t.Helper()
	enc, integ, ok := strings.Cut(p, "-")
	if !ok || strings.Contains(p, " ") {
		t.Errorf("proposal %q: want exactly one <enc>-<integ>", p)
	}
	return lookupKeyword(t, fortiReadCipher, enc), lookupKeyword(t, fortiReadIntegrity, integ)
}

func checkFortiPhase2(t *testing.T, root *fortiNode, c vpn.Connection, tn vpn.Tunnel, p1 string, addrs map[string]string) {
	var got, want []string
	entries := 0
	for _, e := range root.table("vpn ipsec phase2-interface") {
		if !slices.Equal(e.attrs["phase1name"], []string{p1}) {
			continue
		}
		enc, integ := splitProposal(t, e.get(t, "proposal"))
		ip := vpn.IPsec{Cipher: enc, Integrity: integ, Lifetime: readSeconds(t, e.get(t, "keylifeseconds"))}
		switch e.get(t, "pfs") {
		case "enable":
			ip.PFS = lookupKeyword(t, fortiReadGroup, e.get(t, "dhgrp"))
		case "disable":
			if _, ok := e.attrs["dhgrp"]; ok {
				t.Errorf("%s: dhgrp with pfs disable", e.name)
			}
		}
		if ip != tn.IPsec {
			t.Errorf("%s read back as %+v, want %+v", e.name, ip, tn.IPsec)
		}
		if e.get(t, "keylife-type") != "seconds" || e.get(t, "auto-negotiate") != "enable" {
			t.Errorf("%s: want keylife-type seconds and auto-negotiate enable", e.name)
		}
		entries++
		if _, named := e.attrs["src-name"]; named {
			// One phase 2 naming address objects: every local prefix
			// with every remote one, in one SA.
			if e.get(t, "src-addr-type") != "name" || e.get(t, "dst-addr-type") != "name" {
				t.Errorf("%s: src-name/dst-name without src-addr-type/dst-addr-type name", e.name)
			}
			for _, l := range strings.Split(addrs[e.get(t, "src-name")], ",") {
				for _, r := range strings.Split(addrs[e.get(t, "dst-name")], ",") {
					got = append(got, l+" "+r)
				}
			}
			continue
		}
		got = append(got, fortiPrefix(t, e.attrs["src-subnet"]).String()+" "+fortiPrefix(t, e.attrs["dst-subnet"]).String())
	}
	wantEntries := 1
	if c.RouteBased() {
		want = []string{"0.0.0.0/0 0.0.0.0/0"}
	} else {
		local, remote := c.LocalSubnets, c.RemoteSubnets
		if tn.IKE.Version == vpn.IKEv2 {
			// IKEv2: one SA with every selector; the pairs are the
			// cross product of the two sides.
			for _, l := range local {
				for _, r := range remote {
					want = append(want, l.String()+" "+r.String())
				}
			}
		} else {
			for _, p := range c.SubnetPairs() {
				want = append(want, p.Local.String()+" "+p.Remote.String())
			}
			wantEntries = len(want)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, ",") != strings.Join(want, ",") || entries != wantEntries {
		t.Errorf("phase 2 selectors %q in %d phase2-interface(s), want %q in %d (IKEv1: one per pair; IKEv2: one carrying all)", got, entries, want, wantEntries)
	}
}

// fortiPrefix reads FortiOS's "address netmask" for a subnet: no host
// bits allowed.
func fortiPrefix(t *testing.T, v []string) netip.Prefix {
	t.Helper()
	p := fortiAddrMask(t, v)
	if p.Masked() != p {
		t.Errorf("subnet %q has host bits", v)
	}
	return p
}

// fortiAddrMask reads "address netmask" for an interface address, where
// the address is a host in the prefix.
func fortiAddrMask(t *testing.T, v []string) netip.Prefix {
	t.Helper()
	if len(v) != 2 {
		t.Errorf("subnet %q: want address and netmask", v)
		return netip.Prefix{}
	}
	a, err := netip.ParseAddr(v[0])
	if err != nil {
		t.Errorf("subnet %q: %v", v, err)
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a, maskBits(t, v[1], false))
}

// fortiAddresses resolves address and address-group names to sorted
// prefix lists; "all" is 0.0.0.0/0.
func fortiAddresses(t *testing.T, root *fortiNode) map[string]string {
	out := map[string]string{"all": "0.0.0.0/0"}
	for _, a := range root.table("firewall address") {
		out[a.name] = fortiPrefix(t, a.attrs["subnet"]).String()
	}
	for _, g := range root.table("firewall addrgrp") {
		var ps []string
		for _, m := range g.attrs["member"] {
			p, ok := out[m]
			if !ok {
				t.Errorf("address group %s: unknown member %s", g.name, m)
			}
			ps = append(ps, p)
		}
		slices.Sort(ps)
		out[g.name] = strings.Join(ps, ",")
	}
	return out
}

func checkFortiPolicies(t *testing.T, root *fortiNode, c vpn.Connection, p1 string, addrs map[string]string) {
	local, remote := sortedPrefixes(c.LocalSubnets), sortedPrefixes(c.RemoteSubnets)
	for _, out := range []bool{true, false} {
		n := 0
		for _, pol := range root.table("firewall policy") {
			intf := "dstintf"
			if !out {
				intf = "srcintf"
			}
			if !slices.Equal(pol.attrs[intf], []string{p1}) {
				continue
			}
			n++
			src, dst := addrs[pol.get(t, "srcaddr")], addrs[pol.get(t, "dstaddr")]
			wantSrc, wantDst := local, remote
			if !out {
				wantSrc, wantDst = remote, local
			}
			if src != wantSrc || dst != wantDst {
				t.Errorf("policy %s: %s -> %s, want %s -> %s", pol.attrs["name"], src, dst, wantSrc, wantDst)
			}
			if pol.get(t, "action") != "accept" || pol.get(t, "schedule") != "always" || pol.get(t, "service") != "ALL" {
				t.Errorf("policy %s: want action accept, schedule always, service ALL", pol.attrs["name"])
			}
		}
		if n != 1 {
			t.Errorf("%d policies with %s as %s, want 1", n, p1, map[bool]string{true: "dstintf", false: "srcintf"}[out])
		}
	}
}

func checkFortiRouting(t *testing.T, root *fortiNode, c vpn.Connection, p1s []string) {
	bgp := false
	for _, tn := range c.Tunnels {
		bgp = bgp || tn.BGP != nil
	}
	if bgp {
		b, ok := root.sub["router bgp"]
		if !ok {
			t.Fatal("no config router bgp")
		}
		weights := map[vpn.Role]int{}
		for i, tn := range c.Tunnels {
			if tn.BGP == nil {
				continue
			}
			if got := b.get(t, "as"); got != fmt.Sprint(tn.BGP.LocalASN) {
				t.Errorf("as %s, want %d", got, tn.BGP.LocalASN)
			}
			var nb *fortiNode
			for _, e := range b.table("neighbor") {
				if e.name == tn.BGP.RemoteIP.String() {
					nb = e
				}
			}
			if nb == nil {
				t.Errorf("%s: no neighbor %s", tn.Label(), tn.BGP.RemoteIP)
				continue
			}
			if got := nb.get(t, "remote-as"); got != fmt.Sprint(tn.BGP.RemoteASN) {
				t.Errorf("%s: remote-as %s, want %d", tn.Label(), got, tn.BGP.RemoteASN)
			}
			if w, ok := nb.attrs["weight"]; ok {
				weights[tn.Role], _ = strconv.Atoi(w[0])
			}
			var ifc *fortiNode
			for _, e := range root.table("system interface") {
				if e.name == p1s[i] {
					ifc = e
				}
			}
			if ifc == nil {
				t.Errorf("%s: no system interface %s", tn.Label(), p1s[i])
				continue
			}
			if ip := fortiAddrMask(t, ifc.attrs["ip"]); ip.Addr() != tn.BGP.LocalIP || ip.Bits() != 32 {
				t.Errorf("%s: ip %s, want %s/32", tn.Label(), ip, tn.BGP.LocalIP)
			}
			if rip := fortiAddrMask(t, ifc.attrs["remote-ip"]); rip.Addr() != tn.BGP.RemoteIP || rip.Bits() != tn.BGP.TunnelCIDR.Bits() {
				t.Errorf("%s: remote-ip %s, want %s/%d", tn.Label(), rip, tn.BGP.RemoteIP, tn.BGP.TunnelCIDR.Bits())
			}
		}
		if c.Dual() && weights[vpn.RoleMaster] <= weights[vpn.RoleSlave] {
			t.Errorf("master weight %d is not above the slave's %d", weights[vpn.RoleMaster], weights[vpn.RoleSlave])
		}
		return
	}
	routes := root.table("router static")
	if c.RouteBased() {
		if len(routes) != 0 {
			t.Error("route-based connection without --set vpc-cidr has static routes")
		}
		return
	}
	for _, r := range routes {
		if r.name != "0" {
			t.Errorf("static route edit %s, want edit 0", r.name)
		}
	}
	for _, p := range c.RemoteSubnets {
		prio := map[vpn.Role]int{}
		dist := map[string]int{}
		blackhole := false
		for _, r := range routes {
			if fortiPrefix(t, r.attrs["dst"]) != p {
				continue
			}
			d, _ := strconv.Atoi(r.get(t, "distance"))
			if slices.Equal(r.attrs["blackhole"], []string{"enable"}) {
				blackhole = true
				dist["blackhole"] = d
				continue
			}
			for i, tn := range c.Tunnels {
				if slices.Equal(r.attrs["device"], []string{p1s[i]}) {
					dist[p1s[i]] = d
					if v, ok := r.attrs["priority"]; ok {
						prio[tn.Role], _ = strconv.Atoi(v[0])
					}
				}
			}
		}
		for _, name := range p1s {
			if _, ok := dist[name]; !ok {
				t.Errorf("no route to %s over %s", p, name)
			}
			if blackhole && dist["blackhole"] <= dist[name] {
				t.Errorf("route to %s: blackhole distance %d does not lose against %s's %d", p, dist["blackhole"], name, dist[name])
			}
		}
		if !blackhole {
			t.Errorf("no blackhole route for %s", p)
		}
		if c.Dual() && (prio[vpn.RoleMaster] >= prio[vpn.RoleSlave] || dist[p1s[0]] != dist[p1s[1]]) {
			t.Errorf("route to %s: master priority %d must be below the slave's %d at equal distance (%v)", p, prio[vpn.RoleMaster], prio[vpn.RoleSlave], dist)
		}
	}
}

// TestReadersRedacted renders every case with --redact for both vendors:
// no key, clear or encoded, may remain, and the placeholder sits where
// the key would be, still syntactically valid.
func TestReadersRedacted(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		for vendor, pskLine := range map[string]string{"juniper-srx": "pre-shared-key ascii-text \"<PSK-REDACTED:tunnel-", "fortigate": "set psksecret \"<PSK-REDACTED:tunnel-"} {
			t.Run(tc.name+"/"+vendor, func(t *testing.T) {
				out, _, err := renderFirst(vendor, tc.conn, render.Options{Redact: true})
				if vendor == "fortigate" && usesGroup24(tc.conn) {
					if err == nil {
						t.Fatal("group 24 rendered on FortiOS")
					}
					return
				}
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				for _, tn := range tc.conn.Tunnels {
					if strings.Contains(string(out.Data), tn.PSK.Reveal()) || strings.Contains(string(out.Data), hexString(tn.PSK.Reveal())) {
						t.Errorf("%s: key present in a redacted file", tn.Label())
					}
				}
				if n := strings.Count(string(out.Data), pskLine); n != len(tc.conn.Tunnels) {
					t.Errorf("%d placeholder key lines, want %d", n, len(tc.conn.Tunnels))
				}
				if vendor == "juniper-srx" {
					parseJunos(t, out.Data)
				} else {
					parseForti(t, out.Data)
				}
			})
		}
	}
}
