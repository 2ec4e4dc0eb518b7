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
		Params: []Param{
			{Key: "external-interface", Default: "ge-0/0/0.0", Help: "interface facing the Internet (IKE external-interface)"},
			{Key: "external-zone", Default: "untrust", Help: "security zone of the external interface (gets host-inbound ike)"},
			{Key: "internal-zone", Default: "trust", Help: "security zone of the on-prem subnets"},
			{Key: "vpn-zone", Default: "vpn", Help: "security zone the st0 units are put in"},
			{Key: "st0-unit", Default: "0", Help: "st0 unit of tunnel 1 (tunnel 2 uses st0-unit+1)"},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix to route into the tunnel (empty: commented placeholder)"},
		},
		// pre-shared-key ascii-text "K" | hexadecimal H
		SecretKeywords: []string{"ascii-text", "hexadecimal"},
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
	junosIPsecAuth = map[vpn.Integrity]string{
		vpn.MD5: "hmac-md5-96", vpn.SHA1: "hmac-sha1-96", vpn.SHA256: "hmac-sha-256-128",
		vpn.SHA384: "hmac-sha-384-192", vpn.SHA512: "hmac-sha-512-256",
	}
	junosGroup = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5",
		vpn.Group14: "group14", vpn.Group24: "group24",
	}
)

// Junos accepts lifetime-seconds from 180 to 86400 in both proposals.
const (
	junosMinLife = 180
	junosMaxLife = 86400
)

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
	IPsecAuth  string
	IPsecEnc   string
	IPsecLife  int
	PFS        string // empty: no PFS stanza
	Selectors  []junosSelector
	InsideAddr string // st0 address for BGP, "169.254.10.2/30"
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
}

type junosQualified struct {
	NextHop    string
	Preference int
}

type junosBGP struct {
	LocalASN uint32
	Groups   []junosBGPGroup
	// BackupPolicy is the import policy that lowers local-preference on
	// routes learned over the slave tunnel; empty for one tunnel.
	BackupPolicy string
	BackupPref   int
}

type junosBGPGroup struct {
	Name     string
	Comment  string
	PeerAS   uint32
	Neighbor string
	Import   string
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
	unitBase, err := p.Int("st0-unit", 0, 15998) // st0.0-st0.15999 are user units; tunnel 2 takes the next one
	if err != nil {
		return nil, nil, err
	}
	vpcCIDR, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	if err := requireIPv4(c, junosPlatform); err != nil {
		return nil, nil, err
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
	v.check("Load: configure; load set terminal (paste); commit check; commit.")
	v.check("Check the device parameters (--set): external interface %s in zone %s, on-prem zone %s, VPN zone %s, st0 units from %d.",
		v.ExternalInterface, v.ExternalZone, v.InternalZone, v.VPNZone, unitBase)
	v.check("This device initiates and keeps the tunnel up (establish-tunnels immediately).")

	for _, t := range c.Tunnels {
		jt, err := junosTunnelView(c, t, base, unitBase, o)
		if err != nil {
			return nil, nil, err
		}
		jt.ExternalInterface = v.ExternalInterface
		v.Tunnels = append(v.Tunnels, jt)
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
	if anyBGP(c) {
		v.BGP = junosBGPView(&v.fileNotes, c, base)
		v.check("BGP: 'routing-options autonomous-system %d' sets this SRX's AS; if it already runs BGP with another AS, keep that and add 'local-as %d' to the groups below instead.", v.BGP.LocalASN, v.BGP.LocalASN)
		if !c.RouteBased() {
			v.warnNotInFile("", "BGP with traffic selectors: Junos does not run dynamic routing over st0 units with traffic selectors; use destination routing (0.0.0.0/0) on Alibaba")
		}
	} else {
		if !c.RouteBased() && c.Dual() {
			v.check("Junos also inserts auto-route-insertion (ARI) routes for each traffic selector's remote-ip on both st0 units: check with 'show route <VPC prefix>' that the master's st0 unit is the active next hop.")
		}
		prefixes := staticPrefixes(c, vpcCIDR)
		for _, pf := range prefixes {
			v.Routes = append(v.Routes, junosRouteFor(pf.String(), c.Tunnels, v.Tunnels))
		}
		if len(prefixes) == 0 {
			v.RoutesHint = []junosRoute{junosRouteFor("<VPC-CIDR>", c.Tunnels, v.Tunnels)}
			v.warnNoVPCPrefix()
		}
	}

	for _, t := range c.Tunnels {
		if blocked := junosFIPSBlocked(t); len(blocked) > 0 {
			v.warn(t, fmt.Sprintf("Junos in FIPS mode rejects %s; use stronger algorithms on Alibaba if this SRX runs in FIPS mode", strings.Join(blocked, ", ")))
		}
		if t.IKE.DHGroup == vpn.Group24 || t.IPsec.PFS == vpn.Group24 {
			// The file names the CLI check; the returned warning is the
			// short form (both pinned by golden files).
			v.Warnings = append(v.Warnings, t.Label()+": dh-group group24 is not listed by every Junos release; check with 'set security ike proposal ? dh-group ?' before committing")
			v.warnNotInFile(t.Label(), "dh-group group24 is not listed by every Junos release; check it before committing")
		}
		if t.IKE.Integrity == vpn.SHA384 || t.IKE.Integrity == vpn.SHA512 || t.IPsec.Integrity == vpn.SHA384 || t.IPsec.Integrity == vpn.SHA512 {
			v.warnNotInFile(t.Label(), "SHA-384/SHA-512 proposals need a recent Junos release; check with commit check")
		}
	}
	return v, v.returned, nil
}

// junosRouteFor routes a prefix over every tunnel: the master (or only)
// tunnel as the plain next-hop, the slave as a qualified next-hop with a
// worse preference, so the slave carries traffic only when the master's
// st0 unit is down.
func junosRouteFor(prefix string, ts []vpn.Tunnel, jts []junosTunnel) junosRoute {
	r := junosRoute{Prefix: prefix}
	for i, t := range ts {
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

func junosBGPView(n *fileNotes, c vpn.Connection, base string) *junosBGP {
	b := &junosBGP{}
	var ts []vpn.Tunnel
	b.LocalASN, ts = bgpTunnels(n, c, "routing-options autonomous-system")
	for _, t := range ts {
		g := junosBGPGroup{
			Name:     fmt.Sprintf("%s-t%d", base, t.Index),
			Comment:  roleText(t),
			PeerAS:   t.BGP.RemoteASN,
			Neighbor: t.BGP.RemoteIP.String(),
		}
		if t.Role == vpn.RoleSlave {
			// Routes learned over the standby tunnel get a lower
			// LOCAL_PREF, so this device sends over the master, as
			// Alibaba does.
			b.BackupPolicy = base + "-backup-in"
			b.BackupPref = 50
			g.Import = b.BackupPolicy
		}
		b.Groups = append(b.Groups, g)
	}
	return b
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
	default:
		// One traffic-selector per subnet pair: each becomes its own
		// IPsec SA, which is what IKEv1 needs and IKEv2 accepts.
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
