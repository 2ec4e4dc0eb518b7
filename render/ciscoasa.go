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
		// removes exactly what cisco-asa.txt creates (Objects)
		Rollback: "cisco-asa-rollback.txt",
		Params: []Param{
			{Key: "outside-interface", Default: "outside", Help: "nameif of the interface facing the Internet"},
			{Key: "outside-interface-2", Default: "", Help: "route-based: nameif of tunnel 2's interface when Alibaba's tunnel 2 uses another on-prem address"},
			{Key: "inside-interface", Default: "inside", Help: "policy-based: nameif of the on-prem side, for the NAT exemption"},
			{Key: "crypto-map", Default: "ALIYUN-MAP", Help: "policy-based: crypto map name; an interface holds one crypto map, so reuse its existing name"},
			{Key: "crypto-map-seq", Default: "10", Help: "policy-based: crypto map sequence number (pick a free one)", Stride: 10},
			{Key: "ike-priority", Default: "10", Help: "crypto ikev1/ikev2 policy priority of tunnel 1 (tunnel 2 uses the next number)", Stride: 2},
			{Key: "tunnel-number", Default: "100", Help: "route-based: interface Tunnel number of tunnel 1 (tunnel 2 uses the next number); must be free", Stride: 2},
			{Key: "vti-network", Default: "169.254.255.0/29", Help: "route-based without BGP: link network for the VTIs, one /30 per tunnel (ASA takes .1, the route next hop is .2)", Stride: 1},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix routed into the tunnel(s), e.g. 172.16.0.0/12 (default: a commented placeholder route)"},
			{Key: "asa-version", Default: "", Help: "ASA release, e.g. 9.16.4 for 9.16(4): refuses what it no longer offers (9.15+: DH 2/5/24, MD5, DES/3DES; IKEv2 VTI needs 9.8) (empty: warn)"},
			bgpParams[0], bgpParams[1],
		},
		// ikev1 pre-shared-key K; ikev2 remote-/local-authentication pre-shared-key K
		SecretKeywords: []string{"pre-shared-key", "password"},
		build:          buildCiscoASA,
	})
}

const asaPlatform = "Cisco ASA"

// ASA keywords (docs/vendors/cisco-asa.md; ranges and algorithm lists checked against
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
	fileNotes

	Version  int // 1 or 2
	Outside  string
	Identity string // "hostname" for FQDN identities; "" keeps the default (auto: the address for pre-shared keys)
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
	Routes          []asaRoute
	RoutesCommented bool
	BGP             *ciscoBGP

	NAT          *asaNAT // policy-based only
	FirewallNote []string

	// Undo are the rollback's commands, Objects undone in reverse order;
	// Kept the global lines the rollback leaves in place, as comments.
	Undo []string
	Kept []string
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
	Encryption string // "esp-aes-256"
	Integrity  string // "esp-sha-hmac"
}

type asaIPsecProposal struct {
	Name       string
	Encryption string
	Integrity  string
}

type asaIPsecProfile struct {
	Name     string
	Proposal string // the transform set (IKEv1) or IPsec proposal (IKEv2)
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
	ACLEntries []ciscoACE
	Peers      []string // in order of preference, the master first
	Proposals  []string // transform sets (IKEv1) or IPsec proposals (IKEv2)
	PFS        string
	Lifetime   int
	// AggressiveGroup is "group14" etc. for IKEv1 aggressive mode: the
	// initiator takes its aggressive-mode DH group from "set ikev1
	// phase1-mode aggressive <group>", not from the IKE policy; "" = main.
	AggressiveGroup string
}

type asaTunnel struct {
	Source      string // nameif of the interface the tunnel leaves from
	Number      int
	Description string
	Nameif      string
	IP          string
	Mask        string
	Destination string
	Profile     string
}

// asaRoute is "route <Nameif> <Network> <Mask> <NextHop> <Distance>".
type asaRoute struct {
	Nameif   string
	Network  string
	Mask     string
	NextHop  string
	Distance int
}

