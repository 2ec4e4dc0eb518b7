package render

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "cisco-ios",
		Summary: "Cisco IOS / IOS-XE router CLI: crypto map (policy-based) or VTI (route-based), IKEv1 or IKEv2",
		File:    "cisco-ios.txt",
		// removes exactly what cisco-ios.txt creates (Objects)
		Rollback: "cisco-ios-rollback.txt",
		Params: []Param{
			{Key: "outside-interface", Default: "GigabitEthernet1", Help: "WAN interface facing the Internet (crypto map, tunnel source, keyring local-address)"},
			{Key: "outside-interface-2", Default: "", Help: "route-based: WAN interface of tunnel 2 when Alibaba's tunnel 2 uses another on-prem address"},
			{Key: "ikev2-local-address", Default: "", Help: "IKEv2: address of the outside interface; scopes the crypto ikev2 policy with 'match address local'"},
			{Key: "tunnel-number", Default: "100", Help: "route-based: interface Tunnel number of tunnel 1 (tunnel 2 uses the next number); must be free", Stride: 2},
			{Key: "crypto-map", Default: "ALIYUN-MAP", Help: "policy-based: crypto map name; an interface holds one crypto map, so reuse its existing name"},
			{Key: "crypto-map-seq", Default: "10", Help: "policy-based: crypto map sequence number (pick a free one)", Stride: 10},
			{Key: "isakmp-priority", Default: "10", Help: "IKEv1: crypto isakmp policy priority of tunnel 1 (tunnel 2 uses the next number)", Stride: 2},
			{Key: "ios-version", Default: "17.12", Help: "IOS-XE release; 17.11 and later refuse DES, 3DES, MD5 and DH 1/2/5/24 unless compliance shield is disabled"},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix routed into the tunnel(s), e.g. 172.16.0.0/12 (default: a commented placeholder route)"},
			bgpParams[0], bgpParams[1],
		},
		// keyring "pre-shared-key address A key K"; IKEv2 keyring "pre-shared-key K"
		SecretKeywords: []string{"pre-shared-key", "key", "password"},
		build:          buildCiscoIOS,
	})
}

const iosPlatform = "Cisco IOS-XE"

// IOS / IOS-XE keywords (docs/vendors/cisco-ios.md; checked against the IOS-XE
// "crypto ikev2 proposal" encryption help and FN72510's keyword table).
var (
	iosISAKMPCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes", vpn.AES192: "aes 192", vpn.AES256: "aes 256", vpn.DES: "des", vpn.TripleDES: "3des",
	}
	iosISAKMPHash = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	iosIKEv2Cipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-cbc-128", vpn.AES192: "aes-cbc-192", vpn.AES256: "aes-cbc-256", vpn.DES: "des", vpn.TripleDES: "3des",
	}
	iosIKEv2Integrity = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	iosGroup = map[vpn.DHGroup]string{
		vpn.Group1: "1", vpn.Group2: "2", vpn.Group5: "5", vpn.Group14: "14", vpn.Group24: "24",
	}
	iosESPCipher = map[vpn.Cipher]string{
		vpn.AES128: "esp-aes", vpn.AES192: "esp-aes 192", vpn.AES256: "esp-aes 256", vpn.DES: "esp-des", vpn.TripleDES: "esp-3des",
	}
	iosESPIntegrity = map[vpn.Integrity]string{
		vpn.MD5: "esp-md5-hmac", vpn.SHA1: "esp-sha-hmac", vpn.SHA256: "esp-sha256-hmac", vpn.SHA384: "esp-sha384-hmac", vpn.SHA512: "esp-sha512-hmac",
	}
	iosPFS = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14", vpn.Group24: "group24",
	}
)

// iosNATKeepalive is the NAT keepalive interval in seconds written when
// NAT traversal is on: it keeps a NAT mapping between this router and
// Alibaba from expiring while no IKE or ESP packet passes.
const iosNATKeepalive = 20

// Lifetime ranges IOS accepts (docs/vendors/cisco-ios.md): ISAKMP policy 60-86400,
// IKEv2 profile 120-86400, IPsec SA lifetime 120-2592000 seconds.
const (
	iosISAKMPMin, iosISAKMPMax = 60, 86400
	iosIKEv2Min, iosIKEv2Max   = 120, 86400
	iosIPsecMin, iosIPsecMax   = 120, 2592000
)

