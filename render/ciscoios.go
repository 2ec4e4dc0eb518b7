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
		Params: []Param{
			{Key: "outside-interface", Default: "GigabitEthernet1", Help: "WAN interface facing the Internet (crypto map, tunnel source, keyring local-address)"},
			{Key: "tunnel-number", Default: "100", Help: "route-based: interface Tunnel number of tunnel 1 (tunnel 2 uses the next number)"},
			{Key: "crypto-map", Default: "ALIYUN-MAP", Help: "policy-based: crypto map name; an interface holds one crypto map, so reuse its existing name"},
			{Key: "crypto-map-seq", Default: "10", Help: "policy-based: crypto map sequence number (pick a free one)"},
			{Key: "isakmp-priority", Default: "10", Help: "IKEv1: crypto isakmp policy priority of tunnel 1 (tunnel 2 uses the next number)"},
			{Key: "ios-version", Default: "17.12", Help: "IOS-XE release; 17.11 and later refuse DES, 3DES, MD5 and DH 1/2/5/24 unless compliance shield is disabled"},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP: VPC prefix routed into the tunnel(s), e.g. 172.16.0.0/12 (default: a commented placeholder route)"},
		},
		// keyring "pre-shared-key address A key K"; IKEv2 keyring "pre-shared-key K"
		SecretKeywords: []string{"pre-shared-key", "key"},
		build:          buildCiscoIOS,
	})
}

const iosPlatform = "Cisco IOS-XE"

// IOS / IOS-XE keywords (vendors.md §3; checked against the IOS-XE
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

// Lifetime ranges IOS accepts (vendors.md §8.2): ISAKMP policy 60-86400,
// IKEv2 profile 120-86400, IPsec SA lifetime 120-2592000 seconds.
const (
	iosISAKMPMin, iosISAKMPMax = 60, 86400
	iosIKEv2Min, iosIKEv2Max   = 120, 86400
	iosIPsecMin, iosIPsecMax   = 120, 2592000
)

// iosView is everything cisco-ios.txt.tmpl lays out.
type iosView struct {
	Header   []string
	Checks   []string // what to replace or check before pasting
	Warnings []string // blocked or weak algorithms, also returned as warnings

	ISAKMPPolicies []iosISAKMPPolicy
	ISAKMPGlobal   []string // global IKEv1 lines (NAT keepalive)
	Keyrings       []iosKeyring
	ISAKMPProfiles []iosISAKMPProfile

	IKEv2Proposals []iosIKEv2Proposal
	IKEv2Policy    *iosIKEv2Policy
	IKEv2Global    []string
	IKEv2Keyring   *iosIKEv2Keyring
	IKEv2Profiles  []iosIKEv2Profile

	TransformSets []iosTransformSet
	IPsecProfiles []iosIPsecProfile // route-based

	CryptoMap *iosCryptoMap // policy-based
	Tunnels   []iosTunnel   // route-based

	Routes          []string // ip route lines
	RoutesCommented bool     // routes are placeholders
	RoutingNote     []string
	BGP             *iosBGP

	NATNote []string // comment lines for section 5
	NATDeny []string // ACL lines for an existing NAT ACL (commented)

	Shows []string
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
	SelfIdentity string   // "address" or "fqdn"
	Matches      []string // "address 203.0.113.1 255.255.255.255" or "host name"
	Keepalive    bool
	Aggressive   bool
	LocalAddress string
}

type iosIKEv2Proposal struct {
	Name       string
	Comment    string
	Encryption string
	Integrity  string
	Group      string
}

type iosIKEv2Policy struct {
	Name      string
	Proposals []string
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
	Matches       []string // "address 203.0.113.1 255.255.255.255" or "fqdn name"
	LocalIdentity string   // "address 198.51.100.1", "fqdn name" or ""
	Keyring       string
	Lifetime      int
	DPD           bool
}

type iosTransformSet struct {
	Name       string
	Transforms string
}

