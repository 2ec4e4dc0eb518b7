package render

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// Palo Alto Networks PAN-OS 10.1+: configuration-mode `set` commands.
// Every keyword, range and limit here is from docs/vendors/paloalto.md,
// which cites Palo Alto's published configuration schema
// (PaloAltoNetworks/pan-os-codegen) and admin guides for each.
func init() {
	register(Vendor{
		Name:     "paloalto",
		Summary:  "Palo Alto Networks PAN-OS 10.1+ configuration-mode set commands: crypto profiles, IKE gateways, route-based IPsec tunnels (proxy IDs for policy-based peers), tunnel monitoring, zone, static routes or BGP, security rules",
		File:     "paloalto.set",
		Rollback: "paloalto-rollback.set",
		Params: []Param{
			{Key: "wan-interface", Default: "ethernet1/1", Help: "interface holding this device's public address (IKE gateway local-address)"},
			{Key: "lan-zone", Default: "trust", Help: "zone of the on-prem subnets (security rules)"},
			{Key: "vpn-zone", Default: "", Help: "existing zone for the tunnel interfaces (empty: a new zone vpn-<name>)"},
			{Key: "tunnel-unit", Default: "101", Help: "tunnel interface unit of tunnel 1 (tunnel.N; tunnel 2 takes N+1); must be free", Stride: 2},
			{Key: "routing", Default: "legacy", Help: "legacy (virtual router) or advanced (logical router of the Advanced Routing Engine)"},
			{Key: "router", Default: "default", Help: "virtual router (legacy) or logical router (advanced) of the WAN interface"},
			{Key: "vrf", Default: "default", Help: "advanced routing only: VRF of the logical router"},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix to route into the tunnel (empty: commented placeholder)"},
			{Key: "local-as", Default: "", Help: "BGP: the AS this firewall's BGP already runs (asserted against Alibaba's; the router-id is then left alone)"},
			{Key: "onprem-prefixes", Default: "", List: true, Help: "BGP: on-prem prefixes to advertise, comma-separated (empty: nothing is advertised)"},
		},
		SecretKeywords: []string{"pre-shared-key", "secret"},
		build:          buildPaloalto,
	})
}

const paloPlatform = "PAN-OS"

// PAN-OS limits (docs/vendors/paloalto.md §1, §4).
const (
	// paloBaseMax leaves room for the longest suffix ("-onprem-1024")
	// under the 31 characters vpnexport keeps every PAN-OS name within.
	paloBaseMax   = 19
	paloNameMax   = 31
	paloPSKMax    = 255
	paloBGPKeyMax = 63
	// Lifetime ranges per unit: seconds 180-65535, minutes 3-65535,
	// hours 1-65535, days 1-365.
	paloMinLifeSeconds = 180
	paloMaxLifeSeconds = 65535
	paloMetricMaster   = 10
	paloMetricSlave    = 20
	paloDiscardDist    = 240 // the highest admin-dist PAN-OS accepts
	paloDPDInterval    = 10
	paloDPDRetry       = 3
	paloLocalPrefHigh  = 200
	paloLocalPrefLow   = 100
	paloPrepend        = 2 // AS-path prepends on what the standby tunnel advertises
)

// PAN-OS keywords (pan-os-codegen ike-crypto-profile / ipsec-crypto-profile;
// des from pan-os-python and the PAN-OS 10.0 admin guide only).
var (
	paloCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-128-cbc", vpn.AES192: "aes-192-cbc", vpn.AES256: "aes-256-cbc",
		vpn.TripleDES: "3des", vpn.DES: "des",
	}
	paloHash = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	// paloGroup: PAN-OS offers groups 1, 2, 5, 14, 15, 16, 19, 20, 21;
	// no group 24.
	paloGroup = map[vpn.DHGroup]string{
		vpn.Group1: "group1", vpn.Group2: "group2", vpn.Group5: "group5", vpn.Group14: "group14",
	}
)

// paloView is the flat view paloalto.set.tmpl and paloalto-rollback.set.tmpl lay out.
type paloView struct {
	fileNotes

	IKEProfiles   []paloIKEProfile
	IPsecProfiles []paloIPsecProfile
	Monitor       *paloMonitor
	Gateways      []paloGateway
	TunnelIfs     []paloTunnelIf
	Zone          paloZone
	Router        string // "network virtual-router default" or "network logical-router default vrf default"
	Tunnels       []paloTunnel
	Routes        []paloRoute
	RouteHints    []paloRoute // commented placeholders when the VPC prefix is unknown
	BGP           *paloBGP
	Addresses     []paloAddress
	Rules         []paloRule
	// Rollback lists the delete commands (without "delete "), in the
	// order the rollback file runs them: the reverse of Objects.
	Rollback []string
}

type paloIKEProfile struct {
	Name, Encryption, Hash, DHGroup string
	Lifetime                        paloLifetime
}

type paloIPsecProfile struct {
	Name, Encryption, Authentication, DHGroup string // DHGroup "no-pfs" when PFS is off
	Lifetime                                  paloLifetime
}

// paloLifetime is a lifetime in one of PAN-OS's units.
type paloLifetime struct {
	Unit  string // seconds, minutes, hours, days
	Value int
}

type paloMonitor struct {
	Name, Action string
	Interval     int
	Threshold    int
}

