package render

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:     "huawei",
		Summary:  "Huawei VRP system-view CLI: USG6000/USG6000E firewalls (zones, security and NAT policy) or AR routers; IPsec policy (policy-based) or IPsec tunnel interfaces (route-based), static routes or BGP",
		File:     "huawei.txt",
		Rollback: "huawei-rollback.txt",
		Params: []Param{
			{Key: "platform", Default: "usg", Help: "usg: USG6000/USG6000E firewall (security zones, security-policy, nat-policy); ar: AR router"},
			{Key: "outside-interface", Default: "GigabitEthernet1/0/1", Help: "interface facing the Internet (IPsec policy, tunnel source)"},
			{Key: "inside-zone", Default: "trust", Help: "usg: security zone of the on-prem subnets"},
			{Key: "outside-zone", Default: "untrust", Help: "usg: security zone of the outside interface"},
			{Key: "tunnel-zone", Default: "untrust", Help: "usg, route-based: security zone the tunnel interfaces join (a dedicated zone needs a free priority; create it first)"},
			{Key: "ike-proposal", Default: "10", Help: "ike proposal number of tunnel 1 (tunnel 2 uses the next); must be free", Stride: 2},
			{Key: "acl-number", Default: "3100", Help: "policy-based: advanced ACL number (3000-3999) of tunnel 1 (tunnel 2 uses the next); must be free", Stride: 2},
			{Key: "policy-name", Default: "", Help: "policy-based, one tunnel: the IPsec policy group already applied to the outside interface, to add this connection to it as a new entry (default: a new group named after the connection, applied to the interface)"},
			{Key: "policy-seq", Default: "10", Help: "policy-based: IPsec policy sequence number; must be free in the group", Stride: 1},
			{Key: "tunnel-number", Default: "100", Help: "tunnel interface number of tunnel 1 (Tunnel<N> on usg, Tunnel0/0/<N> on ar; tunnel 2 uses the next); must be free", Stride: 2},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix to route into the tunnels, e.g. 172.16.0.0/12 (default: commented placeholder routes)"},
			{Key: "onprem-prefixes", Default: "", List: true, Help: "BGP and route-based policies: on-prem prefixes, comma-separated (default: none advertised, a WARNING)"},
			{Key: "local-as", Default: "", Help: "BGP: the AS this device already runs; must equal the customer gateway ASN on Alibaba"},
		},
		SecretKeywords: []string{"pre-shared-key", "password"},
		build:          buildHuawei,
	})
}

// Platform names in errors and warnings.
const (
	hwUSG = "Huawei USG (VRP)"
	hwAR  = "Huawei AR (VRP)"
)

// Huawei VRP keywords (docs/vendors/huawei.md §1; USG6000E V600 command
// reference and the AR V300 customer-gateway guide).
var (
	hwCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-128", vpn.AES192: "aes-192", vpn.AES256: "aes-256", vpn.DES: "des", vpn.TripleDES: "3des",
	}
	hwIKEv1Auth = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha2-256", vpn.SHA384: "sha2-384", vpn.SHA512: "sha2-512",
	}
	hwIKEv2Integrity = map[vpn.Integrity]string{
		vpn.MD5: "hmac-md5-96", vpn.SHA1: "hmac-sha1-96", vpn.SHA256: "hmac-sha2-256", vpn.SHA384: "hmac-sha2-384", vpn.SHA512: "hmac-sha2-512",
	}
	hwPRF = map[vpn.Integrity]string{
		vpn.MD5: "hmac-md5", vpn.SHA1: "hmac-sha1", vpn.SHA256: "hmac-sha2-256", vpn.SHA384: "hmac-sha2-384", vpn.SHA512: "hmac-sha2-512",
	}
	// hwGroup has no group 24: no Huawei reference lists a keyword for it.
	hwGroup = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14",
	}
	hwPFS = map[vpn.DHGroup]string{
		vpn.Group1: "dh-group1", vpn.Group2: "dh-group2", vpn.Group5: "dh-group5", vpn.Group14: "dh-group14",
	}
	hwESPAuth = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha2-256", vpn.SHA384: "sha2-384", vpn.SHA512: "sha2-512",
	}
)

