package render

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// Helpers shared by the Cisco IOS-XE and ASA renderers (ciscoios.go,
// ciscoasa.go): both CLIs take pre-shared keys as a bare word, both use
// dotted masks and "!" comments.
//
// Where the Cisco mappings were checked (besides docs/vendors/cisco-ios.md and cisco-asa.md):
//   - Field Notice FN72510 (IOS-XE 17.11.1+ weak-algorithm table: isakmp
//     des/3des/md5/group 1/2/5, IKEv2 proposal also group 24, transform
//     sets esp-des/esp-3des/esp-md5-hmac, set pfs; compliance shield).
//   - Cisco IOS Security Command Reference, "crypto isakmp aggressive-mode
//     disable" through "crypto map" (isakmp profile, keyring, nat keepalive).
//   - IOS-XE "crypto ikev2 proposal" encryption help (aes-cbc-128/192/256,
//     des, 3des) and the IOS-XE provider's IKEv2 proposal model (group 24).
//   - Cisco FMC/FTD data models for IKEv1/IKEv2 policies and IPsec
//     proposals (netascode.cisco.com, developer.cisco.com FDM API): IKEv1
//     hash SHA or MD5 only, IKEv1 DH 1-14, IKEv1 IPsec hash SHA, MD5 or
//     none, IKEv2 integrity/PRF up to SHA-512, lifetimes 120-2147483647 s.
//   - ASA VPN configuration guides 9.7, 9.12, 9.15, "Virtual Tunnel
//     Interface" (9.7: IKEv1 only; tunnel-group name = peer identity; SAs
//     rekeyed regardless of traffic) and ASDM "IKE" (NAT-T on by default).
//
// Unconfirmed on a device: IOS "initiate mode aggressive", ASA "set
// phase1-mode aggressive", group 24 per ASA release, the IKEv2 profile
// lifetime range, '?' opening help inside a pasted comment.

// ciscoMaxName is the length both Cisco renderers keep object names
// (ACLs, keyrings, profiles, route maps, transform sets) within.
const ciscoMaxName = 48

// Administrative distances of the floating static routes both Cisco
// renderers write route-based without BGP: the slave's route is higher,
// so it takes over only while the master's VTI is down.
const (
	ciscoMasterDistance = 1
	ciscoSlaveDistance  = 10
)

// ciscoBuilder decides what the IOS and ASA renderers decide the same way:
// per-tunnel checks, names and lifetimes, the crypto map entry both
// tunnels share (policy-based), BGP with the master preferred and
// floating static routes (route-based), and the checks and verification
// commands worded for the device. Each renderer fills one per rendering
// from its own parameters and keeps its keyword tables and layout.
type ciscoBuilder struct {
	platform string // "Cisco IOS-XE", for errors
	device   string // "router" or "ASA", in checks: "this router"
	aDevice  string // "a router" or "an ASA", in errors
	c        vpn.Connection
	o        Options
	notes    *fileNotes
	base     string       // object name stem, from the connection's name
	outside  string       // the outside-interface parameter
	tunnelNo int          // route-based: interface Tunnel number of tunnel 1
	vpc      netip.Prefix // the vpc-cidr parameter; invalid when not given
	outside2 string       // the outside-interface-2 parameter: tunnel 2's source when its on-prem address differs
	bs       bgpSafety    // --set local-as / onprem-prefixes

	bgp *ciscoBGP // route-based with BGP: built by addBGPNeighbor
}

// ciscoTunnel is what a Cisco renderer decides for one tunnel before it
// lays out the structures that depend on the routing mode.
type ciscoTunnel struct {
	t       vpn.Tunnel
	name    string // per-tunnel object name: transform set, profiles, proposals
	ikeLife int
	espLife int
	pfs     string // PFS group keyword; "" = PFS disabled
}

// lifeRange is a platform's accepted lifetime in seconds.
type lifeRange struct{ min, max int }

