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
		Name:     "h3c",
		Summary:  "H3C Comware V7 system-view CLI: SecPath firewalls (security zones and policies) or MSR routers; IKE or IKEv2 profiles, IPsec policy (policy-based) or IPsec tunnel interfaces (route-based), static routes or BGP",
		File:     "h3c.txt",
		Rollback: "h3c-rollback.txt",
		Params: []Param{
			{Key: "platform", Default: "firewall", Help: "firewall: SecPath (security zones, security-policy ip); router: MSR"},
			{Key: "outside-interface", Default: "GigabitEthernet1/0/1", Help: "interface facing the Internet (IPsec policy, tunnel source, IKE profile scope)"},
			{Key: "inside-zone", Default: "Trust", Help: "firewall: security zone of the on-prem subnets"},
			{Key: "outside-zone", Default: "Untrust", Help: "firewall: security zone of the outside interface"},
			{Key: "tunnel-zone", Default: "Untrust", Help: "firewall, route-based: security zone the tunnel interfaces join"},
			{Key: "ike-proposal", Default: "10", Help: "IKEv1: ike proposal number of tunnel 1 (tunnel 2 uses the next); must be free", Stride: 2},
			{Key: "acl-number", Default: "3100", Help: "policy-based: advanced ACL number (3000-3999); must be free", Stride: 1},
			{Key: "policy-name", Default: "", Help: "policy-based: the IPsec policy already applied to the outside interface, to add this connection to it as a new entry (default: a new policy named after the connection, applied to the interface)"},
			{Key: "policy-seq", Default: "10", Help: "policy-based: IPsec policy sequence number; must be free in the policy", Stride: 1},
			{Key: "tunnel-number", Default: "100", Help: "route-based: tunnel interface number of tunnel 1 (tunnel 2 uses the next); must be free", Stride: 2},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix to route into the tunnels, e.g. 172.16.0.0/12 (default: commented placeholder routes)"},
			{Key: "onprem-prefixes", Default: "", List: true, Help: "BGP and route-based policies: on-prem prefixes, comma-separated (default: none advertised, a WARNING)"},
			{Key: "local-as", Default: "", Help: "BGP: the AS this device already runs; must equal the customer gateway ASN on Alibaba"},
		},
		SecretKeywords: []string{"pre-shared-key", "password"},
		build:          buildH3C,
	})
}

const (
	h3cFirewall = "H3C SecPath (Comware V7)"
	h3cRouter   = "H3C MSR (Comware V7)"
)

// H3C Comware V7 keywords (docs/vendors/h3c.md §1).
var (
	h3cCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-cbc-128", vpn.AES192: "aes-cbc-192", vpn.AES256: "aes-cbc-256", vpn.DES: "des-cbc", vpn.TripleDES: "3des-cbc",
	}
	h3cIKEv1Auth = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	h3cHash = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	h3cGroup = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14", vpn.Group24: "group24",
	}
	h3cPFS = map[vpn.DHGroup]string{
		vpn.Group1: "dh-group1", vpn.Group2: "dh-group2", vpn.Group5: "dh-group5", vpn.Group14: "dh-group14", vpn.Group24: "dh-group24",
	}
)

// h3cBGPSyntax is Comware's prefix-list and route-policy syntax.
var h3cBGPSyntax = vrpBGPSyntax{
	prefixList: "ip prefix-list", match: "if-match ip address prefix-list ", prepend: "apply as-path %d %d",
	password: "password simple ", process: "instance",
	unconfirmed: []string{"ip prefix-list / route-policy / apply local-preference", "apply as-path", "peer ... password simple"},
}

// Lifetimes (docs/vendors/h3c.md §1): IKE SA 60-604800 s, IPsec SA
// 180-604800 s and up to 4294967295 KB.
const (
	h3cIKEMin, h3cIKEMax     = 60, 604800
	h3cIPsecMin, h3cIPsecMax = 180, 604800
	h3cMaxKB                 = 4294967295
	h3cNameMax               = 28 // names are 1-63 characters; 28 + "-t1" stays short
)

