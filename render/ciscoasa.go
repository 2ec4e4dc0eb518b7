package render

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "cisco-asa",
		Summary: "Cisco ASA CLI: crypto map + NAT exemption (policy-based) or VTI (route-based, ASA 9.7.1+), IKEv1 or IKEv2",
		File:    "cisco-asa.txt",
		Params: []Param{
			{Key: "outside-interface", Default: "outside", Help: "nameif of the interface facing the Internet"},
			{Key: "inside-interface", Default: "inside", Help: "policy-based: nameif of the on-prem side, for the NAT exemption"},
			{Key: "crypto-map", Default: "ALIYUN-MAP", Help: "policy-based: crypto map name; an interface holds one crypto map, so reuse its existing name"},
			{Key: "crypto-map-seq", Default: "10", Help: "policy-based: crypto map sequence number (pick a free one)"},
			{Key: "ike-priority", Default: "10", Help: "crypto ikev1/ikev2 policy priority of tunnel 1 (tunnel 2 uses the next number)"},
			{Key: "tunnel-number", Default: "100", Help: "route-based: interface Tunnel number of tunnel 1 (tunnel 2 uses the next number)"},
			{Key: "vti-network", Default: "169.254.255.0/29", Help: "route-based without BGP: link network for the VTIs, one /30 per tunnel (ASA takes .1, the route next hop is .2)"},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix routed into the tunnel(s), e.g. 172.16.0.0/12 (default: a commented placeholder route)"},
		},
		// ikev1 pre-shared-key K; ikev2 remote-/local-authentication pre-shared-key K
		SecretKeywords: []string{"pre-shared-key"},
		build:          buildCiscoASA,
	})
}

const asaPlatform = "Cisco ASA"

// ASA keywords (vendors.md §4; ranges and algorithm lists checked against
// Cisco's FMC/FTD data models for IKEv1/IKEv2 policies and IPsec
// proposals: IKEv1 hash SHA or MD5 only, IKEv1 DH 1-14, IKEv1 IPsec hash
// SHA, MD5 or none, lifetimes 120-2147483647 s).
var (
	asaIKECipher = map[vpn.Cipher]string{
		vpn.AES128: "aes", vpn.AES192: "aes-192", vpn.AES256: "aes-256", vpn.DES: "des", vpn.TripleDES: "3des",
	}
	asaIKEv1Hash = map[vpn.Integrity]string{vpn.MD5: "md5", vpn.SHA1: "sha"}
	asaIKEv2Hash = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	asaIKEv1Group = map[vpn.DHGroup]string{vpn.Group1: "1", vpn.Group2: "2", vpn.Group5: "5", vpn.Group14: "14"}
	asaIKEv2Group = map[vpn.DHGroup]string{vpn.Group1: "1", vpn.Group2: "2", vpn.Group5: "5", vpn.Group14: "14", vpn.Group24: "24"}

	asaESPv1Cipher = map[vpn.Cipher]string{
		vpn.AES128: "esp-aes", vpn.AES192: "esp-aes-192", vpn.AES256: "esp-aes-256", vpn.DES: "esp-des", vpn.TripleDES: "esp-3des",
	}
	asaESPv1Integrity = map[vpn.Integrity]string{vpn.MD5: "esp-md5-hmac", vpn.SHA1: "esp-sha-hmac"}
	asaESPv2Cipher    = map[vpn.Cipher]string{
		vpn.AES128: "aes", vpn.AES192: "aes-192", vpn.AES256: "aes-256", vpn.DES: "des", vpn.TripleDES: "3des",
	}
	asaESPv2Integrity = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha-1", vpn.SHA256: "sha-256", vpn.SHA384: "sha-384", vpn.SHA512: "sha-512",
	}
	asaPFS = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14", vpn.Group24: "group24",
	}
)

const asaLifeMin, asaLifeMax = 120, 2147483647

