package render

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "juniper-srx",
		Summary: "Juniper SRX (Junos) set commands: route-based st0 VPN, traffic selectors, zones, static routes or BGP",
		File:    "juniper-srx.set",
		// deletes exactly what juniper-srx.set creates (Objects)
		Rollback: "juniper-srx-rollback.set",
		Params: []Param{
			{Key: "external-interface", Default: "ge-0/0/0.0", Help: "interface facing the Internet (IKE external-interface)"},
			{Key: "external-zone", Default: "untrust", Help: "security zone of the external interface (gets host-inbound ike)"},
			{Key: "internal-zone", Default: "trust", Help: "security zone of the on-prem subnets"},
			{Key: "vpn-zone", Default: "vpn", Help: "security zone the st0 units are put in"},
			{Key: "st0-unit", Default: "0", Help: "st0 unit of tunnel 1 (tunnel 2 uses st0-unit+1); must be free", Stride: 2},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix to route into the tunnel (empty: commented placeholder)"},
			{Key: "junos-version", Default: "", Help: "Junos release, e.g. 23.2R1: refuses SHA-384/512 proposals on releases before 23.2 (empty: warn)"},
			bgpParams[0], bgpParams[1],
		},
		// pre-shared-key ascii-text "K" | hexadecimal H
		SecretKeywords: []string{"ascii-text", "hexadecimal", "authentication-key"},
		build:          buildJunos,
	})
}

const junosPlatform = "Junos"

// Junos keywords ([edit security ike proposal] and [edit security ipsec
// proposal] reference pages; docs/vendors/juniper-srx.md). IKE and IPsec share the
// encryption names but not the authentication names.
var (
	junosCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-128-cbc", vpn.AES192: "aes-192-cbc", vpn.AES256: "aes-256-cbc",
		vpn.DES: "des-cbc", vpn.TripleDES: "3des-cbc",
	}
	junosIKEAuth = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha-256", vpn.SHA384: "sha-384", vpn.SHA512: "sha-512",
	}
	// ESP: Juniper's junos-es configuration YANG lists hmac-sha-384 and
	// hmac-sha-512 from 23.2R1 on; 17.4-23.1 stop at hmac-sha-256-128, and
	// no release has a "-192"/"-256" suffix form.
	junosIPsecAuth = map[vpn.Integrity]string{
		vpn.MD5: "hmac-md5-96", vpn.SHA1: "hmac-sha1-96", vpn.SHA256: "hmac-sha-256-128",
		vpn.SHA384: "hmac-sha-384", vpn.SHA512: "hmac-sha-512",
	}
	junosGroup = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5",
		vpn.Group14: "group14", vpn.Group24: "group24",
	}
)

// Junos accepts lifetime-seconds from 180 to 86400 in both proposals, and
// at most 200 traffic selectors per VPN, and at most 200 terms in one
// traffic selector (max-elements 200 for both in the model).
const (
	junosMinLife      = 180
	junosMaxLife      = 86400
	junosMaxSelectors = 200
)

// junosSHA2Since is the release that added ESP hmac-sha-384/hmac-sha-512
// and IKE sha-512 (IKE sha-384 is in every modelled release, 17.4 on).
var junosSHA2Since = [2]int{23, 2}

// junosNeeds232 lists the tunnel's keywords that need Junos 23.2.
func junosNeeds232(t vpn.Tunnel) []string {
	var out []string
	if t.IKE.Integrity == vpn.SHA512 {
		out = append(out, "IKE integrity sha-512")
	}
	if t.IPsec.Integrity == vpn.SHA384 || t.IPsec.Integrity == vpn.SHA512 {
		out = append(out, "IPsec integrity "+junosIPsecAuth[t.IPsec.Integrity])
	}
	return out
}

