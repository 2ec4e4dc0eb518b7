package render

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "fortigate",
		Summary: "FortiGate (FortiOS 6.x/7.x) CLI: interface-mode phase1/phase2-interface, firewall policies, static routes or BGP",
		File:    "fortigate.conf",
		// deletes exactly what fortigate.conf creates (Objects)
		Rollback: "fortigate-rollback.conf",
		Params: []Param{
			{Key: "wan-interface", Default: "wan1", Help: "interface facing the Internet (phase1-interface interface)"},
			{Key: "wan-interface-2", Default: "", Help: "WAN interface of tunnel 2 when Alibaba's tunnel 2 uses another on-prem address"},
			{Key: "lan-interface", Default: "internal", Help: "interface of the on-prem subnets (firewall policies)"},
			{Key: "policy-id", Default: "0", Help: "first firewall policy ID (0: 'edit 0', FortiOS picks free IDs, but a re-paste adds copies; N: N, N+1, … must be free, and a re-paste updates them)", Stride: 8},
			{Key: "route-id", Default: "0", Help: "first static route ID (seq-num) (0: 'edit 0', as policy-id; N: N, N+1, … must be free)", Stride: 8},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix to route into the tunnel (empty: commented placeholder)"},
			bgpParams[0], bgpParams[1],
		},
		SecretKeywords: []string{"psksecret", "password"},
		build:          buildFortigate,
	})
}

const fortiPlatform = "FortiOS"

// FortiOS ranges: phase1 keylife and phase2 keylifeseconds 120–172800
// (docs/vendors/fortigate.md); phase1-interface names at most 15 characters.
const (
	fortiMinLife    = 120
	fortiMaxLife    = 172800
	fortiPhase1Max  = 15
	fortiMinPSKLen  = 6
	fortiBaseMax    = 30 // address and group names stay well below 79
	fortiBlackhole  = 254
	fortiDistance   = 10
	fortiMasterPrio = 10
	fortiSlavePrio  = 20
)

// FortiOS proposal tokens are "<enc>-<integ>" (phase1/phase2 schema in
// fortinet-ansible-dev fortios_vpn_ipsec_phase{1,2}_interface).
var (
	fortiCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes128", vpn.AES192: "aes192", vpn.AES256: "aes256",
		vpn.DES: "des", vpn.TripleDES: "3des",
	}
	fortiIntegrity = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	// fortiGroup lists the groups FortiOS offers that Alibaba can send;
	// FortiOS has no group 24 (schema: 1, 2, 5, 14-21, 27-32).
	fortiGroup = map[vpn.DHGroup]int{
		vpn.Group1: 1, vpn.Group2: 2, vpn.Group5: 5, vpn.Group14: 14,
	}
)

// fortiView is the flat view fortigate.conf.tmpl lays out.
type fortiView struct {
	fileNotes

	Phase1      []fortiPhase1
	Phase2      []fortiPhase2
	TunnelIfs   []fortiTunnelIf // BGP inside addresses
	Addresses   []fortiAddress
	AddrGroups  []fortiAddrGroup
	Policies    []fortiPolicy
	Routes      []fortiRoute
	RoutesHint  []fortiRoute // commented placeholder routes when the VPC prefix is unknown
	BGP         *fortiBGP
	PSKComments []string
	// AddressesFirst puts the address objects before phase 2, whose
	// selectors then name them.
	AddressesFirst bool

	// Undo is the rollback, "config <table>" blocks deleting Objects in
	// reverse order; Kept are what the rollback cannot name (edit 0).
	Undo []string
	Kept []string
}

type fortiPhase1 struct {
	Name        string
	Comment     string
	Interface   string
	IKEVersion  int
	Mode        string // IKEv1 only
	Proposal    string
	DHGroup     int
	Keylife     int
	LocalID     string
	LocalIDType string // address / fqdn; empty: FortiOS default (auto)
	// PeerID is checked with peertype one; empty: peertype any.
	PeerID   string
	PSK      string // quoted text or 0x<hex>
	DPD      bool
	NATT     string // enable / disable
	RemoteGW string
}