// tunnel runs the checks every Cisco tunnel needs (one IKE version per
// file, a key the CLI can take) and decides its name and lifetimes. The
// PFS keyword is left to the caller, which looks it up after its own
// proposals so errors keep their order.
func (b *ciscoBuilder) tunnel(t vpn.Tunnel, ike, esp lifeRange) (ciscoTunnel, error) {
	if v := b.c.Tunnels[0].IKE.Version; t.IKE.Version != v {
		return ciscoTunnel{}, cannotExpress("%s: %s while tunnel 1 uses %s; one %s configuration cannot mix IKE versions for one connection", t.Label(), t.IKE.Version, v, b.platform)
	}
	if err := checkCiscoPSK(b.platform, t); err != nil {
		return ciscoTunnel{}, err
	}
	ct := ciscoTunnel{t: t, name: b.objName(tunnelSuffix(b.c, t, ""))}
	var err error
	if ct.ikeLife, err = seconds(b.platform, "IKE lifetime", t, t.IKE.Lifetime, ike.min, ike.max); err != nil {
		return ct, err
	}
	if ct.espLife, err = seconds(b.platform, "IPsec lifetime", t, t.IPsec.Lifetime, esp.min, esp.max); err != nil {
		return ct, err
	}
	return ct, nil
}

// objName is base plus suffix within ciscoMaxName.
func (b *ciscoBuilder) objName(suffix string) string {
	return ciscoObjName(b.base, ciscoMaxName, suffix)
}

// checkPriorities says that the numbered IKE policies overwrite any with
// the same priority: command is "crypto isakmp policy", key the --set key.
func (b *ciscoBuilder) checkPriorities(command, key string, first int) {
	b.notes.check("%s %s: priorities already used on this %s would be overwritten; pick free ones with --set %s=<n>.", command, numberRange(first, len(b.c.Tunnels)), b.device, key)
}

// checkNATT asks for a NAT-free path when Alibaba has NAT traversal off.
func (b *ciscoBuilder) checkNATT() {
	switch {
	case b.c.PrivateNetwork:
		b.notes.check("Private network: Alibaba's gateway is reached over the leased line / Express Connect, not the Internet: %s must be the interface towards it, and nothing NATs the path.", b.outside)
	case !b.c.NATTraversal:
		b.notes.check("NAT traversal is off on Alibaba: this %s must reach Alibaba without NAT in between.", b.device)
	}
}

// checkBGPKey refuses a BGP password the Cisco CLI cannot take as it is
// and warns where releases differ (docs/vendors/cisco-ios.md, "BGP
// password"). Alibaba allows printable ASCII without spaces and '?'.
func (b *ciscoBuilder) checkBGPKey(t vpn.Tunnel) error {
	key := t.BGP.AuthKey.Reveal()
	for i, r := range key {
		if r == '"' || r < 0x21 || r > 0x7e || r == '?' {
			return cannotExpress("%s: the BGP password cannot be entered on %s: character %d is a double quote, a blank, '?' or not printable ASCII, which the CLI keeps, strips or reads differently per release; change the customer gateway's authentication key on Alibaba", t.Label(), b.platform, i+1)
		}
	}
	if key[0] >= '0' && key[0] <= '9' {
		b.notes.warn(t, fmt.Sprintf("the BGP password starts with a digit; Cisco documents that the first character of a neighbor password cannot be a number (it can be read as the encryption type): if %s rejects or mangles the neighbor password line, change the customer gateway's authentication key", b.platform))
	}
	if len(key) > 25 {
		b.notes.warn(t, fmt.Sprintf("the BGP password has %d characters; Cisco documents neighbor passwords of up to 25 characters on current releases (80 on older IOS): if the line is rejected, shorten the customer gateway's authentication key on Alibaba", len(key)))
	}
	return nil
}

// ecmpNotes adds what a Cisco device needs when Alibaba runs both tunnels
// active (a transit router): equal routes, and stateful checks that see
// a flow's two directions on different tunnel interfaces.
//
// With BGP, both paths are only used when BGP multipath is on, which
// applies to every eBGP route of the device: multipath says how, and is
// left to the engineer.
func (b *ciscoBuilder) ecmpNotes(stateful, multipath string) {
	if !b.c.ActiveActive || !b.c.Dual() {
		return
	}
	msg := "both tunnels active (transit router, ECMP): neither tunnel is preferred here (equal route distances, no BGP local-preference or prepend), and Alibaba may return a flow over the other tunnel. " + stateful
	if anyBGP(b.c) {
		msg += " " + multipath
	}
	b.notes.warnConn(msg)
}

