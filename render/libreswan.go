package render

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// libreswan 4.x (RHEL 9, Debian 12) ipsec.conf and ipsec.secrets
// (docs/vendors/libreswan.md).
func init() {
	register(Vendor{
		Name:     "libreswan",
		Summary:  "libreswan 4.x ipsec.conf + ipsec.secrets (RHEL 9, Debian 12; XFRM interfaces for route-based)",
		File:     "ipsec.conf",
		Extra:    []string{"ipsec.secrets"},
		Rollback: "libreswan-rollback.sh",
		Params: []Param{
			{Key: "left", Default: "%defaultroute", Help: "left=: this host's IKE address (%defaultroute: the default route's interface address; behind NAT give the private address)"},
			{Key: "interface", Default: "eth0", Help: "WAN interface the XFRM interfaces are attached to (route-based only)"},
			{Key: "ipsec-interface", Default: "1", Help: "ipsec-interface= of tunnel 1: XFRM interface ipsecN, if_id N (tunnel 2 uses N+1; route-based only)", Stride: 2},
			{Key: "vpc-cidr", Default: "", Help: "route-based without BGP only: VPC prefix for the route commands (empty: <VPC-CIDR> placeholder)"},
		},
		SecretKeywords: []string{"PSK"},
		build:          buildLibreswan,
	})
}

// lswPlatform names the release whose refusals the tables follow
// (checked on Debian 12's libreswan 4.10).
const lswPlatform = "libreswan 4.x"

// libreswan 4.10 proposal tokens; what it does not compile in (DES,
// modp768, modp1024, DH 22-24) is absent, so keyword() refuses it.
var (
	lswCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes128", vpn.AES192: "aes192", vpn.AES256: "aes256", vpn.TripleDES: "3des",
	}
	lswIntegrity = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha2_256", vpn.SHA384: "sha2_384", vpn.SHA512: "sha2_512",
	}
	lswGroup = map[vpn.DHGroup]string{
		vpn.Group5: "modp1536", vpn.Group14: "modp2048",
	}
)

type libreswanView struct {
	fileNotes
	Base       string
	Setup      []string // shell commands run once before loading
	Conns      []lswConn
	Secrets    []lswSecret
	Interfaces []string // XFRM interfaces the setup creates
}

type lswConn struct {
	Name         string
	Comment      string
	IKEv2        bool
	Aggressive   bool
	Left         string
	LeftID       string
	Right        string
	RightID      string
	LeftSubnet   string // one prefix, or "" with LeftSubnets
	RightSubnet  string
	LeftSubnets  string // "{a,b}" when several
	RightSubnets string
	IKE          string
	ESP          string
	PFS          bool
	IKELifetime  int
	SALifetime   int
	DPDTimeout   bool // IKEv1 only: IKEv2 liveness ignores it
	Interface    int  // ipsec-interface=, 0 = policy-based
}

type lswSecret struct {
	Comment string
	Local   string
	Remote  string
	Secret  string
}

