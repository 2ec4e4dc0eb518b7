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

// Junos keywords read back into the model, written from Juniper's
// [edit security ike proposal] and [edit security ipsec proposal]
// reference pages (docs/vendors/juniper-srx.md), independently of render's tables.
var (
	junosReadCipher = map[string]vpn.Cipher{
		"aes-128-cbc": vpn.AES128, "aes-192-cbc": vpn.AES192, "aes-256-cbc": vpn.AES256,
		"des-cbc": vpn.DES, "3des-cbc": vpn.TripleDES,
	}
	junosReadIKEAuth = map[string]vpn.Integrity{
		"md5": vpn.MD5, "sha1": vpn.SHA1, "sha-256": vpn.SHA256, "sha-384": vpn.SHA384, "sha-512": vpn.SHA512,
	}
	junosReadIPsecAuth = map[string]vpn.Integrity{
		"hmac-md5-96": vpn.MD5, "hmac-sha1-96": vpn.SHA1, "hmac-sha-256-128": vpn.SHA256,
		"hmac-sha-384-192": vpn.SHA384, "hmac-sha-512-256": vpn.SHA512,
	}
	junosReadGroup = map[string]vpn.DHGroup{
		"group1": vpn.Group1, "group2": vpn.Group2, "group5": vpn.Group5, "group14": vpn.Group14, "group24": vpn.Group24,
	}
)

// junosSet is a parsed list of set commands, each as tokens without the
// leading "set".
type junosSet struct {
	t     *testing.T
	lines [][]string
}

func parseJunos(t *testing.T, data []byte) junosSet {
	j := junosSet{t: t}
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "set "):
			j.lines = append(j.lines, tokenize(t, l)[1:])
		default:
			t.Errorf("line %d is neither a set command nor a comment: %q", i+1, l)
		}
	}
	return j
}

// all returns the remaining tokens of every line starting with prefix.
func (j junosSet) all(prefix ...string) [][]string {
	var out [][]string
	for _, l := range j.lines {
		if len(l) >= len(prefix) && slices.Equal(l[:len(prefix)], prefix) {
			out = append(out, l[len(prefix):])
		}
	}
	return out
}

// one returns the single value configured at prefix, failing otherwise.
func (j junosSet) one(prefix ...string) string {
	j.t.Helper()
	got := j.all(prefix...)
	if len(got) != 1 || len(got[0]) != 1 {
		j.t.Errorf("%s: want exactly one value, got %q", strings.Join(prefix, " "), got)
		return ""
	}
	return got[0][0]
}

func (j junosSet) has(line ...string) bool {
	for _, l := range j.lines {
		if slices.Equal(l, line) {
			return true
		}
	}
	return false
}

// names lists the objects at prefix whose attribute attr is value: e.g.
// the gateways whose address is 203.0.113.1.
func (j junosSet) names(prefix []string, attr ...string) []string {
	var out []string
	for _, rest := range j.all(prefix...) {
		if len(rest) == len(attr)+1 && slices.Equal(rest[1:], attr) && !slices.Contains(out, rest[0]) {
			out = append(out, rest[0])
		}
	}
	return out
}

// TestJunosReader parses every rendered juniper-srx.set back into peers,
// proposals, lifetimes, PFS, identities, selectors, routes and policies,
// and compares them with the model of the same testdata/api case, so a
// template wiring mistake fails even after goldens are refreshed.
func TestJunosReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := renderFirst("juniper-srx", tc.conn, render.Options{})
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			checkJunos(t, tc.conn, out.Data)
		})
	}
}

func checkJunos(t *testing.T, c vpn.Connection, data []byte) {
	j := parseJunos(t, data)
	var units []string
	for _, tn := range c.Tunnels {
		t.Run(tn.Label(), func(t *testing.T) {
			j.t = t
			units = append(units, checkJunosTunnel(t, j, c, tn))
		})
	}
	j.t = t
	checkJunosZonesAndPolicies(t, j, c, units)
	checkJunosRouting(t, j, c, units)
}