type paloGateway struct {
	Name       string
	Comment    string
	Version    string // ikev1, ikev2
	Protocol   string // ikev1, ikev2: the protocol subtree
	Mode       string // IKEv1 exchange-mode, "" for IKEv2
	Profile    string
	DPD        bool
	Interval   int
	Retry      int // IKEv1 only
	NATT       string
	Interface  string
	Peer       string
	LocalID    paloID
	PeerID     paloID
	PSK        string // bare token or "…"
	QuotedNote string // why the key is quoted, "" when bare
}

// paloID is a local-id / peer-id: Type ipaddr or fqdn; empty Type: none.
type paloID struct {
	Type, ID string
}

type paloTunnelIf struct {
	Name    string // tunnel.N
	IP      string // "169.254.10.2/30", "" without BGP
	Comment string
}

type paloZone struct {
	Name    string
	Created bool // a new zone (deleted whole by the rollback)
	Members []string
}

type paloTunnel struct {
	Name      string
	Interface string
	Gateway   string
	Profile   string
	ProxyIDs  []paloProxyID
	// MonitorIP is the Alibaba address pinged by tunnel monitoring; "" for none.
	MonitorIP string
	Monitor   string
}

type paloProxyID struct {
	Name, Local, Remote string
}

type paloRoute struct {
	Name        string
	Destination string
	Interface   string // "" for the discard route
	Metric      int
	AdminDist   int // 0: PAN-OS default
	Discard     bool
	Comment     string
}

type paloAddress struct {
	Name, Prefix string
}

type paloRule struct {
	Name, From, To string
	Source         []string // address names or "any"
	Destination    []string
}

// paloBGP is one BGP configuration, legacy or advanced; Advanced selects
// the template's branch.
type paloBGP struct {
	Advanced bool
	LocalAS  uint32
	RouterID string // "" when --set local-as asserted an existing process
	Groups   []paloPeerGroup
	// OnPrem are the prefixes exported / advertised to Alibaba; empty:
	// nothing (deny by default).
	OnPrem []string
	// OutEntries are the advanced outbound prefix-list entries.
	OutEntries []paloPLEntry
	// Legacy policy rule and advanced profile names.
	NoDefaultRule, DenyRule    string
	InList, OutList, AFProfile string
	AuthProfiles               []paloAuth
}

type paloPeerGroup struct {
	Name  string
	Peers []paloPeer
	// Legacy policy rules for this group: ImportRule sets the peer's
	// LocalPref, ExportRule allows the on-prem prefixes (with Prepend
	// times the local AS prepended on the standby tunnel); "" for none.
	ImportRule, ExportRule string
	Prepend                int
	Filter                 string // advanced: filtering profile
	RouteIn                string // advanced: inbound route map setting local preference
}

type paloPeer struct {
	Name, PeerAS, Interface, LocalIP, PeerIP string
	Auth                                     string // auth profile, "" for none
	LocalPref                                int    // 0: not set
	Comment                                  string
}

type paloPLEntry struct {
	Seq    int
	Prefix string
}

type paloAuth struct {
	Name, Secret string
}

// paloBare is what a PAN-OS `set` line may carry unquoted; other keys go
// inside "…" (docs/vendors/paloalto.md §3).
var paloBare = regexp.MustCompile(`^[A-Za-z0-9_.:@/+=,-]+$`)

// paloQuotable is what may stand inside "…": Alibaba's key characters
// without the double quote and the question mark, for which the PAN-OS
// CLI documents no escape.
var paloQuotable = regexp.MustCompile("^[A-Za-z0-9~!`@#$%^&*()_+={}\\[\\]|;:,.<>/-]+$")

// paloAdvancedBGPKey is the character set the Advanced Routing BGP auth
// profile accepts (pan-os-codegen bgp-auth-profile: "[a-zA-Z0-9!@#%^]").
var paloAdvancedBGPKey = regexp.MustCompile(`^[A-Za-z0-9!@#%^]+$`)

// paloSecret checks a key PAN-OS must carry and returns how to write
// text (the key or its placeholder): bare, or quoted with quoted=true. The
// check runs on the real key also when text is a placeholder, so a
// redacted file renders exactly when the real one does. Errors name the
// position and kind of the offending character, never the key.
func paloSecret(label, what, key, text string, limit int) (out string, quoted bool, err error) {
	if len(key) > limit {
		return "", false, cannotExpress("%s: the %s has %d characters; %s accepts at most %d", label, what, len(key), paloPlatform, limit)
	}
	if !paloQuotable.MatchString(key) {
		for i, r := range key {
			if !paloQuotable.MatchString(string(r)) {
				return "", false, cannotExpress("%s: the %s's character %d is %s, which a pasted %s 'set' line cannot carry (the CLI documents no escape for it); set the key in the web interface or change it on Alibaba", label, what, i+1, charClass(r), paloPlatform)
			}
		}
	}
	if paloBare.MatchString(text) {
		return text, false, nil
	}
	return `"` + text + `"`, true, nil
}

// charClass names a character for an error without quoting the key.
func charClass(r rune) string {
	switch r {
	case '"':
		return "a double quote"
	case '?':
		return "a question mark"
	case '\\':
		return "a backslash"
	case '\'':
		return "a single quote"
	case ' ':
		return "a blank"
	}
	if r < 0x20 || r == 0x7f {
		return "a control character"
	}
	if r > 0x7e {
		return "a non-ASCII character"
	}
	return "a character outside the allowed set"
}