// iosView is everything cisco-ios.txt.tmpl lays out.
type iosView struct {
	fileNotes

	ISAKMPPolicies     []iosISAKMPPolicy
	ISAKMPNATKeepalive int // crypto isakmp nat keepalive seconds; 0 = not set
	Keyrings           []iosKeyring
	ISAKMPProfiles     []iosISAKMPProfile

	IKEv2Proposals    []iosIKEv2Proposal
	IKEv2Policy       *iosIKEv2Policy
	IKEv2NATKeepalive int // crypto ikev2 nat keepalive seconds; 0 = not set
	IKEv2Keyring      *iosIKEv2Keyring
	IKEv2Profiles     []iosIKEv2Profile

	TransformSets []iosTransformSet
	IPsecProfiles []iosIPsecProfile // route-based

	CryptoMap *iosCryptoMap // policy-based
	Tunnels   []iosTunnel   // route-based

	Routes          []iosRoute
	RoutesCommented bool // routes are placeholders
	RoutingNote     []string
	BGP             *ciscoBGP

	NATNote []string   // comment lines for section 5
	NATDeny []ciscoACE // deny entries for an existing NAT ACL (commented); Seq set

	// Undo are the rollback's commands, Objects undone in reverse order;
	// Kept the global lines the rollback leaves in place, as comments.
	Undo []string
	Kept []string
}

type iosISAKMPPolicy struct {
	Priority   int
	Comment    string
	Encryption string
	Hash       string
	Group      string
	Lifetime   int
}

type iosKeyring struct {
	Name         string
	LocalAddress string
	Keys         []iosKey
}

type iosKey struct {
	Address string
	PSK     string
	Comment string
}

type iosISAKMPProfile struct {
	Name         string
	Keyring      string
	SelfIdentity string // "address" or "fqdn"
	Matches      []iosIdentity
	Keepalive    bool
	Aggressive   bool
	LocalAddress string
}

// iosIdentity is an IKE identity as IOS profiles write it: "match
// identity [remote] <Type> <Value> [<Mask>]", "identity local <Type>
// <Value>".
type iosIdentity struct {
	Type  string // "address"; "host" (IKEv1) or "fqdn" (IKEv2) for names
	Value string
	Mask  string // address matches only: "255.255.255.255"
}

type iosIKEv2Proposal struct {
	Name       string
	Comment    string
	Encryption string
	Integrity  string
	Group      string
}

// iosIKEv2Policy is the crypto ikev2 policy. IOS stops using its built-in
// default policy for every IKEv2 peer as soon as one user policy exists,
// so the policy lists the default proposal after its own (other peers
// keep negotiating what they did) and is scoped with match address local
// when the outside address is known.
type iosIKEv2Policy struct {
	Name         string
	MatchAddress string // "" = no match statement
	Proposals    []string
}

type iosIKEv2Keyring struct {
	Name  string
	Peers []iosIKEv2Peer
}

type iosIKEv2Peer struct {
	Name    string
	Address string
	PSK     string
}

type iosIKEv2Profile struct {
	Name          string
	Matches       []iosIdentity
	LocalIdentity *iosIdentity // nil: IOS's default (the local address)
	Keyring       string
	Lifetime      int
	DPD           bool
}

type iosTransformSet struct {
	Name       string
	Encryption string // "esp-aes 256"
	Integrity  string // "esp-sha256-hmac"
}

// iosIPsecProfile is a VTI's crypto ipsec profile; exactly one of
// ISAKMPProfile (IKEv1) and IKEv2Profile is set.
type iosIPsecProfile struct {
	Name          string
	TransformSet  string
	PFS           string // "" = PFS disabled
	Lifetime      int
	ISAKMPProfile string
	IKEv2Profile  string
}

// iosCryptoMap is the policy-based crypto map entry; exactly one of
// ISAKMPProfile (IKEv1) and IKEv2Profile is set.
type iosCryptoMap struct {
	Name          string
	Seq           int
	Description   string
	Peers         []string
	TransformSets []string
	PFS           string
	Lifetime      int
	ISAKMPProfile string
	IKEv2Profile  string
	ACL           string
	ACLEntries    []ciscoACE
	Interface     string
}

// iosTunnel is a VTI: unnumbered (borrowing Unnumbered's address) or
// with the BGP inside address IP/Mask.
type iosTunnel struct {
	Number      int
	Description string
	Unnumbered  string // interface name; "" when IP is set
	IP          string
	Mask        string
	Source      string
	Destination string
	Profile     string
}

// iosRoute is "ip route <Network> <Mask> Tunnel<Tunnel> [<Distance>]".
type iosRoute struct {
	Network  string
	Mask     string
	Tunnel   int
	Distance int // 0 = not written (single tunnel)
}