// junosView is the flat view juniper-srx.set.tmpl lays out.
type junosView struct {
	fileNotes
	Tunnels []junosTunnel

	ExternalInterface string
	ExternalZone      string
	InternalZone      string
	VPNZone           string

	// Addresses are the global address-book entries; empty for
	// route-based connections, whose policies match "any".
	Addresses []junosAddress
	// Policies are the two security policies, on-prem to VPC and back.
	Policies   []junosPolicy
	Routes     []junosRoute
	RoutesHint []junosRoute // commented placeholder routes when the prefix is unknown
	BGP        *junosBGP
}

type junosTunnel struct {
	Comment           string
	ExternalInterface string
	Unit              string // "st0.0"
	UnitNum           int
	IKEProp           string
	IKEPol            string
	Gateway           string
	IPsecProp         string
	IPsecPol          string
	VPN               string

	// IKE proposal
	IKEAuth  string
	IKEEnc   string
	IKEGroup string
	IKELife  int

	// IKE policy
	Mode     string // "main" / "aggressive"; empty for IKEv2 (modes are IKEv1 only)
	PSKKind  string // "ascii-text" or "hexadecimal"
	PSK      string // quoted ascii text or bare hex digits
	PSKIsHex bool

	// IKE gateway
	Address      string
	Version      string // v1-only / v2-only
	LocalIDType  string // inet / inet6 / hostname; empty = Junos default
	LocalID      string
	RemoteIDType string
	RemoteID     string
	DPD          bool
	NoNATT       bool

	// IPsec
	IPsecAuth string
	IPsecEnc  string
	IPsecLife int
	PFS       string // empty: no PFS stanza
	Selectors []junosSelector
	// Terms, when set, replace Selectors: one traffic selector whose
	// terms carry every subnet pair, negotiated as one IPsec SA (IKEv2
	// with several subnets; Junos 21.1R1 and later).
	TermSelector string
	Terms        []junosSelector
	InsideAddr   string // st0 address for BGP, "169.254.10.2/30"
}

type junosPolicy struct {
	From, To, Name string
	// Sources and Destinations are address-book names, or "any".
	Sources, Destinations []string
}

type junosSelector struct {
	Name, Local, Remote string
}

type junosAddress struct {
	Name, Prefix string
}

type junosRoute struct {
	Prefix string
	// NextHop is the plain next-hop (preference 5, Junos's static default);
	// Qualified are standby next-hops with a higher preference.
	NextHop   string
	Qualified []junosQualified
	// MoreNextHops are further plain next-hops with NextHop's
	// preference: both tunnels active, equal-cost routes.
	MoreNextHops []string
}

type junosQualified struct {
	NextHop    string
	Preference int
}

type junosBGP struct {
	LocalASN uint32
	// SetAS writes routing-options autonomous-system; false when
	// --set local-as says the SRX already runs BGP (its statement stays).
	SetAS bool
	// GroupLocalAS is the tunnels' AS written per group (local-as) when
	// the SRX's own AS differs; 0 otherwise.
	GroupLocalAS uint32
	// Export accepts only the on-prem prefix list and rejects the rest;
	// Import rejects a default route, tags the VPC routes no-export and
	// (slave tunnel) lowers their local-preference.
	Export, Import, ImportBackup, Community, PrefixList string
	OnPrem                                              []string
	Groups                                              []junosBGPGroup
	// BackupPref is the local-preference of routes learned over the slave
	// tunnel (ImportBackup); 0 without a slave.
	BackupPref int
}

type junosBGPGroup struct {
	Name     string
	Comment  string
	PeerAS   uint32
	Neighbor string
	Import   string
	AuthKey  string // quoted TCP MD5 password (or its placeholder); "" = none
	Export   string
}

// junosPSK returns the keyword and value for pre-shared-key. Junos's
// escaping rules inside quotes are not documented, so only a quotablePSK
// goes inside "…" after ascii-text; keys with quotes, backslashes, '$' (a
// "$9$" key would be taken as already encrypted) or any other character
// go hexadecimal.
func junosPSK(psk string) (kind, value string, isHex bool) {
	if quotablePSK.MatchString(psk) {
		return "ascii-text", `"` + psk + `"`, false
	}
	return "hexadecimal", hex.EncodeToString([]byte(psk)), true
}

