package api

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vpnexport/vpnexport/vpn"
)

// VpnConnection is one connection as DescribeVpnConnection returns it (the
// whole response body) and as DescribeVpnConnections lists it. Unlike the
// download it is written from the cloud's side: Local* is Alibaba's VPN
// gateway and the VPC, Remote* the customer gateway and data center.
//
// Only the fields vpnexport uses are decoded; in particular the PSKs that
// Describe also returns are not, so they are never held twice. The one
// secret decoded is VpnBgpConfig.AuthKey, the BGP password, which the
// download does not carry (Secrets lists it for masking).
//
// Field meanings, types and sources: docs/alibaba-api.md §4.
type VpnConnection struct {
	VpnConnectionID            string             `json:"VpnConnectionId"`
	Name                       string             `json:"Name"`
	VpnGatewayID               string             `json:"VpnGatewayId"`
	CustomerGatewayID          string             `json:"CustomerGatewayId"`
	LocalSubnet                string             `json:"LocalSubnet"`
	RemoteSubnet               string             `json:"RemoteSubnet"`
	Status                     string             `json:"Status"`
	State                      string             `json:"State"`
	EnableDpd                  FlexBool           `json:"EnableDpd"`
	EnableNatTraversal         FlexBool           `json:"EnableNatTraversal"`
	EnableTunnelsBgp           FlexBool           `json:"EnableTunnelsBgp"`
	IkeConfig                  *DescribeIkeConfig `json:"IkeConfig"`
	VpnBgpConfig               *DescribeBgpConfig `json:"VpnBgpConfig"`
	TunnelOptionsSpecification *struct {
		TunnelOptions []TunnelOptions `json:"TunnelOptions"`
	} `json:"TunnelOptionsSpecification"`

	// AttachType is CEN (attached to a transit router), VPNGW (attached
	// to a VPN gateway) or NO_ASSOCIATED; TransitRouterID is set for CEN.
	// A dual-tunnel connection on a transit router runs both tunnels
	// active (ECMP).
	AttachType      string `json:"AttachType"`
	TransitRouterID string `json:"TransitRouterId"`
	// NetworkType is public (over the Internet, the default) or private
	// (over a leased line / Express Connect).
	NetworkType string `json:"NetworkType"`
	// RemoteCaCertificate is the peer CA of a certificate (SM, 国密)
	// connection; empty on standard gateways.
	RemoteCaCertificate string               `json:"RemoteCaCertificate"`
	VcoHealthCheck      *DescribeHealthCheck `json:"VcoHealthCheck"`
}

// DescribeHealthCheck is VcoHealthCheck: Alibaba probes (ICMP) from Sip,
// on its side, to Dip, on the data center's, through the tunnel, every
// Interval seconds, Retry times, and with Policy revoke_route (the
// default) withdraws its routes while the probes fail. Enable is a string.
type DescribeHealthCheck struct {
	Enable   FlexBool `json:"Enable"`
	Sip      string   `json:"Sip"`
	Dip      string   `json:"Dip"`
	Interval FlexInt  `json:"Interval"`
	Retry    FlexInt  `json:"Retry"`
	Policy   string   `json:"Policy"`
	Status   string   `json:"Status"`
}

// DescribeIkeConfig holds the identities of Describe's IkeConfig: LocalId
// is Alibaba's, RemoteId the customer gateway's.
type DescribeIkeConfig struct {
	LocalID  string `json:"LocalId"`
	RemoteID string `json:"RemoteId"`
}