// hwBGPSyntax is VRP's prefix-list and route-policy syntax.
var hwBGPSyntax = vrpBGPSyntax{
	prefixList: "ip ip-prefix", match: "if-match ip-prefix ", prepend: "apply as-path %d %d additive",
	password: "password cipher ", process: "process",
	unconfirmed: []string{"ip ip-prefix / route-policy / apply local-preference", "apply as-path ... additive", "peer ... password cipher"},
}

// Lifetimes: IKE 60-604800 s (VRP), IPsec taken as 120-604800 s
// (unconfirmed on USG/AR: docs/vendors/huawei.md §1).
const (
	hwIKEMin, hwIKEMax     = 60, 604800
	hwIPsecMin, hwIPsecMax = 120, 604800
	// hwNameMax keeps every IPsec object name within 15 characters (the
	// shortest limit found, NetEngine ipsec policy names) with "-t1".
	hwNameMax = 12
)

// hwView is what huawei.txt.tmpl and huawei-rollback.txt.tmpl lay out.
type hwView struct {
	fileNotes
	Global         []string
	IKEProposals   []hwIKEProposal
	IKEPeers       []hwIKEPeer
	IPsecProposals []hwIPsecProposal
	ACLs           []vrpACL
	Policies       []hwPolicy
	Profiles       []hwPolicy // route-based: no Seq, no ACL
	Tunnels        []hwTunnel
	Apply          *hwApply
	Zones          []hwZone
	RoutingNote    []string
	Routes         []vrpLine
	Prefixes       []string
	RoutePolicies  []vrpRoutePolicy
	BGP            *hwBGP
	SecRules       []vrpRule
	NATRules       []vrpRule
	NATNote        []string
	NATDeny        []string
	Rollback       []string

	tunnelZone string // usg: the zone tunnel interfaces join
	usg        bool
	params     params
}

// hwPlatformName names the platform in errors.
func hwPlatformName(usg bool) string {
	if usg {
		return hwUSG
	}
	return hwAR
}

type hwIKEProposal struct {
	Number         int
	Comment        string
	Encryption, DH string
	Auth           string // IKEv1
	Integrity, PRF string // IKEv2
	Lifetime       int
}

type hwIKEPeer struct {
	Name, Comment          string
	Version                string // "undo version 2" (IKEv1) or "undo version 1"
	PSK                    string // whole line: "pre-shared-key ..."
	Proposal               int
	Remote                 string
	LocalIDType, LocalID   string
	RemoteIDType, RemoteID string
	Aggressive             bool
	DPD                    bool
}

type hwIPsecProposal struct {
	Name, Auth, Encryption string
}

type hwPolicy struct {
	Name     string
	Seq      int
	ACL      int
	Peer     string
	Proposal string
	PFS      string
	Lifetime int
}

type hwTunnel struct {
	Interface, Description string
	Address                string
	MTU                    int // 0: not written
	Source, Destination    string
	Apply                  string // "ipsec profile X" or "ipsec policy X"
}

type hwApply struct{ Interface, Policy string }

type hwZone struct {
	Zone       string
	Interfaces []string
}

type hwBGP struct {
	ASN   uint32
	Peers []hwBGPPeer
}

type hwBGPPeer struct {
	IP, Description string
	RemoteASN       uint32
	Password        string // whole line or ""
	Import, Export  string
}

// vrpACL is an advanced ACL with one rule per selector pair.
type vrpACL struct {
	Number  int
	Comment string
	Rules   []string
}

// vrpLine is a command that may be written commented (a placeholder).
type vrpLine struct {
	Line      string
	Commented bool
}

// vrpRoutePolicy is one node of a route policy.
type vrpRoutePolicy struct {
	Name   string
	Action string // permit | deny
	Node   int
	Lines  []string
}

// vrpRule is a firewall rule (security policy or NAT policy) by name.
type vrpRule struct {
	Name      string
	Commented bool
	Lines     []string
}

// hwPlan is one tunnel's decided keywords.
type hwPlan struct {
	t        vpn.Tunnel
	name     string
	ikeLife  int
	espLife  int
	pfs      string
	tunnelIf string
}

