package render

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

func init() {
	register(Vendor{
		Name:    "strongswan",
		Summary: "strongSwan 5.8+ swanctl.conf (IKEv1/IKEv2, XFRM interfaces for route-based)",
		File:    "swanctl.conf",
		Params: []Param{
			{Key: "local-addrs", Default: "%any", Help: "local_addrs: this host's address(es) used for IKE"},
			{Key: "interface", Default: "eth0", Help: "WAN interface the XFRM interfaces are attached to (route-based only)"},
			{Key: "if-id", Default: "1", Help: "if_id of tunnel 1 (tunnel 2 uses if-id+1; route-based only)"},
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

type strongswanView struct {
	Header  []string
	Notes   []string
	Setup   []string // shell commands for route-based XFRM interfaces
	Conns   []swanConn
	Secrets []swanSecret
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
	var warns []vpn.Warning
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
	v := strongswanView{Header: headerLines(c, "strongSwan swanctl.conf for an Alibaba Cloud IPsec-VPN connection", o)}
	v.Notes = append(v.Notes,
		fmt.Sprintf("Install: copy to /etc/swanctl/conf.d/%s.conf, then run: swanctl --load-all", base),
		"This host initiates and keeps the tunnel up (start_action/close_action = start, dpd_action = restart).",
		"Firewall: allow UDP 500 and 4500 and ESP from the Alibaba gateway address(es) below.",
	)
	if c.RouteBased() {
		v.Notes = append(v.Notes, "Route-based: create the XFRM interface(s) below and route the VPC prefixes through them (needs strongSwan >= 5.8, Linux >= 4.19, iproute2 >= 5.1).")
		if !haveVPC && c.Tunnels[0].BGP == nil {
			v.Notes = append(v.Notes, "Replace <VPC-CIDR> by each VPC prefix, or render again with --set vpc-cidr=<prefix>.")
		}
	}

	for _, t := range c.Tunnels {
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.AggressiveMode {
			// This host initiates, which needs no opt-in; answering Alibaba's
			// aggressive-mode PSK requests does.
			v.Notes = append(v.Notes, fmt.Sprintf("Aggressive mode (tunnel %d): should Alibaba initiate, strongSwan answers only with charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes in strongswan.conf.", t.Index))
		}
		conn, ws, err := swanConnection(c, t, base, ifID, p, o)
		if err != nil {
			return nil, nil, err
		}
		warns = append(warns, ws...)
		v.Conns = append(v.Conns, conn)

		secret := swanSecret{Name: "ike-" + conn.Name, ID1: conn.LocalID, ID2: conn.RemoteID}
		secret.Secret, secret.Encoded = swanSecretValue(pskText(t, o))
		v.Secrets = append(v.Secrets, secret)

		if c.RouteBased() {
			dev := fmt.Sprintf("ipsec-t%d", t.Index)
			id := ifID + t.Index - 1
			metric := 100
			if t.Role == vpn.RoleSlave {
				metric = 200
			}
			v.Setup = append(v.Setup,
				fmt.Sprintf("ip link add %s type xfrm dev %s if_id %d", dev, p.String("interface"), id),
				fmt.Sprintf("ip link set %s up", dev))
			if t.BGP != nil {
				// BGP learns the VPC prefixes; the tunnel only needs its
				// inside address.
				v.Setup = append(v.Setup, fmt.Sprintf("ip addr add %s/%d dev %s    # BGP inside address, %s", t.BGP.LocalIP, t.BGP.TunnelCIDR.Bits(), dev, roleText(t)))
			} else {
				v.Setup = append(v.Setup, fmt.Sprintf("ip route add %s dev %s metric %d    # %s", vpcText, dev, metric, roleText(t)))
			}
		}
		if t.BGP != nil {
			v.Notes = append(v.Notes, fmt.Sprintf("BGP (tunnel %d): this host %s AS %d <-> Alibaba %s AS %d; strongSwan carries no BGP: run a routing daemon (FRR, BIRD) on the tunnel interface and prefer the master tunnel.",
				t.Index, t.BGP.LocalIP, t.BGP.LocalASN, t.BGP.RemoteIP, t.BGP.RemoteASN))
		}
	}
	return v, warns, nil
}

func swanConnection(c vpn.Connection, t vpn.Tunnel, base string, ifID int, p params, o Options) (swanConn, []vpn.Warning, error) {
	var warns []vpn.Warning
	warn := func(format string, args ...any) {
		warns = append(warns, vpn.Warning{Scope: t.Label(), Message: fmt.Sprintf(format, args...)})
	}
	ike, err := swanProposal(t, "IKE", t.IKE.Cipher, t.IKE.Integrity, t.IKE.DHGroup)
	if err != nil {
		return swanConn{}, nil, err
	}
	esp, err := swanProposal(t, "IPsec", t.IPsec.Cipher, t.IPsec.Integrity, t.IPsec.PFS)
	if err != nil {
		return swanConn{}, nil, err
	}
	// strongSwan accepts any lifetime, but rekey_time is 90 % of it and
	// must stay above zero.
	ikeLife, err := seconds(swanPlatform, "IKE lifetime", t, t.IKE.Lifetime, 10, 86400)
	if err != nil {
		return swanConn{}, nil, err
	}
	childLife, err := seconds(swanPlatform, "IPsec lifetime", t, t.IPsec.Lifetime, 10, 86400)
	if err != nil {
		return swanConn{}, nil, err
	}
	if t.IKE.Cipher == vpn.DES || t.IPsec.Cipher == vpn.DES || t.IKE.Integrity == vpn.MD5 || t.IPsec.Integrity == vpn.MD5 {
		warn("DES and MD5 need OpenSSL 3's legacy provider on strongSwan 6 (charon.plugins.openssl.load_legacy); they are weak: change the connection's algorithms on Alibaba if you can")
	}
	for _, g := range []vpn.DHGroup{t.IKE.DHGroup, t.IPsec.PFS} {
		if g.Weak() {
			warn("DH %s is weak; consider group14 on both sides", g)
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
		// exactly Alibaba's (vendors.md §8.1). Integer seconds keep the sum exact.
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
		conn.Children = []swanChild{child("", prefixCSV(c.LocalSubnets), prefixCSV(c.RemoteSubnets))}
	}
	return conn, warns, nil
}

func swanProposal(t vpn.Tunnel, what string, c vpn.Cipher, i vpn.Integrity, g vpn.DHGroup) (string, error) {
	enc, ok := swanCipher[c]
	if !ok {
		return "", unsupported(swanPlatform, t, what+" encryption", c)
	}
	integ, ok := swanIntegrity[i]
	if !ok {
		return "", unsupported(swanPlatform, t, what+" integrity", i)
	}
	parts := []string{enc, integ}
	if g != vpn.NoPFS {
		grp, ok := swanGroup[g]
		if !ok {
			return "", unsupported(swanPlatform, t, what+" DH group", g)
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

// plainSecret is what may stand inside "…" in swanctl.conf with no
// escaping question at all.
var plainSecret = regexp.MustCompile(`^[A-Za-z0-9_.:@/+=,<>-]+$`)

// swanSecretValue writes a PSK so every legal character survives: simple
// keys in quotes, everything else (quotes, $, #, ;, backslashes, and keys
// that start with 0x or 0s, which strongSwan would decode) as 0s<base64>.
func swanSecretValue(psk string) (string, bool) {
	if plainSecret.MatchString(psk) && !strings.HasPrefix(psk, "0x") && !strings.HasPrefix(psk, "0s") {
		return `"` + psk + `"`, false
	}
	return "0s" + base64.StdEncoding.EncodeToString([]byte(psk)), true
}

func prefixCSV(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}