func buildLibreswan(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	first, err := p.Int("ipsec-interface", 1, 16383)
	if err != nil {
		return nil, nil, err
	}
	vpc, haveVPC, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	base := baseName(c, 40)
	v := libreswanView{Base: base, fileNotes: newFileNotes(c, "libreswan ipsec.conf / ipsec.secrets for an Alibaba Cloud IPsec-VPN connection", o)}
	v.check("Install: copy ipsec.conf to /etc/ipsec.d/%s.conf and ipsec.secrets to /etc/ipsec.d/%s.secrets (mode 0600; the stock /etc/ipsec.conf and /etc/ipsec.secrets include /etc/ipsec.d/*), then run: ipsec auto --rereadsecrets; ipsec auto --add <conn>; ipsec auto --up <conn> (or restart the ipsec service).", base, base)
	v.check("This host initiates and keeps the tunnel up (auto=start, keyingtries=%%forever, DPD restarts it).")
	v.check("Firewall: allow UDP 500 and 4500 and ESP from the Alibaba gateway address(es) below.")
	v.created("file", "/etc/ipsec.d/"+base+".conf")
	v.created("file", "/etc/ipsec.d/"+base+".secrets")

	ikev1 := false
	for _, t := range c.Tunnels {
		if t.IKE.Version == vpn.IKEv1 {
			ikev1 = true
		}
	}
	if ikev1 {
		v.check("IKEv1: libreswan 4.x refuses to load IKEv1 connections unless /etc/ipsec.conf's 'config setup' section has ikev1-policy=accept (the default is drop); that setting applies to the whole host.")
	}
	if c.RouteBased() {
		v.check("Route-based: the XFRM interfaces below must not exist yet (ipsec-interface=N uses ipsecN, if_id N); needs Linux >= 4.19 with XFRM interfaces. libreswan does not route 0.0.0.0/0 <-> 0.0.0.0/0: the routes (or BGP, see the frr vendor) decide what enters a tunnel.")
		if !haveVPC && !anyBGP(c) {
			v.check("Replace <VPC-CIDR> by each VPC prefix, or render again with --set vpc-cidr=<prefix>.")
		}
	}
	if len(c.SubnetPairs()) > 1 {
		for _, t := range c.Tunnels {
			if t.IKE.Version == vpn.IKEv2 {
				v.warn(t, "several subnets: libreswan 4.x negotiates one IPsec SA per subnet pair (leftsubnets/rightsubnets) also under IKEv2, while Alibaba documents one SA carrying all selectors for IKEv2; if some pairs do not pass, use one supernet per side or libreswan 5 (leftsubnet=a,b in one SA)")
			}
		}
	}

	for _, t := range c.Tunnels {
		conn, err := lswConnection(c, t, base, first, p)
		if err != nil {
			return nil, nil, err
		}
		v.Conns = append(v.Conns, conn)
		v.created("conn", conn.Name)
		if pair, ok := c.ProbePair(); ok {
			// Alibaba's health check probes from one address to one
			// address outside the subnets: one more SA for exactly that
			// pair, not crossed with the subnets.
			hc := conn
			hc.Name, hc.Comment = conn.Name+"-hc", roleText(t)+": Alibaba's health-check probes"
			hc.LeftSubnet, hc.RightSubnet = pair.Local.String(), pair.Remote.String()
			hc.LeftSubnets, hc.RightSubnets = "", ""
			v.Conns = append(v.Conns, hc)
			v.created("conn", hc.Name)
		}
		v.Secrets = append(v.Secrets, lswSecret{
			Comment: roleText(t),
			Local:   lswIndex(t.LocalID, t.LocalAddr.String()),
			Remote:  lswIndex(t.RemoteID, t.RemoteAddr.String()),
			Secret:  lswSecretValue(pskText(t, o)),
		})
		for _, g := range []vpn.DHGroup{t.IKE.DHGroup, t.IPsec.PFS} {
			if g.Weak() {
				v.warn(t, fmt.Sprintf("DH %s is weak; consider group14 on both sides", g))
				break
			}
		}
		if c.RouteBased() {
			dev := fmt.Sprintf("ipsec%d", conn.Interface)
			v.Setup = append(v.Setup,
				fmt.Sprintf("ip link add %s type xfrm dev %s if_id %d", dev, p.String("interface"), conn.Interface),
				fmt.Sprintf("ip link set %s up", dev))
			if t.BGP != nil {
				v.Setup = append(v.Setup, fmt.Sprintf("ip addr add %s/%d dev %s    # BGP inside address, %s", t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits(), dev, roleText(t)))
			} else {
				metric := 100
				if t.Role == vpn.RoleSlave && !c.ActiveActive {
					metric = 200
				}
				route := "<VPC-CIDR>"
				if haveVPC {
					route = vpc.String()
				}
				v.Setup = append(v.Setup, fmt.Sprintf("ip route add %s dev %s metric %d    # %s", route, dev, metric, roleText(t)))
			}
			v.Interfaces = append(v.Interfaces, dev)
			v.created("xfrm interface", dev)
			if t.BGP != nil {
				v.check("BGP (tunnel %d): this host %s AS %d <-> Alibaba %s AS %d over %s: render the frr vendor for the routing daemon.", t.Index, t.BGP.LocalIP, t.BGP.LocalASN, t.BGP.RemoteIP, t.BGP.RemoteASN, dev)
			}
		}
	}
	v.Verify = append(v.Verify, "ipsec status", "ipsec trafficstatus")
	return v, v.returned, nil
}