// buildHuawei decides every keyword, name and number of huawei.txt.
func buildHuawei(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	platform := p.String("platform")
	var plat string
	switch platform {
	case "usg":
		plat = hwUSG
	case "ar":
		plat = hwAR
	default:
		return nil, nil, &ParamError{Vendor: p.vendor, Key: "platform", Reason: fmt.Sprintf("value %q: want usg or ar", platform)}
	}
	usg := platform == "usg"
	ikeNo, err := p.Int("ike-proposal", 1, 100)
	if err != nil {
		return nil, nil, err
	}
	aclNo, err := p.Int("acl-number", 3000, 3998)
	if err != nil {
		return nil, nil, err
	}
	seq, err := p.Int("policy-seq", 1, 10000)
	if err != nil {
		return nil, nil, err
	}
	tunNo, err := p.Int("tunnel-number", 0, 511)
	if err != nil {
		return nil, nil, err
	}
	vpc, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	onprem, err := vrpParamPrefixes(p, "onprem-prefixes")
	if err != nil {
		return nil, nil, err
	}
	outside := p.String("outside-interface")
	base := baseName(c, hwNameMax)
	title := "Huawei VRP (USG6000/USG6000E firewall) configuration for an Alibaba Cloud IPsec-VPN connection"
	if !usg {
		title = "Huawei VRP (AR router) configuration for an Alibaba Cloud IPsec-VPN connection"
	}
	v := hwView{fileNotes: newFileNotes(c, title, o), tunnelZone: p.String("tunnel-zone"), usg: usg, params: p}
	unconfirmed := newVrpUnconfirmed()
	key := vrpKeyRule{platform: plat, quoteQuestion: usg, cipherPrefixes: []string{"%^%#", "%@%@", "%$%$", "@%@%"}}

	version := c.Tunnels[0].IKE.Version
	var plans []hwPlan
	sha2 := false
	for i, t := range c.Tunnels {
		if err := vrpSM(plat, "USG6000E (V600) lists sm3/sm4 IPsec keywords", t); err != nil {
			return nil, nil, err
		}
		if t.IKE.Version != version {
			return nil, nil, cannotExpress("%s: %s while tunnel 1 uses %s; one %s configuration cannot mix IKE versions for one connection", t.Label(), t.IKE.Version, version, plat)
		}
		pl := hwPlan{t: t, name: base + tunnelSuffixDash(c, t), tunnelIf: hwTunnelName(usg, tunNo+i)}
		if pl.ikeLife, err = seconds(plat, "IKE lifetime", t, t.IKE.Lifetime, hwIKEMin, hwIKEMax); err != nil {
			return nil, nil, err
		}
		if pl.espLife, err = seconds(plat, "IPsec lifetime", t, t.IPsec.Lifetime, hwIPsecMin, hwIPsecMax); err != nil {
			return nil, nil, err
		}
		if pl.pfs, err = pfsKeyword(hwPFS, plat, t); err != nil {
			return nil, nil, err
		}
		prop := hwIKEProposal{Number: ikeNo + i, Comment: roleText(t), Lifetime: pl.ikeLife}
		if prop.Encryption, err = keyword(hwCipher, plat, t, "IKE encryption", t.IKE.Cipher); err != nil {
			return nil, nil, err
		}
		if prop.DH, err = keyword(hwGroup, plat, t, "IKE DH group", t.IKE.DHGroup); err != nil {
			return nil, nil, err
		}
		if version == vpn.IKEv1 {
			if prop.Auth, err = keyword(hwIKEv1Auth, plat, t, "IKE integrity", t.IKE.Integrity); err != nil {
				return nil, nil, err
			}
		} else {
			if prop.Integrity, err = keyword(hwIKEv2Integrity, plat, t, "IKE integrity", t.IKE.Integrity); err != nil {
				return nil, nil, err
			}
			prop.PRF, _ = keyword(hwPRF, plat, t, "IKE PRF", t.IKE.Integrity)
			if prop.Integrity != "hmac-sha2-256" {
				unconfirmed.add("integrity-algorithm " + prop.Integrity + ", prf " + prop.PRF)
			}
		}
		if t.IKE.Cipher == vpn.DES || t.IKE.Cipher == vpn.TripleDES {
			unconfirmed.add("IKE encryption-algorithm " + prop.Encryption)
		}
		if t.IKE.DHGroup == vpn.Group1 || t.IKE.DHGroup == vpn.Group2 {
			unconfirmed.add("dh " + prop.DH)
		}
		v.IKEProposals = append(v.IKEProposals, prop)

		psk, err := vrpSecret(key, t, vpn.KindPSK, "pre-shared key", t.PSK, o)
		if err != nil {
			return nil, nil, err
		}
		peer := hwIKEPeer{Name: pl.name, Comment: roleText(t), Proposal: prop.Number, Remote: t.RemoteAddr.String(), DPD: c.DPD,
			Version: "undo version 1", PSK: "pre-shared-key " + psk}
		if !usg {
			peer.PSK = "pre-shared-key cipher " + psk
		}
		if version == vpn.IKEv1 {
			peer.Version = "undo version 2"
			peer.Aggressive = t.IKE.Mode == vpn.AggressiveMode
		}
		if t.LocalID.IsFQDN() {
			peer.LocalIDType, peer.LocalID = "fqdn", t.LocalID.FQDN
			unconfirmed.add("local-id-type fqdn / local-id")
		} else if t.LocalID.Kind == vpn.IDAddress {
			v.check("%s: this device identifies with the address of %s; if it sits behind NAT, that differs from Alibaba's LocalId %s: set LocalId on Alibaba to the address the device sends.", t.Label(), outside, t.LocalID.Addr)
		}
		if t.RemoteID.IsFQDN() {
			peer.RemoteIDType, peer.RemoteID = "fqdn", t.RemoteID.FQDN
			unconfirmed.add("remote-id-type fqdn / remote-id")
		}
		if c.DPD {
			unconfirmed.add("dpd type periodic / dpd idle-time")
		}
		v.IKEPeers = append(v.IKEPeers, peer)

		ip := hwIPsecProposal{Name: pl.name}
		if ip.Encryption, err = keyword(hwCipher, plat, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
			return nil, nil, err
		}
		if ip.Auth, err = keyword(hwESPAuth, plat, t, "IPsec integrity", t.IPsec.Integrity); err != nil {
			return nil, nil, err
		}
		sha2 = sha2 || t.IPsec.Integrity.SHA2()
		v.IPsecProposals = append(v.IPsecProposals, ip)

		if weak := vrpWeak(t); len(weak) > 0 {
			msg := "weak algorithms " + strings.Join(weak, ", ") + ": change the connection on Alibaba to AES, SHA-256 and group 14 if you can"
			if usg {
				msg += "; USG6000E (V600) accepts md5 and sha1 only with the weak-algorithm package (WEAKEA) installed"
			}
			v.warn(t, msg)
		}
		plans = append(plans, pl)
	}
	// Objects in the order the file creates them.
	for _, x := range v.IKEProposals {
		v.created("ike proposal", fmt.Sprint(x.Number))
	}
	for _, x := range v.IKEPeers {
		v.created("ike peer", x.Name)
	}
	for _, x := range v.IPsecProposals {
		v.created("ipsec proposal", x.Name)
	}
	unconfirmed.add("sa duration time-based (range 120-604800 assumed)")

	if sha2 && !usg {
		v.Global = append(v.Global, "ipsec authentication sha2 compatible enable")
		v.check("'ipsec authentication sha2 compatible enable' is global: it makes every IPsec tunnel of this router use RFC 4868 SHA-2 truncation; an existing SHA-2 tunnel to an older Huawei device may then need the same setting on that device.")
	}
	if sha2 && usg {
		v.check("SHA-2 ESP: older USG releases truncate SHA-2 ICVs differently from RFC 4868; if IKE comes up but 'display ipsec statistics' counts authentication failures, check your release's SHA-2 compatibility setting.")
	}

	var hcLocal, hcRemote netip.Prefix
	hcLocal, hcRemote, hcAdd := vrpHealthCheck(&v.fileNotes, c)

	switch {
	case c.RouteBased():
		err = hwRouteBased(&v, c, p, plans, usg, base, outside, vpc, onprem, unconfirmed, key, o, hcRemote, hcAdd)
	case c.Dual():
		err = hwPolicyTunnels(&v, c, p, plans, usg, base, outside, aclNo, seq, unconfirmed, key, o, hcLocal, hcRemote, hcAdd)
	default:
		err = hwPolicyInterface(&v, c, p, plans[0], base, outside, aclNo, seq, hcLocal, hcRemote, hcAdd)
	}
	if err != nil {
		return nil, nil, err
	}
	if usg {
		hwSecurity(&v, c, p, plans, base, onprem, vpc, hcLocal, hcRemote, hcAdd, unconfirmed)
	} else {
		v.NATNote, v.NATDeny = vrpNATDeny(c, outside, onprem, vpc)
	}

	vrpCommonChecks(&v.fileNotes, c)
	if usg {
		v.check("The security-policy rules are appended after the existing ones: a deny rule above them wins; move them with 'rule move <name> before <deny rule>' if needed.")
	}
	unconfirmed.add("'#' comment lines when pasted")
	if msg := unconfirmed.text("a Huawei command reference"); msg != "" {
		v.warnConn(msg)
	}

	v.Verify = append(v.Verify, "display ike sa", "display ipsec sa brief", "display ipsec statistics")
	if len(v.Tunnels) > 0 {
		for _, tu := range v.Tunnels {
			v.Verify = append(v.Verify, "display interface "+tu.Interface)
		}
	}
	if v.BGP != nil {
		v.Verify = append(v.Verify, "display bgp peer", "display bgp routing-table")
	} else if len(v.Routes) > 0 {
		v.Verify = append(v.Verify, "display ip routing-table protocol static")
	}
	v.Verify = append(v.Verify, "save (only once the tunnel works: until then a reboot brings back the saved configuration)")
	v.Rollback = hwRollback(v.Objects, v.BGP)
	v.Header = ciscoComments(v.Header)
	v.Checks = ciscoComments(v.Checks)
	v.Warnings = ciscoComments(v.Warnings)
	v.RoutingNote = ciscoComments(v.RoutingNote)
	v.NATNote = ciscoComments(v.NATNote)
	return v, v.returned, nil
}