type h3cView struct {
	fileNotes
	IKEProposals   []h3cIKEProposal
	Keychains      []h3cKeychain
	Profiles       []h3cProfile
	IKEv2Proposals []h3cIKEv2Proposal
	IKEv2Policy    *h3cIKEv2Policy
	IKEv2Keychain  *h3cIKEv2Keychain
	IKEv2Profiles  []h3cIKEv2Profile
	TransformSets  []h3cTransformSet
	ACLs           []vrpACL
	Policies       []h3cPolicy
	IPsecProfiles  []h3cPolicy
	Tunnels        []hwTunnel
	Apply          *hwApply
	Zones          []hwZone
	RoutingNote    []string
	Routes         []vrpLine
	Prefixes       []string
	RoutePolicies  []vrpRoutePolicy
	BGP            *hwBGP
	SecRules       []vrpRule
	NATNote        []string
	NATDeny        []string
	Rollback       []string
}

type h3cIKEProposal struct {
	Number               int
	Comment              string
	Encryption, Auth, DH string
	Lifetime             int
}

type h3cKeychain struct {
	Name, Comment string
	PSK           string // whole line
}

type h3cProfile struct {
	Name, Keychain string
	LocalIdentity  string // "address 1.2.3.4" or "fqdn name"
	MatchRemote    string // "address 1.2.3.4 255.255.255.255" or "fqdn name"
	MatchLocal     string
	Aggressive     bool
	Proposal       int
	DPD            bool
}

type h3cIKEv2Proposal struct {
	Name, Comment                  string
	Encryption, Integrity, PRF, DH string
}

type h3cIKEv2Policy struct {
	Name, MatchLocal string
	Proposals        []string
}

type h3cIKEv2Keychain struct {
	Name  string
	Peers []h3cIKEv2Peer
}

type h3cIKEv2Peer struct {
	Name, Address, Identity string
	PSK                     string // whole line
}

type h3cIKEv2Profile struct {
	Name, Keychain, LocalIdentity, MatchRemote string
	Lifetime                                   int
	DPD                                        bool
}

type h3cTransformSet struct {
	Name, Encryption, Auth, PFS string
}

type h3cPolicy struct {
	Name         string
	Seq          int
	ACL          int
	TransformSet string
	Remote       string
	ProfileLine  string // "ike-profile X" or "ikev2-profile X"
	Lifetime     int
	TrafficKB    int
}

