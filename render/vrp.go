package render

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// Helpers shared by the Huawei VRP and H3C Comware renderers (huawei.go,
// h3c.go). Both CLIs are trees of system-view commands entered one per
// line, take a key as one bare word, use '#' comment lines, dotted masks
// in routes and wildcard masks in advanced ACLs, and need the same
// routing decisions (static routes with the master preferred, or BGP with
// a deny-by-default export policy). The keywords and the pages they were
// checked against are in docs/vendors/huawei.md and docs/vendors/h3c.md.

// vrpKeyRule is how one CLI takes a key (PSK or BGP password) on a line.
type vrpKeyRule struct {
	platform string
	// quoteQuestion: the CLI documents that a '?' inside "..." is part of
	// the key (Huawei USG V600): such keys are written quoted.
	quoteQuestion bool
	// cipherPrefixes are the beginnings of the platform's encrypted-key
	// format; a plaintext key starting so could be read as cipher text.
	cipherPrefixes []string
}

// vrpMaxKey is the longest plaintext key both CLIs document (1–128).
const vrpMaxKey = 128

// write checks that key can be entered on the platform and returns it as
// it goes onto the line: bare, or "..." when it holds a '?' and the CLI
// documents quoting. The error names the tunnel, what the key is for and
// the offending position and character class, never the key.
func (r vrpKeyRule) write(t vpn.Tunnel, what, key string) (string, error) {
	fix := "change it on Alibaba (letters, digits and punctuation other than ? and \")"
	if r.quoteQuestion {
		fix = "change it on Alibaba (letters, digits and punctuation other than \")"
	}
	if key == "" {
		return "", fmt.Errorf("%s: the %s is empty; %s needs one", t.Label(), what, r.platform)
	}
	if len(key) > vrpMaxKey {
		return "", fmt.Errorf("%s: the %s has %d characters; %s takes at most %d", t.Label(), what, len(key), r.platform, vrpMaxKey)
	}
	question := false
	for i, c := range key {
		var why string
		switch {
		case c == '?' && r.quoteQuestion:
			question = true
			continue
		case c == '?':
			why = "'?', which opens the CLI help instead of being stored"
		case c == '"':
			why = "a double quote, which the CLI takes as quoting (what it stores is not documented)"
		case c == ' ':
			why = "a space, which ends the key"
		case c < 0x20 || c == 0x7f:
			why = "a control character, which would end the command line"
		case c > 0x7e:
			why = "a non-ASCII character"
		default:
			continue
		}
		return "", cannotExpress("%s: the %s cannot be entered on %s: character %d is %s; %s", t.Label(), what, r.platform, i+1, why, fix)
	}
	for _, p := range r.cipherPrefixes {
		if strings.HasPrefix(key, p) {
			return "", fmt.Errorf("%s: the %s starts with %q, the start of %s's encrypted-key format, and could be stored as cipher text; %s", t.Label(), what, p, r.platform, fix)
		}
	}
	if question {
		return `"` + key + `"`, nil
	}
	return key, nil
}

// vrpSecret is a key as it goes into the file: written by rule, or the
// placeholder under --redact (never quoted, so the redacted file does not
// tell whether the key holds a '?').
func vrpSecret(r vrpKeyRule, t vpn.Tunnel, kind vpn.SecretKind, what string, key vpn.Secret, o Options) (string, error) {
	w, err := r.write(t, what, key.Reveal())
	if err != nil {
		return "", err
	}
	if o.Redact {
		return vpn.Placeholder(kind, t.Index), nil
	}
	return w, nil
}

// vrpNet is "network wildcard" as advanced ACL rules write a prefix.
func vrpNet(p netip.Prefix) string {
	return p.Masked().Addr().String() + " " + dottedMask(p.Bits(), true)
}