type asaView struct {
	Header   []string
	Checks   []string
	Warnings []string

	Version  int // 1 or 2
	Outside  string
	Identity string // crypto isakmp identity address|hostname
	NATT     bool

	IKEPolicies []asaIKEPolicy

	TransformSets  []asaTransformSet // IKEv1
	IPsecProposals []asaIPsecProposal
	IPsecProfiles  []asaIPsecProfile // route-based

	GroupPolicy  string
	TunnelGroups []asaTunnelGroup

	CryptoMap *asaCryptoMap
	Tunnels   []asaTunnel

	RoutingNote     []string
	Routes          []string
	RoutesCommented bool
	BGP             *iosBGP

	LocalGroup   string
	RemoteGroup  string
	LocalNets    []string
	RemoteNets   []string
	NAT          string
	FirewallNote []string

	Shows []string
}

type asaIKEPolicy struct {
	Priority   int
	Comment    string
	Encryption string
	Hash       string // IKEv1 hash, IKEv2 integrity and prf
	Group      string
	Lifetime   int
}

type asaTransformSet struct {
	Name       string
	Transforms string
}

type asaIPsecProposal struct {
	Name       string
	Encryption string
	Integrity  string
}

type asaIPsecProfile struct {
	Name     string
	Proposal string // "ikev1 transform-set X" / "ikev2 ipsec-proposal X"
	PFS      string
	Lifetime int
}

type asaTunnelGroup struct {
	Peer    string
	Comment string
	PSK     string
	DPD     bool
}

type asaCryptoMap struct {
	Name       string
	Seq        int
	ACL        string
	ACLLines   []string
	Peers      string
	Proposal   string // "ikev1 transform-set A B" / "ikev2 ipsec-proposal A B"
	PFS        string
	Lifetime   int
	Aggressive bool
}

type asaTunnel struct {
	Number      int
	Description string
	Nameif      string
	Address     string
	Destination string
	Profile     string
}

type asaTunnelPlan struct {
	t        vpn.Tunnel
	name     string
	espLife  int
	pfs      string
	proposal string // transform set or ipsec-proposal name
}