// hwRouteDest is a route destination in VRP's "network mask" form.
func hwRouteDest(p netip.Prefix) string {
	if !p.IsValid() {
		return "<VPC-NETWORK> <VPC-MASK>"
	}
	return p.Addr().String() + " " + dottedMask(p.Bits(), false)
}

// hwTunnelName is the tunnel interface's name: "Tunnel100" on USG,
// "Tunnel0/0/100" on AR.
func hwTunnelName(usg bool, n int) string {
	if usg {
		return fmt.Sprintf("Tunnel%d", n)
	}
	return fmt.Sprintf("Tunnel0/0/%d", n)
}

// tunnelSuffixDash is "" for a single tunnel and "-t1"/"-t2" for dual.
func tunnelSuffixDash(c vpn.Connection, t vpn.Tunnel) string {
	if c.Dual() {
		return fmt.Sprintf("-t%d", t.Index)
	}
	return ""
}

// hwACL builds the advanced ACL of selector pairs (one rule per pair;
// IKEv1 carries one pair per SA) plus the health check's pair.
func hwACLFor(c vpn.Connection, number int, comment string, hcLocal, hcRemote netip.Prefix, hcAdd bool) vrpACL {
	acl := vrpACL{Number: number, Comment: comment}
	n := 5
	for _, pr := range c.SubnetPairs() {
		acl.Rules = append(acl.Rules, fmt.Sprintf("rule %d permit ip source %s destination %s", n, vrpNet(pr.Local), vrpNet(pr.Remote)))
		n += 5
	}
	if hcAdd {
		acl.Rules = append(acl.Rules, fmt.Sprintf("rule %d permit ip source %s destination %s", n, vrpNet(hcLocal), vrpNet(hcRemote)))
	}
	return acl
}