// paloLife writes a lifetime in the largest PAN-OS unit that expresses it
// exactly and within range: 86400 → days 1, 3600 → hours 1, 27000 →
// minutes 450, 1000 → seconds 1000. Seconds go up to 65535 only; beyond,
// a lifetime that is not a whole number of minutes cannot be written.
func paloLife(t vpn.Tunnel, what string, d time.Duration) (paloLifetime, error) {
	s, err := seconds(paloPlatform, what, t, d, paloMinLifeSeconds, 365*86400)
	if err != nil {
		return paloLifetime{}, err
	}
	for _, u := range []struct {
		unit     string
		size     int
		min, max int
	}{{"days", 86400, 1, 365}, {"hours", 3600, 1, 65535}, {"minutes", 60, 3, 65535}, {"seconds", 1, 180, 65535}} {
		if s%u.size == 0 && s/u.size >= u.min && s/u.size <= u.max {
			return paloLifetime{Unit: u.unit, Value: s / u.size}, nil
		}
	}
	down := s / 60 * 60
	return paloLifetime{}, cannotExpress("%s: %s %ds cannot be expressed on %s: above %d seconds it must be a whole number of minutes (set %ds or %ds on Alibaba)", t.Label(), what, s, paloPlatform, paloMaxLifeSeconds, down, down+60)
}

// paloNamer builds the object names of one connection.
type paloNamer struct {
	base string
	dual bool
}

// tunnel is the per-tunnel prefix: "<base>" or "<base>-t2".
func (n paloNamer) tunnel(t vpn.Tunnel) string {
	if n.dual {
		return fmt.Sprintf("%s-t%d", n.base, t.Index)
	}
	return n.base
}

