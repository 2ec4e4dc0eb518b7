package render

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// FRR 8.4+ routing half of a Linux gateway (docs/vendors/frr.md): BGP over
// the tunnels of a route-based connection, or static routes into the
// tunnel interfaces. The IPsec half is the strongswan or libreswan file.
func init() {
	register(Vendor{
		Name:     "frr",
		Summary:  "FRR 8.4+ frr.conf: BGP over the tunnels (master preferred) or static routes, for a Linux gateway with strongSwan or libreswan",
		File:     "frr.conf",
		Rollback: "frr-rollback.conf",
		Params: []Param{
			{Key: "onprem-prefixes", Default: "", List: true, Help: "BGP: the on-prem prefixes to announce to Alibaba, comma-separated (default: none are announced)"},
			{Key: "vpc-cidr", Default: "", List: true, Help: "the VPC prefixes, comma-separated: BGP accepts only these (default: any prefix but the default route); static routing routes them into the tunnels"},
			{Key: "local-as", Default: "", Help: "BGP: the AS this router's BGP process already runs (default: the connection's customer AS); the neighbors then present the connection's AS to Alibaba"},
			{Key: "tunnel-interfaces", Default: "ipsec1,ipsec2", Help: "static routing: the tunnel interfaces of tunnel 1 and 2 (strongswan's and libreswan's default names: ipsec<if-id>, ipsec<ipsec-interface>)"},
		},
		SecretKeywords: []string{"password"},
		build:          buildFRR,
	})
}

const frrPlatform = "FRR"

// BGP timers: keepalive 10 s, hold 30 s as the other vendors of this
// repository (Alibaba does not publish its own); connect retry 10 s instead
// of the traditional profile's 120 s, so a tunnel that comes back is used
// again within seconds (docs/vendors/frr.md).
const (
	frrKeepalive = 10
	frrHold      = 30
	frrConnect   = 10
)

type frrView struct {
	fileNotes
	Policy     string // policy-based: why the file configures nothing
	BGP        bool
	RouterAS   uint32 // router bgp <AS>
	Onprem     frrPrefixList
	VPC        frrPrefixList
	RouteMaps  []frrRouteMap
	Neighbors  []frrNeighbor
	Networks   []string
	Static     []frrStatic
	StaticNote string // why the static routes are commented, "" when real
}

type frrPrefixList struct {
	Name    string
	Entries []frrPLEntry
}

type frrPLEntry struct {
	Seq    int
	Action string // permit | deny
	Prefix string
	Le     int // 0 = exact
}

type frrRouteMap struct {
	Name      string
	Comment   string
	Match     string // prefix-list name
	LocalPref int    // 0 = not set
	Prepend   string // "" = none
	NoExport  bool
}

type frrNeighbor struct {
	IP           string
	RemoteAS     uint32
	Description  string
	UpdateSource string
	LocalAS      uint32 // 0 = the router's AS; else local-as … no-prepend replace-as
	Password     string // "" = none
	In, Out      string
	Keepalive    int
	Hold         int
	Connect      int
}

type frrStatic struct {
	Prefix   string
	Dev      string
	Distance int
	Comment  string
}