// hwPolicyInterface lays out a single-tunnel policy-based connection: an
// ACL and an ISAKMP IPsec policy entry applied to the outside interface.
func hwPolicyInterface(v *hwView, c vpn.Connection, p params, pl hwPlan, base, outside string, aclNo, seq int, hcLocal, hcRemote netip.Prefix, hcAdd bool) error {
	if hcAdd {
		v.warn(pl.t, fmt.Sprintf("the health check's probes (%s to %s) are outside the connection's subnets: this file adds them to the ACL, but Alibaba's selectors must cover them too", hcRemote.Addr(), hcLocal.Addr()))
	}
	acl := hwACLFor(c, aclNo, "Alibaba "+base, hcLocal, hcRemote, hcAdd)
	v.ACLs = append(v.ACLs, acl)
	v.created("acl", fmt.Sprint(aclNo))
	name := base
	existing := p.String("policy-name")
	if existing != "" {
		name = existing
	}
	v.Policies = append(v.Policies, hwPolicy{Name: name, Seq: seq, ACL: aclNo, Peer: pl.name, Proposal: pl.name, PFS: pl.pfs, Lifetime: pl.espLife})
	v.created("ipsec policy", fmt.Sprintf("%s %d", name, seq))
	v.check("acl %d and ipsec policy %s %d must be free ('display acl %d', 'display ipsec policy name %s'); else --set acl-number / policy-seq.", aclNo, name, seq, aclNo, name)
	if existing == "" {
		v.Apply = &hwApply{Interface: outside, Policy: name}
		v.created("ipsec policy binding", outside+" "+name)
		v.check("%s holds one IPsec policy group: if 'display this' in %s already shows 'ipsec policy <name>', render with --set policy-name=<name> and a free --set policy-seq instead of replacing it.", outside, outside)
	} else {
		v.check("The entry joins IPsec policy group %s, which must already be applied to %s.", existing, outside)
	}
	v.check("The tunnel comes up when traffic matching acl %d leaves %s: start it with a ping from an on-prem host to a VPC host.", aclNo, outside)
	v.RoutingNote = []string{"Policy-based: no tunnel routes. Traffic to the VPC must leave through " + outside + " (normally the default route), where the IPsec policy encrypts it."}
	return nil
}