// checkJunosTunnel checks one tunnel's IKE and IPsec objects and returns
// its st0 unit.
func checkJunosTunnel(t *testing.T, j junosSet, c vpn.Connection, tn vpn.Tunnel) string {
	gws := j.names([]string{"security", "ike", "gateway"}, "address", tn.RemoteAddr.String())
	if len(gws) != 1 {
		t.Fatalf("gateways with address %s: %q, want one", tn.RemoteAddr, gws)
	}
	gw := []string{"security", "ike", "gateway", gws[0]}
	wantVersion := map[vpn.IKEVersion]string{vpn.IKEv1: "v1-only", vpn.IKEv2: "v2-only"}[tn.IKE.Version]
	if got := j.one(append(gw, "version")...); got != wantVersion {
		t.Errorf("version %q, want %q", got, wantVersion)
	}
	if j.one(append(gw, "external-interface")...) == "" {
		t.Error("no external-interface")
	}
	if got := junosReadIdentity(t, j.all(append(gw, "local-identity")...)); got != tn.LocalID {
		t.Errorf("local-identity %#v, want %#v", got, tn.LocalID)
	}
	if got := junosReadIdentity(t, j.all(append(gw, "remote-identity")...)); got != tn.RemoteID {
		t.Errorf("remote-identity %#v, want %#v", got, tn.RemoteID)
	}
	if dpd := len(j.all(append(gw, "dead-peer-detection")...)) > 0; dpd != c.DPD {
		t.Errorf("dead-peer-detection configured = %v, want %v", dpd, c.DPD)
	}
	if nonat := j.has(append(gw, "no-nat-traversal")...); nonat == c.NATTraversal {
		t.Errorf("no-nat-traversal = %v with NAT traversal %v", nonat, c.NATTraversal)
	}

	// IKE policy: mode, proposal and key.
	pol := []string{"security", "ike", "policy", j.one(append(gw, "ike-policy")...)}
	modes := j.all(append(pol, "mode")...)
	switch {
	case tn.IKE.Version == vpn.IKEv2 && len(modes) != 0:
		t.Errorf("IKEv2 policy has mode %q", modes)
	case tn.IKE.Version == vpn.IKEv1 && j.one(append(pol, "mode")...) != tn.IKE.Mode.String():
		t.Errorf("mode %q, want %s", modes, tn.IKE.Mode)
	}
	keys := j.all(append(pol, "pre-shared-key")...)
	if len(keys) != 1 || len(keys[0]) != 2 {
		t.Fatalf("pre-shared-key %q, want one keyword and one value", keys)
	}
	var psk string
	switch keys[0][0] {
	case "ascii-text":
		psk = keys[0][1]
	case "hexadecimal":
		b, err := hex.DecodeString(keys[0][1])
		if err != nil {
			t.Fatalf("pre-shared-key hexadecimal %q: %v", keys[0][1], err)
		}
		psk = string(b)
	default:
		t.Fatalf("pre-shared-key %q: unknown format", keys[0][0])
	}
	if psk != tn.PSK.Reveal() {
		t.Error("pre-shared-key does not decode to the tunnel's key")
	}
	assertSecretOnOwnLine(t, []byte(strings.Join(junosLines(j), "\n")), tn.PSK.Reveal(), strings.Join(append([]string{"set"}, append(pol, "pre-shared-key")...), " "), hexString)

	ikeProp := []string{"security", "ike", "proposal", j.one(append(pol, "proposals")...)}
	if got := j.one(append(ikeProp, "authentication-method")...); got != "pre-shared-keys" {
		t.Errorf("authentication-method %q", got)
	}
	gotIKE := vpn.IKE{
		Version:   tn.IKE.Version,
		Mode:      tn.IKE.Mode,
		Cipher:    lookupKeyword(t, junosReadCipher, j.one(append(ikeProp, "encryption-algorithm")...)),
		Integrity: lookupKeyword(t, junosReadIKEAuth, j.one(append(ikeProp, "authentication-algorithm")...)),
		DHGroup:   lookupKeyword(t, junosReadGroup, j.one(append(ikeProp, "dh-group")...)),
		Lifetime:  readSeconds(t, j.one(append(ikeProp, "lifetime-seconds")...)),
	}
	if gotIKE != tn.IKE {
		t.Errorf("IKE read back as %+v, want %+v", gotIKE, tn.IKE)
	}

	// IPsec VPN bound to this gateway.
	vpns := j.names([]string{"security", "ipsec", "vpn"}, "ike", "gateway", gws[0])
	if len(vpns) != 1 {
		t.Fatalf("VPNs on gateway %s: %q, want one", gws[0], vpns)
	}
	v := []string{"security", "ipsec", "vpn", vpns[0]}
	if !j.has(append(v, "establish-tunnels", "immediately")...) {
		t.Error("no establish-tunnels immediately")
	}
	unit := j.one(append(v, "bind-interface")...)
	ipol := []string{"security", "ipsec", "policy", j.one(append(v, "ike", "ipsec-policy")...)}
	pfs := vpn.NoPFS
	if keys := j.all(append(ipol, "perfect-forward-secrecy", "keys")...); len(keys) > 0 {
		pfs = lookupKeyword(t, junosReadGroup, j.one(append(ipol, "perfect-forward-secrecy", "keys")...))
	}
	ipProp := []string{"security", "ipsec", "proposal", j.one(append(ipol, "proposals")...)}
	if got := j.one(append(ipProp, "protocol")...); got != "esp" {
		t.Errorf("protocol %q, want esp", got)
	}
	gotIPsec := vpn.IPsec{
		Cipher:    lookupKeyword(t, junosReadCipher, j.one(append(ipProp, "encryption-algorithm")...)),
		Integrity: lookupKeyword(t, junosReadIPsecAuth, j.one(append(ipProp, "authentication-algorithm")...)),
		PFS:       pfs,
		Lifetime:  readSeconds(t, j.one(append(ipProp, "lifetime-seconds")...)),
	}
	if gotIPsec != tn.IPsec {
		t.Errorf("IPsec read back as %+v, want %+v", gotIPsec, tn.IPsec)
	}

	// Traffic selectors: one per subnet pair (IKEv1), or, for IKEv2 with
	// several pairs, one selector with a term per pair (one SA); none
	// for 0/0.
	var got, want []string
	selectors := map[string]bool{}
	for _, ts := range j.all(append(v, "traffic-selector")...) {
		switch {
		case len(ts) == 5 && ts[1] == "local-ip" && ts[3] == "remote-ip":
			got = append(got, mustPrefix(t, ts[2]).String()+" "+mustPrefix(t, ts[4]).String())
		case len(ts) == 7 && ts[1] == "term" && ts[3] == "local-ip" && ts[5] == "remote-ip":
			got = append(got, mustPrefix(t, ts[4]).String()+" "+mustPrefix(t, ts[6]).String())
		default:
			t.Errorf("traffic-selector %q", ts)
			continue
		}
		selectors[ts[0]] = true
	}
	if n := len(selectors); tn.IKE.Version == vpn.IKEv2 && len(got) > 1 && n != 1 {
		t.Errorf("IKEv2 with %d pairs in %d traffic selectors, want one selector (one SA)", len(got), n)
	}
	if !c.RouteBased() {
		for _, p := range c.SubnetPairs() {
			want = append(want, p.Local.String()+" "+p.Remote.String())
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("traffic selectors %q, want %q", got, want)
	}

	// st0 unit: family inet, BGP inside address.
	num := strings.TrimPrefix(unit, "st0.")
	if !j.has("interfaces", "st0", "unit", num, "family", "inet") {
		t.Errorf("no 'interfaces st0 unit %s family inet'", num)
	}
	addrs := j.all("interfaces", "st0", "unit", num, "family", "inet", "address")
	switch {
	case tn.BGP != nil:
		wantAddr := netip.PrefixFrom(tn.BGP.LocalIP, tn.BGP.TunnelCIDR.Bits()).String()
		if len(addrs) != 1 || addrs[0][0] != wantAddr {
			t.Errorf("st0.%s address %q, want %s", num, addrs, wantAddr)
		}
	case len(addrs) != 0:
		t.Errorf("st0.%s has address %q without BGP", num, addrs)
	}
	return unit
}

func junosLines(j junosSet) []string {
	var out []string
	for _, l := range j.lines {
		out = append(out, "set "+strings.Join(l, " "))
	}
	return out
}

func junosReadIdentity(t *testing.T, vals [][]string) vpn.Identity {
	t.Helper()
	if len(vals) == 0 {
		return vpn.Identity{}
	}
	if len(vals) != 1 || len(vals[0]) != 2 {
		t.Errorf("identity %q", vals)
		return vpn.Identity{}
	}
	switch vals[0][0] {
	case "inet", "inet6":
		a, err := netip.ParseAddr(vals[0][1])
		if err != nil {
			t.Errorf("identity %q: %v", vals[0], err)
		}
		return vpn.AddressID(a)
	case "hostname":
		return vpn.FQDNID(vals[0][1])
	}
	t.Errorf("identity type %q", vals[0][0])
	return vpn.Identity{}
}

func checkJunosZonesAndPolicies(t *testing.T, j junosSet, c vpn.Connection, units []string) {
	// The zone holding every st0 unit.
	var vpnZone string
	for _, z := range j.all("security", "zones", "security-zone") {
		if len(z) == 3 && z[1] == "interfaces" && slices.Contains(units, z[2]) {
			if vpnZone != "" && vpnZone != z[0] {
				t.Errorf("st0 units in zones %s and %s", vpnZone, z[0])
			}
			vpnZone = z[0]
		}
	}
	if vpnZone == "" {
		t.Fatalf("no security zone holds %q", units)
	}
	for _, u := range units {
		if !j.has("security", "zones", "security-zone", vpnZone, "interfaces", u) {
			t.Errorf("%s is not in zone %s", u, vpnZone)
		}
	}
	// IKE is accepted at zone level (an interface-level list would
	// override the zone's ssh/ping/dhcp): the zone holding the external
	// interface must list ike.
	ike := false
	for _, z := range j.all("security", "zones", "security-zone") {
		if len(z) == 4 && z[1] == "host-inbound-traffic" && z[2] == "system-services" && z[3] == "ike" {
			ike = true
		}
		if len(z) > 3 && z[1] == "interfaces" && z[3] == "host-inbound-traffic" && !strings.HasPrefix(z[2], "st0.") {
			t.Errorf("host-inbound-traffic on interface %s overrides its zone's services: %v", z[2], z)
		}
	}
	if !ike {
		t.Error("no zone accepts IKE (host-inbound-traffic system-services ike)")
	}

	book := map[string]string{}
	for _, a := range j.all("security", "address-book", "global", "address") {
		book[a[0]] = mustPrefix(t, a[1]).String()
	}
	resolve := func(names [][]string) string {
		var out []string
		for _, n := range names {
			if n[0] == "any" {
				out = append(out, "0.0.0.0/0")
				continue
			}
			p, ok := book[n[0]]
			if !ok {
				t.Errorf("address %q is not in the global address book", n[0])
			}
			out = append(out, p)
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	local, remote := sortedPrefixes(c.LocalSubnets), sortedPrefixes(c.RemoteSubnets)
	for _, toVPN := range []bool{true, false} {
		found := 0
		// from-zone F to-zone T policy N then permit
		for _, p := range j.all("security", "policies", "from-zone") {
			if len(p) != 7 || p[1] != "to-zone" || p[3] != "policy" || p[5] != "then" {
				continue
			}
			from, to, name := p[0], p[2], p[4]
			if (toVPN && to != vpnZone) || (!toVPN && from != vpnZone) {
				continue
			}
			found++
			pol := []string{"security", "policies", "from-zone", from, "to-zone", to, "policy", name}
			if p[6] != "permit" {
				t.Errorf("policy %s: then %s", name, p[6])
			}
			src, dst := resolve(j.all(append(pol, "match", "source-address")...)), resolve(j.all(append(pol, "match", "destination-address")...))
			wantSrc, wantDst := local, remote
			if !toVPN {
				wantSrc, wantDst = remote, local
			}
			if src != wantSrc || dst != wantDst {
				t.Errorf("policy %s from %s to %s matches %s -> %s, want %s -> %s", name, from, to, src, dst, wantSrc, wantDst)
			}
			if !j.has(append(pol, "match", "application", "any")...) {
				t.Errorf("policy %s has no application", name)
			}
		}
		if found != 1 {
			t.Errorf("%d permit policies (toward the VPN zone: %v), want 1", found, toVPN)
		}
	}
}

func checkJunosRouting(t *testing.T, j junosSet, c vpn.Connection, units []string) {
	var bgpTunnels []vpn.Tunnel
	for _, tn := range c.Tunnels {
		if tn.BGP != nil {
			bgpTunnels = append(bgpTunnels, tn)
		}
	}
	if len(bgpTunnels) > 0 {
		if got := j.one("routing-options", "autonomous-system"); got != fmt.Sprint(bgpTunnels[0].BGP.LocalASN) {
			t.Errorf("autonomous-system %s, want %d", got, bgpTunnels[0].BGP.LocalASN)
		}
		prefs := map[vpn.Role]int{}
		for _, tn := range bgpTunnels {
			groups := j.names([]string{"protocols", "bgp", "group"}, "neighbor", tn.BGP.RemoteIP.String())
			if len(groups) != 1 {
				t.Errorf("%s: BGP groups with neighbor %s: %q", tn.Label(), tn.BGP.RemoteIP, groups)
				continue
			}
			g := []string{"protocols", "bgp", "group", groups[0]}
			if got := j.one(append(g, "peer-as")...); got != fmt.Sprint(tn.BGP.RemoteASN) {
				t.Errorf("%s: peer-as %s, want %d", tn.Label(), got, tn.BGP.RemoteASN)
			}
			if got := j.one(append(g, "type")...); got != "external" {
				t.Errorf("%s: group type %s", tn.Label(), got)
			}
			prefs[tn.Role] = 100 // Junos default LOCAL_PREF
			for _, imp := range j.all(append(g, "import")...) {
				lp := j.all("policy-options", "policy-statement", imp[0], "then", "local-preference")
				if len(lp) == 1 {
					prefs[tn.Role], _ = strconv.Atoi(lp[0][0])
				}
			}
		}
		if len(bgpTunnels) == 2 && prefs[vpn.RoleMaster] <= prefs[vpn.RoleSlave] {
			t.Errorf("master local-preference %d is not above the slave's %d", prefs[vpn.RoleMaster], prefs[vpn.RoleSlave])
		}
		for _, u := range units {
			if !slices.ContainsFunc(j.all("security", "zones", "security-zone"), func(z []string) bool {
				return slices.Equal(z, []string{z[0], "interfaces", u, "host-inbound-traffic", "protocols", "bgp"})
			}) {
				t.Errorf("%s does not accept BGP (host-inbound-traffic protocols bgp)", u)
			}
		}
		return
	}
	if c.RouteBased() {
		if len(j.all("routing-options", "static")) != 0 {
			t.Error("route-based connection without --set vpc-cidr has static routes")
		}
		return
	}
	for _, p := range c.RemoteSubnets {
		r := []string{"routing-options", "static", "route", p.String()}
		for i, tn := range c.Tunnels {
			switch tn.Role {
			case vpn.RoleSlave:
				q := j.all(append(r, "qualified-next-hop", units[i], "preference")...)
				if len(q) != 1 {
					t.Errorf("route %s: no qualified-next-hop %s with a preference", p, units[i])
				} else if n, _ := strconv.Atoi(q[0][0]); n <= 5 {
					t.Errorf("route %s: slave preference %d does not lose against the static default 5", p, n)
				}
			default:
				if got := j.one(append(r, "next-hop")...); got != units[i] {
					t.Errorf("route %s: next-hop %s, want %s (%s)", p, got, units[i], tn.Label())
				}
			}
		}
	}
}

func sortedPrefixes(ps []netip.Prefix) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