// vrpSM refuses Alibaba's SM (国密) algorithms with the error issue 11
// asks for: what the connection is and which platforms could serve it.
func vrpSM(platform, servers string, t vpn.Tunnel) error {
	if t.IKE.Cipher != vpn.SM4 && t.IPsec.Cipher != vpn.SM4 && t.IKE.Integrity != vpn.SM3 && t.IPsec.Integrity != vpn.SM3 {
		return nil
	}
	return fmt.Errorf("%s: SM (国密) algorithms SM3/SM4: this is an Alibaba SM VPN gateway connection, which authenticates with SM2 certificates; %s, but vpnexport renders pre-shared-key connections only: configure the certificates and the SM proposals on %s by hand", t.Label(), servers, platform)
}

// vrpWeak lists the tunnel's algorithms that modern releases refuse or
// only accept with an extra package, for a warning.
func vrpWeak(t vpn.Tunnel) []string {
	var out []string
	add := func(weak bool, what string, v fmt.Stringer) {
		if weak {
			out = append(out, what+" "+v.String())
		}
	}
	add(t.IKE.Cipher.Weak(), "IKE encryption", t.IKE.Cipher)
	add(t.IKE.Integrity.Weak() || t.IKE.Integrity == vpn.SHA1, "IKE integrity", t.IKE.Integrity)
	add(t.IKE.DHGroup.Weak(), "IKE DH", t.IKE.DHGroup)
	add(t.IPsec.Cipher.Weak(), "IPsec encryption", t.IPsec.Cipher)
	add(t.IPsec.Integrity.Weak() || t.IPsec.Integrity == vpn.SHA1, "IPsec integrity", t.IPsec.Integrity)
	add(t.IPsec.PFS.Weak(), "PFS", t.IPsec.PFS)
	return out
}

// vrpParamPrefixes reads a parameter holding IPv4 prefixes separated by
// commas (onprem-prefixes); empty gives none.
func vrpParamPrefixes(p params, key string) ([]netip.Prefix, error) {
	s := p.String(key)
	if s == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(f))
		if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() == 0 {
			return nil, &ParamError{Vendor: p.vendor, Key: key, Reason: fmt.Sprintf("value %q: want IPv4 networks in CIDR form, other than 0.0.0.0/0, separated by commas, e.g. 10.20.0.0/16", s)}
		}
		out = append(out, pfx)
	}
	return out, nil
}

// vrpLocalAS reads --set local-as: the AS this device's BGP process
// already runs. It must equal the AS Alibaba expects from this device:
// neither platform can run a second BGP process, and a different AS would
// make the session fail.
func vrpLocalAS(p params, platform string, asn uint32) error {
	s := p.String("local-as")
	if s == "" || asn == 0 {
		return nil
	}
	n, err := p.Int("local-as", 1, 4294967295)
	if err != nil {
		return err
	}
	if uint32(n) != asn {
		return fmt.Errorf("this device's BGP AS is %d (--set local-as) but Alibaba expects AS %d from it; %s runs one BGP process: change the customer gateway's ASN on Alibaba to %d", n, asn, platform, n)
	}
	return nil
}

// vrpRouting is what both platforms route, decided once: static routes
// with the master preferred, or BGP with per-tunnel policies.
type vrpRouting struct {
	// Static routes: every prefix into every tunnel; Placeholder when the
	// VPC prefix is unknown (route-based without vpc-cidr).
	Static      []vrpStatic
	Placeholder bool

	// BGP, when a tunnel runs it.
	ASN    uint32
	Peers  []vrpPeer
	OnPrem []netip.Prefix // advertised; none: nothing is advertised
}

type vrpStatic struct {
	Prefix netip.Prefix // invalid for a placeholder
	Tunnel int          // index into the connection's tunnels
	Pref   int
}

type vrpPeer struct {
	T         vpn.Tunnel
	LocalPref int  // set on routes learned from this peer; 0: none
	Prepend   bool // prepend the local AS twice on routes advertised to it
}

// Route preferences: the master's routes win; with ActiveActive both are
// equal (ECMP), as Alibaba sends over both.
const (
	vrpPrefMaster = 10
	vrpPrefSlave  = 20
	vrpLocalPref  = 200
)