type iosIPsecProfile struct {
	Name         string
	TransformSet string
	PFS          string // "" = PFS disabled
	Lifetime     int
	ProfileLine  string // "set ikev2-profile X" / "set isakmp-profile X"
}

type iosCryptoMap struct {
	Name          string
	Seq           int
	Description   string
	Peers         []string
	TransformSets string
	PFS           string
	Lifetime      int
	ProfileLine   string
	ACL           string
	ACLLines      []string
	Interface     string
}

type iosTunnel struct {
	Number      int
	Description string
	Address     string // "ip unnumbered X" or "ip address A M"
	Source      string
	Destination string
	Profile     string
}

type iosBGP struct {
	ASN       uint32
	Neighbors []iosBGPNeighbor
	RouteMaps []iosRouteMap
}

type iosBGPNeighbor struct {
	IP          string
	RemoteASN   uint32
	Description string
	RouteMapIn  string
	RouteMapOut string
}

type iosRouteMap struct {
	Name string
	Set  string
}

// iosTunnelPlan is one tunnel's keywords, decided before laying out the
// structures that depend on routing mode.
type iosTunnelPlan struct {
	t        vpn.Tunnel
	name     string // per-tunnel object name
	ikeLife  int
	espLife  int
	pfs      string
	ts       string   // transform set name
	selfID   string   // IKEv1 self-identity: "address" or "fqdn"
	matches  []string // profile match identity arguments for the peer
	localID2 string   // IKEv2 identity local argument, "" = default
}