// asaNAT is the NAT exemption of a policy-based connection: twice-NAT of
// the on-prem object group to itself towards the VPC object group.
type asaNAT struct {
	Inside, Outside         string // nameifs
	LocalGroup, RemoteGroup string
	LocalNets, RemoteNets   []string // "network mask"
}

// buildCiscoASA decides every keyword, name and number of cisco-asa.txt:
// IKE policies, transform sets or IPsec proposals and one tunnel-group per
// tunnel, then a crypto map with NAT exemption (policy-based) or one VTI
// per tunnel (route-based).
func buildCiscoASA(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	// Alibaba's health-check probes must pass the selectors, access
	// lists and policies derived from the subnets (render/connfacts.go).
	c = c.WithProbeSelectors()
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
	vpc, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	vtiNet, _, err := p.Prefix("vti-network")
	if err != nil {
		return nil, nil, err
	}
	outside := p.String("outside-interface")

	v := asaView{fileNotes: newFileNotes(c, "Cisco ASA configuration for an Alibaba Cloud IPsec-VPN connection", o), Outside: outside, NATT: c.NATTraversal}
	b := &ciscoBuilder{platform: asaPlatform, device: "ASA", aDevice: "an ASA", c: c, o: o, notes: &v.fileNotes,
		base: baseName(c, 40), outside: outside, tunnelNo: tunnelNo, vpc: vpc, outside2: p.String("outside-interface-2")}
	if err := b.checkSources(); err != nil {
		return nil, nil, err
	}
	if b.bs, err = readBGPSafety(p); err != nil {
		return nil, nil, err
	}
	if err := asaRelease(c, p); err != nil {
		return nil, nil, err
	}

	version := c.Tunnels[0].IKE.Version
	v.Version = int(version)
	var tunnels []ciscoTunnel
	for _, t := range c.Tunnels {
		ct, err := b.tunnel(t, lifeRange{asaLifeMin, asaLifeMax}, lifeRange{asaLifeMin, asaLifeMax})
		if err != nil {
			return nil, nil, err
		}
		pol, err := asaIKE(t, prio+t.Index-1, ct.ikeLife)
		if err != nil {
			return nil, nil, err
		}
		v.IKEPolicies = append(v.IKEPolicies, pol)
		if ct.pfs, err = pfsKeyword(asaPFS, asaPlatform, t); err != nil {
			return nil, nil, err
		}
		if version == vpn.IKEv1 {
			enc, err := keyword(asaESPv1Cipher, asaPlatform, t, "IPsec encryption", t.IPsec.Cipher)
			if err != nil {
				return nil, nil, err
			}
			integ, err := keyword(asaESPv1Integrity, asaPlatform, t, "IPsec integrity", t.IPsec.Integrity)
			if err != nil {
				// Say what would work: IKEv2 offers the SHA-2 family.
				return nil, nil, cannotExpress("%s: IPsec integrity %s cannot be expressed on %s with IKEv1 (IKEv1 transform sets offer SHA-1 and MD5 only): use IKEv2 on Alibaba", t.Label(), t.IPsec.Integrity, asaPlatform)
			}
			v.TransformSets = append(v.TransformSets, asaTransformSet{Name: ct.name, Encryption: enc, Integrity: integ})
		} else {
			enc, err := keyword(asaESPv2Cipher, asaPlatform, t, "IPsec encryption", t.IPsec.Cipher)
			if err != nil {
				return nil, nil, err
			}
			integ, err := keyword(asaESPv2Integrity, asaPlatform, t, "IPsec integrity", t.IPsec.Integrity)
			if err != nil {
				return nil, nil, err
			}
			v.IPsecProposals = append(v.IPsecProposals, asaIPsecProposal{Name: ct.name, Encryption: enc, Integrity: integ})
		}
		v.TunnelGroups = append(v.TunnelGroups, asaTunnelGroup{Peer: t.RemoteAddr.String(), Comment: roleText(t), PSK: pskText(t, o), DPD: c.DPD})
		v.check("tunnel-group %s must not exist yet (show running-config tunnel-group %s): the ASA names it by Alibaba's address, so a second connection to that gateway would rewrite its key.", t.RemoteAddr, t.RemoteAddr)
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode && t.RemoteID.IsFQDN() {
			// An aggressive-mode responder picks the tunnel-group by the
			// peer's IKE ID, here an FQDN: it needs a group of that name.
			v.TunnelGroups = append(v.TunnelGroups, asaTunnelGroup{Peer: t.RemoteID.FQDN, Comment: roleText(t) + ", when Alibaba initiates in aggressive mode (selected by its ID)", PSK: pskText(t, o), DPD: c.DPD})
		}

		if t.LocalID.IsFQDN() {
			v.Identity = "hostname"
			v.check("%s: 'crypto isakmp identity hostname' sends this ASA's hostname.domain-name: it must equal %s; the setting is global and changes the ID of every tunnel on this ASA.", t.Label(), t.LocalID.FQDN)
		} else if t.LocalID.Kind == vpn.IDAddress {
			v.check("%s: the ASA identifies with the address of interface %s; if it is behind NAT that will not equal Alibaba's LocalId %s.", t.Label(), outside, t.LocalID.Addr)
		}
		if t.RemoteID.IsFQDN() {
			v.check("%s: the ASA selects the tunnel-group by Alibaba's address %s and does not check its ID %s for pre-shared keys.", t.Label(), t.RemoteAddr, t.RemoteID.FQDN)
		}
		weak, versioned := asaWeak(t)
		if len(weak) > 0 {
			v.warn(t, fmt.Sprintf("%s: weak, and newer ASA releases deprecate or remove some of them (check the CLI help on your release); better: change the connection's algorithms on Alibaba", strings.Join(weak, ", ")))
		}
		if len(versioned) > 0 {
			v.warn(t, fmt.Sprintf("%s: offered by some ASA releases only; check the CLI help for 'group' in crypto ikev2 policy mode, or use group14 on Alibaba", strings.Join(versioned, ", ")))
		}
		tunnels = append(tunnels, ct)
	}
	if v.Identity == "hostname" {
		for _, t := range c.Tunnels {
			if t.LocalID.Kind == vpn.IDAddress {
				return nil, nil, fmt.Errorf("%s: address identity %s while another tunnel uses an FQDN; %s sets its identity globally ('crypto isakmp identity')", t.Label(), t.LocalID.Addr, asaPlatform)
			}
		}
	}
	b.checkPriorities("crypto "+strings.ToLower(version.String())+" policy", "ike-priority", prio)
	v.GroupPolicy = b.objName("gp")
	b.checkNATT()
	b.ecmpNotes("The ASA keeps a connection on the interfaces it was built on and drops its packets arriving on the other tunnel interface (and routes to one destination over two interfaces need a traffic zone): put both tunnel interfaces in one traffic zone ('zone <name>', then 'zone-member <name>' on each Tunnel interface; ASA 9.3 and later, check that your release accepts tunnel interfaces as zone members), or accept that such flows are dropped.",
		"BGP installs one best path per prefix, so this ASA sends over one tunnel only; to send over both, set BGP multipath ('maximum-paths 2' under 'router bgp <AS> / address-family ipv4 unicast'; it applies to every BGP route of this ASA, so it is not set here; check that your release accepts it).")
	b.multiSubnetIKEv2()
	v.healthChecks(c)

	if c.RouteBased() {
		err = asaRouteBased(&v, b, tunnels, p, vtiNet)
	} else {
		err = asaPolicyBased(&v, b, tunnels, p, seq)
	}
	if err != nil {
		return nil, nil, err
	}

	asaObjects(&v)
	b.finish(&v.RoutingNote, &v.FirewallNote, &v.Kept)
	v.Verify = append(v.Verify, fmt.Sprintf("show crypto ikev%d sa", v.Version))
	v.Verify = append(v.Verify, b.verifyPeers()...)
	v.Verify = append(v.Verify, "show vpn-sessiondb l2l")
	if c.RouteBased() {
		v.Verify = append(v.Verify, b.verifyVTIs()...)
		if v.BGP != nil {
			v.Verify = append(v.Verify, "show bgp summary")
		} else {
			v.Verify = append(v.Verify, "show route static")
		}
	}
	return v, v.returned, nil
}

