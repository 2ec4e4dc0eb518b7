package render

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "strongswan",
		Summary: "strongSwan 5.8+ swanctl.conf (IKEv1/IKEv2, XFRM interfaces for route-based)",
		File:    "swanctl.conf",
		// undoes exactly what swanctl.conf and its ip commands create (Objects)
		Rollback: "strongswan-rollback.sh",
		Params: []Param{
			{Key: "local-addrs", Default: "%any", Help: "local_addrs: this host's address(es) used for IKE"},
			{Key: "interface", Default: "eth0", Help: "WAN interface the XFRM interfaces are attached to (route-based only)"},
			{Key: "if-id", Default: "1", Help: "if_id of tunnel 1 (tunnel 2 uses if-id+1; route-based only); names the XFRM interfaces ipsec<if-id>, so it must be free on this host", Stride: 2},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix for the route commands (empty: <VPC-CIDR> placeholder)"},
		},
		// "secret = …" in swanctl.conf; "PSK" for the legacy ipsec.secrets
		// lines (": PSK \"…\"") a hand-migrated file may still hold.
		SecretKeywords: []string{"secret", "PSK"},
		build:          buildStrongswan,
	})
}

// swanctl proposal tokens (strongSwan proposal_keywords_static.txt).
var (
	swanCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes128", vpn.AES192: "aes192", vpn.AES256: "aes256",
		vpn.DES: "des", vpn.TripleDES: "3des",
	}
	swanIntegrity = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	swanGroup = map[vpn.DHGroup]string{
		vpn.Group1: "modp768", vpn.Group2: "modp1024", vpn.Group5: "modp1536",
		vpn.Group14: "modp2048", vpn.Group24: "modp2048s256",
	}
)

// strongswanView is the flat view swanctl.conf.tmpl lays out.
type strongswanView struct {
	fileNotes
	// XFRMInterfaces are the route-based tunnels' interfaces, created
	// with iproute2 before swanctl --load-all; empty when policy-based.
	XFRMInterfaces []swanXFRM
	Conns          []swanConn
	Secrets        []swanSecret
}

// swanXFRM is one XFRM interface and what goes on it: the BGP inside
// address (BGP then learns the VPC prefixes) or a route to the VPC.
type swanXFRM struct {
	Dev     string // "ipsec1": ipsec<if_id>
	Parent  string // the interface parameter
	IfID    int
	Comment string // the tunnel and its role
	Address string // BGP inside address with prefix length; "" without BGP
	Route   string // the VPC prefix or <VPC-CIDR>; "" with BGP
	Metric  int    // the route's metric: the master's is lower
}

type swanConn struct {
	Name        string
	Comment     string
	Version     int
	Aggressive  bool
	LocalAddrs  string
	RemoteAddrs string
	Proposals   string
	RekeyTime   int
	OverTime    int
	DPDTimeout  bool // dpd_timeout only applies to IKEv1
	LocalID     string
	RemoteID    string
	Children    []swanChild
}

type swanChild struct {
	Name       string
	LocalTS    string
	RemoteTS   string
	ESP        string
	LifeTime   int
	RekeyTime  int
	Priority   int // 0 = strongSwan's automatic priority
	IfID       int // 0 = policy-based
	StartClose string
}

type swanSecret struct {
	Name    string
	ID1     string
	ID2     string
	Secret  string
	Encoded bool
}

const swanPlatform = "strongSwan"