// buildH3C decides every keyword, name and number of h3c.txt.
func buildH3C(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	var plat string
	switch p.String("platform") {
	case "firewall":
		plat = h3cFirewall
	case "router":
		plat = h3cRouter
	default:
		return nil, nil, &ParamError{Vendor: p.vendor, Key: "platform", Reason: fmt.Sprintf("value %q: want firewall or router", p.String("platform"))}
	}
	firewall := plat == h3cFirewall
	ikeNo, err := p.Int("ike-proposal", 1, 65534)
	if err != nil {
		return nil, nil, err
	}
	aclNo, err := p.Int("acl-number", 3000, 3999)
	if err != nil {
		return nil, nil, err
	}
	seq, err := p.Int("policy-seq", 1, 65535)
	if err != nil {
		return nil, nil, err
	}
	tunNo, err := p.Int("tunnel-number", 0, 10238)
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
	if !c.RouteBased() && c.Dual() {
		return nil, nil, cannotExpress("a dual-tunnel connection with specific subnets (%s to %s) needs one ACL-based IPsec policy per tunnel for the same traffic; %s does not fail over between two such policies, and applying them to tunnel interfaces is not documented: on Alibaba, set the connection to destination routing (0.0.0.0/0 on both sides) and render again (one IPsec tunnel interface per tunnel, master preferred)", prefixList(c.LocalSubnets), prefixList(c.RemoteSubnets), plat)
	}
	outside := p.String("outside-interface")
	base := baseName(c, h3cNameMax)
	title := "H3C Comware V7 (SecPath firewall) configuration for an Alibaba Cloud IPsec-VPN connection"
	if !firewall {
		title = "H3C Comware V7 (MSR router) configuration for an Alibaba Cloud IPsec-VPN connection"
	}
	v := h3cView{fileNotes: newFileNotes(c, title, o)}
	u := newVrpUnconfirmed()
	key := vrpKeyRule{platform: plat}
	version := c.Tunnels[0].IKE.Version

	type plan struct {
		t        vpn.Tunnel
		name     string
		espLife  int
		profile  string // ike-profile / ikev2-profile line
		tunnelIf string
	}
	var plans []plan
	for i, t := range c.Tunnels {
		if err := vrpSM(plat, "H3C Comware V7 lists sm3/sm4-cbc keywords (IKEv1 with certificates)", t); err != nil {
			return nil, nil, err
		}
		if t.IKE.Version != version {
			return nil, nil, cannotExpress("%s: %s while tunnel 1 uses %s; one %s configuration cannot mix IKE versions for one connection", t.Label(), t.IKE.Version, version, plat)
		}
		pl := plan{t: t, name: base + tunnelSuffixDash(c, t), tunnelIf: fmt.Sprintf("Tunnel%d", tunNo+i)}
		ikeLife, err := seconds(plat, "IKE lifetime", t, t.IKE.Lifetime, h3cIKEMin, h3cIKEMax)
		if err != nil {
			return nil, nil, err
		}
		if pl.espLife, err = seconds(plat, "IPsec lifetime", t, t.IPsec.Lifetime, h3cIPsecMin, h3cIPsecMax); err != nil {
			return nil, nil, err
		}
		enc, err := keyword(h3cCipher, plat, t, "IKE encryption", t.IKE.Cipher)
		if err != nil {
			return nil, nil, err
		}
		dh, err := keyword(h3cGroup, plat, t, "IKE DH group", t.IKE.DHGroup)
		if err != nil {
			return nil, nil, err
		}
		psk, err := vrpSecret(key, t, vpn.KindPSK, "pre-shared key", t.PSK, o)
		if err != nil {
			return nil, nil, err
		}
		if version == vpn.IKEv1 {
			auth, err := keyword(h3cIKEv1Auth, plat, t, "IKE integrity", t.IKE.Integrity)
			if err != nil {
				return nil, nil, err
			}
			v.IKEProposals = append(v.IKEProposals, h3cIKEProposal{Number: ikeNo + i, Comment: roleText(t), Encryption: enc, Auth: auth, DH: dh, Lifetime: ikeLife})
			v.Keychains = append(v.Keychains, h3cKeychain{Name: pl.name, Comment: roleText(t),
				PSK: fmt.Sprintf("pre-shared-key address %s 255.255.255.255 key simple %s", t.RemoteAddr, psk)})
			prof := h3cProfile{Name: pl.name, Keychain: pl.name, MatchLocal: outside, Proposal: ikeNo + i, DPD: c.DPD,
				LocalIdentity: h3cIdentity(t.LocalID, t.LocalAddr), MatchRemote: h3cRemoteIdentity(t, "255.255.255.255"),
				Aggressive: t.IKE.Mode == vpn.AggressiveMode}
			v.Profiles = append(v.Profiles, prof)
			pl.profile = "ike-profile " + pl.name
		} else {
			integ, err := keyword(h3cHash, plat, t, "IKE integrity", t.IKE.Integrity)
			if err != nil {
				return nil, nil, err
			}
			v.IKEv2Proposals = append(v.IKEv2Proposals, h3cIKEv2Proposal{Name: pl.name, Comment: roleText(t), Encryption: enc, Integrity: integ, PRF: integ, DH: dh})
			if v.IKEv2Keychain == nil {
				v.IKEv2Keychain = &h3cIKEv2Keychain{Name: base}
			}
			v.IKEv2Keychain.Peers = append(v.IKEv2Keychain.Peers, h3cIKEv2Peer{Name: "alibaba" + tunnelSuffixDash(c, t), Address: t.RemoteAddr.String() + " 32",
				Identity: h3cIdentity(t.RemoteID, t.RemoteAddr), PSK: "pre-shared-key plaintext " + psk})
			v.IKEv2Profiles = append(v.IKEv2Profiles, h3cIKEv2Profile{Name: pl.name, Keychain: base, Lifetime: ikeLife, DPD: c.DPD,
				LocalIdentity: h3cIdentity(t.LocalID, t.LocalAddr), MatchRemote: h3cRemoteIdentity(t, "32")})
			pl.profile = "ikev2-profile " + pl.name
		}
		ts := h3cTransformSet{Name: pl.name}
		if ts.Encryption, err = keyword(h3cCipher, plat, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
			return nil, nil, err
		}
		if ts.Auth, err = keyword(h3cHash, plat, t, "IPsec integrity", t.IPsec.Integrity); err != nil {
			return nil, nil, err
		}
		if ts.PFS, err = pfsKeyword(h3cPFS, plat, t); err != nil {
			return nil, nil, err
		}
		if t.IPsec.PFS == vpn.Group24 {
			u.add("pfs dh-group24")
		}
		v.TransformSets = append(v.TransformSets, ts)
		if weak := vrpWeak(t); len(weak) > 0 {
			v.warn(t, "weak algorithms "+strings.Join(weak, ", ")+": not available in FIPS mode; change the connection on Alibaba to AES, SHA-256 and group 14 if you can")
		}
		if t.IKE.Integrity.SHA2() || t.IPsec.Integrity.SHA2() {
			v.check("%s: SHA-2 keywords (sha256/sha384/sha512) exist on current SecPath and MSR releases but not on every Comware V7 model: check with the CLI help.", t.Label())
		}
		plans = append(plans, pl)
	}
	if version == vpn.IKEv2 {
		pol := &h3cIKEv2Policy{Name: base, MatchLocal: outside}
		for _, pr := range v.IKEv2Proposals {
			pol.Proposals = append(pol.Proposals, pr.Name)
		}
		v.IKEv2Policy = pol
		u.add("IKEv2 commands (ikev2 proposal/policy/keychain/profile keywords)")
		v.check("ikev2 policy %s applies to IKEv2 negotiations on %s: another IKEv2 policy matching %s with a higher priority would be used instead (display ikev2 policy).", base, outside, outside)
	}
	// Objects in the order the file creates them.
	for _, x := range v.IKEProposals {
		v.created("ike proposal", fmt.Sprint(x.Number))
	}
	for _, x := range v.Keychains {
		v.created("ike keychain", x.Name)
	}
	for _, x := range v.Profiles {
		v.created("ike profile", x.Name)
	}
	for _, x := range v.IKEv2Proposals {
		v.created("ikev2 proposal", x.Name)
	}
	if v.IKEv2Policy != nil {
		v.created("ikev2 policy", v.IKEv2Policy.Name)
		v.created("ikev2 keychain", v.IKEv2Keychain.Name)
	}
	for _, x := range v.IKEv2Profiles {
		v.created("ikev2 profile", x.Name)
	}
	for _, x := range v.TransformSets {
		v.created("ipsec transform-set", x.Name)
	}
	if version == vpn.IKEv1 {
		v.check("ike proposal %s must be free (display ike proposal); else --set ike-proposal.", numberRange(ikeNo, len(plans)))
	}

	hcLocal, hcRemote, hcAdd := vrpHealthCheck(&v.fileNotes, c)
	if c.RouteBased() {
		if p.String("policy-name") != "" {
			return nil, nil, &ParamError{Vendor: p.vendor, Key: "policy-name", Reason: "a route-based connection uses IPsec profiles on tunnel interfaces, not an IPsec policy"}
		}
		var names []string
		for _, pl := range plans {
			v.IPsecProfiles = append(v.IPsecProfiles, h3cPolicy{Name: pl.name, TransformSet: pl.name, ProfileLine: pl.profile, Lifetime: pl.espLife, TrafficKB: h3cMaxKB})
			v.created("ipsec profile", pl.name)
		}
		for _, pl := range plans {
			t := pl.t
			tu := hwTunnel{Interface: pl.tunnelIf, Description: "Alibaba " + base + " " + roleText(t), Source: outside, Destination: t.RemoteAddr.String(),
				Apply: "tunnel protection ipsec profile " + pl.name, Address: "ip address unnumbered interface " + outside}
			if t.BGP != nil {
				tu.Address = fmt.Sprintf("ip address %s %d", t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits())
			}
			v.Tunnels = append(v.Tunnels, tu)
			v.created("interface", tu.Interface)
			names = append(names, tu.Interface)
		}
		u.add("interface Tunnel<N> mode ipsec")
		v.check("Tunnel interface(s) %s must be free (display interface brief); else --set tunnel-number.", strings.Join(names, ", "))
		v.check("The tunnel interfaces start IKE by themselves (this device initiates); Alibaba routes 0.0.0.0/0 into the tunnel.")
		if firewall {
			zone := p.String("tunnel-zone")
			v.Zones = []hwZone{{Zone: zone, Interfaces: names}}
			for _, n := range names {
				v.created("security-zone member", zone+" "+n)
			}
		}
		var ifs []string
		for _, pl := range plans {
			ifs = append(ifs, pl.tunnelIf)
		}
		r := vrpPlanRouting(&v.fileNotes, c, vpc, onprem, "bgp")
		var hc netip.Prefix
		if hcAdd {
			hc = hcRemote
		}
		v.Routes, v.RoutingNote = vrpStaticRoutes(&v.fileNotes, c, r, ifs, h3cRouteDest, hc, u)
		if len(r.Peers) > 0 {
			if err := vrpLocalAS(p, plat, r.ASN); err != nil {
				return nil, nil, err
			}
			if v.Prefixes, v.RoutePolicies, v.BGP, err = vrpBGP(&v.fileNotes, c, r, base, h3cBGPSyntax, u, key, o); err != nil {
				return nil, nil, err
			}
			v.RoutingNote = append(v.RoutingNote, vrpBGPNotes(c)...)
		}
	} else {
		pl := plans[0]
		if hcAdd {
			v.warn(pl.t, fmt.Sprintf("the health check's probes (%s to %s) are outside the connection's subnets: this file adds them to the ACL, but Alibaba's selectors must cover them too", hcRemote.Addr(), hcLocal.Addr()))
		}
		acl := hwACLFor(c, aclNo, "Alibaba "+base, hcLocal, hcRemote, hcAdd)
		v.ACLs = append(v.ACLs, acl)
		v.created("acl advanced", fmt.Sprint(aclNo))
		name := base
		existing := p.String("policy-name")
		if existing != "" {
			name = existing
		}
		v.Policies = append(v.Policies, h3cPolicy{Name: name, Seq: seq, ACL: aclNo, TransformSet: pl.name, Remote: pl.t.RemoteAddr.String(),
			ProfileLine: pl.profile, Lifetime: pl.espLife, TrafficKB: h3cMaxKB})
		v.created("ipsec policy", fmt.Sprintf("%s %d", name, seq))
		v.check("acl advanced %d and ipsec policy %s %d must be free (display acl %d, display ipsec policy %s); else --set acl-number / policy-seq.", aclNo, name, seq, aclNo, name)
		if existing == "" {
			v.Apply = &hwApply{Interface: outside, Policy: name}
			v.created("ipsec apply binding", outside+" "+name)
			v.check("%s takes one IPsec policy: if 'display this' in %s already shows 'ipsec apply policy <name>', render with --set policy-name=<name> and a free --set policy-seq instead of replacing it.", outside, outside)
		} else {
			v.check("The entry joins IPsec policy %s, which must already be applied to %s.", existing, outside)
		}
		v.check("The tunnel comes up when traffic matching acl %d leaves %s: start it with a ping from an on-prem host to a VPC host.", aclNo, outside)
		v.RoutingNote = []string{"Policy-based: no tunnel routes. Traffic to the VPC must leave through " + outside + " (normally the default route), where the IPsec policy encrypts it."}
		if version == vpn.IKEv2 && len(c.SubnetPairs()) > 1 {
			v.warn(pl.t, "IKEv2 with several subnet pairs: Comware negotiates one IPsec SA per ACL rule, while Alibaba expects one SA carrying all selectors; if only some subnets pass, use destination routing on Alibaba instead")
		}
	}
	if firewall {
		h3cSecurity(&v, c, p, c.Tunnels, base, onprem, vpc, hcLocal, hcRemote, vrpHasHC(c), u)
	}
	v.NATNote, v.NATDeny = vrpNATDeny(c, outside, onprem, vpc)

	vrpCommonChecks(&v.fileNotes, c)
	if firewall {
		v.check("The security-policy rules are appended after the existing ones: a drop rule above them wins; move them with 'rule move name <name> before <rule>' if needed. A device still on object policies ('security-policy disable') needs the migration first.")
		u.add("security-policy ip rule source-zone / destination-zone / source-ip-subnet")
	}
	u.add("'#' comment lines when pasted")
	if msg := u.text("an H3C Comware V7 command reference"); msg != "" {
		v.warnConn(msg)
	}
	v.Verify = append(v.Verify, "display ike sa", "display ipsec sa", "display ipsec tunnel brief")
	for _, tu := range v.Tunnels {
		v.Verify = append(v.Verify, "display interface "+tu.Interface)
	}
	if v.BGP != nil {
		v.Verify = append(v.Verify, "display bgp peer ipv4", "display bgp routing-table ipv4")
	} else if len(v.Routes) > 0 {
		v.Verify = append(v.Verify, "display ip routing-table protocol static")
	}
	v.Verify = append(v.Verify, "save (only once the tunnel works: until then a reboot brings back the saved configuration)")
	v.Rollback = h3cRollback(v.Objects, v.BGP, p.String("outside-interface"))
	v.Header = ciscoComments(v.Header)
	v.Checks = ciscoComments(v.Checks)
	v.Warnings = ciscoComments(v.Warnings)
	v.RoutingNote = ciscoComments(v.RoutingNote)
	v.NATNote = ciscoComments(v.NATNote)
	return v, v.returned, nil
}