// vrpPlanRouting decides the routes of a connection whose tunnels are
// reached through one interface each (route-based, or policy-based with a
// tunnel interface per tunnel). vpc is --set vpc-cidr.
func vrpPlanRouting(n *fileNotes, c vpn.Connection, vpc netip.Prefix, onprem []netip.Prefix, statement string) vrpRouting {
	var r vrpRouting
	if anyBGP(c) {
		asn, ts := bgpTunnels(n, c, statement)
		r.ASN, r.OnPrem = asn, onprem
		for _, t := range ts {
			peer := vrpPeer{T: t}
			if c.Dual() && !c.ActiveActive {
				switch t.Role {
				case vpn.RoleMaster:
					peer.LocalPref = vrpLocalPref
				case vpn.RoleSlave:
					peer.Prepend = true
				}
			}
			r.Peers = append(r.Peers, peer)
		}
		return r
	}
	if c.Dual() && !c.ActiveActive {
		n.warnConn("static routes fail over to the slave only when the master's tunnel interface goes down; if it stays up while its IPsec SA is down (not documented for this platform), track a VPC address with NQA on the master's route, or use BGP on Alibaba")
	}
	prefixes := staticPrefixes(c, vpc)
	if len(prefixes) == 0 {
		r.Placeholder = true
		prefixes = []netip.Prefix{{}}
		n.warnNoVPCPrefix()
	}
	for _, pfx := range prefixes {
		for i, t := range c.Tunnels {
			pref := vrpPrefMaster
			if t.Role == vpn.RoleSlave && !c.ActiveActive {
				pref = vrpPrefSlave
			}
			r.Static = append(r.Static, vrpStatic{Prefix: pfx, Tunnel: i, Pref: pref})
		}
	}
	return r
}

// vrpHealthCheck adds to n what Alibaba's health check needs from this
// device and returns the selector pair (this side, Alibaba side) to add
// when the connection's subnets do not cover the probes; ok is false when
// they do (or there is no health check).
func vrpHealthCheck(n *fileNotes, c vpn.Connection) (local, remote netip.Prefix, ok bool) {
	hc := c.HealthCheck
	if hc == nil || !hc.Source.IsValid() || !hc.Destination.IsValid() {
		return netip.Prefix{}, netip.Prefix{}, false
	}
	what := "Alibaba's health check probes " + hc.Destination.String() + " from " + hc.Source.String() + " through the tunnel"
	if hc.RevokeRoute {
		what += " and withdraws the connection's routes while the probes fail"
	}
	n.check("%s: %s must answer ICMP echo (the rules below let the probes in).", what, hc.Destination)
	local = netip.PrefixFrom(hc.Destination, 32)
	remote = netip.PrefixFrom(hc.Source, 32)
	if c.RouteBased() {
		return local, remote, true
	}
	covered := slices.ContainsFunc(c.LocalSubnets, func(p netip.Prefix) bool { return p.Contains(hc.Destination) }) &&
		slices.ContainsFunc(c.RemoteSubnets, func(p netip.Prefix) bool { return p.Contains(hc.Source) })
	return local, remote, !covered
}

// vrpRollback removes objs in reverse order of creation. place says in
// which view (or "" for system view) and with which line an object is
// removed; consecutive removals in the same view share one visit.
func vrpRollback(objs []object, place func(object) (view, line string)) []string {
	var out []string
	cur := ""
	for i := len(objs) - 1; i >= 0; i-- {
		view, line := place(objs[i])
		if view != cur {
			if cur != "" {
				out = append(out, " quit")
			}
			if view != "" {
				out = append(out, view)
			}
			cur = view
		}
		out = append(out, line)
	}
	if cur != "" {
		out = append(out, " quit")
	}
	return out
}

// vrpBGPSyntax is how one CLI writes prefix lists, route policies and
// the BGP password; the BGP structure is the same on both.
type vrpBGPSyntax struct {
	prefixList  string // "ip ip-prefix" | "ip prefix-list"
	match       string // route-policy match on a prefix list, with a trailing blank
	prepend     string // AS-path prepend, formatted with the AS twice
	password    string // peer password keyword with a trailing blank
	process     string // what the platform calls its BGP process, for the check
	unconfirmed []string
}

