package render

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// MikroTik RouterOS 7: a script to paste into a terminal or run with
// /import. RouterOS IPsec is policy-based (no tunnel interface). Every
// keyword here is from docs/vendors/mikrotik.md, which cites MikroTik's
// manual and the terraform-routeros provider's enumerations for each.
func init() {
	register(Vendor{
		Name:     "mikrotik",
		Summary:  "MikroTik RouterOS 7 script (paste or /import): IPsec profile, proposal, peer, identity, one policy per subnet pair, NAT bypass and firewall rules; re-runnable, every object tagged; no BGP (RouterOS IPsec is policy-based)",
		File:     "mikrotik.rsc",
		Rollback: "mikrotik-rollback.rsc",
		Params: []Param{
			{Key: "onprem-prefixes", Default: "", List: true, Help: "route-based connections only: on-prem prefixes to use as selectors, comma-separated (RouterOS has no route-based IPsec)"},
			{Key: "vpc-cidr", Default: "", Help: "route-based connections only: the VPC prefix to use as selector"},
		},
		SecretKeywords: []string{"secret"},
		build:          buildMikrotik,
	})
}

const mtPlatform = "RouterOS"

const (
	// mtBaseMax keeps names within 31 characters with a "-t2" suffix
	// (RouterOS name limits are not documented: docs/vendors/mikrotik.md).
	mtBaseMax       = 28
	mtDPDInterval   = "10s"
	mtDPDFailures   = 3
	mtMaxLifeSecond = 365 * 86400
)

// RouterOS keywords: /ip ipsec profile enc-algorithm, hash-algorithm,
// dh-group; /ip ipsec proposal enc-algorithms, auth-algorithms, pfs-group
// (terraform-routeros resource_ip_ipsec_{profile,proposal}.go).
var (
	mtProfileCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-128", vpn.AES192: "aes-192", vpn.AES256: "aes-256", vpn.TripleDES: "3des", vpn.DES: "des",
	}
	mtProfileHash = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA384: "sha384", vpn.SHA512: "sha512",
	}
	mtProposalCipher = map[vpn.Cipher]string{
		vpn.AES128: "aes-128-cbc", vpn.AES192: "aes-192-cbc", vpn.AES256: "aes-256-cbc", vpn.TripleDES: "3des", vpn.DES: "des",
	}
	// mtProposalAuth: the proposal has no sha384.
	mtProposalAuth = map[vpn.Integrity]string{
		vpn.MD5: "md5", vpn.SHA1: "sha1", vpn.SHA256: "sha256", vpn.SHA512: "sha512",
	}
	// mtGroup: MODP groups by size; RouterOS has no group 24.
	mtGroup = map[vpn.DHGroup]string{
		vpn.Group1: "modp768", vpn.Group2: "modp1024", vpn.Group5: "modp1536", vpn.Group14: "modp2048",
	}
)

// mtView is the flat view mikrotik.rsc.tmpl and mikrotik-rollback.rsc.tmpl lay out.
type mtView struct {
	fileNotes
	// Tag starts every comment this file writes ("vpnexport:<name>:"):
	// the remove lines select exactly the objects carrying it.
	Tag        string
	Remove     []string // remove commands, in dependency order
	Profiles   []mtProfile
	Proposals  []mtProposal
	Peers      []mtPeer
	Identities []mtIdentity
	Policies   []mtPolicy
	Lists      []mtListEntry
	// Rules are the NAT and filter rules, each placed first in its table.
	Rules []mtRule
	// Failover holds the commands that move the traffic to tunnel 2 and
	// back (dual tunnel); empty for a single tunnel.
	Failover []string
}

type mtProfile struct {
	Name, Enc, Hash, DH, Lifetime, NATT, DPDInterval string
	DPDFailures                                      int // 0 with DPD off
}

type mtProposal struct {
	Name, Enc, Auth, PFS, Lifetime, Comment string
}

type mtPeer struct {
	Name, Address, Mode, Profile, Comment string
}

type mtIdentity struct {
	Peer, Secret, MyID, RemoteID, Comment string
}

type mtPolicy struct {
	Peer, Src, Dst, Proposal, Comment string
	Disabled                          bool
}

type mtListEntry struct {
	List, Address, Comment string
}

// mtRule is a firewall rule placed before every other rule of its table:
// Args are the properties after "add" (chain, action, matchers).
type mtRule struct {
	Table, Args, Comment string
}