// buildCiscoIOS decides every keyword, name and number of cisco-ios.txt:
// each tunnel's proposals, lifetimes, identities and key first, then a
// crypto map (policy-based) or one VTI per tunnel (route-based). Names
// derive from the connection name, numbers from the parameters plus the
// tunnel index, so they are deterministic and unique within the file.
func buildCiscoIOS(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
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
	vpc, haveVPC, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	outside := p.String("outside-interface")
	base := baseName(c, 40)
	const maxName = 48

	v := iosView{Header: headerLines(c, "Cisco IOS / IOS-XE configuration for an Alibaba Cloud IPsec-VPN connection", o)}
	var warns []vpn.Warning
	warn := func(t vpn.Tunnel, msg string) {
		warns = append(warns, vpn.Warning{Scope: t.Label(), Message: msg})
		v.Warnings = append(v.Warnings, t.Label()+": "+msg)
	}

	version := c.Tunnels[0].IKE.Version
	var plans []iosTunnelPlan
	for _, t := range c.Tunnels {
		if t.IKE.Version != version {
			return nil, nil, fmt.Errorf("%s: %s while tunnel 1 uses %s; one %s configuration cannot mix IKE versions for one connection", t.Label(), t.IKE.Version, version, iosPlatform)
		}
		if err := checkCiscoPSK(iosPlatform, t); err != nil {
			return nil, nil, err
		}
		pl := iosTunnelPlan{t: t, name: ciscoObjName(base, maxName, tunnelSuffix(c, t, ""))}
		min, max := iosISAKMPMin, iosISAKMPMax
		if version == vpn.IKEv2 {
			min, max = iosIKEv2Min, iosIKEv2Max
		}
		if pl.ikeLife, err = seconds(iosPlatform, "IKE lifetime", t, t.IKE.Lifetime, min, max); err != nil {
			return nil, nil, err
		}
		if pl.espLife, err = seconds(iosPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, iosIPsecMin, iosIPsecMax); err != nil {
			return nil, nil, err
		}
		esp, err := iosTransforms(t)
		if err != nil {
			return nil, nil, err
		}
		if t.IPsec.PFS != vpn.NoPFS {
			if pl.pfs = iosPFS[t.IPsec.PFS]; pl.pfs == "" {
				return nil, nil, unsupported(iosPlatform, t, "IPsec PFS group", t.IPsec.PFS)
			}
		}
		pl.ts = pl.name
		v.TransformSets = append(v.TransformSets, iosTransformSet{Name: pl.ts, Transforms: esp})

		if version == vpn.IKEv1 {
			pol, err := iosISAKMP(t, prio+t.Index-1, pl.ikeLife)
			if err != nil {
				return nil, nil, err
			}
			v.ISAKMPPolicies = append(v.ISAKMPPolicies, pol)
			pl.selfID = "address"
			if t.LocalID.IsFQDN() {
				pl.selfID = "fqdn"
				v.Checks = append(v.Checks, fmt.Sprintf("%s: IKEv1 'self-identity fqdn' sends this router's hostname.domain-name: it must equal %s (hostname / ip domain name), or Alibaba will not match the ID.", t.Label(), t.LocalID.FQDN))
			} else if t.LocalID.Kind == vpn.IDAddress {
				v.Checks = append(v.Checks, fmt.Sprintf("%s: IKEv1 sends the address of %s as this router's ID; if the router is behind NAT it will not equal Alibaba's LocalId %s (use IKEv2, or set LocalId on Alibaba to the router's own address).", t.Label(), outside, t.LocalID.Addr))
			}
			if t.IKE.Mode == vpn.AggressiveMode {
				v.Checks = append(v.Checks, fmt.Sprintf("%s: IKEv1 aggressive mode: 'crypto isakmp aggressive-mode disable' must not be configured on this router.", t.Label()))
			}
			if t.RemoteID.IsFQDN() {
				pl.matches = []string{"host " + t.RemoteID.FQDN}
			} else {
				pl.matches = []string{"address " + remoteIDAddr(t).String() + " 255.255.255.255"}
			}
		} else {
			prop, err := iosIKEv2Prop(t, pl.name)
			if err != nil {
				return nil, nil, err
			}
			v.IKEv2Proposals = append(v.IKEv2Proposals, prop)
			switch t.LocalID.Kind {
			case vpn.IDAddress:
				pl.localID2 = "address " + t.LocalID.Addr.String()
			case vpn.IDFQDN:
				pl.localID2 = "fqdn " + t.LocalID.FQDN
			}
			if t.RemoteID.IsFQDN() {
				pl.matches = []string{"fqdn " + t.RemoteID.FQDN}
			} else {
				pl.matches = []string{"address " + remoteIDAddr(t).String() + " 255.255.255.255"}
			}
		}
		if shield {
			if blocked := iosBlocked(t); len(blocked) > 0 {
				warn(t, fmt.Sprintf("IOS-XE %s refuses %s by default (FN72510): negotiation fails unless 'crypto engine compliance shield disable' is configured (takes effect after a reload; Cisco advises against it); better: change the connection's algorithms on Alibaba", p.String("ios-version"), strings.Join(blocked, ", ")))
			}
		}
		plans = append(plans, pl)
	}
	if version == vpn.IKEv1 {
		v.Checks = append(v.Checks, fmt.Sprintf("crypto isakmp policy %s: priorities already used on this router would be overwritten; pick free ones with --set isakmp-priority=<n>.", numberRange(prio, len(c.Tunnels))))
	}
	if version == vpn.IKEv2 {
		pol := &iosIKEv2Policy{Name: base}
		for _, pr := range v.IKEv2Proposals {
			pol.Proposals = append(pol.Proposals, pr.Name)
		}
		v.IKEv2Policy = pol
		v.Checks = append(v.Checks, fmt.Sprintf("IKEv2 policy %s has no match statement, so it applies to every IKEv2 peer of this router; if you have others, add 'match address local <address of %s>' to it.", base, outside))
		if c.NATTraversal {
			v.IKEv2Global = append(v.IKEv2Global, "crypto ikev2 nat keepalive 20")
		}
	} else if c.NATTraversal {
		v.ISAKMPGlobal = append(v.ISAKMPGlobal, "crypto isakmp nat keepalive 20")
	}
	if !c.NATTraversal {
		v.Checks = append(v.Checks, "NAT traversal is off on Alibaba: this router must reach Alibaba without NAT in between.")
	}

	if c.RouteBased() {
		if err := iosRouteBased(&v, c, plans, p, o, base, maxName, tunnelNo, outside, vpc, haveVPC); err != nil {
			return nil, nil, err
		}
	} else {
		ws, err := iosPolicyBased(&v, c, plans, p, o, base, maxName, seq, outside)
		if err != nil {
			return nil, nil, err
		}
		for _, w := range ws {
			warn(w.t, w.msg)
		}
	}

	// Verification commands.
	if version == vpn.IKEv1 {
		v.Shows = append(v.Shows, "show crypto isakmp sa")
	} else {
		v.Shows = append(v.Shows, "show crypto ikev2 sa")
	}
	for _, t := range c.Tunnels {
		v.Shows = append(v.Shows, "show crypto ipsec sa peer "+t.RemoteAddr.String())
	}
	v.Shows = append(v.Shows, "show crypto session")
	if c.RouteBased() {
		for i := range c.Tunnels {
			v.Shows = append(v.Shows, fmt.Sprintf("show interface Tunnel%d", tunnelNo+i))
		}
		if v.BGP != nil {
			v.Shows = append(v.Shows, "show ip bgp summary")
		} else {
			v.Shows = append(v.Shows, "show ip route static")
		}
	} else {
		v.Shows = append(v.Shows, "show crypto map")
	}
	v.Header = ciscoComments(v.Header)
	v.Checks = ciscoComments(v.Checks)
	v.Warnings = ciscoComments(v.Warnings)
	v.RoutingNote = ciscoComments(v.RoutingNote)
	v.NATNote = ciscoComments(v.NATNote)
	return v, warns, nil
}