func lswConnection(c vpn.Connection, t vpn.Tunnel, base string, first int, p params) (lswConn, error) {
	ike, err := lswProposal(t, "IKE", t.IKE.Cipher, t.IKE.Integrity, t.IKE.DHGroup)
	if err != nil {
		return lswConn{}, err
	}
	esp, err := lswProposal(t, "IPsec", t.IPsec.Cipher, t.IPsec.Integrity, t.IPsec.PFS)
	if err != nil {
		return lswConn{}, err
	}
	// ikelifetime= and salifetime= accept at most 24 h (ipsec.conf(5)).
	ikeLife, err := seconds(lswPlatform, "IKE lifetime", t, t.IKE.Lifetime, 1, 86400)
	if err != nil {
		return lswConn{}, err
	}
	saLife, err := seconds(lswPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, 1, 86400)
	if err != nil {
		return lswConn{}, err
	}
	name := base
	if c.Dual() {
		name = fmt.Sprintf("%s-t%d", base, t.Index)
	}
	conn := lswConn{
		Name:        name,
		Comment:     roleText(t),
		IKEv2:       t.IKE.Version == vpn.IKEv2,
		Aggressive:  t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode,
		Left:        p.String("left"),
		LeftID:      lswID(t.LocalID),
		Right:       t.RemoteAddr.String(),
		RightID:     lswID(t.RemoteID),
		IKE:         ike,
		ESP:         esp,
		PFS:         t.IPsec.PFS != vpn.NoPFS,
		IKELifetime: ikeLife,
		SALifetime:  saLife,
		DPDTimeout:  t.IKE.Version == vpn.IKEv1,
	}
	switch {
	case c.RouteBased():
		conn.LeftSubnet, conn.RightSubnet = "0.0.0.0/0", "0.0.0.0/0"
		conn.Interface = first + t.Index - 1
	default:
		if len(c.LocalSubnets) == 1 {
			conn.LeftSubnet = c.LocalSubnets[0].String()
		} else {
			conn.LeftSubnets = "{" + joinPrefixes(c.LocalSubnets, ",") + "}"
		}
		if len(c.RemoteSubnets) == 1 {
			conn.RightSubnet = c.RemoteSubnets[0].String()
		} else {
			conn.RightSubnets = "{" + joinPrefixes(c.RemoteSubnets, ",") + "}"
		}
	}
	return conn, nil
}

// lswProposal is cipher-integrity[-group] in libreswan's syntax.
func lswProposal(t vpn.Tunnel, what string, c vpn.Cipher, i vpn.Integrity, g vpn.DHGroup) (string, error) {
	enc, err := keyword(lswCipher, lswPlatform, t, what+" encryption", c)
	if err != nil {
		return "", err
	}
	integ, err := keyword(lswIntegrity, lswPlatform, t, what+" integrity", i)
	if err != nil {
		return "", err
	}
	parts := []string{enc, integ}
	if g != vpn.NoPFS {
		what := what + " DH group"
		if what == "IPsec DH group" {
			what = "IPsec PFS group"
		}
		grp, err := keyword(lswGroup, lswPlatform, t, what, g)
		if err != nil {
			return "", err
		}
		parts = append(parts, grp)
	}
	return strings.Join(parts, "-"), nil
}

// lswID writes an identity for leftid=/rightid=: an address as it is, a
// host name with '@' so libreswan never resolves it; "" keeps the default
// (the address).
func lswID(id vpn.Identity) string {
	switch id.Kind {
	case vpn.IDAddress:
		return id.Addr.String()
	case vpn.IDFQDN:
		return "@" + id.FQDN
	}
	return ""
}

// lswIndex is an ipsec.secrets index: the identity, or the address the
// identity defaults to.
func lswIndex(id vpn.Identity, addr string) string {
	if s := lswID(id); s != "" {
		return s
	}
	if addr == "invalid IP" {
		return "%any"
	}
	return addr
}

// lswSecretValue writes a PSK so every character survives: a plain key in
// quotes (taken literally, also when it starts with 0x or 0s); anything
// else (quotes, blanks, '#', '\\') as 0s<base64> (ipsec.secrets(5)).
func lswSecretValue(psk string) string {
	if quotablePSK.MatchString(psk) {
		return `"` + psk + `"`
	}
	return "0s" + base64.StdEncoding.EncodeToString([]byte(psk))
}