// mtString writes s as a RouterOS string constant: "…" with \, ", $ and
// ? escaped (RouterOS scripting manual, constant escape sequences; "?"
// would otherwise print help in the console).
func mtString(s string) string { return `"` + mtEscaper.Replace(s) + `"` }

// mtEscaper is built once: building a Replacer costs more than using it
// (a tenth of all render time when it was built per call).
var mtEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, `?`, `\?`)

// mtSecret writes the identity's secret: a RouterOS string, except that a
// key starting with 0x would be read as hexadecimal, so such a key is
// written as 0x<hex> of all its bytes. Keys with characters outside
// printable ASCII are refused (RouterOS's handling is not documented);
// the error names the position, never the key.
func mtSecret(t vpn.Tunnel, o Options) (string, error) {
	key := t.PSK.Reveal()
	for i, r := range key {
		if r < 0x20 || r > 0x7e {
			return "", fmt.Errorf("%s: the pre-shared key's character %d is %s, which vpnexport does not write into a RouterOS script; change the key on Alibaba", t.Label(), i+1, charClass(r))
		}
	}
	if key == "" {
		return "", fmt.Errorf("%s: empty pre-shared key", t.Label())
	}
	if o.Redact {
		return mtString(pskText(t, o)), nil
	}
	if strings.HasPrefix(strings.ToLower(key), "0x") {
		return "0x" + hex.EncodeToString([]byte(key)), nil
	}
	return mtString(key), nil
}

// mtDuration writes seconds in RouterOS time syntax: 1d, 8h, 7h30m1s.
func mtDuration(s int) string {
	var b strings.Builder
	for _, u := range []struct {
		suffix string
		size   int
	}{{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}} {
		if n := s / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			s -= n * u.size
		}
	}
	return b.String()
}

func mtLife(t vpn.Tunnel, what string, d time.Duration) (string, error) {
	s, err := seconds(mtPlatform, what, t, d, 1, mtMaxLifeSecond)
	if err != nil {
		return "", err
	}
	return mtDuration(s), nil
}

// mtID writes an identity as RouterOS's type:value.
func mtID(id vpn.Identity) string {
	switch id.Kind {
	case vpn.IDAddress:
		return "address:" + id.Addr.String()
	case vpn.IDFQDN:
		return "fqdn:" + id.FQDN
	}
	return ""
}