type tunnelWarning struct {
	t   vpn.Tunnel
	msg string
}

// iosPolicyBased lays out the crypto map. Both tunnels of a dual-tunnel
// connection share one crypto map entry with two peers, the master first:
// IOS tries "set peer" entries in order and moves to the next when DPD
// declares the current one dead. Two entries with the same ACL would not
// fail over (the first entry always matches), so the values an entry holds
// once (PFS group, IPsec lifetime, IKE profile identity) must agree.
func iosPolicyBased(v *iosView, c vpn.Connection, plans []iosTunnelPlan, p params, o Options, base string, maxName, seq int, outside string) ([]tunnelWarning, error) {
	var warns []tunnelWarning
	first := plans[0]
	m := &iosCryptoMap{
		Name:      p.String("crypto-map"),
		Seq:       seq,
		PFS:       first.pfs,
		Lifetime:  first.espLife,
		ACL:       ciscoObjName(base, maxName, "acl"),
		Interface: outside,
	}
	var tsNames []string
	for _, pl := range plans {
		m.Peers = append(m.Peers, pl.t.RemoteAddr.String())
		tsNames = append(tsNames, pl.ts)
		if pl.pfs != first.pfs {
			return nil, fmt.Errorf("%s: IPsec PFS %s differs from tunnel 1's %s; a %s crypto map entry carries one PFS group for both peers: make the tunnels' PFS groups equal on Alibaba", pl.t.Label(), pl.t.IPsec.PFS, first.t.IPsec.PFS, iosPlatform)
		}
		if pl.espLife < m.Lifetime {
			m.Lifetime = pl.espLife
		}
	}
	if c.Dual() {
		m.Description = fmt.Sprintf("Alibaba %s, peers in order of preference (master first)", base)
		if plans[0].espLife != plans[1].espLife {
			warns = append(warns, tunnelWarning{plans[1].t, fmt.Sprintf("IPsec lifetimes differ (%ds and %ds); the shared crypto map entry uses the shorter, %ds", plans[0].espLife, plans[1].espLife, m.Lifetime)})
		}
	} else {
		m.Description = fmt.Sprintf("Alibaba %s", base)
	}
	m.TransformSets = strings.Join(tsNames, " ")

	// One ACL line per subnet pair: each becomes its own IPsec SA pair, as
	// IKEv1 requires and as Alibaba's selectors expect.
	for _, pair := range c.SubnetPairs() {
		m.ACLLines = append(m.ACLLines, "permit ip "+ciscoWildcardNet(pair.Local)+" "+ciscoWildcardNet(pair.Remote))
		v.NATDeny = append(v.NATDeny, "deny ip "+ciscoWildcardNet(pair.Local)+" "+ciscoWildcardNet(pair.Remote))
	}

	profile := ciscoObjName(base, maxName, "")
	if plans[0].t.IKE.Version == vpn.IKEv1 {
		kr := iosKeyring{Name: profile, LocalAddress: outside}
		prof := iosISAKMPProfile{Name: profile, Keyring: profile, SelfIdentity: first.selfID, Keepalive: c.DPD,
			Aggressive: first.t.IKE.Mode == vpn.AggressiveMode, LocalAddress: outside}
		for _, pl := range plans {
			if pl.selfID != first.selfID || pl.t.LocalID != first.t.LocalID {
				return nil, fmt.Errorf("%s: local identity %s differs from tunnel 1's %s; a %s crypto map entry uses one ISAKMP profile for both peers", pl.t.Label(), idOrDefault(pl.t.LocalID), idOrDefault(first.t.LocalID), iosPlatform)
			}
			if pl.t.IKE.Mode != first.t.IKE.Mode {
				return nil, fmt.Errorf("%s: IKEv1 %s mode differs from tunnel 1's %s mode; a %s crypto map entry uses one ISAKMP profile for both peers", pl.t.Label(), pl.t.IKE.Mode, first.t.IKE.Mode, iosPlatform)
			}
			kr.Keys = append(kr.Keys, iosKey{Address: pl.t.RemoteAddr.String(), PSK: pskText(pl.t, o), Comment: roleText(pl.t)})
			prof.Matches = append(prof.Matches, pl.matches...)
		}
		v.Keyrings = append(v.Keyrings, kr)
		v.ISAKMPProfiles = append(v.ISAKMPProfiles, prof)
		m.ProfileLine = "set isakmp-profile " + profile
	} else {
		kr := &iosIKEv2Keyring{Name: profile}
		prof := iosIKEv2Profile{Name: profile, LocalIdentity: first.localID2, Keyring: profile, Lifetime: first.ikeLife, DPD: c.DPD}
		for _, pl := range plans {
			if pl.localID2 != first.localID2 {
				return nil, fmt.Errorf("%s: local identity %s differs from tunnel 1's %s; a %s crypto map entry uses one IKEv2 profile for both peers", pl.t.Label(), idOrDefault(pl.t.LocalID), idOrDefault(first.t.LocalID), iosPlatform)
			}
			if pl.ikeLife < prof.Lifetime {
				prof.Lifetime = pl.ikeLife
			}
			kr.Peers = append(kr.Peers, iosIKEv2Peer{Name: ciscoObjName("alibaba", 32, tunnelSuffix(c, pl.t, "")), Address: pl.t.RemoteAddr.String(), PSK: pskText(pl.t, o)})
			prof.Matches = append(prof.Matches, pl.matches...)
		}
		if c.Dual() && plans[0].ikeLife != plans[1].ikeLife {
			warns = append(warns, tunnelWarning{plans[1].t, fmt.Sprintf("IKE lifetimes differ (%ds and %ds); the shared IKEv2 profile uses the shorter, %ds", plans[0].ikeLife, plans[1].ikeLife, prof.Lifetime)})
		}
		v.IKEv2Keyring = kr
		v.IKEv2Profiles = append(v.IKEv2Profiles, prof)
		m.ProfileLine = "set ikev2-profile " + profile
	}
	v.CryptoMap = m
	v.Checks = append(v.Checks,
		fmt.Sprintf("%s holds one crypto map: if it already has one, set crypto-map=<that name> and a free crypto-map-seq instead of replacing it.", outside),
		"The tunnel comes up when traffic matching the ACL leaves "+outside+": start it with a ping from an on-prem host to a VPC host.")
	v.RoutingNote = []string{
		"Policy-based: no tunnel routes. Traffic to the VPC must leave through " + outside + " (normally the default route), where the crypto map encrypts it.",
	}
	v.NATNote = []string{
		"If " + outside + " does NAT overload (ip nat inside source list <ACL> interface " + outside + " overload),",
		"exempt the VPN traffic: add these lines at the top of that NAT ACL, before its permit lines:",
	}
	return warns, nil
}