func buildStrongswan(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	// Alibaba's health-check probes must pass the selectors, access
	// lists and policies derived from the subnets (render/connfacts.go).
	c = c.WithProbeSelectors()
	ifID, err := p.Int("if-id", 1, 0x7ffffffe)
	if err != nil {
		return nil, nil, err
	}
	vpc, haveVPC, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	// Route-based connections carry 0.0.0.0/0 selectors, so the download
	// does not say which prefix lives in the VPC.
	vpcText := "<VPC-CIDR>"
	if haveVPC {
		vpcText = vpc.String()
	}
	base := baseName(c, 48)
	v := strongswanView{fileNotes: newFileNotes(c, "strongSwan swanctl.conf for an Alibaba Cloud IPsec-VPN connection", o)}
	v.check("Install: copy to /etc/swanctl/conf.d/%s.conf, then run: swanctl --load-all", base)
	v.check("This host initiates and keeps the tunnel up (start_action/close_action = start, dpd_action = restart).")
	v.check("%s", firewallCheck(c, "the Alibaba gateway address(es) below"))
	if c.RouteBased() {
		v.check("Route-based: create the XFRM interface(s) below and route the VPC prefixes through them (needs strongSwan >= 5.8, Linux >= 4.19, iproute2 >= 5.1).")
		if !haveVPC && c.Tunnels[0].BGP == nil {
			v.check("Replace <VPC-CIDR> by each VPC prefix, or render again with --set vpc-cidr=<prefix>.")
		}
	}

	for _, t := range c.Tunnels {
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode {
			// This host initiates, which needs no opt-in; answering Alibaba's
			// aggressive-mode PSK requests does.
			v.check("Aggressive mode (tunnel %d): should Alibaba initiate, strongSwan answers only with charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes in strongswan.conf.", t.Index)
		}
		conn, err := swanConnection(&v.fileNotes, c, t, base, ifID, p, o)
		if err != nil {
			return nil, nil, err
		}
		v.Conns = append(v.Conns, conn)

		secret := swanSecret{Name: "ike-" + conn.Name, ID1: conn.LocalID, ID2: conn.RemoteID}
		secret.Secret, secret.Encoded = swanSecretValue(pskText(t, o))
		v.Secrets = append(v.Secrets, secret)

		if c.RouteBased() {
			// Named after the if_id, which a batch hands out distinctly
			// (Stride), so two connections on one host never share it;
			// "ipsec" + 10 digits stays within Linux's 15 characters.
			x := swanXFRM{Dev: fmt.Sprintf("ipsec%d", ifID+t.Index-1), Parent: p.String("interface"), IfID: ifID + t.Index - 1, Comment: roleText(t)}
			if t.BGP != nil {
				// BGP learns the VPC prefixes; the tunnel only needs its
				// inside address.
				x.Address = netip.PrefixFrom(t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits()).String()
			} else {
				x.Route, x.Metric = vpcText, 100
				if t.Role == vpn.RoleSlave && !c.ActiveActive {
					x.Metric = 200
				}
			}
			v.XFRMInterfaces = append(v.XFRMInterfaces, x)
		}
		if t.BGP != nil {
			prefer := ""
			switch {
			case c.ActiveActive:
				prefer = " and use both tunnels equally (multipath)"
			case c.Dual():
				prefer = " and prefer the master tunnel"
			}
			key := ""
			if t.BGP.AuthKey.Reveal() != "" {
				key = " The session has a password (TCP MD5): set it in the routing daemon (vpnexport's frr output writes it)."
			}
			v.check("BGP (tunnel %d): this host %s AS %d <-> Alibaba %s AS %d; strongSwan carries no BGP: run a routing daemon (FRR, BIRD) on the tunnel interface%s.%s",
				t.Index, t.BGP.LocalIP, t.BGP.LocalASN, t.BGP.RemoteIP, t.BGP.RemoteASN, prefer, key)
		}
	}
	if c.ActiveActive {
		if c.RouteBased() {
			v.warnConn("both tunnels active: Alibaba may send a flow's replies over either tunnel. Set rp_filter to loose (2) on both XFRM interfaces (sysctl net.ipv4.conf.ipsec-t1.rp_filter=2, same for ipsec-t2) or replies arriving on the other tunnel are dropped; to send over both, use one multipath route (ip route replace <VPC prefix> nexthop dev ipsec-t1 nexthop dev ipsec-t2)")
		} else {
			v.warnConn("both tunnels active with policy-based selectors: both tunnels carry the same selectors, and the Linux kernel installs one tunnel's policies at a time (tunnel 1's here), so packets Alibaba sends over tunnel 2 while tunnel 1 is up can fail the inbound policy check; prefer destination routing (0.0.0.0/0) on Alibaba for a transit-router attachment")
		}
	}
	v.healthChecks(c)
	for _, x := range v.XFRMInterfaces {
		v.check("Interface %s (if_id %d) must be free on this host (ip link show %s); pick another with --set if-id=<n>.", x.Dev, x.IfID, x.Dev)
	}
	for _, cn := range v.Conns {
		v.created("connection", cn.Name)
	}
	for _, s := range v.Secrets {
		v.created("secret", s.Name)
	}
	for _, x := range v.XFRMInterfaces {
		v.created("xfrm interface", x.Dev)
		if x.Route != "" && !strings.HasPrefix(x.Route, "<") {
			v.created("route", x.Route+" dev "+x.Dev)
		}
	}
	return v, v.returned, nil
}