// h3cRouteDest is a route destination in Comware's "network length" form.
func h3cRouteDest(p netip.Prefix) string {
	if !p.IsValid() {
		return "<VPC-NETWORK> <VPC-LENGTH>"
	}
	return fmt.Sprintf("%s %d", p.Addr(), p.Bits())
}

// h3cIdentity is an identity as "address <ip>" or "fqdn <name>"; an
// empty identity is the tunnel address.
func h3cIdentity(id vpn.Identity, addr netip.Addr) string {
	switch id.Kind {
	case vpn.IDFQDN:
		return "fqdn " + id.FQDN
	case vpn.IDAddress:
		return "address " + id.Addr.String()
	}
	if addr.IsValid() {
		return "address " + addr.String()
	}
	return ""
}

// h3cRemoteIdentity is the match rule for Alibaba's identity, with mask
// the host mask in the command's own form.
func h3cRemoteIdentity(t vpn.Tunnel, mask string) string {
	if t.RemoteID.IsFQDN() {
		return "identity fqdn " + t.RemoteID.FQDN
	}
	return "identity address " + remoteIDAddr(t).String() + " " + mask
}

// vrpHasHC reports a health check with both addresses.
func vrpHasHC(c vpn.Connection) bool {
	return c.HealthCheck != nil && c.HealthCheck.Source.IsValid() && c.HealthCheck.Destination.IsValid()
}