func asaIKE(t vpn.Tunnel, priority, life int) (asaIKEPolicy, error) {
	pol := asaIKEPolicy{Priority: priority, Comment: roleText(t), Lifetime: life}
	var err error
	if pol.Encryption, err = keyword(asaIKECipher, asaPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return pol, err
	}
	hashes, groups := asaIKEv2Hash, asaIKEv2Group
	if t.IKE.Version == vpn.IKEv1 {
		// Values IKEv2 would take get an error that says so.
		if t.IKE.Integrity.SHA2() {
			return pol, cannotExpress("%s: IKE integrity %s cannot be expressed on %s with IKEv1 (SHA-2 is available for IKEv2 only): use IKEv2 on Alibaba", t.Label(), t.IKE.Integrity, asaPlatform)
		}
		hashes, groups = asaIKEv1Hash, asaIKEv1Group
	}
	if pol.Hash, err = keyword(hashes, asaPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return pol, err
	}
	if t.IKE.Version == vpn.IKEv1 && t.IKE.DHGroup == vpn.Group24 {
		return pol, cannotExpress("%s: IKE DH %s cannot be expressed on %s with IKEv1 (groups 1, 2, 5 and 14 only): use IKEv2 or group14 on Alibaba", t.Label(), t.IKE.DHGroup, asaPlatform)
	}
	pol.Group, err = keyword(groups, asaPlatform, t, "IKE DH group", t.IKE.DHGroup)
	return pol, err
}