type fortiPhase2 struct {
	Name      string
	Phase1    string
	Proposal  string
	PFS       bool
	DHGroup   int
	Keylife   int
	SrcSubnet string // "10.20.0.0 255.255.255.0"
	DstSubnet string
	// SrcName and DstName, when set, are address (group) names that
	// replace the subnets (src-addr-type/dst-addr-type name): one SA
	// carrying every selector, for IKEv2 with several subnets.
	SrcName, DstName string
}

type fortiTunnelIf struct {
	Name     string
	IP       string // "169.254.10.2 255.255.255.255"
	RemoteIP string // "169.254.10.1 255.255.255.252"
}

type fortiAddress struct {
	Name, Subnet string
}

type fortiAddrGroup struct {
	Name    string
	Members []string
}

type fortiPolicy struct {
	ID      int // 0: let FortiOS choose
	Name    string
	SrcIntf string
	DstIntf string
	SrcAddr string
	DstAddr string
}

type fortiRoute struct {
	ID        int // 0: edit 0
	Comment   string
	Dst       string
	Device    string // empty for the blackhole route
	Distance  int
	Priority  int // 0: not set
	Blackhole bool
}

type fortiBGP struct {
	LocalASN uint32
	SetAS    bool   // "set as": false when --set local-as says the FortiGate runs BGP already
	LocalAS  uint32 // per neighbor local-as when the FortiGate's AS differs; 0 = none
	// In lets everything but a default route in, tagged no-export; Out
	// advertises the on-prem prefix list only (or nothing).
	In, Out, InList, OutList string
	OnPrem                   []string // "10.20.0.0 255.255.0.0"
	Neighbors                []fortiNeighbor
}

type fortiNeighbor struct {
	Comment  string
	IP       string
	RemoteAS uint32
	Weight   int    // 0: not set
	Password string // quoted TCP MD5 password (or its placeholder); "" = none
}

// fortiPSK returns the psksecret value and whether it is hex-encoded.
// FortiOS's CLI gives '\' and both quote characters a meaning and opens
// help on '?', so only a quotablePSK goes inside "…"; every other key is
// written as 0x<hex>, the documented alternative ("ASCII string or
// hexadecimal encoded with a leading 0x"). A plain key starting with 0x
// would be read as hex, and one starting with ENC as an encrypted blob, so
// those are encoded too.
func fortiPSK(psk string) (string, bool) {
	lower := strings.ToLower(psk)
	if quotablePSK.MatchString(psk) && !strings.HasPrefix(lower, "0x") && !strings.HasPrefix(lower, "enc") {
		return `"` + psk + `"`, false
	}
	return "0x" + hex.EncodeToString([]byte(psk)), true
}

// fortiMask writes a prefix as FortiOS's "address netmask".
func fortiMask(p netip.Prefix) string {
	return p.Addr().String() + " " + dottedMask(p.Bits(), false)
}

// fortiPhase1Name is the deterministic phase1-interface name: the
// connection name cut to fit 15 characters with the tunnel suffix. The
// suffix keeps the two tunnels' names distinct after truncation.
func fortiPhase1Name(c vpn.Connection, t vpn.Tunnel) (name string, truncated bool) {
	full := baseName(c, 255)
	if !c.Dual() {
		name = baseName(c, fortiPhase1Max)
		return name, name != full
	}
	suffix := fmt.Sprintf("-t%d", t.Index)
	b := baseName(c, fortiPhase1Max-len(suffix))
	return b + suffix, b != full
}