// iosTunnelPlan is one tunnel's keywords, decided before laying out the
// structures that depend on routing mode.
type iosTunnelPlan struct {
	ciscoTunnel
	selfID   string        // IKEv1 self-identity: "address" or "fqdn"
	matches  []iosIdentity // profile match identity for the peer
	localID2 iosIdentity   // IKEv2 identity local; zero = IOS's default
}

// buildCiscoIOS decides every keyword, name and number of cisco-ios.txt:
// each tunnel's proposals, lifetimes, identities and key first, then a
// crypto map (policy-based) or one VTI per tunnel (route-based). Names
// derive from the connection name, numbers from the parameters plus the
// tunnel index, so they are deterministic and unique within the file.
func buildCiscoIOS(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	// Alibaba's health-check probes must pass the selectors, access
	// lists and policies derived from the subnets (render/connfacts.go).
	c = c.WithProbeSelectors()
	tunnelNo, err := p.Int("tunnel-number", 0, 2147483646)
	if err != nil {
		return nil, nil, err
	}
	seq, err := p.Int("crypto-map-seq", 1, 65535)
	if err != nil {
		return nil, nil, err
	}
	prio, err := p.Int("isakmp-priority", 1, 9999)
	if err != nil {
		return nil, nil, err
	}
	major, minor, ok := parseVersion(p.String("ios-version"))
	if !ok {
		return nil, nil, &ParamError{Vendor: p.vendor, Key: "ios-version", Reason: fmt.Sprintf("value %q: want a release such as 17.9 or 17.12.4", p.String("ios-version"))}
	}
	shield := major > 17 || major == 17 && minor >= 11
	vpc, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}

	v := iosView{fileNotes: newFileNotes(c, "Cisco IOS / IOS-XE configuration for an Alibaba Cloud IPsec-VPN connection", o)}
	b := &ciscoBuilder{platform: iosPlatform, device: "router", aDevice: "a router", c: c, o: o, notes: &v.fileNotes,
		base: baseName(c, 40), outside: p.String("outside-interface"), tunnelNo: tunnelNo, vpc: vpc,
		outside2: p.String("outside-interface-2")}
	if err := b.checkSources(); err != nil {
		return nil, nil, err
	}
	if b.bs, err = readBGPSafety(p); err != nil {
		return nil, nil, err
	}
	localAddr := p.String("ikev2-local-address")
	if localAddr != "" {
		if a, err := netip.ParseAddr(localAddr); err != nil || !a.Is4() {
			return nil, nil, &ParamError{Vendor: p.vendor, Key: "ikev2-local-address", Reason: fmt.Sprintf("value %q: want the IPv4 address of %s", localAddr, b.outside)}
		}
	}

	version := c.Tunnels[0].IKE.Version
	ikeRange := lifeRange{iosISAKMPMin, iosISAKMPMax}
	if version == vpn.IKEv2 {
		ikeRange = lifeRange{iosIKEv2Min, iosIKEv2Max}
	}
	var plans []iosTunnelPlan
	for _, t := range c.Tunnels {
		ct, err := b.tunnel(t, ikeRange, lifeRange{iosIPsecMin, iosIPsecMax})
		if err != nil {
			return nil, nil, err
		}
		pl := iosTunnelPlan{ciscoTunnel: ct}
		ts, err := iosTransforms(t, pl.name)
		if err != nil {
			return nil, nil, err
		}
		if pl.pfs, err = pfsKeyword(iosPFS, iosPlatform, t); err != nil {
			return nil, nil, err
		}
		v.TransformSets = append(v.TransformSets, ts)

		if version == vpn.IKEv1 {
			pol, err := iosISAKMP(t, prio+t.Index-1, pl.ikeLife)
			if err != nil {
				return nil, nil, err
			}
			v.ISAKMPPolicies = append(v.ISAKMPPolicies, pol)
			pl.selfID = "address"
			if t.LocalID.IsFQDN() {
				pl.selfID = "fqdn"
				v.check("%s: IKEv1 'self-identity fqdn' sends this router's hostname.domain-name: it must equal %s (hostname / ip domain name), or Alibaba will not match the ID.", t.Label(), t.LocalID.FQDN)
			} else if t.LocalID.Kind == vpn.IDAddress {
				v.check("%s: IKEv1 sends the address of %s as this router's ID; if the router is behind NAT it will not equal Alibaba's LocalId %s (use IKEv2, or set LocalId on Alibaba to the router's own address).", t.Label(), b.outside, t.LocalID.Addr)
			}
			if t.IKE.Mode == vpn.AggressiveMode {
				v.check("%s: IKEv1 aggressive mode: 'crypto isakmp aggressive-mode disable' must not be configured on this router.", t.Label())
			}
			if t.RemoteID.IsFQDN() {
				pl.matches = []iosIdentity{{Type: "host", Value: t.RemoteID.FQDN}}
			} else {
				pl.matches = []iosIdentity{iosAddressMatch(t)}
			}
		} else {
			if err := iosKeyringKeyword(t); err != nil {
				return nil, nil, err
			}
			prop, err := iosIKEv2Prop(t, pl.name)
			if err != nil {
				return nil, nil, err
			}
			v.IKEv2Proposals = append(v.IKEv2Proposals, prop)
			switch t.LocalID.Kind {
			case vpn.IDAddress:
				pl.localID2 = iosIdentity{Type: "address", Value: t.LocalID.Addr.String()}
			case vpn.IDFQDN:
				pl.localID2 = iosIdentity{Type: "fqdn", Value: t.LocalID.FQDN}
			}
			if t.RemoteID.IsFQDN() {
				pl.matches = []iosIdentity{{Type: "fqdn", Value: t.RemoteID.FQDN}}
			} else {
				pl.matches = []iosIdentity{iosAddressMatch(t)}
			}
		}
		if shield {
			if blocked := iosBlocked(t); len(blocked) > 0 {
				v.warn(t, fmt.Sprintf("IOS-XE %s refuses %s by default (FN72510): negotiation fails unless 'crypto engine compliance shield disable' is configured (takes effect after a reload; Cisco advises against it); better: change the connection's algorithms on Alibaba", p.String("ios-version"), strings.Join(blocked, ", ")))
			}
		}
		plans = append(plans, pl)
	}
	if version == vpn.IKEv1 {
		b.checkPriorities("crypto isakmp policy", "isakmp-priority", prio)
	}
	if version == vpn.IKEv2 {
		pol := &iosIKEv2Policy{Name: b.base, MatchAddress: localAddr}
		for _, pr := range v.IKEv2Proposals {
			pol.Proposals = append(pol.Proposals, pr.Name)
		}
		pol.Proposals = append(pol.Proposals, "default")
		v.IKEv2Policy = pol
		if localAddr == "" {
			v.check("IKEv2 policy %s has no match statement: from now on it, not IOS's default policy, negotiates with every other IKEv2 peer of this router (FlexVPN, other clouds); it keeps 'proposal default' for them. Check those peers after pasting, or render with --set ikev2-local-address=<address of %s> to scope it.", b.base, b.outside)
		} else {
			v.check("IKEv2 policy %s matches local address %s only: other IKEv2 peers on other local addresses that used IOS's default policy no longer find one (IOS drops its default policy once any policy exists); check them after pasting.", b.base, localAddr)
		}
		if c.NATTraversal && !c.PrivateNetwork {
			v.IKEv2NATKeepalive = iosNATKeepalive
			v.check("'crypto ikev2 nat keepalive %d' is global: it changes the NAT keepalive of every IKEv2 tunnel of this router (leave out the line if one is set already).", iosNATKeepalive)
		}
	} else if c.NATTraversal && !c.PrivateNetwork {
		v.ISAKMPNATKeepalive = iosNATKeepalive
		v.check("'crypto isakmp nat keepalive %d' is global: it changes the NAT keepalive of every IKEv1 tunnel of this router (leave out the line if one is set already).", iosNATKeepalive)
	}
	b.checkNATT()
	b.ecmpNotes("A router forwards that by itself; if it runs a zone-based firewall or NAT on these tunnels, put both tunnel interfaces in the same security zone so the reply half of a flow is accepted on either.",
		"BGP installs one best path per prefix (maximum-paths 1 by default), so this router sends over one tunnel only; to send over both, set 'maximum-paths 2' under 'router bgp <AS> / address-family ipv4' (it applies to every BGP route of this router, so it is not set here).")
	b.multiSubnetIKEv2()
	v.healthChecks(c)

	if c.RouteBased() {
		err = iosRouteBased(&v, b, plans)
	} else {
		err = iosPolicyBased(&v, b, plans, p.String("crypto-map"), seq)
	}
	if err != nil {
		return nil, nil, err
	}

	if version == vpn.IKEv1 {
		v.Verify = append(v.Verify, "show crypto isakmp sa")
	} else {
		v.Verify = append(v.Verify, "show crypto ikev2 sa")
	}
	v.Verify = append(v.Verify, b.verifyPeers()...)
	v.Verify = append(v.Verify, "show crypto session")
	if c.RouteBased() {
		v.Verify = append(v.Verify, b.verifyVTIs()...)
		if v.BGP != nil {
			v.Verify = append(v.Verify, "show ip bgp summary")
		} else {
			v.Verify = append(v.Verify, "show ip route static")
		}
	} else {
		v.Verify = append(v.Verify, "show crypto map")
	}
	iosObjects(&v)
	b.finish(&v.RoutingNote, &v.NATNote, &v.Kept)
	return v, v.returned, nil
}