// vrpBGP lays out the BGP peers of r with per-peer import and export
// policies: export permits only the on-prem prefixes (nothing without
// --set onprem-prefixes), import refuses a default route and prefers the
// master by local preference; the slave's export prepends the AS twice.
// It records the objects in the order the file creates them.
func vrpBGP(n *fileNotes, c vpn.Connection, r vrpRouting, base string, syn vrpBGPSyntax, u *vrpUnconfirmed, key vrpKeyRule, o Options) ([]string, []vrpRoutePolicy, *hwBGP, error) {
	u.add(syn.unconfirmed[0])
	var prefixes []string
	var policies []vrpRoutePolicy
	onprem, deflt := base+"-onprem", base+"-default"
	if len(r.OnPrem) > 0 {
		for i, pfx := range r.OnPrem {
			prefixes = append(prefixes, fmt.Sprintf("%s %s index %d permit %s %d", syn.prefixList, onprem, 10*(i+1), pfx.Addr(), pfx.Bits()))
		}
		n.created(syn.prefixList, onprem)
	} else {
		n.warnConn("no on-prem prefixes given: the export policies advertise nothing to Alibaba until you render with --set onprem-prefixes=<prefix>[,<prefix>...]")
	}
	prefixes = append(prefixes, fmt.Sprintf("%s %s index 10 permit 0.0.0.0 0", syn.prefixList, deflt))
	n.created(syn.prefixList, deflt)
	bgp := &hwBGP{ASN: r.ASN}
	for _, peer := range r.Peers {
		t := peer.T
		sfx := tunnelSuffixDash(c, t)
		in, out := base+"-in"+sfx, base+"-out"+sfx
		policies = append(policies, vrpRoutePolicy{Name: in, Action: "deny", Node: 10, Lines: []string{syn.match + deflt}})
		permit := vrpRoutePolicy{Name: in, Action: "permit", Node: 20}
		if peer.LocalPref > 0 {
			permit.Lines = append(permit.Lines, fmt.Sprintf("apply local-preference %d", peer.LocalPref))
		}
		policies = append(policies, permit)
		exp := vrpRoutePolicy{Name: out, Action: "deny", Node: 10}
		if len(r.OnPrem) > 0 {
			exp = vrpRoutePolicy{Name: out, Action: "permit", Node: 10, Lines: []string{syn.match + onprem}}
			if peer.Prepend {
				exp.Lines = append(exp.Lines, fmt.Sprintf(syn.prepend, r.ASN, r.ASN))
				u.add(syn.unconfirmed[1])
			}
		}
		policies = append(policies, exp)
		bp := hwBGPPeer{IP: t.BGP.RemoteIP.String(), RemoteASN: t.BGP.RemoteASN, Description: "Alibaba " + roleText(t), Import: in, Export: out}
		if !t.BGP.AuthKey.Empty() {
			pw, err := vrpSecret(key, t, vpn.KindBGPKey, "BGP password", t.BGP.AuthKey, o)
			if err != nil {
				return nil, nil, nil, err
			}
			bp.Password = syn.password + pw
			u.add(syn.unconfirmed[2])
		}
		bgp.Peers = append(bgp.Peers, bp)
	}
	for i, rp := range policies {
		if i == 0 || policies[i-1].Name != rp.Name {
			n.created("route-policy", rp.Name)
		}
	}
	for _, bp := range bgp.Peers {
		n.created("bgp peer", bp.IP)
	}
	n.check("BGP: 'bgp %d' opens this device's BGP %s; if it already runs BGP, its AS must be %d (a device runs one; assert it with --set local-as). Only the peers, prefix lists and route policies below are added.", r.ASN, syn.process, r.ASN)
	return prefixes, policies, bgp, nil
}

// vrpBGPNotes are the routing comments of a BGP connection.
func vrpBGPNotes(c vpn.Connection) []string {
	notes := []string{"BGP learns the VPC prefixes; the import policies refuse a default route from Alibaba and the export policies advertise only the on-prem prefixes."}
	if c.Dual() && !c.ActiveActive {
		notes = append(notes, fmt.Sprintf("The master is preferred: local preference %d on what it learns, and the slave advertises with the AS path prepended twice.", vrpLocalPref))
	}
	return notes
}