func buildFortigate(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	// Alibaba's health-check probes must pass the selectors, access
	// lists and policies derived from the subnets (render/connfacts.go).
	c = c.WithProbeSelectors()
	firstID, err := p.Int("policy-id", 0, 99999999)
	if err != nil {
		return nil, nil, err
	}
	routeID, err := p.Int("route-id", 0, 99999999)
	if err != nil {
		return nil, nil, err
	}
	bs, err := readBGPSafety(p)
	if err != nil {
		return nil, nil, err
	}
	vpcCIDR, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	if err := requireSafeIDs(c, fortiPlatform); err != nil {
		return nil, nil, err
	}
	if anyBGP(c) && !c.RouteBased() {
		return nil, nil, fmt.Errorf("BGP with specific subnets (%s <-> %s): the BGP session between the tunnel addresses matches no phase-2 selector, so it would never establish; on Alibaba, use destination routing (0.0.0.0/0 on both sides) for a BGP connection", prefixList(c.LocalSubnets), prefixList(c.RemoteSubnets))
	}
	wan, lan := p.String("wan-interface"), p.String("lan-interface")
	wan2 := p.String("wan-interface-2")
	if c.Dual() {
		a1, a2 := c.Tunnels[0].LocalAddr, c.Tunnels[1].LocalAddr
		if a1.IsValid() && a2.IsValid() && a1 != a2 && wan2 == "" {
			return nil, nil, fmt.Errorf("tunnel 2 leaves from on-prem address %s, tunnel 1 from %s (%s): render with --set wan-interface-2=<interface holding %s>, or tunnel 2 would leave from %s and never come up", a2, a1, wan, a2, wan)
		}
	}
	base := baseName(c, fortiBaseMax)
	v := fortiView{fileNotes: newFileNotes(c, "FortiGate (FortiOS) CLI for an Alibaba Cloud IPsec-VPN connection", o)}
	v.Verify = []string{
		"diagnose vpn tunnel list",
		"get vpn ipsec tunnel summary",
		"diagnose vpn ike gateway list",
		"get router info routing-table all",
	}
	v.check("Paste into the CLI (or a script), top to bottom.")
	v.check("Check the device parameters (--set): WAN interface %s, LAN interface %s.", wan, lan)
	v.check("This device initiates and keeps the tunnel up (phase2 auto-negotiate enable).")

	// Phase 1 and phase 2 per tunnel.
	for _, t := range c.Tunnels {
		w := wan
		if t.Index == 2 && wan2 != "" {
			w = wan2
		}
		p1, err := fortiPhase1View(&v.fileNotes, c, t, w, o)
		if err != nil {
			return nil, nil, err
		}
		v.Phase1 = append(v.Phase1, p1)
		if strings.HasPrefix(p1.PSK, "0x") {
			v.PSKComments = append(v.PSKComments, fmt.Sprintf("%s: the pre-shared key holds characters the FortiOS CLI treats specially; it is written as 0x<hex>.", t.Label()))
		}
		p2s, err := fortiPhase2View(c, t, p1.Name, base)
		if err != nil {
			return nil, nil, err
		}
		v.Phase2 = append(v.Phase2, p2s...)
		if t.BGP != nil {
			v.TunnelIfs = append(v.TunnelIfs, fortiTunnelIf{
				Name:     p1.Name,
				IP:       t.BGP.LocalIP.String() + " 255.255.255.255",
				RemoteIP: t.BGP.RemoteIP.String() + " " + dottedMask(t.BGP.TunnelCIDR.Bits(), false),
			})
		}
	}

	// Address objects: one per subnet, a group when a side has several.
	// Route-based connections (0.0.0.0/0) use the predefined "all".
	localAddr, remoteAddr := "all", "all"
	if !c.RouteBased() {
		localAddr = fortiAddressSet(&v, base+"-local", c.LocalSubnets)
		remoteAddr = fortiAddressSet(&v, base+"-vpc", c.RemoteSubnets)
	}
	for _, p2 := range v.Phase2 {
		if p2.SrcName != "" {
			// The phase 2 selectors name the address groups: they
			// must exist first.
			v.AddressesFirst = true
		}
	}

	// Policies: both directions per tunnel, each with its own ID ("edit 0"
	// or consecutive IDs), never one ID for two policies.
	id := firstID
	for _, p1 := range v.Phase1 {
		for _, pol := range []fortiPolicy{
			{Name: p1.Name + "-out", SrcIntf: lan, DstIntf: p1.Name, SrcAddr: localAddr, DstAddr: remoteAddr},
			{Name: p1.Name + "-in", SrcIntf: p1.Name, DstIntf: lan, SrcAddr: remoteAddr, DstAddr: localAddr},
		} {
			pol.ID = id
			if id != 0 {
				id++
			}
			v.Policies = append(v.Policies, pol)
		}
	}

	if c.PrivateNetwork {
		v.check("Private network: %s must be the interface towards the leased line / Express Connect on which Alibaba's private gateway address is reached, not the Internet.", wan)
	}
	if c.ActiveActive && c.Dual() {
		v.warnConn("both tunnels active (transit router, ECMP): the routes and BGP neighbors below prefer neither tunnel, and Alibaba may return a flow over the other tunnel, which FortiOS drops unless auxiliary sessions are on: 'config system settings / set auxiliary-session enable / end' (FortiOS 6.2.3 and later; a per-VDOM setting, check its effect on SD-WAN rules first). The policies below already accept both tunnel interfaces")
		if anyBGP(c) {
			v.warnConn("both tunnels active with BGP: FortiOS installs one best BGP path per prefix, so this FortiGate sends over one tunnel only; to send over both, 'config router bgp / set ebgp-multipath enable / end' (it applies to every eBGP route of this FortiGate, so it is not set here)")
		}
	}
	v.healthChecks(c)
	if firstID == 0 {
		v.check("Re-paste (PSK rotation, re-render): the firewall policies use 'edit 0', so pasting section 4 again adds copies (refused for their names) instead of updating; paste sections 1-3 only, or render with --set policy-id=<free ID> so every paste updates the same entries.")
	} else {
		v.check("Firewall policy IDs %s must be free (show firewall policy <id>): ID 1 is usually the LAN-to-WAN Internet policy.", numberRange(firstID, len(v.Policies)))
	}
	if anyBGP(c) {
		var err error
		v.BGP, err = fortiBGPView(&v.fileNotes, c, base, bs, o)
		if err != nil {
			return nil, nil, err
		}
		v.checkBGPSafety(bs, v.BGP.LocalASN, "FortiGate", fmt.Sprintf("config router bgp / set as %d", v.BGP.LocalASN))
	} else {
		prefixes := staticPrefixes(c, vpcCIDR)
		for _, pf := range prefixes {
			v.Routes = append(v.Routes, fortiRoutesFor(fortiMask(pf), c, v.Phase1)...)
		}
		if len(prefixes) == 0 {
			v.RoutesHint = fortiRoutesFor("<VPC-CIDR> <VPC-NETMASK>", c, v.Phase1)
			v.warnNoVPCPrefix()
		}
		for i := range v.Routes {
			if routeID != 0 {
				v.Routes[i].ID = routeID + i
			}
		}
		if len(v.Routes) > 0 {
			if routeID == 0 {
				v.check("Re-paste: the static routes use 'edit 0', so pasting section 5 again adds duplicate routes; paste sections 1-3 only, or render with --set route-id=<free ID>.")
			} else {
				v.check("Static route IDs %s must be free (show router static <id>).", numberRange(routeID, len(v.Routes)))
			}
		}
	}

	for _, t := range c.Tunnels {
		var weak []string
		for _, s := range []fmt.Stringer{t.IKE.Cipher, t.IPsec.Cipher, t.IKE.Integrity, t.IPsec.Integrity, t.IKE.DHGroup, t.IPsec.PFS} {
			if w, ok := s.(interface{ Weak() bool }); ok && w.Weak() && !slices.Contains(weak, s.String()) {
				weak = append(weak, s.String())
			}
		}
		if len(weak) > 0 {
			v.warn(t, fmt.Sprintf("weak algorithms %s: FortiOS accepts them, but change the connection on Alibaba to AES, SHA-256 and group 14 if you can", strings.Join(weak, ", ")))
		}
		if !o.Redact && len(t.PSK.Reveal()) < fortiMinPSKLen {
			v.warn(t, fmt.Sprintf("the pre-shared key has fewer than %d characters, which FortiOS refuses: change it on Alibaba", fortiMinPSKLen))
		}
	}
	fortiObjects(&v)
	return v, v.returned, nil
}