// iosObjects records what cisco-ios.txt creates, in creation order, and
// the commands that remove each (docs/vendors/cisco-ios.md, "Rollback").
func iosObjects(v *iosView) {
	for _, p := range v.ISAKMPPolicies {
		v.created("crypto isakmp policy", fmt.Sprint(p.Priority))
	}
	for _, k := range v.Keyrings {
		v.created("crypto keyring", k.Name)
	}
	for _, p := range v.ISAKMPProfiles {
		v.created("crypto isakmp profile", p.Name)
	}
	for _, p := range v.IKEv2Proposals {
		v.created("crypto ikev2 proposal", p.Name)
	}
	if v.IKEv2Policy != nil {
		v.created("crypto ikev2 policy", v.IKEv2Policy.Name)
	}
	if v.IKEv2Keyring != nil {
		v.created("crypto ikev2 keyring", v.IKEv2Keyring.Name)
	}
	for _, p := range v.IKEv2Profiles {
		v.created("crypto ikev2 profile", p.Name)
	}
	for _, t := range v.TransformSets {
		v.created("crypto ipsec transform-set", t.Name)
	}
	for _, p := range v.IPsecProfiles {
		v.created("crypto ipsec profile", p.Name)
	}
	if m := v.CryptoMap; m != nil {
		v.created("ip access-list extended", m.ACL)
		v.created("crypto map", fmt.Sprintf("%s %d", m.Name, m.Seq))
		v.Kept = append(v.Kept, fmt.Sprintf("interface %s keeps 'crypto map %s': remove it ('interface %s', 'no crypto map %s') only if the map has no other entries.", m.Interface, m.Name, m.Interface, m.Name))
	}
	for _, t := range v.Tunnels {
		v.created("interface", fmt.Sprintf("Tunnel%d", t.Number))
	}
	if !v.RoutesCommented {
		for _, r := range v.Routes {
			name := fmt.Sprintf("%s %s Tunnel%d", r.Network, r.Mask, r.Tunnel)
			if r.Distance != 0 {
				name += fmt.Sprint(" ", r.Distance)
			}
			v.created("ip route", name)
		}
	}
	if b := v.BGP; b != nil {
		for _, p := range b.PrefixLists {
			v.created("ip prefix-list", p.Name)
		}
		for _, r := range b.RouteMaps {
			v.created("route-map", r.Name)
		}
		for _, n := range b.Neighbors {
			v.created("bgp neighbor", fmt.Sprintf("%d %s", b.ASN, n.IP))
		}
		v.Kept = append(v.Kept, fmt.Sprintf("router bgp %d stays: remove the process ('no router bgp %d') only if this file opened it and nothing else uses it.", b.ASN, b.ASN))
	}
	if v.ISAKMPNATKeepalive != 0 {
		v.Kept = append(v.Kept, fmt.Sprintf("'crypto isakmp nat keepalive %d' stays (global; other tunnels may use it).", v.ISAKMPNATKeepalive))
	}
	if v.IKEv2NATKeepalive != 0 {
		v.Kept = append(v.Kept, fmt.Sprintf("'crypto ikev2 nat keepalive %d' stays (global; other tunnels may use it).", v.IKEv2NATKeepalive))
	}
	v.Undo = undoLines(v.Objects, func(o object) []string {
		if o.Kind == "bgp neighbor" {
			f := strings.Fields(o.Name)
			return []string{"router bgp " + f[0], " no neighbor " + f[1]}
		}
		return []string{"no " + o.Kind + " " + o.Name}
	})
}