// vrpNATDeny is the NAT exemption both routers' files write as comments:
// deny rules for the interface's 'nat outbound <ACL>', whose number is the
// device's own.
func vrpNATDeny(c vpn.Connection, outside string, onprem []netip.Prefix, vpc netip.Prefix) (note, deny []string) {
	local, remote := c.LocalSubnets, c.RemoteSubnets
	if c.RouteBased() {
		local, remote = onprem, nil
		if vpc.IsValid() {
			remote = []netip.Prefix{vpc}
		}
	}
	note = []string{"If " + outside + " does NAT ('nat outbound <ACL>'), exempt the VPN traffic: in that ACL, add these rules with numbers below its permit rules:"}
	if len(local) == 0 || len(remote) == 0 {
		return note, []string{"rule 1 deny ip source <ON-PREM-NETWORK> <WILDCARD> destination <VPC-NETWORK> <WILDCARD>"}
	}
	n := 1
	for _, l := range local {
		for _, r := range remote {
			deny = append(deny, fmt.Sprintf("rule %d deny ip source %s destination %s", n, vrpNet(l), vrpNet(r)))
			n++
		}
	}
	return note, deny
}

// vrpStaticRoutes writes r's static routes ("ip route-static <dest>
// <tunnel interface> preference <n>", the same on both CLIs) and, when
// hc is valid, a host route for the health check's replies into every
// tunnel; dest formats a destination (an invalid prefix is the
// placeholder). It records the routes it creates and returns the lines
// and the routing notes.
func vrpStaticRoutes(n *fileNotes, c vpn.Connection, r vrpRouting, ifs []string, dest func(netip.Prefix) string, hc netip.Prefix, u *vrpUnconfirmed) ([]vrpLine, []string) {
	var lines []vrpLine
	var notes []string
	add := func(p netip.Prefix, tunnel, pref int, commented bool) {
		lines = append(lines, vrpLine{Line: fmt.Sprintf("ip route-static %s %s preference %d", dest(p), ifs[tunnel], pref), Commented: commented})
		if !commented {
			n.created("ip route-static", dest(p)+" "+ifs[tunnel])
		}
	}
	for _, s := range r.Static {
		add(s.Prefix, s.Tunnel, s.Pref, r.Placeholder)
	}
	if len(r.Static) > 0 {
		u.add("ip route-static ... preference")
		if r.Placeholder {
			notes = append(notes, "Replace the <VPC-...> placeholders by each VPC prefix and remove the '#' (or render with --set vpc-cidr=<prefix>).")
		}
		if c.Dual() && !c.ActiveActive {
			notes = append(notes, fmt.Sprintf("The master tunnel's routes have preference %d, the slave's %d: the slave carries traffic only while the master is down.", vrpPrefMaster, vrpPrefSlave))
		}
	}
	if hc.IsValid() {
		for i := range c.Tunnels {
			add(hc, i, r.prefFor(c, i), false)
		}
		notes = append(notes, "The health check's replies to "+hc.Addr().String()+" are routed into the tunnel.")
	}
	if c.Dual() && c.ActiveActive {
		n.warnConn("both tunnels are active (ECMP, the connection is attached to a transit router): return traffic may come back over the other tunnel; a stateful firewall drops it unless both tunnel interfaces share a zone and asymmetric sessions are allowed")
	}
	return lines, notes
}

// vrpCommonChecks are the checks both files carry whatever the routing.
func vrpCommonChecks(n *fileNotes, c vpn.Connection) {
	if !c.NATTraversal {
		n.check("NAT traversal is off on Alibaba: this device must reach Alibaba without NAT in between.")
	}
	if c.PrivateNetwork {
		n.check("Private network: Alibaba's gateway is reached over a leased line or Express Connect at a private address; no NAT traversal, no Internet path.")
	}
	n.check("Names this file creates (see the list above) must not exist yet: display current-configuration | include <name>.")
	n.check("Re-pasting this file (for a new pre-shared key) updates the same objects; after a change of subnets or tunnels, paste the rollback file first, or stale ACL rules and routes stay.")
}