// fortiAddressSet adds one address per prefix and, for several prefixes,
// a group; it returns the name policies use.
func fortiAddressSet(v *fortiView, name string, prefixes []netip.Prefix) string {
	var members []string
	for i, pf := range prefixes {
		a := fortiAddress{Name: fmt.Sprintf("%s-%d", name, i+1), Subnet: fortiMask(pf)}
		v.Addresses = append(v.Addresses, a)
		members = append(members, a.Name)
	}
	if len(members) == 1 {
		return members[0]
	}
	v.AddrGroups = append(v.AddrGroups, fortiAddrGroup{Name: name, Members: members})
	return name
}

// fortiRoutesFor routes dst over every tunnel with the same distance, so
// both routes stay in the routing table (return traffic over the standby
// tunnel passes the reverse-path check), and a lower priority for the
// master, which therefore carries the traffic while it is up. A blackhole
// route with distance 254 keeps the traffic off the Internet when every
// tunnel is down.
//
// With both tunnels active (a transit router) the priorities are equal:
// FortiOS then spreads the traffic over both routes (ECMP).
func fortiRoutesFor(dst string, c vpn.Connection, p1s []fortiPhase1) []fortiRoute {
	var out []fortiRoute
	for i, t := range c.Tunnels {
		r := fortiRoute{Comment: roleText(t), Dst: dst, Device: p1s[i].Name, Distance: fortiDistance}
		switch {
		case c.ActiveActive:
			r.Priority = fortiMasterPrio
		case t.Role == vpn.RoleMaster:
			r.Priority = fortiMasterPrio
		case t.Role == vpn.RoleSlave:
			r.Priority = fortiSlavePrio
		}
		out = append(out, r)
	}
	return append(out, fortiRoute{Comment: "blackhole when the tunnels are down", Dst: dst, Distance: fortiBlackhole, Blackhole: true})
}