// iosPolicyBased lays out the crypto map: one entry both tunnels share
// (ciscoBuilder.cryptoMapEntry), with one ISAKMP or IKEv2 profile, so the
// values a profile holds once (local identity, IKEv1 mode) must agree.
func iosPolicyBased(v *iosView, b *ciscoBuilder, plans []iosTunnelPlan, cryptoMap string, seq int) error {
	first := plans[0]
	tunnels := make([]ciscoTunnel, len(plans))
	for i, pl := range plans {
		tunnels[i] = pl.ciscoTunnel
	}
	pfs, life, err := b.cryptoMapEntry(tunnels)
	if err != nil {
		return err
	}
	m := &iosCryptoMap{
		Name:      cryptoMap,
		Seq:       seq,
		PFS:       pfs,
		Lifetime:  life,
		ACL:       b.objName("acl"),
		Interface: b.outside,
	}
	for _, pl := range plans {
		m.Peers = append(m.Peers, pl.t.RemoteAddr.String())
		m.TransformSets = append(m.TransformSets, pl.name)
	}
	if b.c.Dual() {
		m.Description = fmt.Sprintf("Alibaba %s, peers in order of preference (master first)", b.base)
	} else {
		m.Description = fmt.Sprintf("Alibaba %s", b.base)
	}

	// One ACL entry per subnet pair: each becomes its own IPsec SA pair, as
	// IKEv1 requires and as Alibaba's selectors expect.
	for i, pair := range b.c.SubnetPairs() {
		local, remote := ciscoWildcardNet(pair.Local), ciscoWildcardNet(pair.Remote)
		m.ACLEntries = append(m.ACLEntries, ciscoACE{Action: "permit", Local: local, Remote: remote})
		v.NATDeny = append(v.NATDeny, ciscoACE{Seq: i + 1, Action: "deny", Local: local, Remote: remote})
	}

	profile := b.objName("")
	if first.t.IKE.Version == vpn.IKEv1 {
		kr := iosKeyring{Name: profile, LocalAddress: b.outside}
		prof := iosISAKMPProfile{Name: profile, Keyring: profile, SelfIdentity: first.selfID, Keepalive: b.c.DPD,
			Aggressive: first.t.IKE.Mode == vpn.AggressiveMode, LocalAddress: b.outside}
		for _, pl := range plans {
			if pl.selfID != first.selfID || pl.t.LocalID != first.t.LocalID {
				return fmt.Errorf("%s: local identity %s differs from tunnel 1's %s; a %s crypto map entry uses one ISAKMP profile for both peers", pl.t.Label(), idOrDefault(pl.t.LocalID), idOrDefault(first.t.LocalID), iosPlatform)
			}
			if pl.t.IKE.Mode != first.t.IKE.Mode {
				return fmt.Errorf("%s: IKEv1 %s mode differs from tunnel 1's %s mode; a %s crypto map entry uses one ISAKMP profile for both peers", pl.t.Label(), pl.t.IKE.Mode, first.t.IKE.Mode, iosPlatform)
			}
			kr.Keys = append(kr.Keys, iosKey{Address: pl.t.RemoteAddr.String(), PSK: pskText(pl.t, b.o), Comment: roleText(pl.t)})
			prof.Matches = append(prof.Matches, pl.matches...)
		}
		v.Keyrings = append(v.Keyrings, kr)
		v.ISAKMPProfiles = append(v.ISAKMPProfiles, prof)
		m.ISAKMPProfile = profile
	} else {
		kr := &iosIKEv2Keyring{Name: profile}
		prof := iosIKEv2Profile{Name: profile, LocalIdentity: first.localID2.orDefault(), Keyring: profile, Lifetime: first.ikeLife, DPD: b.c.DPD}
		for _, pl := range plans {
			if pl.localID2 != first.localID2 {
				return fmt.Errorf("%s: local identity %s differs from tunnel 1's %s; a %s crypto map entry uses one IKEv2 profile for both peers", pl.t.Label(), idOrDefault(pl.t.LocalID), idOrDefault(first.t.LocalID), iosPlatform)
			}
			prof.Lifetime = min(prof.Lifetime, pl.ikeLife)
			kr.Peers = append(kr.Peers, iosIKEv2Peer{Name: ciscoObjName("alibaba", 32, tunnelSuffix(b.c, pl.t, "")), Address: pl.t.RemoteAddr.String(), PSK: pskText(pl.t, b.o)})
			prof.Matches = append(prof.Matches, pl.matches...)
		}
		if b.c.Dual() && plans[0].ikeLife != plans[1].ikeLife {
			v.warn(plans[1].t, fmt.Sprintf("IKE lifetimes differ (%ds and %ds); the shared IKEv2 profile uses the shorter, %ds", plans[0].ikeLife, plans[1].ikeLife, prof.Lifetime))
		}
		v.IKEv2Keyring = kr
		v.IKEv2Profiles = append(v.IKEv2Profiles, prof)
		m.IKEv2Profile = profile
	}
	v.CryptoMap = m
	b.checkOneCryptoMap()
	v.check("The tunnel comes up when traffic matching the ACL leaves %s: start it with a ping from an on-prem host to a VPC host.", b.outside)
	v.RoutingNote = []string{
		"Policy-based: no tunnel routes. Traffic to the VPC must leave through " + b.outside + " (normally the default route), where the crypto map encrypts it.",
	}
	v.NATNote = []string{
		"If " + b.outside + " does NAT overload (ip nat inside source list <NAT-ACL> interface " + b.outside + " overload),",
		"exempt the VPN traffic: 'ip access-list extended <NAT-ACL>' and these lines, whose sequence numbers put them before",
		fmt.Sprintf("the ACL's permit lines if its first entry is numbered above %d (10 unless renumbered: check 'show ip access-lists", len(v.NATDeny)),
		"<NAT-ACL>'; otherwise run 'ip access-list resequence <NAT-ACL> 100 10' first):",
	}
	return nil
}