func swanConnection(n *fileNotes, c vpn.Connection, t vpn.Tunnel, base string, ifID int, p params, o Options) (swanConn, error) {
	ike, err := swanProposal(t, "IKE", t.IKE.Cipher, t.IKE.Integrity, t.IKE.DHGroup)
	if err != nil {
		return swanConn{}, err
	}
	esp, err := swanProposal(t, "IPsec", t.IPsec.Cipher, t.IPsec.Integrity, t.IPsec.PFS)
	if err != nil {
		return swanConn{}, err
	}
	// strongSwan accepts any lifetime, but rekey_time is 90 % of it and
	// must stay above zero.
	ikeLife, err := seconds(swanPlatform, "IKE lifetime", t, t.IKE.Lifetime, 10, 86400)
	if err != nil {
		return swanConn{}, err
	}
	childLife, err := seconds(swanPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, 10, 86400)
	if err != nil {
		return swanConn{}, err
	}
	// OpenSSL 3 moved single DES (and MD4) to its legacy provider; MD5
	// stays in the default provider (docs/vendors/strongswan.md).
	if t.IKE.Cipher == vpn.DES || t.IPsec.Cipher == vpn.DES {
		n.warn(t, "DES needs OpenSSL 3's legacy provider on strongSwan 6 (charon.plugins.openssl.load_legacy, and the distribution must ship the module); it is weak: change the connection's algorithms on Alibaba if you can")
	}
	if t.IKE.Integrity == vpn.MD5 || t.IPsec.Integrity == vpn.MD5 {
		n.warn(t, "MD5 is weak: change the connection's algorithms on Alibaba if you can")
	}
	for _, g := range []vpn.DHGroup{t.IKE.DHGroup, t.IPsec.PFS} {
		if g.Weak() {
			n.warn(t, fmt.Sprintf("DH %s is weak; consider group14 on both sides", g))
			break
		}
	}

	name := base
	if c.Dual() {
		name = fmt.Sprintf("%s-t%d", base, t.Index)
	}
	conn := swanConn{
		Name:        name,
		Comment:     roleText(t),
		Version:     int(t.IKE.Version),
		Aggressive:  t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode,
		LocalAddrs:  p.String("local-addrs"),
		RemoteAddrs: t.RemoteAddr.String(),
		Proposals:   ike,
		// IKEv1 proposes rekey_time + over_time as the lifetime: make it
		// exactly Alibaba's (docs/vendors/strongswan.md "Lifetimes"). Integer seconds keep the sum exact.
		RekeyTime:  ikeLife * 9 / 10,
		OverTime:   ikeLife - ikeLife*9/10,
		DPDTimeout: t.IKE.Version == vpn.IKEv1,
		LocalID:    swanID(t.LocalID),
		RemoteID:   swanID(t.RemoteID),
	}
	if conn.LocalID == "" {
		conn.LocalID = "%any"
	}

	child := func(suffix string, local, remote string) swanChild {
		ch := swanChild{
			Name:      name + suffix,
			LocalTS:   local,
			RemoteTS:  remote,
			ESP:       esp,
			LifeTime:  childLife,
			RekeyTime: childLife * 9 / 10,
		}
		// Both tunnels of a dual-tunnel connection carry the same
		// selectors; a fixed, lower policy priority value makes the
		// master's policies win while it is up.
		switch t.Role {
		case vpn.RoleMaster:
			ch.Priority = 1000
		case vpn.RoleSlave:
			ch.Priority = 2000
		}
		if c.RouteBased() {
			ch.IfID = ifID + t.Index - 1
			ch.Priority = 0 // routes, not policies, choose the tunnel
		}
		return ch
	}
	switch {
	case c.RouteBased():
		conn.Children = []swanChild{child("", "0.0.0.0/0", "0.0.0.0/0")}
	case t.IKE.Version == vpn.IKEv1 && len(c.SubnetPairs()) > 1:
		// IKEv1 carries one selector pair per SA and strongSwan silently
		// negotiates only the first: one child per pair.
		for i, pair := range c.SubnetPairs() {
			conn.Children = append(conn.Children, child(fmt.Sprintf("-%d", i+1), pair.Local.String(), pair.Remote.String()))
		}
	default:
		conn.Children = []swanChild{child("", joinPrefixes(c.LocalSubnets, ","), joinPrefixes(c.RemoteSubnets, ","))}
	}
	return conn, nil
}

func swanProposal(t vpn.Tunnel, what string, c vpn.Cipher, i vpn.Integrity, g vpn.DHGroup) (string, error) {
	enc, err := keyword(swanCipher, swanPlatform, t, what+" encryption", c)
	if err != nil {
		return "", err
	}
	integ, err := keyword(swanIntegrity, swanPlatform, t, what+" integrity", i)
	if err != nil {
		return "", err
	}
	parts := []string{enc, integ}
	if g != vpn.NoPFS {
		grp, err := keyword(swanGroup, swanPlatform, t, what+" DH group", g)
		if err != nil {
			return "", err
		}
		parts = append(parts, grp)
	}
	return strings.Join(parts, "-"), nil
}

// swanID types the identity: addresses as they are, host names with the
// explicit fqdn: prefix so strongSwan never guesses.
func swanID(id vpn.Identity) string {
	switch id.Kind {
	case vpn.IDAddress:
		return id.Addr.String()
	case vpn.IDFQDN:
		return "fqdn:" + id.FQDN
	}
	return ""
}

// swanSecretValue writes a PSK so every legal character survives: a
// quotablePSK in quotes, everything else (quotes, $, #, ;, backslashes, and keys
// that start with 0x or 0s, which strongSwan would decode) as 0s<base64>.
func swanSecretValue(psk string) (string, bool) {
	if quotablePSK.MatchString(psk) && !strings.HasPrefix(psk, "0x") && !strings.HasPrefix(psk, "0s") {
		return `"` + psk + `"`, false
	}
	return "0s" + base64.StdEncoding.EncodeToString([]byte(psk)), true
}