func fortiBGPView(notes *fileNotes, c vpn.Connection, base string, bs bgpSafety, o Options) (*fortiBGP, error) {
	b := &fortiBGP{In: base + "-in", Out: base + "-out", InList: base + "-in"}
	var ts []vpn.Tunnel
	b.LocalASN, ts = bgpTunnels(notes, c, "router bgp")
	b.SetAS = bs.LocalAS == 0
	if bs.LocalAS != 0 && bs.LocalAS != b.LocalASN {
		b.LocalAS = b.LocalASN
	}
	if len(bs.OnPrem) > 0 {
		b.OutList = base + "-onprem"
		for _, pf := range bs.OnPrem {
			b.OnPrem = append(b.OnPrem, fortiMask(pf))
		}
	}
	for _, t := range ts {
		n := fortiNeighbor{Comment: roleText(t), IP: t.BGP.RemoteIP.String(), RemoteAS: t.BGP.RemoteASN}
		// A higher weight for the master's routes: this device sends over
		// the master, as Alibaba does.
		if !c.ActiveActive {
			switch t.Role {
			case vpn.RoleMaster:
				n.Weight = 200
			case vpn.RoleSlave:
				n.Weight = 100
			}
		}
		if key := bgpKeyText(t, o); key != "" {
			pw, escaped, err := fortiPassword(t, key)
			if err != nil {
				return nil, err
			}
			if escaped {
				notes.warn(t, "the BGP password holds characters the FortiOS CLI reads specially (quotes, backslash); they are written with a backslash in front, as Fortinet's CLI documents: check that the session comes up (get router info bgp summary)")
			}
			n.Password = pw
		}
		b.Neighbors = append(b.Neighbors, n)
	}
	return b, nil
}

// fortiPassword quotes a BGP password for "set password": inside "…",
// with backslashes and both quote characters escaped by a backslash
// (Fortinet's CLI syntax; docs/vendors/fortigate.md, "Connection shapes").
// '?' would open the help, and blanks or control characters would end the
// value: those are refused (Alibaba allows none of them anyway).
func fortiPassword(t vpn.Tunnel, key string) (string, bool, error) {
	quoted, escaped, bad := quoteKey(key, "\\\"'", func(r rune) bool { return r == '?' || r < 0x21 || r > 0x7e })
	if bad > 0 {
		return "", false, cannotExpress("%s: the BGP password cannot be entered on %s: character %d is '?', a blank or not printable ASCII; change the customer gateway's authentication key on Alibaba", t.Label(), fortiPlatform, bad)
	}
	return quoted, escaped, nil
}