// DescribeBgpConfig is VpnBgpConfig (single tunnel) or TunnelBgpConfig
// (per tunnel). Local* is Alibaba's side. EnableBgp is a string in
// DescribeVpnConnection's VpnBgpConfig, absent from DescribeVpnConnections'
// and from TunnelBgpConfig; ASNs are numbers in one and strings in the
// other, hence the tolerant types. AuthKey, the BGP (TCP MD5) password of
// the customer gateway, exists in VpnBgpConfig only.
type DescribeBgpConfig struct {
	EnableBgp  FlexBool `json:"EnableBgp"`
	AuthKey    string   `json:"AuthKey"`
	LocalAsn   FlexInt  `json:"LocalAsn"`
	LocalBgpIP string   `json:"LocalBgpIp"`
	PeerAsn    FlexInt  `json:"PeerAsn"`
	PeerBgpIP  string   `json:"PeerBgpIp"`
	TunnelCidr string   `json:"TunnelCidr"`
	Status     string   `json:"Status"`
	BgpStatus  string   `json:"BgpStatus"`
}

// TunnelOptions is one tunnel of a dual-tunnel connection. EnableDpd and
// EnableNatTraversal are strings here.
type TunnelOptions struct {
	TunnelID            string             `json:"TunnelId"`
	CustomerGatewayID   string             `json:"CustomerGatewayId"`
	RemoteCaCertificate string             `json:"RemoteCaCertificate"`
	Role                string             `json:"Role"`
	State               string             `json:"State"`
	Status              string             `json:"Status"`
	InternetIP          string             `json:"InternetIp"`
	EnableDpd           FlexBool           `json:"EnableDpd"`
	EnableNatTraversal  FlexBool           `json:"EnableNatTraversal"`
	TunnelIndex         FlexInt            `json:"TunnelIndex"`
	TunnelIkeConfig     *DescribeIkeConfig `json:"TunnelIkeConfig"`
	TunnelBgpConfig     *DescribeBgpConfig `json:"TunnelBgpConfig"`
}

type describeConnectionsResponse struct {
	TotalCount     FlexInt `json:"TotalCount"`
	PageNumber     FlexInt `json:"PageNumber"`
	PageSize       FlexInt `json:"PageSize"`
	VpnConnections struct {
		VpnConnection []VpnConnection `json:"VpnConnection"`
	} `json:"VpnConnections"`
}

func (d *VpnConnection) tunnels() []TunnelOptions {
	if d.TunnelOptionsSpecification == nil {
		return nil
	}
	return d.TunnelOptionsSpecification.TunnelOptions
}