// multiSubnetIKEv2 warns that a crypto map negotiates one IPsec SA per
// access-list entry, while Alibaba expects, under IKEv2, one SA carrying
// all selectors (docs/alibaba-api.md "IKEv2 with several subnets").
func (b *ciscoBuilder) multiSubnetIKEv2() {
	c := b.c
	if c.RouteBased() || c.Tunnels[0].IKE.Version != vpn.IKEv2 || len(c.SubnetPairs()) < 2 {
		return
	}
	probe := ""
	if c.Probe != nil {
		probe = " (the last one for the health check's probes)"
	}
	b.notes.warnConn(fmt.Sprintf("IKEv2 with %d subnet pairs%s: a %s crypto map negotiates one IPsec SA per access-list entry, while Alibaba's gateway negotiates one SA carrying all its subnets; only some pairs may pass. Alibaba recommends destination routing (0.0.0.0/0 on both sides, a VTI here) or one aggregated subnet per side", len(c.SubnetPairs()), probe, b.platform))
}

// cryptoMapEntry decides the values the one crypto map entry of a
// policy-based connection holds for both peers. Both tunnels share it,
// the master's peer first: the device tries "set peer" entries in order
// and moves on when DPD declares the current one dead, whereas two
// entries with the same ACL would never fail over (the first always
// matches). So the PFS group must agree, and the entry takes the shorter
// IPsec lifetime.
func (b *ciscoBuilder) cryptoMapEntry(tunnels []ciscoTunnel) (pfs string, life int, err error) {
	first := tunnels[0]
	life = first.espLife
	for _, ct := range tunnels {
		if ct.pfs != first.pfs {
			return "", 0, fmt.Errorf("%s: IPsec PFS %s differs from tunnel 1's %s; a %s crypto map entry carries one PFS group for both peers: make the tunnels' PFS groups equal on Alibaba", ct.t.Label(), ct.t.IPsec.PFS, first.t.IPsec.PFS, b.platform)
		}
		life = min(life, ct.espLife)
	}
	if b.c.Dual() && tunnels[0].espLife != tunnels[1].espLife {
		b.notes.warn(tunnels[1].t, fmt.Sprintf("IPsec lifetimes differ (%ds and %ds); the shared crypto map entry uses the shorter, %ds", tunnels[0].espLife, tunnels[1].espLife, life))
	}
	return first.pfs, life, nil
}

// checkOneCryptoMap says how to add the entry to an interface that
// already holds a crypto map: an interface takes only one.
func (b *ciscoBuilder) checkOneCryptoMap() {
	b.notes.check("%s holds one crypto map: if it already has one, set crypto-map=<that name> and a free crypto-map-seq instead of replacing it.", b.outside)
}

// vtiDescription is a tunnel interface's description line.
func (b *ciscoBuilder) vtiDescription(t vpn.Tunnel) string {
	d := fmt.Sprintf("Alibaba %s %s", b.base, roleText(t))
	if t.ID != "" {
		d += " " + t.ID
	}
	return d
}