// junosIdentity types an IKE identity for local-identity/remote-identity.
func junosIdentity(id vpn.Identity) (kind, value string) {
	switch id.Kind {
	case vpn.IDAddress:
		if id.Addr.Is6() {
			return "inet6", id.Addr.String()
		}
		return "inet", id.Addr.String()
	case vpn.IDFQDN:
		return "hostname", id.FQDN
	}
	return "", ""
}

// junosFIPSBlocked lists what Junos in FIPS mode rejects (docs/vendors/juniper-srx.md).
func junosFIPSBlocked(t vpn.Tunnel) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, c := range []vpn.Cipher{t.IKE.Cipher, t.IPsec.Cipher} {
		if c == vpn.DES {
			add("des-cbc")
		}
	}
	if t.IKE.Integrity == vpn.MD5 {
		add("md5")
	}
	if t.IPsec.Integrity == vpn.MD5 {
		add("hmac-md5-96")
	}
	for _, g := range []vpn.DHGroup{t.IKE.DHGroup, t.IPsec.PFS} {
		if g == vpn.Group1 || g == vpn.Group2 {
			add(junosGroup[g])
		}
	}
	return out
}

func buildJunos(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	// Alibaba's health-check probes must pass the selectors, access
	// lists and policies derived from the subnets (render/connfacts.go).
	c = c.WithProbeSelectors()
	unitBase, err := p.Int("st0-unit", 0, 15998) // st0.0-st0.15999 are user units; tunnel 2 takes the next one
	if err != nil {
		return nil, nil, err
	}
	vpcCIDR, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	bs, err := readBGPSafety(p)
	if err != nil {
		return nil, nil, err
	}
	if err := requireSafeIDs(c, junosPlatform); err != nil {
		return nil, nil, err
	}
	release := p.String("junos-version")
	newEnough, known := true, false
	if release != "" {
		if newEnough, known = atLeast(release, junosSHA2Since[0], junosSHA2Since[1]); !known {
			return nil, nil, &ParamError{Vendor: "juniper-srx", Key: "junos-version", Reason: fmt.Sprintf("value %q: want a release such as 23.2R1", release)}
		}
	}
	// Names: 18 characters of the connection name leave room for the
	// longest prefix ("ipsec-prop-") and the tunnel suffix within 32.
	base := baseName(c, 18)
	v := junosView{
		fileNotes:         newFileNotes(c, "Juniper SRX (Junos) set commands for an Alibaba Cloud IPsec-VPN connection", o),
		ExternalInterface: p.String("external-interface"),
		ExternalZone:      p.String("external-zone"),
		InternalZone:      p.String("internal-zone"),
		VPNZone:           p.String("vpn-zone"),
	}
	v.Verify = []string{
		"show security ike security-associations",
		"show security ipsec security-associations",
		"show security ipsec statistics",
		"show interfaces st0 terse",
	}
	v.check("Load: configure; load set terminal (paste); commit check; then 'commit confirmed 10' and, once you can still reach the SRX and the tunnel is up, 'commit' (Junos rolls back by itself after 10 minutes otherwise).")
	v.check("Check the device parameters (--set): external interface %s in zone %s, on-prem zone %s, VPN zone %s, st0 units from %d.",
		v.ExternalInterface, v.ExternalZone, v.InternalZone, v.VPNZone, unitBase)
	v.check("This device initiates and keeps the tunnel up (establish-tunnels immediately).")

	v.check("Zone %s: ike is added to its zone-level host-inbound-traffic; if %s has host-inbound-traffic of its own under the zone's interfaces statement, that list overrides the zone's: add 'system-services ike' there yourself.", v.ExternalZone, v.ExternalInterface)
	for _, t := range c.Tunnels {
		jt, err := junosTunnelView(c, t, base, unitBase, o)
		if err != nil {
			return nil, nil, err
		}
		if needs := junosNeeds232(t); len(needs) > 0 {
			switch {
			case !known:
				v.warn(t, strings.Join(needs, " and ")+" need Junos 23.2 or later (older releases refuse the commit); on an older SRX use sha256 on Alibaba, or give --set junos-version=<release> to check")
			case !newEnough:
				return nil, nil, fmt.Errorf("%s: %s needs Junos 23.2 or later (--set junos-version=%s); use sha256 on Alibaba or upgrade the SRX", t.Label(), needs[0], release)
			}
		}
		if n := len(jt.Selectors); n > junosMaxSelectors {
			return nil, nil, fmt.Errorf("%s: %d subnet pairs need %d traffic selectors; Junos takes at most %d per VPN: on Alibaba, summarise the subnets into fewer, larger prefixes or use destination routing (0.0.0.0/0)", t.Label(), n, n, junosMaxSelectors)
		}
		if n := len(jt.Terms); n > junosMaxSelectors {
			return nil, nil, fmt.Errorf("%s: %d subnet pairs need %d traffic-selector terms; Junos takes at most %d per traffic selector: on Alibaba, summarise the subnets into fewer, larger prefixes or use destination routing (0.0.0.0/0)", t.Label(), n, n, junosMaxSelectors)
		}
		jt.ExternalInterface = v.ExternalInterface
		v.Tunnels = append(v.Tunnels, jt)
		v.check("st0.%d must be free (show interfaces st0.%d); pick another with --set st0-unit=<n>.", jt.UnitNum, jt.UnitNum)
	}

	// Address book and policies. Route-based connections carry 0.0.0.0/0,
	// which the policies express as "any".
	localNames, remoteNames := []string{"any"}, []string{"any"}
	if !c.RouteBased() {
		localNames, remoteNames = nil, nil
		for i, pf := range c.LocalSubnets {
			a := junosAddress{Name: fmt.Sprintf("%s-local-%d", base, i+1), Prefix: pf.String()}
			v.Addresses = append(v.Addresses, a)
			localNames = append(localNames, a.Name)
		}
		for i, pf := range c.RemoteSubnets {
			a := junosAddress{Name: fmt.Sprintf("%s-vpc-%d", base, i+1), Prefix: pf.String()}
			v.Addresses = append(v.Addresses, a)
			remoteNames = append(remoteNames, a.Name)
		}
	}
	v.Policies = []junosPolicy{
		{From: v.InternalZone, To: v.VPNZone, Name: base + "-to-vpc", Sources: localNames, Destinations: remoteNames},
		{From: v.VPNZone, To: v.InternalZone, Name: base + "-from-vpc", Sources: remoteNames, Destinations: localNames},
	}

	// Routing: BGP when Alibaba gave BGP for the tunnels, otherwise static
	// routes to the VPC prefixes, the master's next-hop preferred.
	if c.PrivateNetwork {
		v.check("Private network: %s must be the interface towards the leased line / Express Connect on which Alibaba's private gateway address is reached, not the Internet.", v.ExternalInterface)
	}
	if c.ActiveActive && c.Dual() {
		v.warnConn(fmt.Sprintf("both tunnels active (transit router, ECMP): the routes and BGP groups below prefer neither tunnel, and Alibaba may return a flow over the other st0 unit. Both units are in zone %s, so the same policies apply to either; the SRX drops a flow's packets arriving in another zone than its session's (Juniper KB21983), so keep them in one zone. To send over both, add a load-balance policy to the forwarding table (policy-options policy-statement <name> then load-balance per-packet; routing-options forwarding-table export <name>)", v.VPNZone))
		if anyBGP(c) {
			v.warnConn("both tunnels active with BGP: Junos makes one BGP path per prefix active, so this SRX sends over one tunnel only; to send over both, add 'multipath' to the BGP groups below (set protocols bgp group <name> multipath) together with the load-balance policy above (not set here: the forwarding-table policy applies to every route of this SRX)")
		}
	}
	v.healthChecks(c)
	for _, jt := range v.Tunnels {
		if len(jt.Terms) > 0 {
			v.check("Traffic selector terms (one IPsec SA for all subnet pairs, as Alibaba negotiates under IKEv2) need Junos 21.1R1 or later; an older release refuses them at commit: upgrade, or use destination routing (0.0.0.0/0) on Alibaba.")
			break
		}
	}
	if anyBGP(c) {
		if !c.RouteBased() {
			return nil, nil, fmt.Errorf("BGP with specific subnets (%s <-> %s): Junos does not run dynamic routing over st0 units with traffic selectors, so BGP would never establish; on Alibaba, use destination routing (0.0.0.0/0 on both sides) for a BGP connection", prefixList(c.LocalSubnets), prefixList(c.RemoteSubnets))
		}
		var err error
		v.BGP, err = junosBGPView(&v.fileNotes, c, base, bs, o)
		if err != nil {
			return nil, nil, err
		}
		v.checkBGPSafety(bs, v.BGP.LocalASN, "SRX", fmt.Sprintf("routing-options autonomous-system %d", v.BGP.LocalASN))
	} else {
		if !c.RouteBased() && c.Dual() {
			v.check("Junos also inserts auto-route-insertion (ARI) routes for each traffic selector's remote-ip on both st0 units: check with 'show route <VPC prefix>' that the master's st0 unit is the active next hop.")
		}
		prefixes := staticPrefixes(c, vpcCIDR)
		for _, pf := range prefixes {
			v.Routes = append(v.Routes, junosRouteFor(pf.String(), c, v.Tunnels))
		}
		if len(prefixes) == 0 {
			v.RoutesHint = []junosRoute{junosRouteFor("<VPC-CIDR>", c, v.Tunnels)}
			v.warnNoVPCPrefix()
		}
	}

	for _, t := range c.Tunnels {
		if blocked := junosFIPSBlocked(t); len(blocked) > 0 {
			v.warn(t, fmt.Sprintf("Junos in FIPS mode rejects %s; use stronger algorithms on Alibaba if this SRX runs in FIPS mode", strings.Join(blocked, ", ")))
		}
	}
	junosObjects(&v)
	return v, v.returned, nil
}