// iosRouteBased lays out one VTI per tunnel with its own IPsec profile,
// and floating static routes or BGP (ciscoBuilder) with the master
// preferred.
func iosRouteBased(v *iosView, b *ciscoBuilder, plans []iosTunnelPlan) error {
	for i, pl := range plans {
		t := pl.t
		num := b.tunnelNo + i
		prof := iosIPsecProfile{Name: pl.name, TransformSet: pl.name, PFS: pl.pfs, Lifetime: pl.espLife}
		if t.IKE.Version == vpn.IKEv1 {
			v.Keyrings = append(v.Keyrings, iosKeyring{Name: pl.name, LocalAddress: b.source(t),
				Keys: []iosKey{{Address: t.RemoteAddr.String(), PSK: pskText(t, b.o), Comment: roleText(t)}}})
			v.ISAKMPProfiles = append(v.ISAKMPProfiles, iosISAKMPProfile{Name: pl.name, Keyring: pl.name, SelfIdentity: pl.selfID,
				Matches: pl.matches, Keepalive: b.c.DPD, Aggressive: t.IKE.Mode == vpn.AggressiveMode, LocalAddress: b.source(t)})
			prof.ISAKMPProfile = pl.name
		} else {
			if v.IKEv2Keyring == nil {
				v.IKEv2Keyring = &iosIKEv2Keyring{Name: b.objName("")}
			}
			v.IKEv2Keyring.Peers = append(v.IKEv2Keyring.Peers, iosIKEv2Peer{Name: ciscoObjName("alibaba", 32, tunnelSuffix(b.c, t, "")), Address: t.RemoteAddr.String(), PSK: pskText(t, b.o)})
			v.IKEv2Profiles = append(v.IKEv2Profiles, iosIKEv2Profile{Name: pl.name, Matches: pl.matches, LocalIdentity: pl.localID2.orDefault(),
				Keyring: v.IKEv2Keyring.Name, Lifetime: pl.ikeLife, DPD: b.c.DPD})
			prof.IKEv2Profile = pl.name
		}
		v.IPsecProfiles = append(v.IPsecProfiles, prof)

		tun := iosTunnel{Number: num, Description: b.vtiDescription(t), Source: b.source(t),
			Destination: t.RemoteAddr.String(), Profile: pl.name, Unnumbered: b.source(t)}
		if t.BGP != nil {
			tun.Unnumbered, tun.IP, tun.Mask = "", t.BGP.LocalIP.String(), dottedMask(t.BGP.TunnelCIDR.Bits(), false)
			if err := b.addBGPNeighbor(t); err != nil {
				return err
			}
		} else {
			r := iosRoute{Tunnel: num, Distance: staticDistance(b.c, t)}
			r.Network, r.Mask = b.staticDest()
			v.Routes = append(v.Routes, r)
		}
		v.Tunnels = append(v.Tunnels, tun)
	}
	v.BGP = b.bgp
	v.RoutingNote, v.RoutesCommented = b.routingNotes("address-family ipv4", "BGP: if this router already runs BGP, its AS must be %d (router bgp cannot be opened twice).")
	b.checkVTIs()
	v.check("The VTI starts IKE by itself as soon as it is up (this router initiates); Alibaba routes 0.0.0.0/0 into the tunnel.")
	v.NATNote = []string{"Traffic leaving through the tunnel interface is not NATed unless 'ip nat outside' is set on it: leave it off."}
	return nil
}