// asaWeak lists weak algorithms and version-dependent ones. ASA keeps
// accepting the weak ones on most releases (docs/vendors/README.md, "Unsupported and risky combinations"); group 24
// is offered for IKEv2 by some releases only (unconfirmed which).
// asaRelease checks the connection against --set asa-version: ASA 9.15
// (the code base of FTD 6.7, whose upgrade notes list the removals) no
// longer offers DH groups 2, 5 and 24 (5 stays for IKEv1), MD5, DES and
// 3DES; an IKEv2 VTI needs 9.8(1) (Cisco doc 214230). Unconfirmed for
// each 9.15+ release: docs/vendors/cisco-asa.md.
func asaRelease(c vpn.Connection, p params) error {
	rel := p.String("asa-version")
	if rel == "" {
		return nil
	}
	maj, min, ok := parseVersion(strings.SplitN(rel, "(", 2)[0])
	if !ok {
		return &ParamError{Vendor: p.vendor, Key: "asa-version", Reason: fmt.Sprintf("value %q: want a release such as 9.16.4 or 9.18", rel)}
	}
	at := func(a, b int) bool { return maj > a || maj == a && min >= b }
	for _, t := range c.Tunnels {
		if c.RouteBased() && t.IKE.Version == vpn.IKEv2 && !at(9, 8) {
			return fmt.Errorf("%s: an IKEv2 VTI needs ASA 9.8(1) or later (--set asa-version=%s); use IKEv1 or specific subnets on Alibaba, or upgrade the ASA", t.Label(), rel)
		}
		if !at(9, 15) {
			continue
		}
		var gone []string
		for _, g := range []vpn.DHGroup{t.IKE.DHGroup, t.IPsec.PFS} {
			if g == vpn.Group2 || g == vpn.Group24 || g == vpn.Group5 && (t.IKE.Version == vpn.IKEv2 || g == t.IPsec.PFS) || g == vpn.Group1 {
				gone = append(gone, "DH "+g.String())
			}
		}
		for _, i := range []vpn.Integrity{t.IKE.Integrity, t.IPsec.Integrity} {
			if i == vpn.MD5 {
				gone = append(gone, "MD5")
			}
		}
		for _, ci := range []vpn.Cipher{t.IKE.Cipher, t.IPsec.Cipher} {
			if ci == vpn.DES || ci == vpn.TripleDES {
				gone = append(gone, ci.String())
			}
		}
		if len(gone) > 0 {
			return fmt.Errorf("%s: %s: no longer offered by ASA 9.15 and later (--set asa-version=%s); change the connection on Alibaba to AES, SHA-256 and group 14", t.Label(), strings.Join(gone, ", "), rel)
		}
	}
	return nil
}

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
// map entry (ciscoBuilder.cryptoMapEntry), which also sets one phase-1
// mode for both peers.
func asaPolicyBased(v *asaView, b *ciscoBuilder, tunnels []ciscoTunnel, p params, seq int) error {
	first := tunnels[0]
	pfs, life, err := b.cryptoMapEntry(tunnels)
	if err != nil {
		return err
	}
	m := &asaCryptoMap{Name: p.String("crypto-map"), Seq: seq, ACL: b.objName("acl"), PFS: pfs,
		Lifetime: life}
	if first.t.IKE.Version == vpn.IKEv1 && first.t.IKE.Mode == vpn.AggressiveMode {
		m.AggressiveGroup = "pending"
	}
	for _, ct := range tunnels {
		if ct.t.IKE.Mode != first.t.IKE.Mode && ct.t.IKE.Version == vpn.IKEv1 {
			return fmt.Errorf("%s: IKEv1 %s mode differs from tunnel 1's %s mode; a %s crypto map entry sets one phase-1 mode for both peers", ct.t.Label(), ct.t.IKE.Mode, first.t.IKE.Mode, asaPlatform)
		}
		if ct.t.Index == 1 && m.AggressiveGroup != "" {
			if m.AggressiveGroup, err = keyword(asaPFS, asaPlatform, ct.t, "IKE DH group", ct.t.IKE.DHGroup); err != nil {
				return err
			}
			v.warn(ct.t, fmt.Sprintf("'set ikev1 phase1-mode aggressive %s': which groups this command offers depends on the ASA release (check the CLI help after 'aggressive'); without it the ASA initiates aggressive mode with its default group, not Alibaba's", m.AggressiveGroup))
		}
		m.Peers = append(m.Peers, ct.t.RemoteAddr.String())
		m.Proposals = append(m.Proposals, ct.name)
	}
	for _, pair := range b.c.SubnetPairs() {
		m.ACLEntries = append(m.ACLEntries, ciscoACE{Action: "permit", Local: ciscoNet(pair.Local), Remote: ciscoNet(pair.Remote)})
	}
	v.CryptoMap = m

	nat := &asaNAT{Inside: p.String("inside-interface"), Outside: v.Outside, LocalGroup: b.objName("local"), RemoteGroup: b.objName("vpc")}
	for _, s := range b.c.LocalSubnets {
		nat.LocalNets = append(nat.LocalNets, ciscoNet(s))
	}
	for _, s := range b.c.RemoteSubnets {
		nat.RemoteNets = append(nat.RemoteNets, ciscoNet(s))
	}
	v.NAT = nat
	b.checkOneCryptoMap()
	v.check("The tunnel comes up when traffic matching the ACL arrives: start it with a ping from an on-prem host to a VPC host (or packet-tracer).")
	v.RoutingNote = []string{"Policy-based: no tunnel routes. Traffic to the VPC must be routed through interface " + v.Outside + " (normally the default route), where the crypto map encrypts it."}
	v.FirewallNote = []string{
		"Decrypted traffic bypasses the " + v.Outside + " access-list while 'sysopt connection permit-vpn' is on (the default).",
		"The NAT exemption keeps the on-prem addresses unchanged towards the VPC; line 1 puts it above every other twice-NAT rule, PAT included (check with show nat).",
	}
	return nil
}