func buildMikrotik(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error) {
	for _, t := range c.Tunnels {
		if t.BGP != nil {
			return nil, nil, cannotExpress("%s: BGP cannot be expressed on %s: RouterOS IPsec is policy-based, with no tunnel interface to carry the BGP session at %s and the routes it learns; configure the connection on Alibaba with the on-prem and VPC subnets and without BGP, or use a platform with route-based IPsec", t.Label(), mtPlatform, t.BGP.LocalIP)
		}
	}
	if err := checkIDs(c, mtPlatform); err != nil {
		return nil, nil, err
	}
	onprem, err := p.Prefixes("onprem-prefixes")
	if err != nil {
		return nil, nil, err
	}
	vpc, vpcOK, err := p.Prefix("vpc-cidr")
	if err != nil {
		return nil, nil, err
	}
	local, remote := c.LocalSubnets, c.RemoteSubnets
	if c.RouteBased() {
		if len(onprem) == 0 || !vpcOK {
			return nil, nil, cannotExpress("route-based connection (0.0.0.0/0 on both sides) cannot be expressed on %s: its IPsec is policy-based, and a 0.0.0.0/0 <-> 0.0.0.0/0 policy would send all traffic, Internet included, into the tunnel; give the selectors with --set onprem-prefixes=<cidr>,… and --set vpc-cidr=<cidr>, or configure the subnets on Alibaba", mtPlatform)
		}
		local, remote = onprem, []netip.Prefix{vpc}
	} else if len(onprem) > 0 || vpcOK {
		return nil, nil, &ParamError{Vendor: "mikrotik", Key: "onprem-prefixes", Reason: "only for route-based connections: this connection's selectors are its subnets"}
	}
	// Alibaba's health check probes from one address to one address: its
	// pair, when the selectors do not cover it, is one more policy, not
	// crossed with the subnets (vpn.Connection.ProbePair).
	var probe *vpn.SubnetPair
	if hc := c.HealthCheck; hc != nil && hc.Source.IsValid() && hc.Destination.IsValid() && !(covers(local, hc.Destination) && covers(remote, hc.Source)) {
		probe = &vpn.SubnetPair{Local: netip.PrefixFrom(hc.Destination, 32), Remote: netip.PrefixFrom(hc.Source, 32)}
	}

	base := baseName(c, mtBaseMax)
	v := mtView{fileNotes: newFileNotes(c, "MikroTik RouterOS 7 script for an Alibaba Cloud IPsec-VPN connection", o), Tag: "vpnexport:" + base + ":"}
	tagged := func(what string) string { return mtString(v.Tag + what) }
	v.Verify = []string{"/ip ipsec active-peers print", "/ip ipsec installed-sa print", "/ip ipsec policy print stats", `/log print where topics~"ipsec"`}
	if c.RouteBased() {
		v.warnConn(fmt.Sprintf("route-based connection: Alibaba routes by destination and expects 0.0.0.0/0 selectors; this router proposes %s <-> %s (--set onprem-prefixes, --set vpc-cidr) and must initiate. Whether Alibaba accepts the narrower selectors is not documented: check that the SAs come up", prefixList(local), prefixList(remote)))
	}

	if !c.Described {
		v.check("DPD %s and NAT-T %s are assumed (Alibaba's defaults): a saved download does not carry them; compare with the connection in the Alibaba console.", onOff(c.DPD), onOff(c.NATTraversal))
	}
	if !c.DPD {
		v.warnConn("DPD is off on Alibaba, so the profiles say dpd-interval=disable-dpd; MikroTik's manual warns that phase 1 is then not re-keyed when its lifetime expires (only phase 2 is): enable DPD on Alibaba if you can")
	}
	names := paloNamer{base: base, dual: c.Dual()}
	pairs := make([]vpn.SubnetPair, 0, len(local)*len(remote))
	for _, l := range local {
		for _, r := range remote {
			pairs = append(pairs, vpn.SubnetPair{Local: l, Remote: r})
		}
	}
	if probe != nil {
		pairs = append(pairs, *probe)
		local = append(append([]netip.Prefix{}, local...), probe.Local)
		remote = append(append([]netip.Prefix{}, remote...), probe.Remote)
	}
	for _, t := range c.Tunnels {
		name := names.tunnel(t)
		prof, prop, err := mtProposals(c, t, name)
		if err != nil {
			return nil, nil, err
		}
		prop.Comment = tagged(roleText(t))
		v.Profiles = append(v.Profiles, prof)
		v.created("/ip ipsec profile", prof.Name)
		v.Proposals = append(v.Proposals, prop)
		v.created("/ip ipsec proposal", prop.Name)
		mode := "ike2"
		if t.IKE.Version == vpn.IKEv1 {
			mode = t.IKE.Mode.String()
		}
		v.Peers = append(v.Peers, mtPeer{Name: name, Address: t.RemoteAddr.String() + "/32", Mode: mode, Profile: name, Comment: tagged(roleText(t))})
		v.created("/ip ipsec peer", name)
		id, err := mtIdentityView(&v.fileNotes, t, name, o)
		if err != nil {
			return nil, nil, err
		}
		id.Comment = tagged(roleText(t))
		v.Identities = append(v.Identities, id)
		v.created("/ip ipsec identity", v.Tag+roleText(t))
		standby := t.Role == vpn.RoleSlave && c.Dual()
		for k, pr := range pairs {
			comment := fmt.Sprintf("%s pair %d", t.Label(), k+1)
			v.Policies = append(v.Policies, mtPolicy{Peer: name, Src: pr.Local.String(), Dst: pr.Remote.String(), Proposal: name, Comment: tagged(comment), Disabled: standby})
			v.created("/ip ipsec policy", v.Tag+comment)
		}
		v.warnWeak(t)
		if t.IKE.Version == vpn.IKEv2 && len(pairs) > 1 {
			v.warn(t, fmt.Sprintf("IKEv2 with %d subnet pairs: RouterOS negotiates one SA per policy (level=unique), while Alibaba documents one SA carrying all selectors for IKEv2; if only some subnets pass, configure the connection on Alibaba with one subnet per side", len(pairs)))
		}
	}
	if c.Dual() {
		t1, t2 := c.Tunnels[0], c.Tunnels[1]
		master, standby := t1, t2
		if t1.Role == vpn.RoleSlave {
			master, standby = t2, t1
		}
		msg := fmt.Sprintf("dual tunnel: %s's policies are added disabled, since two policies with the same selectors cannot both be active; RouterOS does not fail over by itself: when %s is down, run the fail-over commands at the end of this file", standby.Label(), master.Label())
		if c.ActiveActive {
			msg = fmt.Sprintf("both tunnels are active on Alibaba (ECMP), but RouterOS sends a selector pair over one SA: only %s carries traffic (%s's policies are added disabled, and the fail-over commands at the end of this file switch them)", master.Label(), standby.Label())
		}
		v.warnConn(msg)
		sel := func(t vpn.Tunnel) string { return mtString("^" + v.Tag + t.Label() + " ") }
		v.Failover = []string{
			fmt.Sprintf("/ip ipsec policy disable [find comment~%s]", sel(master)),
			fmt.Sprintf("/ip ipsec policy enable [find comment~%s]", sel(standby)),
		}
	}

	// Firewall: address lists, NAT bypass, IKE/ESP in, IPsec traffic
	// accepted before the fasttrack rule.
	lo, vl := base+"-onprem", base+"-vpc"
	for _, pf := range local {
		v.Lists = append(v.Lists, mtListEntry{List: lo, Address: pf.String(), Comment: tagged("on-prem")})
		v.created("/ip firewall address-list", lo+" "+pf.String())
	}
	for _, pf := range remote {
		v.Lists = append(v.Lists, mtListEntry{List: vl, Address: pf.String(), Comment: tagged("VPC")})
		v.created("/ip firewall address-list", vl+" "+pf.String())
	}
	v.Rules = append(v.Rules, mtRule{Table: "/ip firewall nat", Args: fmt.Sprintf("chain=srcnat action=accept src-address-list=%s dst-address-list=%s", mtString(lo), mtString(vl)), Comment: tagged("no NAT to the VPC")})
	v.created("/ip firewall nat", v.Tag+"no NAT to the VPC")
	ports := "500,4500"
	if !c.NATTraversal || c.PrivateNetwork {
		ports = "500"
	}
	for _, t := range c.Tunnels {
		for _, r := range []mtRule{
			{Args: fmt.Sprintf("chain=input action=accept protocol=udp src-address=%s dst-port=%s", t.RemoteAddr, ports), Comment: fmt.Sprintf("IKE from Alibaba, %s", t.Label())},
			{Args: fmt.Sprintf("chain=input action=accept protocol=ipsec-esp src-address=%s", t.RemoteAddr), Comment: fmt.Sprintf("ESP from Alibaba, %s", t.Label())},
		} {
			r.Table = "/ip firewall filter"
			v.created(r.Table, v.Tag+r.Comment)
			r.Comment = tagged(r.Comment)
			v.Rules = append(v.Rules, r)
		}
	}
	for _, r := range []mtRule{
		{Args: fmt.Sprintf("chain=forward action=accept ipsec-policy=out,ipsec src-address-list=%s dst-address-list=%s", mtString(lo), mtString(vl)), Comment: "to the VPC, before fasttrack"},
		{Args: fmt.Sprintf("chain=forward action=accept ipsec-policy=in,ipsec src-address-list=%s dst-address-list=%s", mtString(vl), mtString(lo)), Comment: "from the VPC, before fasttrack"},
	} {
		r.Table = "/ip firewall filter"
		v.created(r.Table, v.Tag+r.Comment)
		r.Comment = tagged(r.Comment)
		v.Rules = append(v.Rules, r)
	}

	// The remove block: what an earlier run added (the same tag and names),
	// in dependency order; it is also the rollback file.
	find := func(menu string) string { return fmt.Sprintf("%s remove [find comment~%s]", menu, mtString("^"+v.Tag)) }
	// Profiles have no comment property: they go by their names.
	v.Remove = append(v.Remove, find("/ip ipsec policy"), find("/ip ipsec identity"), find("/ip ipsec peer"))
	for _, pr := range v.Profiles {
		v.Remove = append(v.Remove, fmt.Sprintf("/ip ipsec profile remove [find name=%s]", mtString(pr.Name)))
	}
	v.Remove = append(v.Remove, find("/ip ipsec proposal"))
	v.Remove = append(v.Remove, find("/ip firewall filter"), find("/ip firewall nat"), find("/ip firewall address-list"))

	var ipsecPolicies []string
	for _, pr := range pairs {
		ipsecPolicies = append(ipsecPolicies, pr.Local.String()+" -> "+pr.Remote.String())
	}
	v.check("no other /ip ipsec policy matches %s ('/ip ipsec policy print'): the first matching policy wins.", strings.Join(ipsecPolicies, ", "))
	var peerNames []string
	for _, pe := range v.Peers {
		peerNames = append(peerNames, pe.Name)
	}
	v.check("the names %s are free for /ip ipsec profile, proposal and peer, or belong to an earlier run of this file (the script removes and re-adds them).", strings.Join(peerNames, ", "))
	v.check("this router holds %s, or is NATed to it (the peers leave local-address unset).", localAddrText(c))
	v.check("the fasttrack rule ('/ip firewall filter print where action=fasttrack-connection') stays below the rules this file places first: fasttracked connections bypass IPsec policies.")
	if hc := c.HealthCheck; hc != nil {
		v.check("Alibaba's health check pings %s from %s through the tunnel%s: %s must answer ICMP echo; the policies and address lists carry the probes.", hc.Destination, hc.Source, revokeText(hc), hc.Destination)
	}
	return v, v.returned, nil
}