// addBGPNeighbor adds tunnel t's BGP session, creating the BGP process
// with the first tunnel's AS. The master is preferred both ways: a higher
// local preference for what Alibaba advertises over it, and a longer AS
// path for what this device advertises over the slave.
func (b *ciscoBuilder) addBGPNeighbor(t vpn.Tunnel) error {
	if b.bgp == nil {
		b.bgp = b.newBGP(t.BGP.LocalASN)
	} else if b.bgp.TunnelASN != t.BGP.LocalASN {
		return fmt.Errorf("%s: BGP ASN %d differs from tunnel 1's %d; %s runs one BGP process", t.Label(), t.BGP.LocalASN, b.bgp.TunnelASN, b.aDevice)
	}
	n := ciscoBGPNeighbor{IP: t.BGP.RemoteIP.String(), RemoteASN: t.BGP.RemoteASN, Description: "Alibaba " + roleText(t),
		RouteMapIn: b.bgp.in, RouteMapOut: b.bgp.out}
	if b.bgp.ASN != b.bgp.TunnelASN {
		n.LocalAS = b.bgp.TunnelASN
	}
	if t.BGP.AuthKey.Reveal() != "" {
		if err := b.checkBGPKey(t); err != nil {
			return err
		}
		n.Password = bgpKeyText(t, b.o)
	}
	if !b.c.ActiveActive {
		switch t.Role {
		case vpn.RoleMaster:
			n.RouteMapIn = b.objName("in-master")
			b.bgp.RouteMaps = append(b.bgp.RouteMaps, ciscoRouteMap{Name: n.RouteMapIn, Action: "permit", Match: b.bgp.inList, NoExport: true, LocalPreference: 200})
		case vpn.RoleSlave:
			if b.bgp.outList != "" {
				n.RouteMapOut = b.objName("out-slave")
				b.bgp.RouteMaps = append(b.bgp.RouteMaps, ciscoRouteMap{Name: n.RouteMapOut, Action: "permit", Match: b.bgp.outList, Prepend: []uint32{t.BGP.LocalASN, t.BGP.LocalASN}})
			}
		}
	}
	b.bgp.Neighbors = append(b.bgp.Neighbors, n)
	return nil
}

// newBGP starts the BGP process with deny-by-default route-maps: in,
// everything but a default route, tagged no-export so that no eBGP
// session of this device re-advertises the VPC routes; out, only the
// on-prem prefixes (--set onprem-prefixes), or nothing.
func (b *ciscoBuilder) newBGP(tunnelASN uint32) *ciscoBGP {
	g := &ciscoBGP{ASN: tunnelASN, TunnelASN: tunnelASN, in: b.objName("in"), out: b.objName("out"), inList: b.objName("in")}
	if b.bs.LocalAS != 0 {
		g.ASN = b.bs.LocalAS
	}
	g.PrefixLists = append(g.PrefixLists, ciscoPrefixList{Name: g.inList, Entries: []ciscoPrefixEntry{
		{Seq: 5, Action: "deny", Prefix: "0.0.0.0/0"},
		{Seq: 10, Action: "permit", Prefix: "0.0.0.0/0", Le: 32},
	}})
	g.RouteMaps = append(g.RouteMaps, ciscoRouteMap{Name: g.in, Action: "permit", Match: g.inList, NoExport: true})
	if len(b.bs.OnPrem) > 0 {
		g.outList = b.objName("onprem")
		pl := ciscoPrefixList{Name: g.outList}
		for i, p := range b.bs.OnPrem {
			pl.Entries = append(pl.Entries, ciscoPrefixEntry{Seq: 5 * (i + 1), Action: "permit", Prefix: p.String()})
		}
		g.PrefixLists = append(g.PrefixLists, pl)
		g.RouteMaps = append(g.RouteMaps, ciscoRouteMap{Name: g.out, Action: "permit", Match: g.outList})
	} else {
		g.RouteMaps = append(g.RouteMaps, ciscoRouteMap{Name: g.out, Action: "deny"})
	}
	b.notes.checkBGPSafety(b.bs, tunnelASN, b.device, fmt.Sprintf("router bgp %d", tunnelASN))
	return g
}