// asaRouteBased lays out one VTI per tunnel (ASA 9.7.1+), each with its
// IPsec profile, and floating static routes or BGP (ciscoBuilder) with the
// master preferred.
func asaRouteBased(v *asaView, b *ciscoBuilder, tunnels []ciscoTunnel, p params, vtiNet netip.Prefix) error {
	if vtiNet.Bits() > 32-2 || 1<<(32-vtiNet.Bits()) < 4*len(tunnels) {
		return &ParamError{Vendor: p.vendor, Key: "vti-network", Reason: fmt.Sprintf("value %q: needs room for %d /30 networks", vtiNet, len(tunnels))}
	}
	for i, ct := range tunnels {
		t := ct.t
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode {
			return cannotExpress("%s: IKEv1 aggressive mode cannot be expressed on a %s VTI (only crypto map entries set the phase-1 mode): use main mode or IKEv2 on Alibaba", t.Label(), asaPlatform)
		}
		if t.RemoteID.Kind != vpn.IDNone && t.RemoteID != vpn.AddressID(t.RemoteAddr) {
			// ASA VTI guide (9.12+): "Tunnel group name must match what the
			// peer will send as its IKEv1 or IKEv2 identity"; the tunnel
			// groups here are named by address.
			v.warn(t, fmt.Sprintf("Alibaba identifies as %s, not as its address %s: an ASA VTI needs the tunnel-group named after the peer's identity; set Alibaba's RemoteId to %s or rename the tunnel-group", t.RemoteID, t.RemoteAddr, t.RemoteAddr))
		}
		v.IPsecProfiles = append(v.IPsecProfiles, asaIPsecProfile{Name: ct.name, Proposal: ct.name, PFS: ct.pfs, Lifetime: ct.espLife})
		num := b.tunnelNo + i
		tun := asaTunnel{Number: num, Description: b.vtiDescription(t), Nameif: ciscoObjName(b.base, 32, tunnelSuffix(b.c, t, "vti")),
			Destination: t.RemoteAddr.String(), Profile: ct.name, Source: b.source(t)}
		if t.BGP != nil {
			tun.IP, tun.Mask = t.BGP.LocalIP.String(), dottedMask(t.BGP.TunnelCIDR.Bits(), false)
			if err := b.addBGPNeighbor(t); err != nil {
				return err
			}
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
			tun.IP, tun.Mask = ip(1), "255.255.255.252"
			// A single tunnel's route states ASA's default distance, 1.
			r := asaRoute{Nameif: tun.Nameif, NextHop: ip(2), Distance: max(staticDistance(b.c, t), ciscoMasterDistance)}
			r.Network, r.Mask = b.staticDest()
			v.Routes = append(v.Routes, r)
		}
		v.Tunnels = append(v.Tunnels, tun)
	}
	v.BGP = b.bgp
	v.RoutingNote, v.RoutesCommented = b.routingNotes("address-family ipv4 unicast", "BGP: if this ASA already runs BGP, its AS must be %d.")
	b.checkVTIs()
	if v.BGP == nil {
		v.check("vti-network %s must be unused on this ASA (one /30 per tunnel); pick another with --set vti-network=<prefix>.", vtiNet)
	}
	if v.Version == 1 {
		v.check("Route-based needs ASA 9.7.1 or later (VTI); the VTI starts IKE by itself (this ASA initiates).")
	} else {
		v.check("Route-based IKEv2 needs an ASA release with IKEv2 VTIs (the 9.7 VTI guide lists IKEv1 only, the 9.12 guide both); the VTI starts IKE by itself (this ASA initiates).")
	}
	v.FirewallNote = []string{
		"VTI nameifs have security-level 0: traffic started from the VPC needs an access-list applied inbound on each VTI nameif",
		"(access-group <ACL> in interface <nameif>); replies to on-prem traffic pass statefully.",
		"Exempt VPC-bound traffic from any dynamic PAT rule that uses 'any' as the outgoing interface.",
	}
	return nil
}