// h3cSecurity writes the security-policy ip rules: LAN <-> VPC both ways,
// IKE/ESP between this device and Alibaba, BGP, health check.
func h3cSecurity(v *h3cView, c vpn.Connection, p params, tunnels []vpn.Tunnel, base string, onprem []netip.Prefix, vpc netip.Prefix, hcLocal, hcRemote netip.Prefix, hc bool, u *vrpUnconfirmed) {
	in, out := p.String("inside-zone"), p.String("outside-zone")
	vpnZone := out
	if c.RouteBased() {
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
	subnets := func(kw string, ps []netip.Prefix, ph string) []string {
		if len(ps) == 0 {
			return []string{kw + " " + ph}
		}
		var lines []string
		for _, pf := range ps {
			lines = append(lines, fmt.Sprintf("%s %s %d", kw, pf.Addr(), pf.Bits()))
		}
		return lines
	}
	hosts := func(kw string, as []netip.Addr) []string {
		var lines []string
		for _, a := range as {
			lines = append(lines, kw+" "+a.String())
		}
		return lines
	}
	rule := func(name, from, to string, lines ...[]string) vrpRule {
		r := vrpRule{Name: name, Lines: []string{"action pass", "source-zone " + from, "destination-zone " + to}}
		for _, l := range lines {
			r.Lines = append(r.Lines, l...)
		}
		return r
	}
	o := rule(base+"-out", in, vpnZone, subnets("source-ip-subnet", local, "<ON-PREM-NETWORK> <LENGTH>"), subnets("destination-ip-subnet", remote, "<VPC-NETWORK> <LENGTH>"))
	i := rule(base+"-in", vpnZone, in, subnets("source-ip-subnet", remote, "<VPC-NETWORK> <LENGTH>"), subnets("destination-ip-subnet", local, "<ON-PREM-NETWORK> <LENGTH>"))
	o.Commented, i.Commented = placeholder, placeholder
	v.SecRules = append(v.SecRules, o, i)
	if placeholder {
		v.check("The LAN <-> VPC security-policy rules are commented placeholders: route-based connections name no prefixes; render with --set onprem-prefixes and --set vpc-cidr, or fill them in.")
	}
	var peers, bgpPeers []netip.Addr
	for _, t := range tunnels {
		peers = append(peers, t.RemoteAddr)
		if t.BGP != nil {
			bgpPeers = append(bgpPeers, t.BGP.RemoteIP)
		}
	}
	v.SecRules = append(v.SecRules,
		rule(base+"-ike-out", "Local", out, hosts("destination-ip-host", peers)),
		rule(base+"-ike-in", out, "Local", hosts("source-ip-host", peers)))
	if len(bgpPeers) > 0 {
		v.SecRules = append(v.SecRules,
			rule(base+"-bgp-out", "Local", vpnZone, hosts("destination-ip-host", bgpPeers)),
			rule(base+"-bgp-in", vpnZone, "Local", hosts("source-ip-host", bgpPeers)))
	}
	if hc {
		r := rule(base+"-hc", vpnZone, "Local", hosts("source-ip-host", []netip.Addr{hcRemote.Addr()}), hosts("destination-ip-host", []netip.Addr{hcLocal.Addr()}))
		r.Lines = slices.Insert(r.Lines, 3, "destination-zone "+in)
		v.SecRules = append(v.SecRules, r)
	}
	for _, r := range v.SecRules {
		if !r.Commented {
			v.created("security-policy rule", r.Name)
		}
	}
}

// h3cRollback removes the objects in reverse order of creation.
func h3cRollback(objs []object, bgp *hwBGP, outside string) []string {
	return vrpRollback(objs, func(o object) (view, line string) {
		switch o.Kind {
		case "security-policy rule":
			return "security-policy ip", " undo rule name " + o.Name
		case "bgp peer":
			return fmt.Sprintf("bgp %d", bgp.ASN), " undo peer " + o.Name
		case "security-zone member":
			zone, ifc, _ := strings.Cut(o.Name, " ")
			return "security-zone name " + zone, " undo import interface " + ifc
		case "ipsec apply binding":
			return "interface " + outside, " undo ipsec apply policy"
		}
		return "", "undo " + o.Kind + " " + o.Name
	})
}