// ApplyDescription completes a connection normalized from the download
// with what only DescribeVpnConnection knows: ID, name, region, the DPD and
// NAT-T switches, each tunnel's role (joined on the tunnel ID) and
// customer gateway, BGP with its password, the transit-router attachment
// (both tunnels active), the network type and the health check. It first
// checks that both responses agree on orientation (CheckOrientation), then
// that the download's BgpConfigs match Describe's BGP in one orientation
// (bgpOrientation), and changes nothing if either check fails.
//
// Describe is cloud-perspective, so its Local* BGP fields become the
// model's Remote (Alibaba) and Peer* the model's Local (this device).
func ApplyDescription(conn *vpn.Connection, cfg *VpnConnectionConfig, d *VpnConnection, region string) ([]vpn.Warning, error) {
	if d == nil {
		return nil, errors.New("no DescribeVpnConnection data")
	}
	if err := CheckOrientation(cfg, d); err != nil {
		return nil, err
	}
	if err := d.certificateError(); err != nil {
		return nil, err
	}
	if err := bgpOrientation(cfg, d); err != nil {
		return nil, err
	}
	var warns []vpn.Warning
	warn := func(scope, format string, args ...any) {
		warns = append(warns, vpn.Warning{Scope: scope, Message: fmt.Sprintf(format, args...)})
	}
	var errs []error

	out := *conn
	out.Tunnels = slices.Clone(conn.Tunnels)
	for i := range out.Tunnels {
		if b := out.Tunnels[i].BGP; b != nil {
			c := *b
			out.Tunnels[i].BGP = &c
		}
	}
	out.ID = d.VpnConnectionID
	out.Region = region
	out.Name = cleanName(d.Name)
	if out.Name == "" {
		out.Name = d.VpnConnectionID
	}
	out.Described = true
	out.PrivateNetwork = strings.EqualFold(strings.TrimSpace(d.NetworkType), "private")
	out.ActiveActive = len(out.Tunnels) > 1 && d.onTransitRouter()
	hc, err := d.healthCheck()
	if err != nil {
		errs = append(errs, err)
	}
	out.HealthCheck = hc

	// Switches: the connection-level booleans are authoritative for single
	// tunnels; dual-tunnel connections carry them per tunnel as strings.
	// The model has one switch per connection, so tunnels that disagree
	// keep the feature on (both platforms tolerate DPD/NAT-T from one side).
	tunnels := d.tunnels()
	out.DPD = switchValue("DPD", d.EnableDpd, tunnels, func(t TunnelOptions) FlexBool { return t.EnableDpd }, conn.DPD, warn)
	out.NATTraversal = switchValue("NAT traversal", d.EnableNatTraversal, tunnels, func(t TunnelOptions) FlexBool { return t.EnableNatTraversal }, conn.NATTraversal, warn)

	byID := map[string]TunnelOptions{}
	for _, t := range tunnels {
		byID[strings.TrimSpace(t.TunnelID)] = t
	}
	cgw := strings.TrimSpace(d.CustomerGatewayID)
	for i := range out.Tunnels {
		t := &out.Tunnels[i]
		t.CustomerGatewayID = cgw
		if t.ID == "" {
			// Single tunnel: BGP comes from VpnBgpConfig.
			if d.VpnBgpConfig.enabled() {
				b, err := describeBGP("VpnBgpConfig", d.VpnBgpConfig, t.BGP)
				if err != nil {
					errs = append(errs, err)
				} else {
					b.AuthKey = vpn.NewSecret(d.VpnBgpConfig.AuthKey)
					t.BGP = b
				}
			}
			continue
		}
		opt, ok := byID[t.ID]
		if !ok {
			if len(out.Tunnels) > 1 && !out.ActiveActive {
				warn(t.Label(), "DescribeVpnConnection does not list tunnel %s; its role (%s) is assumed from API order", t.ID, t.Role)
			}
			continue
		}
		if id := strings.TrimSpace(opt.CustomerGatewayID); id != "" {
			t.CustomerGatewayID = id
		}
		path := fmt.Sprintf("TunnelOptions[%s]", t.ID)
		if len(out.Tunnels) > 1 {
			switch role := strings.ToLower(strings.TrimSpace(opt.Role)); {
			case role == "master":
				t.Role, t.RoleAssumed = vpn.RoleMaster, false
			case role == "slave":
				t.Role, t.RoleAssumed = vpn.RoleSlave, false
			case role == "" && out.ActiveActive:
				// A transit router runs both tunnels at once: no role to
				// assume. The model still numbers them master/slave in
				// API order (TunnelIndex); renderers prefer neither.
				t.RoleAssumed = false
			case role == "":
				warn(t.Label(), "DescribeVpnConnection gives no role for tunnel %s; assuming %s from API order", t.ID, t.Role)
			default:
				errs = append(errs, fmt.Errorf("%s.Role: unsupported value %q (want master or slave)", path, opt.Role))
			}
		}
		if opt.TunnelBgpConfig != nil && (d.EnableTunnelsBgp.Value || opt.TunnelBgpConfig.LocalAsn.Set) && strings.TrimSpace(opt.TunnelBgpConfig.TunnelCidr) != "" {
			b, err := describeBGP(path+".TunnelBgpConfig", opt.TunnelBgpConfig, t.BGP)
			if err != nil {
				errs = append(errs, err)
			} else {
				t.BGP = b
			}
		}
	}
	// TunnelBgpConfig has no password: the key is the customer gateway's
	// (docs/alibaba-api.md "BGP passwords"). VpnBgpConfig.AuthKey mirrors it when
	// every tunnel ends on the connection's one customer gateway;
	// ApplyCustomerGateways replaces it with each tunnel's own.
	if key := d.VpnBgpConfig.authKey(); key != "" && len(out.Tunnels) > 1 {
		for i := range out.Tunnels {
			t := &out.Tunnels[i]
			if t.BGP != nil && t.BGP.AuthKey.Reveal() == "" && (cgw == "" || t.CustomerGatewayID == cgw) {
				t.BGP.AuthKey = vpn.NewSecret(key)
			}
		}
	}
	if out.ActiveActive {
		// Both tunnels carry traffic: neither has a failover role.
		for i := range out.Tunnels {
			out.Tunnels[i].Role, out.Tunnels[i].RoleAssumed = vpn.RoleSingle, false
		}
	}
	if len(out.Tunnels) == 2 && !out.ActiveActive && !out.Tunnels[0].RoleAssumed && !out.Tunnels[1].RoleAssumed && out.Tunnels[0].Role == out.Tunnels[1].Role {
		errs = append(errs, fmt.Errorf("TunnelOptions: both tunnels have role %s; want one master and one slave", out.Tunnels[0].Role))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	*conn = out
	return warns, nil
}

// onTransitRouter reports an attachment to a transit router (CEN), whose
// two tunnels Alibaba runs as equal-cost paths.
func (d *VpnConnection) onTransitRouter() bool {
	return strings.EqualFold(strings.TrimSpace(d.AttachType), "CEN") || strings.TrimSpace(d.TransitRouterID) != ""
}

// healthCheck reads VcoHealthCheck; nil when it is off or absent.
func (d *VpnConnection) healthCheck() (*vpn.HealthCheck, error) {
	h := d.VcoHealthCheck
	if h == nil || !h.Enable.Value {
		return nil, nil
	}
	n := normalizer{}
	out := &vpn.HealthCheck{
		Source:      n.addr("VcoHealthCheck.Sip", h.Sip, true),
		Destination: n.addr("VcoHealthCheck.Dip", h.Dip, true),
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Policy)); p {
	case "", "revoke_route":
		// revoke_route is the documented default.
		out.RevokeRoute = true
	case "reserve_route":
	default:
		n.fail("VcoHealthCheck.Policy", "unsupported value %q (want revoke_route or reserve_route)", h.Policy)
	}
	if h.Interval.Valid() && h.Interval.Value > 0 && h.Interval.Value <= 3600 {
		out.Interval = time.Duration(h.Interval.Value) * time.Second
	}
	if h.Retry.Valid() && h.Retry.Value > 0 && h.Retry.Value <= 100 {
		out.Retries = int(h.Retry.Value)
	}
	if len(n.errs) > 0 {
		return nil, errors.Join(n.errs...)
	}
	return out, nil
}