func buildFRR(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	if !c.RouteBased() && anyBGP(c) {
		return nil, nil, fmt.Errorf("BGP over a policy-based connection (subnets %s <-> %s): the BGP session addresses are outside the traffic selectors, so the sessions cannot come up on %s; on Alibaba, use 0.0.0.0/0 on both sides (destination routing) with BGP",
			prefixList(c.LocalSubnets), prefixList(c.RemoteSubnets), frrPlatform)
	}
	onprem, err := prefixesParam(p, "onprem-prefixes")
	if err != nil {
		return nil, nil, err
	}
	vpc, err := prefixesParam(p, "vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	base := baseName(c, 40)
	v := frrView{fileNotes: newFileNotes(c, "FRR frr.conf (routing) for an Alibaba Cloud IPsec-VPN connection", o)}
	if !c.RouteBased() {
		v.Policy = fmt.Sprintf("Nothing to configure in FRR: this is a policy-based connection (%s <-> %s); the IPsec policies of the strongswan or libreswan file carry the traffic, and no route or routing daemon is needed.",
			prefixList(c.LocalSubnets), prefixList(c.RemoteSubnets))
		return v, v.returned, nil
	}
	v.check("Pair it with the IPsec file of this connection (strongswan swanctl.conf or libreswan ipsec.conf): it creates the tunnel interfaces and their inside addresses.")
	v.check("Apply: vtysh -f <this file> (or paste in 'configure terminal'), then 'write memory'. Re-applying the same file changes nothing; the rollback file removes what it adds.")
	if !anyBGP(c) {
		return buildFRRStatic(&v, c, p, vpc)
	}

	asn, tunnels := bgpTunnels(&v.fileNotes, c, "router bgp")
	v.BGP = true
	v.RouterAS = asn
	if s := p.String("local-as"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return nil, nil, &ParamError{Vendor: p.vendor, Key: "local-as", Reason: fmt.Sprintf("value %q: want an AS number from 1 to 4294967295", s)}
		}
		v.RouterAS = uint32(n)
	}
	if v.RouterAS == asn {
		v.check("BGP: 'router bgp %d' opens this router's BGP process; if it already runs BGP under another AS, vtysh refuses ('BGP is already running; AS is N'): render again with --set local-as=N (the neighbors then present AS %d to Alibaba).", asn, asn)
	} else {
		v.check("BGP: 'router bgp %d' must be the AS this router already runs; the neighbors present AS %d to Alibaba (local-as %d no-prepend replace-as).", v.RouterAS, asn, asn)
	}
	for _, t := range tunnels {
		v.check("BGP: neighbor %s (tunnel %d) must not exist yet on this router.", t.BGP.RemoteIP, t.Index)
	}

	v.Onprem = frrPrefixList{Name: base + "-onprem"}
	if len(onprem) == 0 {
		v.Onprem.Entries = []frrPLEntry{{Seq: 5, Action: "deny", Prefix: "0.0.0.0/0", Le: 32}}
		v.warnConn("nothing is announced to Alibaba: the on-prem prefixes are not in the download; render again with --set onprem-prefixes=<prefix>[,<prefix>…]")
	}
	for i, pfx := range onprem {
		v.Onprem.Entries = append(v.Onprem.Entries, frrPLEntry{Seq: 5 * (i + 1), Action: "permit", Prefix: pfx.String()})
		v.Networks = append(v.Networks, pfx.String())
	}
	if len(onprem) > 0 {
		v.check("BGP: the 'network' statements announce the on-prem prefixes only while they are in this router's routing table, and to every BGP neighbor whose export policy lets them through; if one already exists, delete its 'no network' line from the rollback file.")
	}
	v.VPC = frrPrefixList{Name: base + "-vpc"}
	if len(vpc) == 0 {
		// Accept what Alibaba announces, but never a default route, the
		// tunnel addresses or this side's own prefixes.
		v.VPC.Entries = append(v.VPC.Entries,
			frrPLEntry{Seq: 5, Action: "deny", Prefix: "0.0.0.0/0"},
			frrPLEntry{Seq: 10, Action: "deny", Prefix: "169.254.0.0/16", Le: 32})
		for i, pfx := range onprem {
			v.VPC.Entries = append(v.VPC.Entries, frrPLEntry{Seq: 15 + 5*i, Action: "deny", Prefix: pfx.String(), Le: 32})
		}
		v.VPC.Entries = append(v.VPC.Entries, frrPLEntry{Seq: 15 + 5*len(onprem), Action: "permit", Prefix: "0.0.0.0/0", Le: 32})
		v.warnConn("every prefix Alibaba announces is accepted except a default route, 169.254.0.0/16 and the on-prem prefixes; restrict it with --set vpc-cidr=<prefix>[,<prefix>…]")
	}
	for i, pfx := range vpc {
		v.VPC.Entries = append(v.VPC.Entries, frrPLEntry{Seq: 5 * (i + 1), Action: "permit", Prefix: pfx.String(), Le: 32})
	}
	v.created("ip prefix-list", v.Onprem.Name)
	v.created("ip prefix-list", v.VPC.Name)

	if c.ActiveActive {
		v.warnConn("both tunnels are active (ECMP, transit router): no tunnel is preferred; FRR installs one best path unless 'maximum-paths 2' is set under address-family ipv4 unicast, which applies to every eBGP route of this router; with both paths in use set net.ipv4.conf.<tunnel interface>.rp_filter=2 (loose), or strict reverse-path filtering drops replies that come back over the other tunnel")
	}
	for _, t := range tunnels {
		name := fmt.Sprintf("%s-t%d", base, t.Index)
		in := frrRouteMap{Name: name + "-in", Comment: "routes from Alibaba, " + roleText(t), Match: v.VPC.Name, NoExport: true}
		out := frrRouteMap{Name: name + "-out", Comment: "routes to Alibaba, " + roleText(t), Match: v.Onprem.Name}
		if !c.ActiveActive {
			switch t.Role {
			case vpn.RoleMaster:
				in.LocalPref = 200
			case vpn.RoleSlave:
				in.LocalPref = 100
				out.Prepend = strings.TrimSpace(strings.Repeat(fmt.Sprintf("%d ", asn), 2))
			}
		}
		v.RouteMaps = append(v.RouteMaps, in, out)
		v.created("route-map", in.Name)
		v.created("route-map", out.Name)
		n := frrNeighbor{
			IP:           t.BGP.RemoteIP.String(),
			RemoteAS:     t.BGP.RemoteASN,
			Description:  fmt.Sprintf("Alibaba %s %s", base, roleText(t)),
			UpdateSource: t.BGP.LocalIP.String(),
			In:           in.Name,
			Out:          out.Name,
			Keepalive:    frrKeepalive,
			Hold:         frrHold,
			Connect:      frrConnect,
		}
		if v.RouterAS != asn {
			n.LocalAS = asn
		}
		if t.BGP.AuthKey.Reveal() != "" {
			key := t.BGP.AuthKey.Reveal()
			if o.Redact {
				key = vpn.Placeholder(vpn.KindBGPKey, t.Index)
			} else if err := frrPassword(t, key); err != nil {
				return nil, nil, err
			}
			n.Password = key
		}
		v.Neighbors = append(v.Neighbors, n)
		v.created("bgp neighbor", n.IP)
	}
	for _, pfx := range v.Networks {
		v.created("bgp network", pfx)
	}
	v.Verify = append(v.Verify, "vtysh -c 'show bgp summary'", "vtysh -c 'show bgp ipv4 unicast'", "ip route show proto bgp")
	return v, v.returned, nil
}