// iosRouteBased lays out one VTI per tunnel with its own IPsec profile,
// and static routes (master preferred by administrative distance) or BGP.
func iosRouteBased(v *iosView, c vpn.Connection, plans []iosTunnelPlan, p params, o Options, base string, maxName, tunnelNo int, outside string, vpc netip.Prefix, haveVPC bool) error {
	var bgp *iosBGP
	for i, pl := range plans {
		t := pl.t
		num := tunnelNo + i
		prof := iosIPsecProfile{Name: pl.name, TransformSet: pl.ts, PFS: pl.pfs, Lifetime: pl.espLife}
		if t.IKE.Version == vpn.IKEv1 {
			v.Keyrings = append(v.Keyrings, iosKeyring{Name: pl.name, LocalAddress: outside,
				Keys: []iosKey{{Address: t.RemoteAddr.String(), PSK: pskText(t, o), Comment: roleText(t)}}})
			v.ISAKMPProfiles = append(v.ISAKMPProfiles, iosISAKMPProfile{Name: pl.name, Keyring: pl.name, SelfIdentity: pl.selfID,
				Matches: pl.matches, Keepalive: c.DPD, Aggressive: t.IKE.Mode == vpn.AggressiveMode, LocalAddress: outside})
			prof.ProfileLine = "set isakmp-profile " + pl.name
		} else {
			if v.IKEv2Keyring == nil {
				v.IKEv2Keyring = &iosIKEv2Keyring{Name: ciscoObjName(base, maxName, "")}
			}
			v.IKEv2Keyring.Peers = append(v.IKEv2Keyring.Peers, iosIKEv2Peer{Name: ciscoObjName("alibaba", 32, tunnelSuffix(c, t, "")), Address: t.RemoteAddr.String(), PSK: pskText(t, o)})
			v.IKEv2Profiles = append(v.IKEv2Profiles, iosIKEv2Profile{Name: pl.name, Matches: pl.matches, LocalIdentity: pl.localID2,
				Keyring: v.IKEv2Keyring.Name, Lifetime: pl.ikeLife, DPD: c.DPD})
			prof.ProfileLine = "set ikev2-profile " + pl.name
		}
		v.IPsecProfiles = append(v.IPsecProfiles, prof)

		tun := iosTunnel{Number: num, Description: fmt.Sprintf("Alibaba %s %s", base, roleText(t)), Source: outside,
			Destination: t.RemoteAddr.String(), Profile: pl.name, Address: "ip unnumbered " + outside}
		if t.ID != "" {
			tun.Description += " " + t.ID
		}
		if t.BGP != nil {
			tun.Address = "ip address " + t.BGP.LocalIP.String() + " " + dottedMask(t.BGP.TunnelCIDR.Bits(), false)
			if bgp == nil {
				bgp = &iosBGP{ASN: t.BGP.LocalASN}
			} else if bgp.ASN != t.BGP.LocalASN {
				return fmt.Errorf("%s: BGP ASN %d differs from tunnel 1's %d; a router runs one BGP process", t.Label(), t.BGP.LocalASN, bgp.ASN)
			}
			n := iosBGPNeighbor{IP: t.BGP.RemoteIP.String(), RemoteASN: t.BGP.RemoteASN, Description: "Alibaba " + roleText(t)}
			// The master is preferred both ways: a higher local preference
			// for what Alibaba advertises over it, and a longer AS path for
			// what this router advertises over the slave.
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
			dest := "<VPC-NETWORK> <VPC-MASK>"
			if haveVPC {
				dest = ciscoNet(vpc)
			}
			route := fmt.Sprintf("ip route %s Tunnel%d", dest, num)
			// A floating static route: the slave's distance is higher, so
			// it takes over only when the master VTI goes down.
			switch t.Role {
			case vpn.RoleMaster:
				route += " 1"
			case vpn.RoleSlave:
				route += " 10"
			}
			v.Routes = append(v.Routes, route)
		}
		v.Tunnels = append(v.Tunnels, tun)
	}
	v.BGP = bgp
	if bgp != nil {
		v.RoutingNote = append(v.RoutingNote, "BGP learns the VPC prefixes. Advertise the on-prem prefixes with 'network <ON-PREM-NETWORK> mask <MASK>' under address-family ipv4.")
		v.Checks = append(v.Checks, fmt.Sprintf("BGP: if this router already runs BGP, its AS must be %d (router bgp cannot be opened twice).", bgp.ASN))
	} else if !haveVPC {
		v.RoutesCommented = true
		v.RoutingNote = append(v.RoutingNote, "Replace <VPC-NETWORK> <VPC-MASK> by each VPC prefix and remove the '!' (or render with --set vpc-cidr=<prefix>).")
		v.Checks = append(v.Checks, "Section 4: the static routes are commented placeholders until you give the VPC prefix.")
	}
	v.Checks = append(v.Checks, "The VTI starts IKE by itself as soon as it is up (this router initiates); Alibaba routes 0.0.0.0/0 into the tunnel.")
	v.NATNote = []string{"Traffic leaving through the tunnel interface is not NATed unless 'ip nat outside' is set on it: leave it off."}
	return nil
}