// hwPolicyTunnels lays out a dual-tunnel policy-based connection: two
// entries for the same traffic in one group never fail over (the first
// always matches, and the tunnels have different keys), so each tunnel
// gets a tunnel interface carrying its own ACL-based policy, and the VPC
// routes point into both with the master preferred.
func hwPolicyTunnels(v *hwView, c vpn.Connection, p params, plans []hwPlan, usg bool, base, outside string, aclNo, seq int, u *vrpUnconfirmed, key vrpKeyRule, o Options, hcLocal, hcRemote netip.Prefix, hcAdd bool) error {
	if p.String("policy-name") != "" {
		return &ParamError{Vendor: p.vendor, Key: "policy-name", Reason: "a dual-tunnel connection gets one IPsec policy per tunnel interface, not an entry in the outside interface's group"}
	}
	if !usg {
		u.add("ipsec policy in a tunnel interface (AR)")
	}
	for i, pl := range plans {
		acl := hwACLFor(c, aclNo+i, "Alibaba "+base+" "+pl.t.Label(), hcLocal, hcRemote, hcAdd)
		v.ACLs = append(v.ACLs, acl)
		v.created("acl", fmt.Sprint(acl.Number))
		v.Policies = append(v.Policies, hwPolicy{Name: pl.name, Seq: seq, ACL: acl.Number, Peer: pl.name, Proposal: pl.name, PFS: pl.pfs, Lifetime: pl.espLife})
		v.created("ipsec policy", fmt.Sprintf("%s %d", pl.name, seq))
	}
	v.check("acl %s must be free ('display acl all'); else --set acl-number.", numberRange(aclNo, len(plans)))
	if hcAdd {
		v.warnConn(fmt.Sprintf("the health check's probes (%s to %s) are outside the connection's subnets: this file adds them to the ACLs, but Alibaba's selectors must cover them too", hcRemote.Addr(), hcLocal.Addr()))
	}
	return hwTunnels(v, c, plans, usg, base, outside, func(pl hwPlan) string { return "ipsec policy " + pl.name }, netip.Prefix{}, nil, u, key, o, hcRemote, false)
}

// hwRouteBased lays out one IPsec profile and tunnel interface per
// tunnel, and static routes or BGP.
func hwRouteBased(v *hwView, c vpn.Connection, p params, plans []hwPlan, usg bool, base, outside string, vpc netip.Prefix, onprem []netip.Prefix, u *vrpUnconfirmed, key vrpKeyRule, o Options, hcRemote netip.Prefix, hcAdd bool) error {
	if p.String("policy-name") != "" {
		return &ParamError{Vendor: p.vendor, Key: "policy-name", Reason: "a route-based connection uses IPsec profiles on tunnel interfaces, not an IPsec policy group"}
	}
	for _, pl := range plans {
		v.Profiles = append(v.Profiles, hwPolicy{Name: pl.name, Peer: pl.name, Proposal: pl.name, PFS: pl.pfs, Lifetime: pl.espLife})
		v.created("ipsec profile", pl.name)
	}
	v.check("The tunnel interfaces start IKE by themselves (this device initiates); Alibaba routes 0.0.0.0/0 into the tunnel.")
	return hwTunnels(v, c, plans, usg, base, outside, func(pl hwPlan) string { return "ipsec profile " + pl.name }, vpc, onprem, u, key, o, hcRemote, hcAdd)
}