// asaObjects records what cisco-asa.txt creates, in creation order, and
// the commands that remove each (docs/vendors/cisco-asa.md, "Rollback").
func asaObjects(v *asaView) {
	for _, p := range v.IKEPolicies {
		v.created(fmt.Sprintf("crypto ikev%d policy", v.Version), fmt.Sprint(p.Priority))
	}
	for _, t := range v.TransformSets {
		v.created("crypto ipsec ikev1 transform-set", t.Name)
	}
	for _, p := range v.IPsecProposals {
		v.created("crypto ipsec ikev2 ipsec-proposal", p.Name)
	}
	for _, p := range v.IPsecProfiles {
		v.created("crypto ipsec profile", p.Name)
	}
	v.created("group-policy", v.GroupPolicy)
	for _, g := range v.TunnelGroups {
		v.created("tunnel-group", g.Peer)
	}
	if m := v.CryptoMap; m != nil {
		v.created("access-list", m.ACL)
		v.created("crypto map", fmt.Sprintf("%s %d", m.Name, m.Seq))
		v.Kept = append(v.Kept, fmt.Sprintf("'crypto map %s interface %s' stays: remove it only if the map has no other entries.", m.Name, v.Outside))
	}
	for _, t := range v.Tunnels {
		v.created("interface", fmt.Sprintf("Tunnel%d", t.Number))
	}
	if !v.RoutesCommented {
		for _, r := range v.Routes {
			v.created("route", fmt.Sprintf("%s %s %s %s %d", r.Nameif, r.Network, r.Mask, r.NextHop, r.Distance))
		}
	}
	if b := v.BGP; b != nil {
		for _, p := range b.PrefixLists {
			v.created("prefix-list", p.Name)
		}
		for _, r := range b.RouteMaps {
			v.created("route-map", r.Name)
		}
		for _, n := range b.Neighbors {
			v.created("bgp neighbor", fmt.Sprintf("%d %s %d", b.ASN, n.IP, n.RemoteASN))
		}
		v.Kept = append(v.Kept, fmt.Sprintf("router bgp %d stays: remove it only if this file opened it and nothing else uses it.", b.ASN))
	}
	if n := v.NAT; n != nil {
		v.created("object-group network", n.LocalGroup)
		v.created("object-group network", n.RemoteGroup)
		v.created("nat", fmt.Sprintf("(%s,%s) source static %s %s destination static %s %s no-proxy-arp route-lookup", n.Inside, n.Outside, n.LocalGroup, n.LocalGroup, n.RemoteGroup, n.RemoteGroup))
	}
	v.Kept = append(v.Kept, fmt.Sprintf("'crypto ikev%d enable %s', 'crypto isakmp identity' and 'crypto isakmp nat-traversal' stay (global; other tunnels may use them).", v.Version, v.Outside))
	v.Undo = undoLines(v.Objects, func(o object) []string {
		switch o.Kind {
		case "bgp neighbor":
			f := strings.Fields(o.Name)
			return []string{"router bgp " + f[0], " address-family ipv4 unicast", "  no neighbor " + f[1] + " remote-as " + f[2], " exit-address-family"}
		case "tunnel-group", "access-list":
			return []string{"clear configure " + o.Kind + " " + o.Name}
		case "crypto map":
			return []string{"clear configure crypto map " + o.Name}
		}
		return []string{"no " + o.Kind + " " + o.Name}
	})
}