func mtProposals(c vpn.Connection, t vpn.Tunnel, name string) (mtProfile, mtProposal, error) {
	prof := mtProfile{Name: name, NATT: map[bool]string{true: "yes", false: "no"}[c.NATTraversal], DPDInterval: "disable-dpd"}
	prop := mtProposal{Name: name}
	var err error
	if prof.Enc, err = keyword(mtProfileCipher, mtPlatform, t, "IKE encryption", t.IKE.Cipher); err != nil {
		return prof, prop, err
	}
	if prof.Hash, err = keyword(mtProfileHash, mtPlatform, t, "IKE integrity", t.IKE.Integrity); err != nil {
		return prof, prop, err
	}
	if prof.DH, err = keyword(mtGroup, mtPlatform, t, "IKE DH group", t.IKE.DHGroup); err != nil {
		return prof, prop, err
	}
	if prof.Lifetime, err = mtLife(t, "IKE lifetime", t.IKE.Lifetime); err != nil {
		return prof, prop, err
	}
	if c.DPD {
		prof.DPDInterval, prof.DPDFailures = mtDPDInterval, mtDPDFailures
	}
	if prop.Enc, err = keyword(mtProposalCipher, mtPlatform, t, "IPsec encryption", t.IPsec.Cipher); err != nil {
		return prof, prop, err
	}
	if prop.Auth, err = keyword(mtProposalAuth, mtPlatform, t, "IPsec integrity", t.IPsec.Integrity); err != nil {
		return prof, prop, err
	}
	if prop.PFS, err = pfsKeyword(mtGroup, mtPlatform, t); err != nil {
		return prof, prop, err
	}
	if prop.PFS == "" {
		prop.PFS = "none"
	}
	if prop.Lifetime, err = mtLife(t, "IPsec lifetime", t.IPsec.Lifetime); err != nil {
		return prof, prop, err
	}
	return prof, prop, nil
}

func mtIdentityView(n *fileNotes, t vpn.Tunnel, peer string, o Options) (mtIdentity, error) {
	secret, err := mtSecret(t, o)
	if err != nil {
		return mtIdentity{}, err
	}
	id := mtIdentity{Peer: peer, Secret: secret, MyID: mtID(t.LocalID)}
	// The peer's ID is checked where RouterOS documents it: IKEv2, and
	// IKEv1 aggressive mode with an address (remote-id fqdn is documented
	// for IKEv2 only). IKEv1 main mode with a pre-shared key identifies
	// the peer by its address.
	switch {
	case t.IKE.Version == vpn.IKEv2:
		id.RemoteID = mtID(t.RemoteID)
	case t.IKE.Mode == vpn.AggressiveMode && t.RemoteID.Kind == vpn.IDAddress:
		id.RemoteID = mtID(t.RemoteID)
	case t.IKE.Mode == vpn.AggressiveMode && t.RemoteID.Kind == vpn.IDFQDN:
		n.warn(t, fmt.Sprintf("Alibaba's IKE ID %s is not checked: RouterOS documents remote-id fqdn for IKEv2 only (remote-id stays auto)", t.RemoteID))
	}
	return id, nil
}