// hwTunnels writes the tunnel interfaces (applying what apply returns)
// and the routing into them.
func hwTunnels(v *hwView, c vpn.Connection, plans []hwPlan, usg bool, base, outside string, apply func(hwPlan) string, vpc netip.Prefix, onprem []netip.Prefix, u *vrpUnconfirmed, key vrpKeyRule, o Options, hcRemote netip.Prefix, hcRoute bool) error {
	var names []string
	for _, pl := range plans {
		t := pl.t
		tu := hwTunnel{Interface: pl.tunnelIf, Description: "Alibaba " + base + " " + roleText(t), Source: outside, Destination: t.RemoteAddr.String(), Apply: apply(pl),
			Address: "ip address unnumbered interface " + outside}
		if t.BGP != nil {
			tu.Address = fmt.Sprintf("ip address %s %s", t.BGP.LocalIP, dottedMask(t.BGP.TunnelCIDR.Bits(), false))
		}
		if !usg {
			tu.MTU = 1400
		}
		v.Tunnels = append(v.Tunnels, tu)
		v.created("interface", tu.Interface)
		names = append(names, tu.Interface)
	}
	if usg {
		v.Zones = []hwZone{{Zone: v.tunnelZone, Interfaces: names}}
		for _, n := range names {
			v.created("firewall zone member", v.tunnelZone+" "+n)
		}
	}
	v.check("Tunnel interface(s) %s must be free ('display interface brief'); else --set tunnel-number.", strings.Join(names, ", "))

	var ifs []string
	for _, pl := range plans {
		ifs = append(ifs, pl.tunnelIf)
	}
	r := vrpPlanRouting(&v.fileNotes, c, vpc, onprem, "bgp")
	var hc netip.Prefix
	if hcRoute {
		hc = hcRemote
	}
	v.Routes, v.RoutingNote = vrpStaticRoutes(&v.fileNotes, c, r, ifs, hwRouteDest, hc, u)
	if len(r.Peers) == 0 {
		return nil
	}
	if err := vrpLocalAS(v.params, hwPlatformName(v.usg), r.ASN); err != nil {
		return err
	}
	var err error
	v.Prefixes, v.RoutePolicies, v.BGP, err = vrpBGP(&v.fileNotes, c, r, base, hwBGPSyntax, u, key, o)
	v.RoutingNote = append(v.RoutingNote, vrpBGPNotes(c)...)
	return err
}

// prefFor is tunnel i's static-route preference.
func (r vrpRouting) prefFor(c vpn.Connection, i int) int {
	if c.Tunnels[i].Role == vpn.RoleSlave && !c.ActiveActive {
		return vrpPrefSlave
	}
	return vrpPrefMaster
}