// enabled reports a VpnBgpConfig that configures BGP. DescribeVpnConnection
// says so in EnableBgp; DescribeVpnConnections has no EnableBgp, so there a
// block with a tunnel CIDR and both session addresses counts as enabled.
func (b *DescribeBgpConfig) enabled() bool {
	if b == nil {
		return false
	}
	if b.EnableBgp.Set {
		return b.EnableBgp.Value
	}
	return strings.TrimSpace(b.TunnelCidr) != "" && strings.TrimSpace(b.LocalBgpIP) != "" && strings.TrimSpace(b.PeerBgpIP) != ""
}

func (b *DescribeBgpConfig) authKey() string {
	if b == nil {
		return ""
	}
	return b.AuthKey
}

// Secrets lists the secrets this description holds (the BGP password),
// for masking in messages.
func (d *VpnConnection) Secrets() []vpn.SecretValue {
	if d == nil || d.VpnBgpConfig == nil || d.VpnBgpConfig.AuthKey == "" {
		return nil
	}
	return []vpn.SecretValue{{Kind: vpn.KindBGPKey, Value: d.VpnBgpConfig.AuthKey}}
}

// HasBGP reports whether Describe carries BGP sessions, which then replace
// the download's BgpConfigs.
func (d *VpnConnection) HasBGP() bool {
	if d.VpnBgpConfig.enabled() {
		return true
	}
	for _, t := range d.tunnels() {
		if t.TunnelBgpConfig != nil && strings.TrimSpace(t.TunnelBgpConfig.TunnelCidr) != "" && (d.EnableTunnelsBgp.Value || t.TunnelBgpConfig.LocalAsn.Set) {
			return true
		}
	}
	return false
}