// junosRouteFor routes a prefix over every tunnel: the master (or only)
// tunnel as the plain next-hop, the slave as a qualified next-hop with a
// worse preference, so the slave carries traffic only when the master's
// st0 unit is down.
//
// With both tunnels active (a transit router) every tunnel is a plain
// next-hop: equal-cost routes.
func junosRouteFor(prefix string, c vpn.Connection, jts []junosTunnel) junosRoute {
	r := junosRoute{Prefix: prefix}
	if c.ActiveActive {
		r.NextHop = jts[0].Unit
		for _, jt := range jts[1:] {
			r.MoreNextHops = append(r.MoreNextHops, jt.Unit)
		}
		return r
	}
	for i, t := range c.Tunnels {
		if t.Role == vpn.RoleSlave {
			r.Qualified = append(r.Qualified, junosQualified{NextHop: jts[i].Unit, Preference: 10})
			continue
		}
		r.NextHop = jts[i].Unit
	}
	if r.NextHop == "" { // no master: the first tunnel leads
		r.NextHop = r.Qualified[0].NextHop
		r.Qualified = r.Qualified[1:]
	}
	return r
}

func junosBGPView(n *fileNotes, c vpn.Connection, base string, bs bgpSafety, o Options) (*junosBGP, error) {
	b := &junosBGP{
		Export:    base + "-export",
		Import:    base + "-import",
		Community: base + "-no-export",
	}
	var ts []vpn.Tunnel
	b.LocalASN, ts = bgpTunnels(n, c, "routing-options autonomous-system")
	b.SetAS = bs.LocalAS == 0
	if bs.LocalAS != 0 && bs.LocalAS != b.LocalASN {
		b.GroupLocalAS = b.LocalASN
	}
	if len(bs.OnPrem) > 0 {
		b.PrefixList = base + "-onprem"
		for _, pf := range bs.OnPrem {
			b.OnPrem = append(b.OnPrem, pf.String())
		}
	}
	for _, t := range ts {
		g := junosBGPGroup{
			Name:     fmt.Sprintf("%s-t%d", base, t.Index),
			Comment:  roleText(t),
			PeerAS:   t.BGP.RemoteASN,
			Neighbor: t.BGP.RemoteIP.String(),
			Import:   b.Import,
			Export:   b.Export,
		}
		if key := bgpKeyText(t, o); key != "" {
			k, escaped, err := junosAuthKey(t, key)
			if err != nil {
				return nil, err
			}
			if escaped {
				n.warn(t, "the BGP password holds a double quote or a backslash, written with a backslash in front inside the quotes: check that the session comes up (show bgp neighbor)")
			}
			g.AuthKey = k
		}
		if t.Role == vpn.RoleSlave && !c.ActiveActive {
			// Routes learned over the standby tunnel get a lower
			// LOCAL_PREF, so this device sends over the master, as
			// Alibaba does.
			b.ImportBackup = base + "-import-backup"
			b.BackupPref = 50
			g.Import = b.ImportBackup
		}
		b.Groups = append(b.Groups, g)
	}
	return b, nil
}