// iosKeyringKeyword refuses an IKEv2 keyring key that IOS would read as a
// keyword of "pre-shared-key": the direction words local and remote, the
// hex form, or any abbreviation of them (IOS accepts unambiguous
// prefixes, case-insensitively), as the Cisco-IOS-XE-crypto model lists
// them (crypto-ikev2-keyring-peer-pre-shared-key-grouping). The one-digit
// encryption types 0 and 6 are refused by checkCiscoPSK already.
func iosKeyringKeyword(t vpn.Tunnel) error {
	psk := strings.ToLower(t.PSK.Reveal())
	for _, kw := range []string{"local", "remote", "hex"} {
		if psk != "" && strings.HasPrefix(kw, psk) {
			return fmt.Errorf("%s: the pre-shared key cannot be entered in an %s IKEv2 keyring: 'pre-shared-key' would read it as an abbreviation of one of its keywords (local, remote, hex) instead of the key; change the key on Alibaba", t.Label(), iosPlatform)
		}
	}
	return nil
}

func iosTransforms(t vpn.Tunnel, name string) (iosTransformSet, error) {
	ts := iosTransformSet{Name: name}
	var err error
	if ts.Encryption, err = keyword(iosESPCipher, iosPlatform, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
		return ts, err
	}
	ts.Integrity, err = keyword(iosESPIntegrity, iosPlatform, t, "IPsec integrity", t.IPsec.Integrity)
	return ts, err
}