// checkSources refuses what a Cisco file cannot source correctly: BGP
// over a crypto map (its packets match no selector, so it never comes up)
// and a second tunnel from another on-prem address without the interface
// that holds it (tunnel 2 sourced from tunnel 1's interface never comes
// up, silently).
func (b *ciscoBuilder) checkSources() error {
	if !b.c.RouteBased() && anyBGP(b.c) {
		return fmt.Errorf("BGP with specific subnets (%s <-> %s): BGP runs over a tunnel interface, which a %s crypto map does not have, so it would never establish; on Alibaba, use destination routing (0.0.0.0/0 on both sides) for a BGP connection, or turn BGP off", prefixList(b.c.LocalSubnets), prefixList(b.c.RemoteSubnets), b.platform)
	}
	if !b.c.Dual() {
		return nil
	}
	a1, a2 := b.c.Tunnels[0].LocalAddr, b.c.Tunnels[1].LocalAddr
	if !a1.IsValid() || !a2.IsValid() || a1 == a2 {
		return nil
	}
	if !b.c.RouteBased() {
		return fmt.Errorf("tunnel 2 leaves from on-prem address %s, tunnel 1 from %s: one %s crypto map entry cannot use two source interfaces; on Alibaba, give both tunnels the same customer gateway address, or use destination routing (0.0.0.0/0) and render with --set outside-interface-2=<interface holding %s>", a2, a1, b.platform, a2)
	}
	if b.outside2 == "" {
		return fmt.Errorf("tunnel 2 leaves from on-prem address %s, tunnel 1 from %s (%s): render with --set outside-interface-2=<interface holding %s>, or tunnel 2 would be sourced from %s and never come up", a2, a1, b.outside, a2, b.outside)
	}
	return nil
}

// source is the interface tunnel t leaves from.
func (b *ciscoBuilder) source(t vpn.Tunnel) string {
	if t.Index == 2 && b.outside2 != "" {
		return b.outside2
	}
	return b.outside
}

// staticDest is the VPC network and mask of a static route, or
// placeholders to replace when vpc-cidr is not given (route-based
// connections carry 0.0.0.0/0, so the download does not name it).
func (b *ciscoBuilder) staticDest() (network, mask string) {
	if b.vpc.IsValid() {
		return b.vpc.Masked().Addr().String(), dottedMask(b.vpc.Bits(), false)
	}
	return "<VPC-NETWORK>", "<VPC-MASK>"
}

// staticDistance is a floating static route's administrative distance;
// 0 for a single tunnel, which needs none, and the master's for both
// tunnels when Alibaba runs them both active (equal-cost routes).
func staticDistance(c vpn.Connection, t vpn.Tunnel) int {
	if c.ActiveActive {
		return ciscoMasterDistance
	}
	switch t.Role {
	case vpn.RoleMaster:
		return ciscoMasterDistance
	case vpn.RoleSlave:
		return ciscoSlaveDistance
	}
	return 0
}

// routingNotes finishes section 4 of a route-based file: with BGP, where
// the on-prem networks are advertised (af: the address-family line) and
// which AS the device must already run (bgpCheckFormat, given the AS
// number); without a VPC prefix, how to finish the commented placeholder
// routes (commented is then true).
func (b *ciscoBuilder) routingNotes(af, bgpCheckFormat string) (note []string, commented bool) {
	// A placeholder route (no vpc-cidr) stays commented, also for a
	// tunnel without BGP beside a BGP tunnel.
	commented = !b.vpc.IsValid()
	switch {
	case b.bgp != nil:
		note = append(note, "BGP learns the VPC prefixes. The route-maps decide what crosses the tunnel; originate the on-prem prefixes with 'network <ON-PREM-NETWORK> mask <MASK>' under "+af+" if no other protocol puts them into BGP.")
	case commented:
		note = append(note, "Replace <VPC-NETWORK> <VPC-MASK> by each VPC prefix and remove the '!' (or render with --set vpc-cidr=<prefix>).")
		b.notes.check("Section 4: the static routes are commented placeholders until you give the VPC prefix.")
	}
	return note, commented
}

// verifyPeers lists the per-peer IPsec SA command for each tunnel.
func (b *ciscoBuilder) verifyPeers() []string {
	var out []string
	for _, t := range b.c.Tunnels {
		out = append(out, "show crypto ipsec sa peer "+t.RemoteAddr.String())
	}
	return out
}

// checkVTIs names the tunnel interface numbers that must be free: pasting
// onto an existing TunnelN would rewrite another tunnel.
func (b *ciscoBuilder) checkVTIs() {
	b.notes.check("interface Tunnel%s must not exist yet (show interface Tunnel%d); pick free numbers with --set tunnel-number=<n>.", numberRange(b.tunnelNo, len(b.c.Tunnels)), b.tunnelNo)
}