func iosTransforms(t vpn.Tunnel) (string, error) {
	enc, ok := iosESPCipher[t.IPsec.Cipher]
	if !ok {
		return "", unsupported(iosPlatform, t, "IPsec encryption", t.IPsec.Cipher)
	}
	integ, ok := iosESPIntegrity[t.IPsec.Integrity]
	if !ok {
		return "", unsupported(iosPlatform, t, "IPsec integrity", t.IPsec.Integrity)
	}
	return enc + " " + integ, nil
}

func iosISAKMP(t vpn.Tunnel, priority, life int) (iosISAKMPPolicy, error) {
	enc, ok := iosISAKMPCipher[t.IKE.Cipher]
	if !ok {
		return iosISAKMPPolicy{}, unsupported(iosPlatform, t, "IKE encryption", t.IKE.Cipher)
	}
	hash, ok := iosISAKMPHash[t.IKE.Integrity]
	if !ok {
		return iosISAKMPPolicy{}, unsupported(iosPlatform, t, "IKE integrity", t.IKE.Integrity)
	}
	grp, ok := iosGroup[t.IKE.DHGroup]
	if !ok {
		return iosISAKMPPolicy{}, unsupported(iosPlatform, t, "IKE DH group", t.IKE.DHGroup)
	}
	return iosISAKMPPolicy{Priority: priority, Comment: roleText(t), Encryption: enc, Hash: hash, Group: grp, Lifetime: life}, nil
}

func iosIKEv2Prop(t vpn.Tunnel, name string) (iosIKEv2Proposal, error) {
	enc, ok := iosIKEv2Cipher[t.IKE.Cipher]
	if !ok {
		return iosIKEv2Proposal{}, unsupported(iosPlatform, t, "IKE encryption", t.IKE.Cipher)
	}
	integ, ok := iosIKEv2Integrity[t.IKE.Integrity]
	if !ok {
		return iosIKEv2Proposal{}, unsupported(iosPlatform, t, "IKE integrity", t.IKE.Integrity)
	}
	grp, ok := iosGroup[t.IKE.DHGroup]
	if !ok {
		return iosIKEv2Proposal{}, unsupported(iosPlatform, t, "IKE DH group", t.IKE.DHGroup)
	}
	return iosIKEv2Proposal{Name: name, Comment: roleText(t), Encryption: enc, Integrity: integ, Group: grp}, nil
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