func switchValue(what string, conn FlexBool, tunnels []TunnelOptions, get func(TunnelOptions) FlexBool, def bool, warn func(string, string, ...any)) bool {
	if conn.Set {
		return conn.Value
	}
	var vals []bool
	for _, t := range tunnels {
		if v := get(t); v.Set {
			vals = append(vals, v.Value)
		}
	}
	if len(vals) == 0 {
		return def
	}
	if slices.Contains(vals, true) && slices.Contains(vals, false) {
		warn("connection", "%s is on for one tunnel and off for the other; enabling it for both", what)
		return true
	}
	return vals[0]
}

// describeBGP converts a cloud-perspective BGP block. A missing peer ASN
// (the customer gateway's) falls back to the download's reading.
func describeBGP(path string, b *DescribeBgpConfig, fromDownload *vpn.BGP) (*vpn.BGP, error) {
	n := normalizer{}
	out := &vpn.BGP{
		RemoteASN: n.asn(path+".LocalAsn", b.LocalAsn),
		RemoteIP:  n.addr(path+".LocalBgpIp", b.LocalBgpIP, true),
		LocalIP:   n.addr(path+".PeerBgpIp", b.PeerBgpIP, true),
	}
	if !b.PeerAsn.Set && fromDownload != nil {
		out.LocalASN = fromDownload.LocalASN
	} else {
		out.LocalASN = n.asn(path+".PeerAsn", b.PeerAsn)
	}
	cidr, err := netip.ParsePrefix(strings.TrimSpace(b.TunnelCidr))
	switch {
	case err != nil:
		n.fail(path+".TunnelCidr", "%q is not a CIDR block", b.TunnelCidr)
	case !cidr.Contains(out.LocalIP) || !cidr.Contains(out.RemoteIP):
		n.fail(path+".TunnelCidr", "%s does not contain both BGP addresses %s and %s", cidr, out.RemoteIP, out.LocalIP)
	default:
		out.TunnelCIDR = cidr.Masked()
	}
	if fromDownload != nil {
		out.AuthKey = fromDownload.AuthKey
	}
	if len(n.errs) > 0 {
		return nil, errors.Join(n.errs...)
	}
	return out, nil
}

// cleanName keeps a connection name to one printable line: it lands in
// comments of generated configurations.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 128 {
		s = string(r[:128])
	}
	return s
}

// OrientationError reports that the download and DescribeVpnConnection do
// not agree on which side is Alibaba's. vpnexport never guesses: a device
// configured with the sides swapped would not come up, or worse, would
// route the wrong prefixes.
type OrientationError struct {
	Problems []string
}

func (e *OrientationError) Error() string {
	return "orientation check failed: DownloadVpnConnectionConfig and DescribeVpnConnection disagree on which side is Alibaba's; refusing to guess:\n" +
		strings.Join(e.Problems, "\n")
}