// verifyVTIs lists "show interface TunnelN" for each tunnel interface.
func (b *ciscoBuilder) verifyVTIs() []string {
	var out []string
	for i := range b.c.Tunnels {
		out = append(out, fmt.Sprintf("show interface Tunnel%d", b.tunnelNo+i))
	}
	return out
}

// finish makes every comment line of the file safe (ciscoComments): the
// file notes and the renderer's own comment sections.
func (b *ciscoBuilder) finish(sections ...*[]string) {
	for _, s := range append([]*[]string{&b.notes.Header, &b.notes.Checks, &b.notes.Warnings, &b.notes.Verify}, sections...) {
		*s = ciscoComments(*s)
	}
}

// ciscoBGP is the BGP process of a route-based Cisco file.
type ciscoBGP struct {
	ASN         uint32 // router bgp: the device's AS (--set local-as, else the tunnels')
	TunnelASN   uint32 // the AS Alibaba expects
	Neighbors   []ciscoBGPNeighbor
	PrefixLists []ciscoPrefixList
	RouteMaps   []ciscoRouteMap

	in, out, inList, outList string // default route-map and prefix-list names
}

type ciscoBGPNeighbor struct {
	IP          string
	RemoteASN   uint32
	LocalAS     uint32 // local-as … no-prepend replace-as; 0 = none
	Description string
	Password    string // the TCP MD5 password (or its placeholder); "" = none
	RouteMapIn  string
	RouteMapOut string
}

type ciscoPrefixList struct {
	Name    string
	Entries []ciscoPrefixEntry
}

type ciscoPrefixEntry struct {
	Seq    int
	Action string // permit / deny
	Prefix string // CIDR
	Le     int    // 0 = no le
}

// ciscoRouteMap is a one-entry route map ("<Action> 10"): a permit entry
// matches a prefix list and sets no-export (inbound), LocalPreference
// (inbound over the master) or Prepend (outbound over the slave); a deny
// entry alone advertises nothing.
type ciscoRouteMap struct {
	Name            string
	Action          string
	Match           string   // prefix-list name; "" = none
	NoExport        bool     // set community no-export additive
	LocalPreference int      // 0 = no set local-preference
	Prepend         []uint32 // empty = no set as-path prepend
}

// ciscoACE is one access-list entry of a subnet pair: "permit ip <Local>
// <Remote>". Local and Remote are "network wildcard" on IOS ACLs and
// "network mask" on ASA access-lists.
type ciscoACE struct {
	Seq           int    // sequence number; 0 = not written
	Action        string // "permit" or "deny"
	Local, Remote string
}

// checkCiscoPSK refuses a pre-shared key the Cisco CLI cannot take as a
// bare word. Neither IOS nor ASA has a quoting or escaping syntax for keys:
//   - '?' opens the context help as soon as it is typed or pasted, so the
//     rest of the key is lost;
//   - a space ends the word (IOS would store a shorter key or reject the
//     line), and control characters or a newline would start a new command;
//   - '"' is kept literally by some releases and stripped by others
//     (unconfirmed per release), so the stored key would be unpredictable;
//   - non-ASCII bytes are not accepted on the console;
//   - a one-digit key such as "0", "6", "7" or "8" is read as the
//     encryption-type argument, which then waits for the real key.
//
// The error names the tunnel and the offending character class, never the
// key itself.
func checkCiscoPSK(platform string, t vpn.Tunnel) error {
	psk := t.PSK.Reveal()
	fix := "change the key on Alibaba (letters, digits and punctuation other than ? and \")"
	if psk == "" {
		return fmt.Errorf("%s: the pre-shared key is empty; %s needs one", t.Label(), platform)
	}
	for i, r := range psk {
		var what string
		switch {
		case r == '?':
			what = "'?', which opens the CLI help instead of being stored"
		case r == '"':
			what = "a double quote, which the CLI may keep or strip depending on the release"
		case r == ' ':
			what = "a space, which ends the key"
		case r < 0x20 || r == 0x7f:
			what = "a control character, which would end the command line"
		case r > 0x7e:
			what = "a non-ASCII character"
		default:
			continue
		}
		return cannotExpress("%s: the pre-shared key cannot be entered on %s: character %d is %s; %s", t.Label(), platform, i+1, what, fix)
	}
	if len(psk) == 1 && psk[0] >= '0' && psk[0] <= '9' {
		return cannotExpress("%s: the pre-shared key cannot be entered on %s: a one-digit key is read as the key-type argument; %s", t.Label(), platform, fix)
	}
	if len(psk) > 128 {
		return fmt.Errorf("%s: the pre-shared key has %d characters; %s takes at most 128", t.Label(), len(psk), platform)
	}
	return nil
}