// iosAddressMatch matches the peer by the address it identifies with, as
// a host mask.
func iosAddressMatch(t vpn.Tunnel) iosIdentity {
	return iosIdentity{Type: "address", Value: remoteIDAddr(t).String(), Mask: "255.255.255.255"}
}

// orDefault is the identity for the view: nil when unset, so the template
// leaves IOS's default in place.
func (id iosIdentity) orDefault() *iosIdentity {
	if id.Type == "" {
		return nil
	}
	return &id
}

func iosISAKMP(t vpn.Tunnel, priority, life int) (iosISAKMPPolicy, error) {
	pol := iosISAKMPPolicy{Priority: priority, Comment: roleText(t), Lifetime: life}
	var err error
	if pol.Encryption, err = keyword(iosISAKMPCipher, iosPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return pol, err
	}
	if pol.Hash, err = keyword(iosISAKMPHash, iosPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return pol, err
	}
	pol.Group, err = keyword(iosGroup, iosPlatform, t, "IKE DH group", t.IKE.DHGroup)
	return pol, err
}

func iosIKEv2Prop(t vpn.Tunnel, name string) (iosIKEv2Proposal, error) {
	prop := iosIKEv2Proposal{Name: name, Comment: roleText(t)}
	var err error
	if prop.Encryption, err = keyword(iosIKEv2Cipher, iosPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return prop, err
	}
	if prop.Integrity, err = keyword(iosIKEv2Integrity, iosPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return prop, err
	}
	prop.Group, err = keyword(iosGroup, iosPlatform, t, "IKE DH group", t.IKE.DHGroup)
	return prop, err
}

// iosBlocked lists the tunnel's keywords that IOS-XE 17.11+ refuses by
// default (FN72510): IKEv1 encryption des/3des, hash md5, group 1/2/5;
// IKEv2 encryption des/3des, integrity md5, group 1/2/5/24; transform sets
// esp-des, esp-3des, esp-md5-hmac; set pfs with those groups (24 included,
// as for IKEv2 proposals).
func iosBlocked(t vpn.Tunnel) []string {
	var out []string
	if t.IKE.Cipher.Weak() {
		out = append(out, "IKE encryption "+t.IKE.Cipher.String())
	}
	if t.IKE.Integrity.Weak() {
		out = append(out, "IKE integrity "+t.IKE.Integrity.String())
	}
	if t.IKE.DHGroup.Weak() || t.IKE.Version == vpn.IKEv2 && t.IKE.DHGroup == vpn.Group24 {
		out = append(out, "IKE DH "+t.IKE.DHGroup.String())
	}
	if t.IPsec.Cipher.Weak() {
		out = append(out, "IPsec encryption "+t.IPsec.Cipher.String())
	}
	if t.IPsec.Integrity.Weak() {
		out = append(out, "IPsec integrity "+t.IPsec.Integrity.String())
	}
	if t.IPsec.PFS.Weak() || t.IPsec.PFS == vpn.Group24 {
		out = append(out, "PFS "+t.IPsec.PFS.String())
	}
	return out
}