func buildPaloalto(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	if err := checkIDs(c, paloPlatform); err != nil {
		return nil, nil, err
	}
	unit, err := p.Int("tunnel-unit", 1, 9998)
	if err != nil {
		return nil, nil, err
	}
	vpcCIDR, _, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	onprem, err := p.Prefixes("onprem-prefixes")
	if err != nil {
		return nil, nil, err
	}
	routing := p.String("routing")

	if routing != "legacy" && routing != "advanced" {
		return nil, nil, &ParamError{Vendor: p.vendor, Key: "routing", Reason: fmt.Sprintf("value %q: want legacy or advanced", routing)}
	}
	wan, lan, router, vrf := p.String("wan-interface"), p.String("lan-zone"), p.String("router"), p.String("vrf")
	names := paloNamer{base: baseName(c, paloBaseMax), dual: c.Dual()}
	base := names.base

	v := paloView{fileNotes: newFileNotes(c, "Palo Alto Networks PAN-OS configuration for an Alibaba Cloud IPsec-VPN connection", o)}
	add := func(kind, name, del string) {
		v.created(kind, name)
		v.Rollback = append([]string{del}, v.Rollback...)
	}
	if routing == "legacy" {
		v.Router = "network virtual-router " + router
	} else {
		v.Router = fmt.Sprintf("network logical-router %s vrf %s", router, vrf)
	}
	v.Verify = []string{"show vpn ike-sa", "show vpn ipsec-sa", "show vpn flow"}
	v.check("%s holds this device's address %s (or the address NATed to it) and has a single IPv4 address; otherwise add 'local-address ip <address/length>' to the IKE gateways (--set wan-interface).", wan, localAddrText(c))
	if !c.Described {
		v.check("DPD %s and NAT-T %s are assumed (Alibaba's defaults): a saved download does not carry them; compare with the connection in the Alibaba console.", onOff(c.DPD), onOff(c.NATTraversal))
	}
	peerPath := "the Internet"
	if c.PrivateNetwork {
		peerPath = "the private network"
	}
	v.check("IKE (UDP 500%s) and ESP from %s (over %s) to this firewall are allowed: the default intrazone rule allows them unless a rule above it denies intrazone traffic in %s's zone.", nattText(c), peerList(c), peerPath, wan)

	// 1-2. Crypto profiles, one pair per tunnel.
	for _, t := range c.Tunnels {
		ikeP, ipsecP, err := paloProfiles(t, names.tunnel(t))
		if err != nil {
			return nil, nil, err
		}
		v.IKEProfiles = append(v.IKEProfiles, ikeP)
		add("ike-crypto-profile", ikeP.Name, "network ike crypto-profiles ike-crypto-profiles "+ikeP.Name)
		v.IPsecProfiles = append(v.IPsecProfiles, ipsecP)
		add("ipsec-crypto-profile", ipsecP.Name, "network ike crypto-profiles ipsec-crypto-profiles "+ipsecP.Name)
		paloWeak(&v.fileNotes, t)
	}

	// Tunnel monitoring needs an Alibaba address that answers ping and an
	// address on the tunnel interface: the BGP /30 gives both.
	monitored := false
	for _, t := range c.Tunnels {
		if t.BGP != nil {
			monitored = true
		}
	}
	if monitored {
		action := "wait-recover"
		if c.Dual() {
			action = "fail-over"
		}
		v.Monitor = &paloMonitor{Name: base + "-mon", Action: action, Interval: 3, Threshold: 5}
		add("monitor-profile", v.Monitor.Name, "network profiles monitor-profile "+v.Monitor.Name)
	}

	// 3. IKE gateways.
	for _, t := range c.Tunnels {
		gw, err := paloGatewayView(c, t, names.tunnel(t), wan, o)
		if err != nil {
			return nil, nil, err
		}
		if gw.QuotedNote != "" {
			v.warn(t, gw.QuotedNote)
		}
		v.Gateways = append(v.Gateways, gw)
		add("ike gateway", gw.Name, "network ike gateway "+gw.Name)
	}

	// 4. Tunnel interfaces, zone, router.
	for i, t := range c.Tunnels {
		ti := paloTunnelIf{Name: fmt.Sprintf("tunnel.%d", unit+i), Comment: fmt.Sprintf("vpnexport %s %s", base, roleText(t))}
		if t.BGP != nil {
			ti.IP = fmt.Sprintf("%s/%d", t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits())
		}
		v.TunnelIfs = append(v.TunnelIfs, ti)
		add("interface", ti.Name, "network interface tunnel units "+ti.Name)
	}
	if c.Dual() {
		v.check("interfaces %s and %s do not exist yet (--set tunnel-unit=%d; tunnel 2 takes the next unit).", v.TunnelIfs[0].Name, v.TunnelIfs[1].Name, unit)
	} else {
		v.check("interface %s does not exist yet (--set tunnel-unit=%d).", v.TunnelIfs[0].Name, unit)
	}
	v.Zone = paloZone{Name: p.String("vpn-zone")}
	if v.Zone.Name == "" {
		v.Zone = paloZone{Name: "vpn-" + base, Created: true}
		v.check("zone %s is new: no zone of that name exists.", v.Zone.Name)
	} else {
		v.check("zone %s exists; the tunnel interfaces are added to it and the security rules below allow %s <-> %s.", v.Zone.Name, lan, v.Zone.Name)
	}
	for _, ti := range v.TunnelIfs {
		v.Zone.Members = append(v.Zone.Members, ti.Name)
	}
	if v.Zone.Created {
		add("zone", v.Zone.Name, "zone "+v.Zone.Name)
	} else {
		for _, m := range v.Zone.Members {
			add("zone member", v.Zone.Name+" "+m, fmt.Sprintf("zone %s network layer3 %s", v.Zone.Name, m))
		}
	}
	for _, ti := range v.TunnelIfs {
		add("router interface", ti.Name, v.Router+" interface "+ti.Name)
	}
	if routing == "legacy" {
		v.check("virtual router %s holds %s and the routes to the on-prem subnets (--set router).", router, wan)
	} else {
		v.check("logical router %s, VRF %s, holds %s and the routes to the on-prem subnets (--set router, --set vrf); Advanced Routing is enabled.", router, vrf, wan)
	}

	// 5. IPsec tunnels with proxy IDs (policy-based) or none (route-based).
	pairs := paloPairs(c)
	for i, t := range c.Tunnels {
		tn := paloTunnel{Name: names.tunnel(t), Interface: v.TunnelIfs[i].Name, Gateway: v.Gateways[i].Name, Profile: v.IPsecProfiles[i].Name}
		for k, pr := range pairs {
			tn.ProxyIDs = append(tn.ProxyIDs, paloProxyID{Name: fmt.Sprintf("p%d", k+1), Local: pr.Local.String(), Remote: pr.Remote.String()})
		}
		if t.BGP != nil && v.Monitor != nil {
			tn.MonitorIP, tn.Monitor = t.BGP.RemoteIP.String(), v.Monitor.Name
		}
		v.Tunnels = append(v.Tunnels, tn)
		add("ipsec tunnel", tn.Name, "network tunnel ipsec "+tn.Name)
		if t.IKE.Version == vpn.IKEv2 && len(pairs) > 1 {
			v.warn(t, fmt.Sprintf("IKEv2 with %d subnet pairs: PAN-OS negotiates one child SA per proxy ID, while Alibaba documents one SA carrying all selectors for IKEv2; if only some subnets pass, configure the connection on Alibaba with one subnet per side or as route-based", len(pairs)))
		}
	}
	if c.Dual() && !monitored {
		v.warnConn("no automatic fail-over between the tunnels: without tunnel monitoring PAN-OS keeps the tunnel interface up, and the route over tunnel 1 with it, when tunnel 1 is down; configure tunnel monitoring (an address on each tunnel interface and a VPC host that answers ping) or use BGP")
	}

	// 6. Routing.
	if anyBGP(c) {
		bgp, err := paloBGPView(&v, c, names, routing == "advanced", onprem, p.String("local-as"), o, add)
		if err != nil {
			return nil, nil, err
		}
		v.BGP = bgp
	} else {
		prefixes := staticPrefixes(c, vpcCIDR)
		if hc := c.HealthCheck; hc != nil && hc.Source.IsValid() && !covers(prefixes, hc.Source) && len(prefixes) > 0 {
			prefixes = append(append([]netip.Prefix{}, prefixes...), netip.PrefixFrom(hc.Source, 32))
		}
		for k, pf := range prefixes {
			for _, r := range paloRoutesFor(c, names, v.TunnelIfs, pf.String(), k+1) {
				v.Routes = append(v.Routes, r)
				add("static-route", r.Name, v.Router+" routing-table ip static-route "+r.Name)
			}
		}
		if len(prefixes) == 0 {
			v.RouteHints = paloRoutesFor(c, names, v.TunnelIfs, "<VPC-CIDR>", 1)
			v.warnConn("route-based connection without BGP: the VPC prefix is not in the download; the static routes are commented out (give it with --set vpc-cidr=<prefix>; never 0.0.0.0/0, no default route into the tunnel)")
		}
		if c.ActiveActive {
			v.check("both tunnels are active (Alibaba ECMP): the routes have equal metrics, so PAN-OS uses one of them unless ECMP is enabled on the router ('set %s ecmp enable yes'; Palo Alto's schema warns that changing ECMP restarts the router).", v.Router)
		}
	}

	// 7. Addresses and security rules.
	src, dst := []string{"any"}, []string{"any"}
	if !c.RouteBased() {
		local, remote := c.LocalSubnets, c.RemoteSubnets
		if hc := c.HealthCheck; hc != nil {
			if hc.Destination.IsValid() && !covers(local, hc.Destination) {
				local = append(append([]netip.Prefix{}, local...), netip.PrefixFrom(hc.Destination, 32))
			}
			if hc.Source.IsValid() && !covers(remote, hc.Source) {
				remote = append(append([]netip.Prefix{}, remote...), netip.PrefixFrom(hc.Source, 32))
			}
		}
		src = paloAddresses(&v, base+"-onprem", local, add)
		dst = paloAddresses(&v, base+"-vpc", remote, add)
	}
	for _, r := range []paloRule{
		{Name: base + "-out", From: lan, To: v.Zone.Name, Source: src, Destination: dst},
		{Name: base + "-in", From: v.Zone.Name, To: lan, Source: dst, Destination: src},
	} {
		v.Rules = append(v.Rules, r)
		add("security rule", r.Name, "rulebase security rules "+r.Name)
	}
	v.check("no security rule above %s-out and %s-in denies %s <-> %s (rules are added at the end of the rulebase).", base, base, lan, v.Zone.Name)
	v.check("no NAT rule translates traffic from %s to %s (a rule with destination zone 'any' would): traffic into the tunnel must keep its on-prem source address.", lan, v.Zone.Name)
	if c.ActiveActive && c.Dual() {
		v.warnConn("both tunnels are active (Alibaba ECMP): return traffic may arrive on either tunnel; both tunnel interfaces are in zone " + v.Zone.Name + ", so a session's packets stay in one zone")
	}
	if hc := c.HealthCheck; hc != nil {
		v.check("Alibaba's health check pings %s from %s through the tunnel%s: %s must answer ICMP echo; the security rules and %s carry the probes.", hc.Destination, hc.Source, revokeText(hc), hc.Destination, map[bool]string{true: "routes", false: "proxy IDs"}[c.RouteBased()])
	}
	v.Verify = append(v.Verify, "show routing route type static")
	if v.BGP != nil {
		if v.BGP.Advanced {
			v.Verify = append(v.Verify, "show advanced-routing bgp peer status")
		} else {
			v.Verify = append(v.Verify, "show routing protocol bgp summary")
		}
	}
	for _, g := range v.Gateways {
		v.Verify = append(v.Verify, "test vpn ike-sa gateway "+g.Name)
	}
	return v, v.returned, nil
}