// buildFRRStatic writes the VPC routes into the tunnel interfaces, the
// master's at a lower distance.
func buildFRRStatic(v *frrView, c vpn.Connection, p params, vpc []netip.Prefix) (any, []vpn.Warning, error) {
	devs := strings.Split(p.String("tunnel-interfaces"), ",")
	if len(devs) < len(c.Tunnels) {
		return nil, nil, &ParamError{Vendor: p.vendor, Key: "tunnel-interfaces", Reason: fmt.Sprintf("value %q: want one interface per tunnel (%d)", p.String("tunnel-interfaces"), len(c.Tunnels))}
	}
	v.check("Static routing: these routes replace the 'ip route add' lines of the IPsec file's header: use one or the other. The interfaces %s must exist (the IPsec file creates them).", strings.Join(devs[:len(c.Tunnels)], ", "))
	prefixes := []string{"<VPC-CIDR>"}
	if len(vpc) == 0 {
		v.StaticNote = "commented out until the VPC prefix is known: render again with --set vpc-cidr=<prefix>[,<prefix>…]"
		v.warnConn("route-based connection without BGP: the VPC prefix is not in the download; the static routes are commented out (give it with --set vpc-cidr=<prefix>)")
	} else {
		prefixes = nil
		for _, pfx := range vpc {
			prefixes = append(prefixes, pfx.String())
		}
	}
	if c.Dual() {
		v.check("Static routing cannot see an IPsec SA go down: the master's route stays while its XFRM interface is up; Alibaba fails over by itself, this host does not. BGP (on Alibaba's side) gives fail-over both ways.")
	}
	for _, t := range c.Tunnels {
		dist := 10
		if t.Role == vpn.RoleSlave && !c.ActiveActive {
			dist = 20
		}
		for _, pfx := range prefixes {
			s := frrStatic{Prefix: pfx, Dev: devs[t.Index-1], Distance: dist, Comment: roleText(t)}
			v.Static = append(v.Static, s)
			if v.StaticNote == "" {
				v.created("ip route", fmt.Sprintf("%s %s %d", s.Prefix, s.Dev, s.Distance))
			}
		}
	}
	v.Verify = append(v.Verify, "vtysh -c 'show ip route static'")
	return v, v.returned, nil
}

// prefixesParam reads a comma-separated list of IPv4 networks.
func prefixesParam(p params, key string) ([]netip.Prefix, error) {
	s := p.String(key)
	if s == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		pfx, err := netip.ParsePrefix(part)
		if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() == 0 {
			return nil, &ParamError{Vendor: p.vendor, Key: key, Reason: fmt.Sprintf("value %q: want IPv4 networks in CIDR form, not 0.0.0.0/0, comma-separated, e.g. 10.20.0.0/16,10.21.0.0/24", part)}
		}
		out = append(out, pfx)
	}
	return out, nil
}

// frrPassword refuses a BGP key vtysh would not read back as one word.
// The error names the position and the character class, never the key.
func frrPassword(t vpn.Tunnel, key string) error {
	for i, r := range key {
		if r < '!' || r > '~' {
			return cannotExpress("%s: BGP password character %d is a blank, a control character or not ASCII, which %s's 'neighbor … password' cannot carry; change the key on Alibaba", t.Label(), i+1, frrPlatform)
		}
	}
	if key[0] == '!' || key[0] == '#' {
		return cannotExpress("%s: BGP password starts with '!' or '#', which %s reads as a comment; change the key on Alibaba", t.Label(), frrPlatform)
	}
	return nil
}