// CheckOrientation verifies the download against Describe (docs/alibaba-api.md
// "Orientation"): the download's RemoteSubnet (VPC) must equal Describe's LocalSubnet
// and its LocalSubnet (data center) Describe's RemoteSubnet, as sets; and
// every tunnel's download Remote must be one of Alibaba's addresses
// (TunnelOptions InternetIp, or Describe IkeConfig.LocalId). The subnet
// test is skipped when every side is 0.0.0.0/0, where it proves nothing.
func CheckOrientation(cfg *VpnConnectionConfig, d *VpnConnection) error {
	if cfg == nil || d == nil {
		return errors.New("orientation check: missing download or description")
	}
	var problems []string
	dlRemote, dlLocal := prefixSet(cfg.RemoteSubnet), prefixSet(cfg.LocalSubnet)
	dsLocal, dsRemote := prefixSet(d.LocalSubnet), prefixSet(d.RemoteSubnet)
	routeBased := vpn.DefaultOnly(dlRemote) && vpn.DefaultOnly(dlLocal) && vpn.DefaultOnly(dsLocal) && vpn.DefaultOnly(dsRemote)
	if !routeBased {
		if !slices.Equal(dlRemote, dsLocal) {
			problems = append(problems,
				fmt.Sprintf("  VPC subnets: DownloadVpnConnectionConfig RemoteSubnet = %s, DescribeVpnConnection LocalSubnet = %s", show(cfg.RemoteSubnet), show(d.LocalSubnet)))
		}
		if !slices.Equal(dlLocal, dsRemote) {
			problems = append(problems,
				fmt.Sprintf("  data-center subnets: DownloadVpnConnectionConfig LocalSubnet = %s, DescribeVpnConnection RemoteSubnet = %s", show(cfg.LocalSubnet), show(d.RemoteSubnet)))
		}
	}

	alibaba := alibabaAddrs(d)
	if len(alibaba) > 0 {
		check := func(label, remote, local string) {
			a, err := netip.ParseAddr(strings.TrimSpace(remote))
			if err != nil {
				return // Normalize reports unparsable addresses
			}
			if !slices.Contains(alibaba, a.Unmap()) {
				problems = append(problems,
					fmt.Sprintf("  %s: DownloadVpnConnectionConfig Remote (Alibaba side) = %s, Local (this device) = %s; DescribeVpnConnection gives Alibaba's addresses as %s", label, show(remote), show(local), addrList(alibaba)))
			}
		}
		if cfg.TunnelsConfig != nil && len(cfg.TunnelsConfig.TunnelConfig) > 0 {
			for i, t := range cfg.TunnelsConfig.TunnelConfig {
				check(fmt.Sprintf("tunnel %d (%s)", i+1, t.TunnelID), t.Remote, t.Local)
			}
		} else {
			check("tunnel 1", cfg.Remote, cfg.Local)
		}
	}
	if len(problems) > 0 {
		return &OrientationError{Problems: problems}
	}
	return nil
}

// alibabaAddrs collects Alibaba's gateway addresses from Describe. On CEN
// and transit-router attachments IkeConfig.LocalId can be empty; the
// tunnel addresses still identify Alibaba's side.
func alibabaAddrs(d *VpnConnection) []netip.Addr {
	var out []netip.Addr
	add := func(s string) {
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil && !slices.Contains(out, a.Unmap()) {
			out = append(out, a.Unmap())
		}
	}
	for _, t := range d.tunnels() {
		add(t.InternetIP)
		if t.TunnelIkeConfig != nil {
			add(t.TunnelIkeConfig.LocalID)
		}
	}
	if d.IkeConfig != nil {
		add(d.IkeConfig.LocalID)
	}
	return out
}

// prefixSet parses a comma-separated CIDR list into a sorted set. Entries
// that do not parse are left out: Normalize reports them for the download.
func prefixSet(s string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			continue
		}
		p = p.Masked()
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

func show(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	return fmt.Sprintf("%q", s)
}

func addrList(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// SettledWarnings drops Normalize's guesses that DescribeVpnConnection has
// since settled: the assumed master tunnel once every role is known, and
// the undocumented orientation of the download's BgpConfigs once Describe
// supplied the BGP sessions.
func SettledWarnings(c vpn.Connection, d *VpnConnection, warns []vpn.Warning) []vpn.Warning {
	assumed := false
	for _, t := range c.Tunnels {
		assumed = assumed || t.RoleAssumed
	}
	var out []vpn.Warning
	for _, w := range warns {
		switch {
		case w.Code == WarnRoleAssumed && !assumed:
		case w.Code == WarnBGPOrientation && d.HasBGP():
		default:
			out = append(out, w)
		}
	}
	return out
}