// routerName is the router (and VRF) the file configures, for people.
func (v paloView) routerName() string {
	r := strings.TrimPrefix(v.Router, "network virtual-router ")
	r = strings.TrimPrefix(r, "network logical-router ")
	return strings.Replace(r, " vrf ", ", VRF ", 1)
}

func localAddrText(c vpn.Connection) string {
	var out []string
	for _, t := range c.Tunnels {
		a := "(unknown)"
		if t.LocalAddr.IsValid() {
			a = t.LocalAddr.String()
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return strings.Join(out, ", ")
}

func peerList(c vpn.Connection) string {
	var out []string
	for _, t := range c.Tunnels {
		out = append(out, t.RemoteAddr.String())
	}
	return strings.Join(out, ", ")
}

func nattText(c vpn.Connection) string {
	if c.NATTraversal && !c.PrivateNetwork {
		return ", 4500"
	}
	return ""
}

func revokeText(hc *vpn.HealthCheck) string {
	if hc.RevokeRoute {
		return " and withdraws its routes when the probes fail"
	}
	return ""
}

// covers reports whether one of ps contains a.
func covers(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// paloPairs are the proxy-ID selector pairs: one per (local, remote)
// subnet pair for a policy-based connection (IKEv1 needs one SA per pair,
// and PAN-OS has no multi-selector proxy ID), none for route-based, where
// PAN-OS proposes 0.0.0.0/0 both ways. Alibaba's health-check probe pair
// is added when the subnets do not cover it.
func paloPairs(c vpn.Connection) []vpn.SubnetPair {
	if c.RouteBased() {
		return nil
	}
	pairs := c.SubnetPairs()
	if hc := c.HealthCheck; hc != nil && hc.Source.IsValid() && hc.Destination.IsValid() {
		covered := false
		for _, pr := range pairs {
			if pr.Local.Contains(hc.Destination) && pr.Remote.Contains(hc.Source) {
				covered = true
			}
		}
		if !covered {
			pairs = append(pairs, vpn.SubnetPair{Local: netip.PrefixFrom(hc.Destination, 32), Remote: netip.PrefixFrom(hc.Source, 32)})
		}
	}
	return pairs
}

func paloProfiles(t vpn.Tunnel, prefix string) (paloIKEProfile, paloIPsecProfile, error) {
	var ike paloIKEProfile
	var ipsec paloIPsecProfile
	var err error
	ike.Name, ipsec.Name = prefix+"-ike", prefix+"-ipsec"
	if ike.Encryption, err = keyword(paloCipher, paloPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return ike, ipsec, err
	}
	if ike.Hash, err = keyword(paloHash, paloPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return ike, ipsec, err
	}
	if ike.DHGroup, err = keyword(paloGroup, paloPlatform, t, "IKE DH group", t.IKE.DHGroup); err != nil {
		return ike, ipsec, err
	}
	if ike.Lifetime, err = paloLife(t, "IKE lifetime", t.IKE.Lifetime); err != nil {
		return ike, ipsec, err
	}
	if ipsec.Encryption, err = keyword(paloCipher, paloPlatform, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
		return ike, ipsec, err
	}
	if ipsec.Authentication, err = keyword(paloHash, paloPlatform, t, "IPsec integrity", t.IPsec.Integrity); err != nil {
		return ike, ipsec, err
	}
	if ipsec.DHGroup, err = pfsKeyword(paloGroup, paloPlatform, t); err != nil {
		return ike, ipsec, err
	}
	if ipsec.DHGroup == "" {
		ipsec.DHGroup = "no-pfs"
	}
	if ipsec.Lifetime, err = paloLife(t, "IPsec lifetime", t.IPsec.Lifetime); err != nil {
		return ike, ipsec, err
	}
	return ike, ipsec, nil
}

// paloWeak warns about weak algorithms and about des, which Palo Alto's
// current configuration schema no longer lists.
func paloWeak(n *fileNotes, t vpn.Tunnel) {
	n.warnWeak(t)
	if t.IKE.Cipher == vpn.DES || t.IPsec.Cipher == vpn.DES {
		n.warn(t, "des: documented up to PAN-OS 10.0 but absent from Palo Alto's current configuration schema, so the commit may refuse it on newer releases (unconfirmed); change the connection on Alibaba to AES")
	}
}

func paloGatewayView(c vpn.Connection, t vpn.Tunnel, name, wan string, o Options) (paloGateway, error) {
	gw := paloGateway{
		Name:      name,
		Comment:   roleText(t),
		Profile:   name + "-ike",
		DPD:       c.DPD,
		Interval:  paloDPDInterval,
		NATT:      map[bool]string{true: "yes", false: "no"}[c.NATTraversal],
		Interface: wan,
		Peer:      t.RemoteAddr.String(),
	}
	switch t.IKE.Version {
	case vpn.IKEv1:
		gw.Version, gw.Protocol, gw.Mode, gw.Retry = "ikev1", "ikev1", t.IKE.Mode.String(), paloDPDRetry
	case vpn.IKEv2:
		gw.Version, gw.Protocol = "ikev2", "ikev2"
	default:
		return gw, cannotExpress("%s: IKE version %d cannot be expressed on %s", t.Label(), int(t.IKE.Version), paloPlatform)
	}
	gw.LocalID = paloIdentity(t.LocalID)
	// PAN-OS checks the peer's ID when one is set; IKEv1 main mode with a
	// pre-shared key identifies the peer by its address, so the ID is set
	// for IKEv2 and IKEv1 aggressive mode only.
	if t.IKE.Version == vpn.IKEv2 || t.IKE.Mode == vpn.AggressiveMode {
		gw.PeerID = paloIdentity(t.RemoteID)
	}
	psk, _, err := paloSecret(t.Label(), "pre-shared key", t.PSK.Reveal(), pskText(t, o), paloPSKMax)
	if err != nil {
		return gw, err
	}
	gw.PSK = psk
	// Said of the real key also when redacting, so that the redacted file
	// differs from the real one only in the key.
	if !paloBare.MatchString(t.PSK.Reveal()) {
		gw.QuotedNote = "the pre-shared key holds characters written inside double quotes; how the PAN-OS CLI treats characters such as | ; # [ ] { } inside quotes is not documented: after commit, check that IKE authenticates ('show vpn ike-sa')"
	}
	return gw, nil
}

// checkIDs refuses an FQDN identity a platform would write unquoted
// with characters other than letters, digits, '.', '-' and '_'
// (api.Normalize refuses them already; this keeps the renderer safe on
// its own).
func checkIDs(c vpn.Connection, platform string) error {
	for _, t := range c.Tunnels {
		for _, id := range []vpn.Identity{t.LocalID, t.RemoteID} {
			if id.Kind == vpn.IDFQDN && !safeFQDN.MatchString(id.FQDN) {
				return fmt.Errorf("%s: an FQDN identity holds characters other than letters, digits, '.', '-' and '_', which cannot be written safely on %s", t.Label(), platform)
			}
		}
	}
	return nil
}

func paloIdentity(id vpn.Identity) paloID {
	switch id.Kind {
	case vpn.IDAddress:
		return paloID{Type: "ipaddr", ID: id.Addr.String()}
	case vpn.IDFQDN:
		return paloID{Type: "fqdn", ID: id.FQDN}
	}
	return paloID{}
}

// paloRoutesFor routes dst over every tunnel, the master with the lower
// metric (equal metrics when Alibaba runs both tunnels active), plus a
// discard route at the highest distance so VPC traffic never follows the
// default route to the Internet while the tunnels are down.
func paloRoutesFor(c vpn.Connection, names paloNamer, tis []paloTunnelIf, dst string, k int) []paloRoute {
	var out []paloRoute
	for i, t := range c.Tunnels {
		metric := paloMetricMaster
		if t.Role == vpn.RoleSlave && !c.ActiveActive {
			metric = paloMetricSlave
		}
		out = append(out, paloRoute{Name: fmt.Sprintf("%s-r%d", names.tunnel(t), k), Destination: dst, Interface: tis[i].Name, Metric: metric, Comment: roleText(t)})
	}
	return append(out, paloRoute{Name: fmt.Sprintf("%s-r%d-drop", names.base, k), Destination: dst, Metric: paloMetricMaster, AdminDist: paloDiscardDist, Discard: true, Comment: "discard when the tunnels are down"})
}

// paloAddresses adds one address object per prefix and returns their names.
func paloAddresses(v *paloView, name string, ps []netip.Prefix, add func(kind, name, del string)) []string {
	var out []string
	for i, pf := range ps {
		a := paloAddress{Name: fmt.Sprintf("%s-%d", name, i+1), Prefix: pf.String()}
		v.Addresses = append(v.Addresses, a)
		add("address", a.Name, "address "+a.Name)
		out = append(out, a.Name)
	}
	return out
}

// paloBGPView builds BGP on the legacy virtual router or on the Advanced
// Routing logical router: one eBGP peer per tunnel on its tunnel
// interface's /30, a TCP MD5 auth profile when Alibaba has a key, routes
// from the master preferred (local preference) unless both tunnels are
// active, no default route accepted, and nothing exported but the
// on-prem prefixes (none by default).
func paloBGPView(v *paloView, c vpn.Connection, names paloNamer, advanced bool, onprem []netip.Prefix, localAS string, o Options, add func(kind, name, del string)) (*paloBGP, error) {
	asn, ts := bgpTunnels(&v.fileNotes, c, "the BGP local-as")
	b := &paloBGP{Advanced: advanced, LocalAS: asn}
	base := names.base
	if localAS != "" {
		if localAS != fmt.Sprint(asn) {
			return nil, &ParamError{Vendor: "paloalto", Key: "local-as", Reason: fmt.Sprintf("value %q: Alibaba's customer gateway expects AS %d; change the customer gateway's ASN on Alibaba to the AS this firewall runs", localAS, asn)}
		}
		v.check("BGP already runs on router %s with local AS %d (--set local-as): its router-id is kept; 'enable', 'local-as' and the other process settings below re-state what is there.", v.routerName(), asn)
	} else {
		b.RouterID = ts[0].BGP.LocalIP.String()
		v.check("BGP on router %s: this file sets local AS %d and router-id %s. If BGP already runs there with another AS, do not paste section 6: change the customer gateway's ASN on Alibaba to that AS and re-render with --set local-as=<AS>.", v.routerName(), asn, b.RouterID)
	}
	for i, pf := range onprem {
		b.OnPrem = append(b.OnPrem, pf.String())
		b.OutEntries = append(b.OutEntries, paloPLEntry{Seq: 10 * (i + 1), Prefix: pf.String()})
	}
	if len(onprem) == 0 {
		v.warnConn("no on-prem prefixes given (--set onprem-prefixes=<cidr>,…): the export policy advertises nothing to Alibaba, so the VPC has no route back; re-render with the prefixes")
	}
	for _, t := range ts {
		if !t.BGP.TunnelCIDR.Contains(t.BGP.LocalIP) || !t.BGP.TunnelCIDR.Contains(t.BGP.RemoteIP) {
			return nil, fmt.Errorf("%s: BGP addresses %s and %s are not both in the tunnel network %s", t.Label(), t.BGP.LocalIP, t.BGP.RemoteIP, t.BGP.TunnelCIDR)
		}
		v.check("%s is not used on this firewall (%s's BGP /30).", t.BGP.TunnelCIDR, t.Label())
	}

	peerOf := func(t vpn.Tunnel) paloPeer {
		pr := paloPeer{Name: names.tunnel(t), PeerAS: fmt.Sprint(t.BGP.RemoteASN), LocalIP: fmt.Sprintf("%s/%d", t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits()), PeerIP: t.BGP.RemoteIP.String(), Comment: roleText(t)}
		for i, tt := range c.Tunnels {
			if tt.Index == t.Index {
				pr.Interface = v.TunnelIfs[i].Name
			}
		}
		if c.Dual() && !c.ActiveActive {
			pr.LocalPref = paloLocalPrefHigh
			if t.Role == vpn.RoleSlave {
				pr.LocalPref = paloLocalPrefLow
			}
		}
		return pr
	}
	authOf := func(t vpn.Tunnel, pr *paloPeer) error {
		key := t.BGP.AuthKey.Reveal()
		if key == "" {
			return nil
		}
		text := key
		if o.Redact {
			text = vpn.Placeholder(vpn.KindBGPKey, t.Index)
		}
		if advanced && !paloAdvancedBGPKey.MatchString(key) {
			for i, r := range key {
				if !paloAdvancedBGPKey.MatchString(string(r)) {
					return cannotExpress("%s: the BGP password's character %d is %s; the Advanced Routing BGP auth profile accepts letters, digits and ! @ # %% ^ only: change the key on Alibaba or use --set routing=legacy", t.Label(), i+1, charClass(r))
				}
			}
		}
		secret, _, err := paloSecret(t.Label(), "BGP password", key, text, paloBGPKeyMax)
		if err != nil {
			return err
		}
		a := paloAuth{Name: pr.Name + "-auth", Secret: secret}
		b.AuthProfiles = append(b.AuthProfiles, a)
		pr.Auth = a.Name
		return nil
	}

	if !advanced {
		// Legacy: one peer group per tunnel, so that import and export
		// rules (which name peer groups in used-by) can prefer the master:
		// a higher local preference on what it learns, an AS-path prepend
		// on what the standby advertises. A default route is never
		// accepted; nothing is exported but the on-prem prefixes (rules
		// apply in the order they are configured, the deny rule last).
		b.NoDefaultRule, b.DenyRule = base+"-nodefault", base+"-deny"
		bgpPath := v.Router + " protocol bgp"
		for _, t := range ts {
			pr := peerOf(t)
			if err := authOf(t, &pr); err != nil {
				return nil, err
			}
			pg := paloPeerGroup{Name: pr.Name, Peers: []paloPeer{pr}}
			if pr.LocalPref != 0 {
				pg.ImportRule = pr.Name + "-in"
			}
			if len(b.OnPrem) > 0 {
				pg.ExportRule = pr.Name + "-out"
				if t.Role == vpn.RoleSlave && c.Dual() && !c.ActiveActive {
					pg.Prepend = paloPrepend
				}
			}
			b.Groups = append(b.Groups, pg)
		}
		for _, a := range b.AuthProfiles {
			add("bgp auth-profile", a.Name, bgpPath+" auth-profile "+a.Name)
		}
		for _, pg := range b.Groups {
			add("bgp peer-group", pg.Name, bgpPath+" peer-group "+pg.Name)
		}
		add("bgp import rule", b.NoDefaultRule, bgpPath+" policy import rules "+b.NoDefaultRule)
		for _, pg := range b.Groups {
			if pg.ImportRule != "" {
				add("bgp import rule", pg.ImportRule, bgpPath+" policy import rules "+pg.ImportRule)
			}
		}
		for _, pg := range b.Groups {
			if pg.ExportRule != "" {
				add("bgp export rule", pg.ExportRule, bgpPath+" policy export rules "+pg.ExportRule)
			}
		}
		add("bgp export rule", b.DenyRule, bgpPath+" policy export rules "+b.DenyRule)
		for _, pf := range b.OnPrem {
			add("bgp redist-rule", pf, bgpPath+" redist-rules "+pf)
		}
		if len(b.OnPrem) > 0 {
			v.check("BGP export rules apply in the order configured: the rules allowing the on-prem prefixes stay above %s (deny everything else).", b.DenyRule)
			v.check("%s are in the routing table of router %s (connected or static): the redist-rules announce only routes that exist.", strings.Join(b.OnPrem, ", "), v.routerName())
		}
		return b, nil
	}

	// Advanced Routing: prefix lists, a filtering profile per peer group
	// (one group per tunnel, so each gets its own local preference), an
	// address-family profile enabling IPv4 unicast, and advertise-network
	// for the on-prem prefixes.
	b.InList, b.OutList, b.AFProfile = base+"-in", base+"-out", base+"-af"
	add("prefix-list", b.InList, "network routing-profile filters prefix-list "+b.InList)
	add("prefix-list", b.OutList, "network routing-profile filters prefix-list "+b.OutList)
	add("bgp address-family-profile", b.AFProfile, "network routing-profile bgp address-family-profile "+b.AFProfile)
	for _, t := range ts {
		pr := peerOf(t)
		if err := authOf(t, &pr); err != nil {
			return nil, err
		}
		pg := paloPeerGroup{Name: pr.Name, Filter: pr.Name, Peers: []paloPeer{pr}}
		if pr.LocalPref != 0 {
			pg.RouteIn = pr.Name + "-in"
			add("bgp route-map", pg.RouteIn, "network routing-profile filters route-maps bgp "+pg.RouteIn)
		}
		add("bgp filtering-profile", pg.Filter, "network routing-profile bgp filtering-profile "+pg.Filter)
		if pr.Auth != "" {
			add("bgp auth-profile", pr.Auth, "network routing-profile bgp auth-profile "+pr.Auth)
		}
		b.Groups = append(b.Groups, pg)
	}
	for _, pg := range b.Groups {
		add("bgp peer-group", pg.Name, v.Router+" bgp peer-group "+pg.Name)
	}
	for _, pf := range b.OnPrem {
		add("bgp advertise-network", pf, v.Router+" bgp advertise-network ipv4 network "+pf)
	}
	v.warnConn("Advanced Routing: the BGP profile commands follow Palo Alto's published configuration schema (pan-os-codegen); no Palo Alto guide shows them as CLI lines: run 'validate full' before 'commit'")
	return b, nil
}