// fortiObjects records what fortigate.conf creates, in creation order,
// and the rollback: one "config <table>" block per table, deleting in
// reverse order (docs/vendors/fortigate.md, "Rollback"). Entries written
// with "edit 0" have IDs only the FortiGate knows: the rollback says how
// to find them.
func fortiObjects(v *fortiView) {
	type del struct{ table, key string }
	addresses := func() {
		for _, a := range v.Addresses {
			v.created("firewall address", a.Name)
		}
		for _, g := range v.AddrGroups {
			v.created("firewall addrgrp", g.Name)
		}
	}
	if v.AddressesFirst {
		// Phase 2 names the groups: they are created first and deleted
		// after it.
		addresses()
	}
	for _, p := range v.Phase1 {
		v.created("vpn ipsec phase1-interface", p.Name)
	}
	for _, p := range v.Phase2 {
		v.created("vpn ipsec phase2-interface", p.Name)
	}
	if !v.AddressesFirst {
		addresses()
	}
	for _, p := range v.Policies {
		if p.ID == 0 {
			v.Kept = append(v.Kept, fmt.Sprintf("firewall policy %q (edit 0): find its ID with 'show firewall policy | grep -f %s', then 'config firewall policy / delete <ID> / end'.", p.Name, p.Name))
			continue
		}
		v.created("firewall policy", fmt.Sprint(p.ID))
	}
	for _, r := range v.Routes {
		if r.ID == 0 {
			v.Kept = append(v.Kept, fmt.Sprintf("static route to %s (%s, edit 0): find its ID with 'show router static', then 'config router static / delete <ID> / end'.", r.Dst, r.Comment))
			continue
		}
		v.created("router static", fmt.Sprint(r.ID))
	}
	if b := v.BGP; b != nil {
		v.created("router prefix-list", b.InList)
		if b.OutList != "" {
			v.created("router prefix-list", b.OutList)
		}
		v.created("router route-map", b.In)
		v.created("router route-map", b.Out)
		for _, n := range b.Neighbors {
			v.created("router bgp neighbor", n.IP)
		}
		if b.SetAS {
			v.Kept = append(v.Kept, fmt.Sprintf("'config router bgp / set as %d' stays: set it back only if this file changed it.", b.LocalASN))
		}
	}
	var dels []del
	for i := len(v.Objects) - 1; i >= 0; i-- {
		dels = append(dels, del{v.Objects[i].Kind, v.Objects[i].Name})
	}
	for i := 0; i < len(dels); {
		table := dels[i].table
		j := i
		if table == "router bgp neighbor" {
			v.Undo = append(v.Undo, "config router bgp", "    config neighbor")
		} else {
			v.Undo = append(v.Undo, "config "+table)
		}
		for ; j < len(dels) && dels[j].table == table; j++ {
			key := dels[j].key
			if !strings.HasSuffix(table, "static") && table != "firewall policy" {
				key = `"` + key + `"`
			}
			if table == "router bgp neighbor" {
				v.Undo = append(v.Undo, "        delete "+key)
			} else {
				v.Undo = append(v.Undo, "    delete "+key)
			}
		}
		if table == "router bgp neighbor" {
			v.Undo = append(v.Undo, "    end")
		}
		v.Undo = append(v.Undo, "end")
		i = j
	}
}

func fortiProposal(t vpn.Tunnel, what string, c vpn.Cipher, i vpn.Integrity) (string, error) {
	enc, err := keyword(fortiCipher, fortiPlatform, t, what+" encryption", c)
	if err != nil {
		return "", err
	}
	integ, err := keyword(fortiIntegrity, fortiPlatform, t, what+" integrity", i)
	if err != nil {
		return "", err
	}
	return enc + "-" + integ, nil
}