// junosAuthKey quotes a BGP password for authentication-key (a string of
// 1-126 characters in Juniper's junos-es YANG models): inside "…", with
// '"' and '\' escaped by a backslash. A key starting with "$9$" would be
// taken as already encrypted, so it is refused.
func junosAuthKey(t vpn.Tunnel, key string) (string, bool, error) {
	if strings.HasPrefix(key, "$9$") {
		return "", false, cannotExpress("%s: the BGP password starts with \"$9$\", which Junos reads as an encrypted secret; change the customer gateway's authentication key on Alibaba", t.Label())
	}
	if len(key) > 126 {
		return "", false, cannotExpress("%s: the BGP password has %d characters; Junos takes at most 126", t.Label(), len(key))
	}
	quoted, escaped, bad := quoteKey(key, `"\`, func(r rune) bool { return r < 0x20 || r == 0x7f || r > 0x7e })
	if bad > 0 {
		return "", false, cannotExpress("%s: the BGP password cannot be written on %s: character %d is a control or non-ASCII character", t.Label(), junosPlatform, bad)
	}
	return quoted, escaped, nil
}

// junosObjects records what the file creates, in creation order; the
// rollback deletes them in reverse. Zones, the external interface's zone
// membership and the global AS exist before (or beside) this VPN and are
// not listed: the file only adds statements to them.
func junosObjects(v *junosView) {
	for _, t := range v.Tunnels {
		v.created("ike proposal", t.IKEProp)
		v.created("ike policy", t.IKEPol)
		v.created("ike gateway", t.Gateway)
	}
	for _, t := range v.Tunnels {
		v.created("ipsec proposal", t.IPsecProp)
		v.created("ipsec policy", t.IPsecPol)
		v.created("ipsec vpn", t.VPN)
	}
	for _, t := range v.Tunnels {
		v.created("interface", t.Unit)
	}
	if b := v.BGP; b != nil {
		v.created("community", b.Community)
		if b.PrefixList != "" {
			v.created("prefix-list", b.PrefixList)
		}
		v.created("policy-statement", b.Export)
		v.created("policy-statement", b.Import)
		if b.ImportBackup != "" {
			v.created("policy-statement", b.ImportBackup)
		}
		for _, g := range b.Groups {
			v.created("bgp group", g.Name)
		}
	}
	for _, r := range v.Routes {
		v.created("static route", r.Prefix)
	}
	for _, a := range v.Addresses {
		v.created("address", a.Name)
	}
	for _, p := range v.Policies {
		v.created("security policy", p.From+" "+p.To+" "+p.Name)
	}
}

func junosTunnelView(c vpn.Connection, t vpn.Tunnel, base string, unitBase int, o Options) (junosTunnel, error) {
	name := base
	if c.Dual() {
		name = fmt.Sprintf("%s-t%d", base, t.Index)
	}
	unit := unitBase + t.Index - 1
	jt := junosTunnel{
		Comment:   roleText(t),
		Unit:      fmt.Sprintf("st0.%d", unit),
		UnitNum:   unit,
		IKEProp:   "ike-prop-" + name,
		IKEPol:    "ike-pol-" + name,
		Gateway:   "gw-" + name,
		IPsecProp: "ipsec-prop-" + name,
		IPsecPol:  "ipsec-pol-" + name,
		VPN:       "vpn-" + name,
		Address:   t.RemoteAddr.String(),
		DPD:       c.DPD,
		NoNATT:    !c.NATTraversal,
	}
	var err error
	if jt.IKEEnc, err = keyword(junosCipher, junosPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return jt, err
	}
	if jt.IKEAuth, err = keyword(junosIKEAuth, junosPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return jt, err
	}
	if jt.IKEGroup, err = keyword(junosGroup, junosPlatform, t, "IKE DH group", t.IKE.DHGroup); err != nil {
		return jt, err
	}
	if jt.IPsecEnc, err = keyword(junosCipher, junosPlatform, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
		return jt, err
	}
	if jt.IPsecAuth, err = keyword(junosIPsecAuth, junosPlatform, t, "IPsec integrity", t.IPsec.Integrity); err != nil {
		return jt, err
	}
	if jt.PFS, err = pfsKeyword(junosGroup, junosPlatform, t); err != nil {
		return jt, err
	}
	if jt.IKELife, err = seconds(junosPlatform, "IKE lifetime", t, t.IKE.Lifetime, junosMinLife, junosMaxLife); err != nil {
		return jt, err
	}
	if jt.IPsecLife, err = seconds(junosPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, junosMinLife, junosMaxLife); err != nil {
		return jt, err
	}

	switch t.IKE.Version {
	case vpn.IKEv1:
		jt.Version = "v1-only"
		jt.Mode = t.IKE.Mode.String()
	case vpn.IKEv2:
		jt.Version = "v2-only"
	default:
		return jt, cannotExpress("%s: IKE version %d cannot be expressed on %s", t.Label(), int(t.IKE.Version), junosPlatform)
	}
	jt.LocalIDType, jt.LocalID = junosIdentity(t.LocalID)
	jt.RemoteIDType, jt.RemoteID = junosIdentity(t.RemoteID)
	jt.PSKKind, jt.PSK, jt.PSKIsHex = junosPSK(pskText(t, o))

	switch {
	case c.RouteBased():
		// 0.0.0.0/0 on both sides: no traffic selector (Junos refuses a
		// 0.0.0.0/0 remote-ip in site-to-site traffic selectors); the
		// tunnel proposes 0/0 and routes decide.
	case t.IKE.Version == vpn.IKEv2 && len(c.SubnetPairs()) > 1:
		// IKEv2: Alibaba negotiates one SA carrying all its subnets. One
		// traffic selector with one term per subnet pair is negotiated
		// as one SA with all of them (Junos 21.1R1 and later; Juniper,
		// "Traffic Selectors in Route-Based VPNs").
		jt.TermSelector = "ts1"
		for i, pair := range c.SubnetPairs() {
			jt.Terms = append(jt.Terms, junosSelector{
				Name:   fmt.Sprintf("t%d", i+1),
				Local:  pair.Local.String(),
				Remote: pair.Remote.String(),
			})
		}
	default:
		// One traffic-selector per subnet pair: each becomes its own
		// IPsec SA, which is what IKEv1 needs.
		for i, pair := range c.SubnetPairs() {
			jt.Selectors = append(jt.Selectors, junosSelector{
				Name:   fmt.Sprintf("ts%d", i+1),
				Local:  pair.Local.String(),
				Remote: pair.Remote.String(),
			})
		}
	}
	if t.BGP != nil {
		jt.InsideAddr = netip.PrefixFrom(t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits()).String()
	}
	return jt, nil
}