// buildCiscoASA decides every keyword, name and number of cisco-asa.txt:
// IKE policies, transform sets or IPsec proposals and one tunnel-group per
// tunnel, then a crypto map with NAT exemption (policy-based) or one VTI
// per tunnel (route-based).
func buildCiscoASA(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	seq, err := p.Int("crypto-map-seq", 1, 65535)
	if err != nil {
		return nil, nil, err
	}
	prio, err := p.Int("ike-priority", 1, 65534)
	if err != nil {
		return nil, nil, err
	}
	// ASA tunnel interfaces are numbered 0-10413 (unconfirmed per
	// release); keep room for tunnel 2.
	tunnelNo, err := p.Int("tunnel-number", 0, 10412)
	if err != nil {
		return nil, nil, err
	}
	vpc, haveVPC, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	vtiNet, _, err := p.Prefix("vti-network")
	if err != nil {
		return nil, nil, err
	}
	outside := p.String("outside-interface")
	base := baseName(c, 40)
	const maxName = 48

	v := asaView{Header: headerLines(c, "Cisco ASA configuration for an Alibaba Cloud IPsec-VPN connection", o), Outside: outside, NATT: c.NATTraversal}
	var warns []vpn.Warning
	warn := func(t vpn.Tunnel, msg string) {
		warns = append(warns, vpn.Warning{Scope: t.Label(), Message: msg})
		v.Warnings = append(v.Warnings, t.Label()+": "+msg)
	}

	version := c.Tunnels[0].IKE.Version
	v.Version = int(version)
	v.Identity = "address"
	var plans []asaTunnelPlan
	for _, t := range c.Tunnels {
		if t.IKE.Version != version {
			return nil, nil, fmt.Errorf("%s: %s while tunnel 1 uses %s; one %s configuration cannot mix IKE versions for one connection", t.Label(), t.IKE.Version, version, asaPlatform)
		}
		if err := checkCiscoPSK(asaPlatform, t); err != nil {
			return nil, nil, err
		}
		pl := asaTunnelPlan{t: t, name: ciscoObjName(base, maxName, tunnelSuffix(c, t, ""))}
		ikeLife, err := seconds(asaPlatform, "IKE lifetime", t, t.IKE.Lifetime, asaLifeMin, asaLifeMax)
		if err != nil {
			return nil, nil, err
		}
		if pl.espLife, err = seconds(asaPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, asaLifeMin, asaLifeMax); err != nil {
			return nil, nil, err
		}
		pol, err := asaIKE(t, prio+t.Index-1, ikeLife)
		if err != nil {
			return nil, nil, err
		}
		v.IKEPolicies = append(v.IKEPolicies, pol)
		if t.IPsec.PFS != vpn.NoPFS {
			if pl.pfs = asaPFS[t.IPsec.PFS]; pl.pfs == "" {
				return nil, nil, unsupported(asaPlatform, t, "IPsec PFS group", t.IPsec.PFS)
			}
		}
		pl.proposal = pl.name
		if version == vpn.IKEv1 {
			enc, ok := asaESPv1Cipher[t.IPsec.Cipher]
			if !ok {
				return nil, nil, unsupported(asaPlatform, t, "IPsec encryption", t.IPsec.Cipher)
			}
			integ, ok := asaESPv1Integrity[t.IPsec.Integrity]
			if !ok {
				return nil, nil, fmt.Errorf("%s: IPsec integrity %s cannot be expressed on %s with IKEv1 (IKEv1 transform sets offer SHA-1 and MD5 only): use IKEv2 on Alibaba", t.Label(), t.IPsec.Integrity, asaPlatform)
			}
			v.TransformSets = append(v.TransformSets, asaTransformSet{Name: pl.name, Transforms: enc + " " + integ})
		} else {
			enc, ok := asaESPv2Cipher[t.IPsec.Cipher]
			if !ok {
				return nil, nil, unsupported(asaPlatform, t, "IPsec encryption", t.IPsec.Cipher)
			}
			integ, ok := asaESPv2Integrity[t.IPsec.Integrity]
			if !ok {
				return nil, nil, unsupported(asaPlatform, t, "IPsec integrity", t.IPsec.Integrity)
			}
			v.IPsecProposals = append(v.IPsecProposals, asaIPsecProposal{Name: pl.name, Encryption: enc, Integrity: integ})
		}
		v.TunnelGroups = append(v.TunnelGroups, asaTunnelGroup{Peer: t.RemoteAddr.String(), Comment: roleText(t), PSK: pskText(t, o), DPD: c.DPD})

		if t.LocalID.IsFQDN() {
			v.Identity = "hostname"
			v.Checks = append(v.Checks, fmt.Sprintf("%s: 'crypto isakmp identity hostname' sends this ASA's hostname.domain-name: it must equal %s; the setting is global and changes the ID of every tunnel on this ASA.", t.Label(), t.LocalID.FQDN))
		} else if t.LocalID.Kind == vpn.IDAddress {
			v.Checks = append(v.Checks, fmt.Sprintf("%s: the ASA identifies with the address of interface %s; if it is behind NAT that will not equal Alibaba's LocalId %s.", t.Label(), outside, t.LocalID.Addr))
		}
		if t.RemoteID.IsFQDN() {
			v.Checks = append(v.Checks, fmt.Sprintf("%s: the ASA selects the tunnel-group by Alibaba's address %s and does not check its ID %s for pre-shared keys.", t.Label(), t.RemoteAddr, t.RemoteID.FQDN))
		}
		weak, versioned := asaWeak(t)
		if len(weak) > 0 {
			warn(t, fmt.Sprintf("%s: weak, and newer ASA releases deprecate or remove some of them (check the CLI help on your release); better: change the connection's algorithms on Alibaba", strings.Join(weak, ", ")))
		}
		if len(versioned) > 0 {
			warn(t, fmt.Sprintf("%s: offered by some ASA releases only; check the CLI help for 'group' in crypto ikev2 policy mode, or use group14 on Alibaba", strings.Join(versioned, ", ")))
		}
		plans = append(plans, pl)
	}
	if v.Identity == "hostname" {
		for _, t := range c.Tunnels {
			if t.LocalID.Kind == vpn.IDAddress {
				return nil, nil, fmt.Errorf("%s: address identity %s while another tunnel uses an FQDN; %s sets its identity globally ('crypto isakmp identity')", t.Label(), t.LocalID.Addr, asaPlatform)
			}
		}
	}
	v.Checks = append(v.Checks, fmt.Sprintf("crypto %s policy %s: priorities already used on this ASA would be overwritten; pick free ones with --set ike-priority=<n>.", strings.ToLower(version.String()), numberRange(prio, len(c.Tunnels))))
	v.GroupPolicy = ciscoObjName(base, maxName, "gp")
	if !c.NATTraversal {
		v.Checks = append(v.Checks, "NAT traversal is off on Alibaba: this ASA must reach Alibaba without NAT in between.")
	}

	var ws []tunnelWarning
	if c.RouteBased() {
		ws, err = asaRouteBased(&v, c, plans, p, base, maxName, tunnelNo, vtiNet, vpc, haveVPC)
	} else {
		ws, err = asaPolicyBased(&v, c, plans, p, base, maxName, seq)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, w := range ws {
		warn(w.t, w.msg)
	}

	v.Header = ciscoComments(v.Header)
	v.Checks = ciscoComments(v.Checks)
	v.Warnings = ciscoComments(v.Warnings)
	v.RoutingNote = ciscoComments(v.RoutingNote)
	v.FirewallNote = ciscoComments(v.FirewallNote)
	v.Shows = append(v.Shows, fmt.Sprintf("show crypto ikev%d sa", v.Version))
	for _, t := range c.Tunnels {
		v.Shows = append(v.Shows, "show crypto ipsec sa peer "+t.RemoteAddr.String())
	}
	v.Shows = append(v.Shows, "show vpn-sessiondb l2l")
	if c.RouteBased() {
		for i := range c.Tunnels {
			v.Shows = append(v.Shows, fmt.Sprintf("show interface Tunnel%d", tunnelNo+i))
		}
		if v.BGP != nil {
			v.Shows = append(v.Shows, "show bgp summary")
		} else {
			v.Shows = append(v.Shows, "show route static")
		}
	}
	return v, warns, nil
}

func asaIKE(t vpn.Tunnel, priority, life int) (asaIKEPolicy, error) {
	enc, ok := asaIKECipher[t.IKE.Cipher]
	if !ok {
		return asaIKEPolicy{}, unsupported(asaPlatform, t, "IKE encryption", t.IKE.Cipher)
	}
	hashes, groups := asaIKEv2Hash, asaIKEv2Group
	if t.IKE.Version == vpn.IKEv1 {
		hashes, groups = asaIKEv1Hash, asaIKEv1Group
	}
	hash, ok := hashes[t.IKE.Integrity]
	if !ok {
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Integrity.SHA2() {
			return asaIKEPolicy{}, fmt.Errorf("%s: IKE integrity %s cannot be expressed on %s with IKEv1 (SHA-2 is available for IKEv2 only): use IKEv2 on Alibaba", t.Label(), t.IKE.Integrity, asaPlatform)
		}
		return asaIKEPolicy{}, unsupported(asaPlatform, t, "IKE integrity", t.IKE.Integrity)
	}
	grp, ok := groups[t.IKE.DHGroup]
	if !ok {
		if t.IKE.Version == vpn.IKEv1 && t.IKE.DHGroup == vpn.Group24 {
			return asaIKEPolicy{}, fmt.Errorf("%s: IKE DH %s cannot be expressed on %s with IKEv1 (groups 1, 2, 5 and 14 only): use IKEv2 or group14 on Alibaba", t.Label(), t.IKE.DHGroup, asaPlatform)
		}
		return asaIKEPolicy{}, unsupported(asaPlatform, t, "IKE DH group", t.IKE.DHGroup)
	}
	return asaIKEPolicy{Priority: priority, Comment: roleText(t), Encryption: enc, Hash: hash, Group: grp, Lifetime: life}, nil
}

// asaWeak lists weak algorithms and version-dependent ones. ASA keeps
// accepting the weak ones on most releases (vendors.md §9: warn); group 24
// is offered for IKEv2 by some releases only (unconfirmed which).
func asaWeak(t vpn.Tunnel) (weak, versioned []string) {
	add := func(list *[]string, cond bool, s string) {
		if cond {
			*list = append(*list, s)
		}
	}
	add(&weak, t.IKE.Cipher.Weak(), "IKE encryption "+t.IKE.Cipher.String())
	add(&weak, t.IKE.Integrity.Weak(), "IKE integrity "+t.IKE.Integrity.String())
	add(&weak, t.IKE.DHGroup.Weak(), "IKE DH "+t.IKE.DHGroup.String())
	add(&weak, t.IPsec.Cipher.Weak(), "IPsec encryption "+t.IPsec.Cipher.String())
	add(&weak, t.IPsec.Integrity.Weak(), "IPsec integrity "+t.IPsec.Integrity.String())
	add(&weak, t.IPsec.PFS.Weak(), "PFS "+t.IPsec.PFS.String())
	add(&versioned, t.IKE.DHGroup == vpn.Group24, "IKE DH "+t.IKE.DHGroup.String())
	add(&versioned, t.IPsec.PFS == vpn.Group24, "PFS "+t.IPsec.PFS.String())
	return weak, versioned
}

// asaPolicyBased lays out the crypto map, its ACL (one line per subnet
// pair) and the NAT exemption. As on IOS, both tunnels share one crypto
// map entry whose "set peer" lists the master first; the per-entry values
// (PFS group, lifetime, phase-1 mode) must agree.
func asaPolicyBased(v *asaView, c vpn.Connection, plans []asaTunnelPlan, p params, base string, maxName, seq int) ([]tunnelWarning, error) {
	var warns []tunnelWarning
	first := plans[0]
	m := &asaCryptoMap{Name: p.String("crypto-map"), Seq: seq, ACL: ciscoObjName(base, maxName, "acl"), PFS: first.pfs,
		Lifetime: first.espLife, Aggressive: first.t.IKE.Version == vpn.IKEv1 && first.t.IKE.Mode == vpn.AggressiveMode}
	var peers, props []string
	for _, pl := range plans {
		if pl.pfs != first.pfs {
			return nil, fmt.Errorf("%s: IPsec PFS %s differs from tunnel 1's %s; a %s crypto map entry carries one PFS group for both peers: make the tunnels' PFS groups equal on Alibaba", pl.t.Label(), pl.t.IPsec.PFS, first.t.IPsec.PFS, asaPlatform)
		}
		if pl.t.IKE.Mode != first.t.IKE.Mode && pl.t.IKE.Version == vpn.IKEv1 {
			return nil, fmt.Errorf("%s: IKEv1 %s mode differs from tunnel 1's %s mode; a %s crypto map entry sets one phase-1 mode for both peers", pl.t.Label(), pl.t.IKE.Mode, first.t.IKE.Mode, asaPlatform)
		}
		if pl.espLife < m.Lifetime {
			m.Lifetime = pl.espLife
		}
		peers = append(peers, pl.t.RemoteAddr.String())
		props = append(props, pl.proposal)
	}
	if c.Dual() && plans[0].espLife != plans[1].espLife {
		warns = append(warns, tunnelWarning{plans[1].t, fmt.Sprintf("IPsec lifetimes differ (%ds and %ds); the shared crypto map entry uses the shorter, %ds", plans[0].espLife, plans[1].espLife, m.Lifetime)})
	}
	m.Peers = strings.Join(peers, " ")
	if v.Version == 1 {
		m.Proposal = "ikev1 transform-set " + strings.Join(props, " ")
	} else {
		m.Proposal = "ikev2 ipsec-proposal " + strings.Join(props, " ")
	}
	for _, pair := range c.SubnetPairs() {
		m.ACLLines = append(m.ACLLines, "permit ip "+ciscoNet(pair.Local)+" "+ciscoNet(pair.Remote))
	}
	v.CryptoMap = m

	v.LocalGroup = ciscoObjName(base, maxName, "local")
	v.RemoteGroup = ciscoObjName(base, maxName, "vpc")
	for _, s := range c.LocalSubnets {
		v.LocalNets = append(v.LocalNets, ciscoNet(s))
	}
	for _, s := range c.RemoteSubnets {
		v.RemoteNets = append(v.RemoteNets, ciscoNet(s))
	}
	v.NAT = fmt.Sprintf("nat (%s,%s) source static %s %s destination static %s %s no-proxy-arp route-lookup",
		p.String("inside-interface"), v.Outside, v.LocalGroup, v.LocalGroup, v.RemoteGroup, v.RemoteGroup)
	v.Checks = append(v.Checks,
		fmt.Sprintf("%s holds one crypto map: if it already has one, set crypto-map=<that name> and a free crypto-map-seq instead of replacing it.", v.Outside),
		"The tunnel comes up when traffic matching the ACL arrives: start it with a ping from an on-prem host to a VPC host (or packet-tracer).")
	v.RoutingNote = []string{"Policy-based: no tunnel routes. Traffic to the VPC must be routed through interface " + v.Outside + " (normally the default route), where the crypto map encrypts it."}
	v.FirewallNote = []string{
		"Decrypted traffic bypasses the " + v.Outside + " access-list while 'sysopt connection permit-vpn' is on (the default).",
		"The NAT exemption keeps the on-prem addresses unchanged towards the VPC; place it above any dynamic PAT rule.",
	}
	return warns, nil
}

// asaRouteBased lays out one VTI per tunnel (ASA 9.7.1+), each with its
// IPsec profile, and static routes or BGP with the master preferred.
func asaRouteBased(v *asaView, c vpn.Connection, plans []asaTunnelPlan, p params, base string, maxName, tunnelNo int, vtiNet, vpc netip.Prefix, haveVPC bool) ([]tunnelWarning, error) {
	var warns []tunnelWarning
	if vtiNet.Bits() > 32-2 || 1<<(32-vtiNet.Bits()) < 4*len(plans) {
		return nil, &ParamError{Vendor: p.vendor, Key: "vti-network", Reason: fmt.Sprintf("value %q: needs room for %d /30 networks", vtiNet, len(plans))}
	}
	var bgp *iosBGP
	for i, pl := range plans {
		t := pl.t
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode {
			return nil, fmt.Errorf("%s: IKEv1 aggressive mode cannot be expressed on a %s VTI (only crypto map entries set the phase-1 mode): use main mode or IKEv2 on Alibaba", t.Label(), asaPlatform)
		}
		if t.RemoteID.Kind != vpn.IDNone && t.RemoteID != vpn.AddressID(t.RemoteAddr) {
			// ASA VTI guide (9.12+): "Tunnel group name must match what the
			// peer will send as its IKEv1 or IKEv2 identity"; the tunnel
			// groups here are named by address.
			warns = append(warns, tunnelWarning{t, fmt.Sprintf("Alibaba identifies as %s, not as its address %s: an ASA VTI needs the tunnel-group named after the peer's identity; set Alibaba's RemoteId to %s or rename the tunnel-group", t.RemoteID, t.RemoteAddr, t.RemoteAddr)})
		}
		prof := asaIPsecProfile{Name: pl.name, PFS: pl.pfs, Lifetime: pl.espLife}
		if v.Version == 1 {
			prof.Proposal = "ikev1 transform-set " + pl.proposal
		} else {
			prof.Proposal = "ikev2 ipsec-proposal " + pl.proposal
		}
		v.IPsecProfiles = append(v.IPsecProfiles, prof)
		num := tunnelNo + i
		tun := asaTunnel{Number: num, Description: fmt.Sprintf("Alibaba %s %s", base, roleText(t)), Nameif: ciscoObjName(base, 32, tunnelSuffix(c, t, "vti")),
			Destination: t.RemoteAddr.String(), Profile: pl.name}
		if t.ID != "" {
			tun.Description += " " + t.ID
		}
		if t.BGP != nil {
			tun.Address = t.BGP.LocalIP.String() + " " + dottedMask(t.BGP.TunnelCIDR.Bits(), false)
			if bgp == nil {
				bgp = &iosBGP{ASN: t.BGP.LocalASN}
			} else if bgp.ASN != t.BGP.LocalASN {
				return nil, fmt.Errorf("%s: BGP ASN %d differs from tunnel 1's %d; an ASA runs one BGP process", t.Label(), t.BGP.LocalASN, bgp.ASN)
			}
			n := iosBGPNeighbor{IP: t.BGP.RemoteIP.String(), RemoteASN: t.BGP.RemoteASN, Description: "Alibaba " + roleText(t)}
			switch t.Role {
			case vpn.RoleMaster:
				n.RouteMapIn = ciscoObjName(base, maxName, "master-in")
				bgp.RouteMaps = append(bgp.RouteMaps, iosRouteMap{Name: n.RouteMapIn, Set: "set local-preference 200"})
			case vpn.RoleSlave:
				n.RouteMapOut = ciscoObjName(base, maxName, "slave-out")
				bgp.RouteMaps = append(bgp.RouteMaps, iosRouteMap{Name: n.RouteMapOut, Set: fmt.Sprintf("set as-path prepend %d %d", t.BGP.LocalASN, t.BGP.LocalASN)})
			}
			bgp.Neighbors = append(bgp.Neighbors, n)
		} else {
			// A /30 per tunnel, local only: Alibaba has no inside address
			// without BGP, but an ASA route needs a next hop on the VTI.
			netAddr := vtiNet.Addr().As4()
			off := uint32(4 * i)
			u := uint32(netAddr[0])<<24 | uint32(netAddr[1])<<16 | uint32(netAddr[2])<<8 | uint32(netAddr[3])
			ip := func(n uint32) string {
				x := u + off + n
				return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}).String()
			}
			tun.Address = ip(1) + " 255.255.255.252"
			dest := "<VPC-NETWORK> <VPC-MASK>"
			if haveVPC {
				dest = ciscoNet(vpc)
			}
			dist := 1
			if t.Role == vpn.RoleSlave {
				// floating static route: used only while the master is down
				dist = 10
			}
			v.Routes = append(v.Routes, fmt.Sprintf("route %s %s %s %d", tun.Nameif, dest, ip(2), dist))
		}
		v.Tunnels = append(v.Tunnels, tun)
	}
	v.BGP = bgp
	if bgp != nil {
		v.RoutingNote = append(v.RoutingNote, "BGP learns the VPC prefixes. Advertise the on-prem prefixes with 'network <ON-PREM-NETWORK> mask <MASK>' under address-family ipv4 unicast.")
		v.Checks = append(v.Checks, fmt.Sprintf("BGP: if this ASA already runs BGP, its AS must be %d.", bgp.ASN))
	} else if !haveVPC {
		v.RoutesCommented = true
		v.RoutingNote = append(v.RoutingNote, "Replace <VPC-NETWORK> <VPC-MASK> by each VPC prefix and remove the '!' (or render with --set vpc-cidr=<prefix>).")
		v.Checks = append(v.Checks, "Section 4: the static routes are commented placeholders until you give the VPC prefix.")
	}
	if v.Version == 1 {
		v.Checks = append(v.Checks, "Route-based needs ASA 9.7.1 or later (VTI); the VTI starts IKE by itself (this ASA initiates).")
	} else {
		v.Checks = append(v.Checks, "Route-based IKEv2 needs an ASA release with IKEv2 VTIs (the 9.7 VTI guide lists IKEv1 only, the 9.12 guide both); the VTI starts IKE by itself (this ASA initiates).")
	}
	v.FirewallNote = []string{
		"VTI nameifs have security-level 0: traffic started from the VPC needs an access-list applied inbound on each VTI nameif",
		"(access-group <ACL> in interface <nameif>); replies to on-prem traffic pass statefully.",
		"Exempt VPC-bound traffic from any dynamic PAT rule that uses 'any' as the outgoing interface.",
	}
	return warns, nil
}