func fortiPhase1View(n *fileNotes, c vpn.Connection, t vpn.Tunnel, wan string, o Options) (fortiPhase1, error) {
	name, truncated := fortiPhase1Name(c, t)
	if truncated {
		n.warn(t, fmt.Sprintf("phase1-interface name shortened to %q (FortiOS allows %d characters)", name, fortiPhase1Max))
	}
	p1 := fortiPhase1{
		Name:       name,
		Comment:    roleText(t),
		Interface:  wan,
		IKEVersion: int(t.IKE.Version),
		DPD:        c.DPD,
		NATT:       "enable",
		RemoteGW:   t.RemoteAddr.String(),
	}
	if !c.NATTraversal {
		p1.NATT = "disable"
	}
	var err error
	if p1.Proposal, err = fortiProposal(t, "IKE", t.IKE.Cipher, t.IKE.Integrity); err != nil {
		return p1, err
	}
	if p1.DHGroup, err = keyword(fortiGroup, fortiPlatform, t, "IKE DH group", t.IKE.DHGroup); err != nil {
		return p1, err
	}
	if p1.Keylife, err = seconds(fortiPlatform, "IKE lifetime", t, t.IKE.Lifetime, fortiMinLife, fortiMaxLife); err != nil {
		return p1, err
	}
	switch t.IKE.Version {
	case vpn.IKEv1:
		p1.Mode = t.IKE.Mode.String()
	case vpn.IKEv2:
	default:
		return p1, cannotExpress("%s: IKE version %d cannot be expressed on %s", t.Label(), int(t.IKE.Version), fortiPlatform)
	}
	switch t.LocalID.Kind {
	case vpn.IDAddress:
		p1.LocalID, p1.LocalIDType = t.LocalID.Addr.String(), "address"
	case vpn.IDFQDN:
		p1.LocalID, p1.LocalIDType = t.LocalID.FQDN, "fqdn"
	}
	// FortiOS checks a specific peer ID (peertype one) in IKEv2 and in
	// IKEv1 aggressive mode only; IKEv1 main mode with a pre-shared key
	// identifies the peer by its address.
	if t.RemoteID.Kind != vpn.IDNone && (t.IKE.Version == vpn.IKEv2 || t.IKE.Mode == vpn.AggressiveMode) {
		p1.PeerID = t.RemoteID.String()
	}
	p1.PSK, _ = fortiPSK(pskText(t, o))
	return p1, nil
}

func fortiPhase2View(c vpn.Connection, t vpn.Tunnel, p1, base string) ([]fortiPhase2, error) {
	proposal, err := fortiProposal(t, "IPsec", t.IPsec.Cipher, t.IPsec.Integrity)
	if err != nil {
		return nil, err
	}
	life, err := seconds(fortiPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, fortiMinLife, fortiMaxLife)
	if err != nil {
		return nil, err
	}
	tmpl := fortiPhase2{Phase1: p1, Proposal: proposal, Keylife: life}
	if t.IPsec.PFS != vpn.NoPFS {
		tmpl.PFS = true
		if tmpl.DHGroup, err = keyword(fortiGroup, fortiPlatform, t, "IPsec PFS group", t.IPsec.PFS); err != nil {
			return nil, err
		}
	}
	if c.RouteBased() {
		p2 := tmpl
		p2.Name = p1
		p2.SrcSubnet, p2.DstSubnet = "0.0.0.0 0.0.0.0", "0.0.0.0 0.0.0.0"
		return []fortiPhase2{p2}, nil
	}
	pairs := c.SubnetPairs()
	if t.IKE.Version == vpn.IKEv2 && len(pairs) > 1 {
		// IKEv2: Alibaba negotiates one SA carrying all its subnets. One
		// phase2-interface whose selectors name the address objects
		// (groups when a side has several) does the same: FortiOS brings
		// up one SA for them (docs/vendors/fortigate.md, "Several
		// subnets"). The names are fortiAddressSet's.
		p2 := tmpl
		p2.Name = p1
		p2.SrcName = fortiSetName(base+"-local", c.LocalSubnets)
		p2.DstName = fortiSetName(base+"-vpc", c.RemoteSubnets)
		return []fortiPhase2{p2}, nil
	}
	// One phase2-interface per subnet pair: each is its own SA with
	// exactly one selector pair, which IKEv1 requires.
	var out []fortiPhase2
	for i, pair := range pairs {
		p2 := tmpl
		p2.Name = p1
		if len(pairs) > 1 {
			p2.Name = fmt.Sprintf("%s-%d", p1, i+1)
		}
		p2.SrcSubnet, p2.DstSubnet = fortiMask(pair.Local), fortiMask(pair.Remote)
		out = append(out, p2)
	}
	return out, nil
}

// fortiSetName is the name fortiAddressSet gives a side's addresses: the
// one address, or the group of several.
func fortiSetName(name string, prefixes []netip.Prefix) string {
	if len(prefixes) == 1 {
		return name + "-1"
	}
	return name
}