// ciscoNet is "network mask" as IOS routes, ASA objects and ACLs write it.
func ciscoNet(p netip.Prefix) string {
	return p.Masked().Addr().String() + " " + dottedMask(p.Bits(), false)
}

// ciscoWildcardNet is "network wildcard" as IOS ACLs write it.
func ciscoWildcardNet(p netip.Prefix) string {
	return p.Masked().Addr().String() + " " + dottedMask(p.Bits(), true)
}

// ciscoObjName joins a base name and a suffix, keeping within max
// characters by shortening the base (the suffix carries the uniqueness).
func ciscoObjName(base string, max int, suffix string) string {
	if suffix == "" {
		return base
	}
	if len(base)+1+len(suffix) > max {
		base = strings.TrimRight(base[:max-1-len(suffix)], "-_")
	}
	return base + "-" + suffix
}

// tunnelSuffix is "" for a single tunnel and "t1"/"t2" for dual tunnels,
// so single-tunnel names stay short and dual-tunnel names never collide.
func tunnelSuffix(c vpn.Connection, t vpn.Tunnel, more string) string {
	s := more
	if c.Dual() {
		s = fmt.Sprintf("t%d", t.Index)
		if more != "" {
			s += "-" + more
		}
	}
	return s
}

// remoteIDAddr is the address the peer identifies with: its ID when that
// is an address, else its gateway address.
func remoteIDAddr(t vpn.Tunnel) netip.Addr {
	if t.RemoteID.Kind == vpn.IDAddress {
		return t.RemoteID.Addr
	}
	return t.RemoteAddr
}

// parseVersion reads "17.12" or "17.12.4a" into (17, 12).
func parseVersion(s string) (major, minor int, ok bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	maj, err1 := strconv.Atoi(parts[0])
	min := parts[1]
	// keep leading digits of the minor part ("12a" → 12)
	n := 0
	for n < len(min) && min[n] >= '0' && min[n] <= '9' {
		n++
	}
	mi, err2 := strconv.Atoi(min[:n])
	if err1 != nil || err2 != nil || maj < 0 {
		return 0, 0, false
	}
	return maj, mi, true
}

// ciscoComments makes text safe inside "!" comment lines: a control
// character (a newline above all) would start a new, uncommented command,
// '?' opens the CLI help even after "!" while a configuration is being
// pasted, and the console takes ASCII only, so all three are replaced.
// Comment text includes the connection name, which need not come from a
// file name.
func ciscoComments(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if !strings.ContainsFunc(l, func(r rune) bool { return r == '?' || r < 0x20 || r >= 0x7f }) {
			out[i] = l // nearly every line: nothing to replace
			continue
		}
		out[i] = strings.Map(func(r rune) rune {
			switch {
			case r == '?':
				return '_'
			case r < 0x20 || r == 0x7f:
				return ' '
			case r > 0x7e:
				return '_' // the console takes ASCII only
			}
			return r
		}, l)
	}
	return out
}

// numberRange is "10" or "10-11": the n numbers from first on.
func numberRange(first, n int) string {
	if n <= 1 {
		return strconv.Itoa(first)
	}
	return fmt.Sprintf("%d-%d", first, first+n-1)
}