// hwSecurity writes the USG security-policy rules (LAN ↔ VPC both ways,
// IKE/ESP between this device and Alibaba, BGP, health check) and the
// NAT exemption.
func hwSecurity(v *hwView, c vpn.Connection, p params, plans []hwPlan, base string, onprem []netip.Prefix, vpc netip.Prefix, hcLocal, hcRemote netip.Prefix, hc bool, u *vrpUnconfirmed) {
	in, out := p.String("inside-zone"), p.String("outside-zone")
	vpnZone := out
	if c.RouteBased() || c.Dual() {
		vpnZone = p.String("tunnel-zone")
	}
	local, remote := c.LocalSubnets, c.RemoteSubnets
	placeholder := false
	if c.RouteBased() {
		local, remote = onprem, nil
		if vpc.IsValid() {
			remote = []netip.Prefix{vpc}
		}
		placeholder = len(local) == 0 || len(remote) == 0
	}
	addrs := func(kw string, ps []netip.Prefix, ph string) []string {
		if len(ps) == 0 {
			return []string{kw + " " + ph}
		}
		var out []string
		for _, pf := range ps {
			out = append(out, fmt.Sprintf("%s %s mask %s", kw, pf.Addr(), dottedMask(pf.Bits(), false)))
		}
		return out
	}
	rule := func(name, from, to string, lines ...[]string) vrpRule {
		r := vrpRule{Name: name, Lines: []string{"source-zone " + from, "destination-zone " + to}}
		for _, l := range lines {
			r.Lines = append(r.Lines, l...)
		}
		r.Lines = append(r.Lines, "action permit")
		return r
	}
	outRule := rule(base+"-out", in, vpnZone, addrs("source-address", local, "<ON-PREM-NETWORK> mask <MASK>"), addrs("destination-address", remote, "<VPC-NETWORK> mask <MASK>"))
	inRule := rule(base+"-in", vpnZone, in, addrs("source-address", remote, "<VPC-NETWORK> mask <MASK>"), addrs("destination-address", local, "<ON-PREM-NETWORK> mask <MASK>"))
	outRule.Commented, inRule.Commented = placeholder, placeholder
	v.SecRules = append(v.SecRules, outRule, inRule)
	if placeholder {
		v.check("The LAN <-> VPC security-policy rules are commented placeholders: route-based connections name no prefixes; render with --set onprem-prefixes and --set vpc-cidr, or fill them in.")
	}
	var peers []netip.Prefix
	for _, pl := range plans {
		peers = append(peers, netip.PrefixFrom(pl.t.RemoteAddr, 32))
	}
	ikeOut := rule(base+"-ike-out", "local", out, addrs("destination-address", peers, ""))
	ikeIn := rule(base+"-ike-in", out, "local", addrs("source-address", peers, ""))
	v.SecRules = append(v.SecRules, ikeOut, ikeIn)
	if anyBGP(c) {
		var bgpPeers []netip.Prefix
		for _, pl := range plans {
			if pl.t.BGP != nil {
				bgpPeers = append(bgpPeers, netip.PrefixFrom(pl.t.BGP.RemoteIP, 32))
			}
		}
		v.SecRules = append(v.SecRules,
			rule(base+"-bgp-out", "local", vpnZone, addrs("destination-address", bgpPeers, "")),
			rule(base+"-bgp-in", vpnZone, "local", addrs("source-address", bgpPeers, "")))
	}
	if hc {
		hcRule := vrpRule{Name: base + "-hc", Lines: []string{"source-zone " + vpnZone, "destination-zone local", "destination-zone " + in,
			fmt.Sprintf("source-address %s mask 255.255.255.255", hcRemote.Addr()), fmt.Sprintf("destination-address %s mask 255.255.255.255", hcLocal.Addr()), "action permit"}}
		v.SecRules = append(v.SecRules, hcRule)
	}
	for _, r := range v.SecRules {
		if !r.Commented {
			v.created("security-policy rule", r.Name)
		}
	}
	nat := rule(base+"-nonat", in, vpnZone, addrs("source-address", local, "<ON-PREM-NETWORK> mask <MASK>"), addrs("destination-address", remote, "<VPC-NETWORK> mask <MASK>"))
	nat.Lines[len(nat.Lines)-1] = "action no-nat"
	nat.Commented = placeholder
	v.NATRules = append(v.NATRules, nat)
	if !placeholder {
		v.created("nat-policy rule", nat.Name)
	}
	u.add("nat-policy rule move ... top")
	v.NATNote = []string{"Traffic to the VPC must not be source-NATed: this rule goes to the top of the NAT policy, above any source-NAT rule of " + in + " -> " + vpnZone + "."}
}

// hwRollback removes the objects in reverse order of creation.
func hwRollback(objs []object, bgp *hwBGP) []string {
	return vrpRollback(objs, func(o object) (view, line string) {
		switch o.Kind {
		case "security-policy rule":
			return "security-policy", " undo rule name " + o.Name
		case "nat-policy rule":
			return "nat-policy", " undo rule name " + o.Name
		case "bgp peer":
			return fmt.Sprintf("bgp %d", bgp.ASN), " undo peer " + o.Name
		case "firewall zone member":
			zone, ifc, _ := strings.Cut(o.Name, " ")
			return "firewall zone " + zone, " undo add interface " + ifc
		case "ipsec policy binding":
			ifc, _, _ := strings.Cut(o.Name, " ")
			return "interface " + ifc, " undo ipsec policy"
		case "acl":
			return "", "undo acl number " + o.Name
		}
		return "", "undo " + o.Kind + " " + o.Name
	})
}

// vrpUnconfirmed collects the keywords a file uses that no vendor
// reference confirmed, for one WARNING line.
type vrpUnconfirmed struct{ items []string }

func newVrpUnconfirmed() *vrpUnconfirmed { return &vrpUnconfirmed{} }

func (u *vrpUnconfirmed) add(s string) {
	if !slices.Contains(u.items, s) {
		u.items = append(u.items, s)
	}
}

func (u *vrpUnconfirmed) text(reference string) string {
	if len(u.items) == 0 {
		return ""
	}
	return "not confirmed in " + reference + " for this file (check each with the CLI help on your release before pasting): " + strings.Join(u.items, "; ")
}
