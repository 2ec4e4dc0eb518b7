package api

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// maxLifetime is the upper bound Alibaba documents for both lifetimes.
const maxLifetime = 86400

// Normalize turns a DownloadVpnConnectionConfig body into the neutral
// model. It is the only place that decides what Alibaba's fields mean:
//
//   - Orientation: the download is written from the on-prem device's point
//     of view, so Local/LocalId/LocalSubnet become vpn Local (this device)
//     and Remote/RemoteId/RemoteSubnet become vpn Remote (Alibaba). The
//     seed pages' field tables say the opposite; their own sample responses
//     and the current documentation agree with this reading (see
//     TestNormalizeOrientation).
//   - TunnelsConfig, when non-empty, gives one tunnel per entry; otherwise
//     the top-level blocks describe the only tunnel. Subnets are always
//     connection-level.
//
// Every problem is reported with the field's API path and value; all of
// them at once, joined. Secrets are never echoed.
func Normalize(cfg *VpnConnectionConfig) (vpn.Connection, []vpn.Warning, error) {
	if r := smReasons(cfg); r != nil {
		return vpn.Connection{}, nil, &CertificateError{Reasons: r}
	}
	n := normalizer{}
	conn := n.connection(cfg)
	if len(n.errs) > 0 {
		return vpn.Connection{}, nil, errors.Join(n.scrubbed()...)
	}
	return conn, n.warns, nil
}

type normalizer struct {
	errs  []error
	warns []vpn.Warning
	// secrets are the keys seen in the input, masked in every error: an
	// echoed value (an ID, a subnet) may happen to contain the key.
	secrets vpn.Redactor
}

// scrubbed returns the errors with every key masked.
func (n *normalizer) scrubbed() []error {
	out := make([]error, len(n.errs))
	for i, err := range n.errs {
		out[i] = n.secrets.Error(err)
	}
	return out
}

func (n *normalizer) fail(field, format string, args ...any) {
	n.errs = append(n.errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
}

func (n *normalizer) warn(scope, format string, args ...any) {
	n.warns = append(n.warns, vpn.Warning{Scope: scope, Message: fmt.Sprintf(format, args...)})
}

// Codes of the warnings that record a guess DescribeVpnConnection can
// settle (see SettledWarnings).
const (
	WarnRoleAssumed    = "role-assumed"
	WarnBGPOrientation = "bgp-orientation"
)

func (n *normalizer) guess(code, scope, format string, args ...any) {
	n.warn(scope, format, args...)
	n.warns[len(n.warns)-1].Code = code
}

func (n *normalizer) connection(cfg *VpnConnectionConfig) vpn.Connection {
	if cfg == nil {
		n.fail("VpnConnectionConfig", "missing")
		return vpn.Connection{}
	}
	conn := vpn.Connection{
		LocalSubnets:  n.subnets("LocalSubnet", cfg.LocalSubnet),
		RemoteSubnets: n.subnets("RemoteSubnet", cfg.RemoteSubnet),
		// Download does not carry the switches; Alibaba's defaults are on.
		// DescribeVpnConnection overrides them when available.
		DPD:          true,
		NATTraversal: true,
	}

	if cfg.TunnelsConfig != nil && len(cfg.TunnelsConfig.TunnelConfig) > 0 {
		list := cfg.TunnelsConfig.TunnelConfig
		if len(list) > 2 {
			n.fail("TunnelsConfig.TunnelConfig", "%d tunnels; an Alibaba connection has at most two", len(list))
			return conn
		}
		seen := map[string]bool{}
		for i, tc := range list {
			path := fmt.Sprintf("TunnelsConfig.TunnelConfig[%d]", i)
			t := n.tunnel(path, i+1, tc.Local, tc.Remote, tc.IkeConfig, tc.IpsecConfig)
			t.ID = n.tunnelID(path+".TunnelId", tc.TunnelID)
			if t.ID != "" && seen[t.ID] {
				n.fail(path+".TunnelId", "duplicate tunnel ID %q", t.ID)
			}
			seen[t.ID] = true
			// The download does not say which tunnel is active. Alibaba
			// documents tunnel 1 as the active one; DescribeVpnConnection's
			// Role replaces this guess when export has it.
			t.Role, t.RoleAssumed = vpn.RoleSlave, true
			if i == 0 {
				t.Role = vpn.RoleMaster
			}
			if len(list) == 1 {
				t.Role, t.RoleAssumed = vpn.RoleSingle, false
			}
			conn.Tunnels = append(conn.Tunnels, t)
		}
		if len(list) == 2 {
			n.guess(WarnRoleAssumed, "connection", "the download does not say which tunnel is active; assuming tunnel 1 (%s) is the master, as Alibaba documents", conn.Tunnels[0].ID)
		}
	} else {
		if cfg.IkeConfig == nil && cfg.IpsecConfig == nil {
			n.fail("VpnConnectionConfig", "has neither IkeConfig/IpsecConfig nor TunnelsConfig")
			return conn
		}
		conn.Tunnels = []vpn.Tunnel{n.tunnel("", 1, cfg.Local, cfg.Remote, cfg.IkeConfig, cfg.IpsecConfig)}
	}

	if cfg.BgpConfigs != nil {
		n.bgp(cfg.BgpConfigs.BgpConfig, conn.Tunnels)
	}

	n.connectionWarnings(conn)
	return conn
}

func (n *normalizer) connectionWarnings(conn vpn.Connection) {
	pairs := len(conn.LocalSubnets) * len(conn.RemoteSubnets)
	for _, t := range conn.Tunnels {
		if t.IKE.Version == vpn.IKEv1 && pairs > 1 && !conn.RouteBased() {
			n.warn(t.Label(), "IKEv1 with %d subnet pairs: Alibaba's console requires IKEv2 for several subnets; rendering one IPsec SA per subnet pair", pairs)
		}
		if t.IKE.Version == vpn.IKEv1 && t.IKE.Mode == vpn.MainMode && (t.LocalID.IsFQDN() || t.RemoteID.IsFQDN()) {
			n.warn(t.Label(), "FQDN identity in IKEv1 main mode: with pre-shared keys main mode selects the key by IP address; Alibaba recommends aggressive mode for FQDN identities")
		}
	}
}

func (n *normalizer) tunnel(path string, index int, local, remote string, ike *IkeConfig, ipsec *IpsecConfig) vpn.Tunnel {
	p := func(field string) string {
		if path == "" {
			return field
		}
		return path + "." + field
	}
	t := vpn.Tunnel{Index: index, Role: vpn.RoleSingle}
	t.LocalAddr = n.addr(p("Local"), local, false)
	t.RemoteAddr = n.addr(p("Remote"), remote, true)

	if ike == nil {
		n.fail(p("IkeConfig"), "missing")
	} else {
		t.IKE = n.ike(p("IkeConfig"), ike)
		t.LocalID = n.identity(p("IkeConfig.LocalId"), ike.LocalID, t.LocalAddr)
		t.RemoteID = n.identity(p("IkeConfig.RemoteId"), ike.RemoteID, t.RemoteAddr)
		t.PSK = n.psk(p("IkeConfig.Psk"), ike.Psk)
		if t.IKE.Version == vpn.IKEv2 && strings.EqualFold(strings.TrimSpace(ike.IkeMode), "aggressive") {
			n.warn(t.Label(), "IkeMode aggressive has no meaning in IKEv2; ignored")
		}
	}
	if ipsec == nil {
		n.fail(p("IpsecConfig"), "missing")
	} else {
		t.IPsec = n.ipsec(p("IpsecConfig"), ipsec)
	}
	return t
}

func (n *normalizer) ike(path string, c *IkeConfig) vpn.IKE {
	ike := vpn.IKE{
		Version:   lookup(n, path+".IkeVersion", c.IkeVersion, ikeVersions),
		Cipher:    lookup(n, path+".IkeEncAlg", c.IkeEncAlg, ciphers),
		Integrity: lookup(n, path+".IkeAuthAlg", c.IkeAuthAlg, integrities),
		DHGroup:   lookup(n, path+".IkePfs", c.IkePfs, ikeGroups),
		Lifetime:  n.lifetime(path+".IkeLifetime", c.IkeLifetime),
	}
	switch {
	case ike.Version == vpn.IKEv2:
		ike.Mode = vpn.MainMode // IKEv2 has no modes
	case strings.TrimSpace(c.IkeMode) == "":
		ike.Mode = vpn.MainMode // Alibaba's documented default
	default:
		ike.Mode = lookup(n, path+".IkeMode", c.IkeMode, modes)
	}
	return ike
}

func (n *normalizer) ipsec(path string, c *IpsecConfig) vpn.IPsec {
	return vpn.IPsec{
		Cipher:    lookup(n, path+".IpsecEncAlg", c.IpsecEncAlg, ciphers),
		Integrity: lookup(n, path+".IpsecAuthAlg", c.IpsecAuthAlg, integrities),
		PFS:       lookup(n, path+".IpsecPfs", c.IpsecPfs, ipsecGroups),
		Lifetime:  n.lifetime(path+".IpsecLifetime", c.IpsecLifetime),
	}
}

// vocabulary maps an API value (lower case) to a model value, in the
// order used to list the allowed values in errors.
type vocabulary[T any] []struct {
	api   string
	value T
}

var (
	ikeVersions = vocabulary[vpn.IKEVersion]{{"ikev1", vpn.IKEv1}, {"ikev2", vpn.IKEv2}}
	modes       = vocabulary[vpn.Mode]{{"main", vpn.MainMode}, {"aggressive", vpn.AggressiveMode}}
	ciphers     = vocabulary[vpn.Cipher]{
		{"aes", vpn.AES128}, {"aes192", vpn.AES192}, {"aes256", vpn.AES256},
		{"des", vpn.DES}, {"3des", vpn.TripleDES}, {"sm4", vpn.SM4},
	}
	integrities = vocabulary[vpn.Integrity]{
		{"md5", vpn.MD5}, {"sha1", vpn.SHA1}, {"sha256", vpn.SHA256},
		{"sha384", vpn.SHA384}, {"sha512", vpn.SHA512}, {"sm3", vpn.SM3},
	}
	ikeGroups = vocabulary[vpn.DHGroup]{
		{"group1", vpn.Group1}, {"group2", vpn.Group2}, {"group5", vpn.Group5},
		{"group14", vpn.Group14}, {"group24", vpn.Group24},
	}
	ipsecGroups = append(vocabulary[vpn.DHGroup]{{"disabled", vpn.NoPFS}}, ikeGroups...)
)

func lookup[T any](n *normalizer, field, raw string, vocab vocabulary[T]) T {
	v := strings.ToLower(strings.TrimSpace(raw))
	for _, e := range vocab {
		if e.api == v {
			return e.value
		}
	}
	want := make([]string, len(vocab))
	for i, e := range vocab {
		want[i] = e.api
	}
	var zero T
	if v == "" {
		n.fail(field, "missing (want %s)", strings.Join(want, ", "))
	} else {
		n.fail(field, "unsupported value %q (want %s)", raw, strings.Join(want, ", "))
	}
	return zero
}

// lifetime reads a lifetime in seconds. Alibaba documents 0-86400, but
// no device negotiates a zero lifetime and Alibaba does not say what 0
// means, so 0 is refused here, naming the field, before any vendor runs.
func (n *normalizer) lifetime(field string, f FlexInt) time.Duration {
	switch {
	case !f.Set:
		n.fail(field, "missing (want seconds, 1-%d)", maxLifetime)
	case f.Raw != "":
		n.fail(field, "not a number: %q (want seconds, 1-%d)", f.Raw, maxLifetime)
	case f.Value == 0:
		n.fail(field, "0 is not a valid lifetime (want seconds, 1-%d; Alibaba does not define 0)", maxLifetime)
	case f.Value < 0 || f.Value > maxLifetime:
		n.fail(field, "%d out of range (want seconds, 1-%d)", f.Value, maxLifetime)
	default:
		return time.Duration(f.Value) * time.Second
	}
	return 0
}

// addr parses a gateway address. Alibaba's side is required; this device's
// may be empty (it then binds to any local address).
func (n *normalizer) addr(field, raw string, required bool) netip.Addr {
	s := strings.TrimSpace(raw)
	if s == "" {
		if required {
			n.fail(field, "missing (want the gateway's IP address)")
		}
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		n.fail(field, "not an IP address: %q", raw)
		return netip.Addr{}
	}
	return a.Unmap()
}

// identity parses an IKE ID: an IP address or an FQDN, at most 100
// characters. An empty ID means the gateway's address, as Alibaba documents.
func (n *normalizer) identity(field, raw string, gateway netip.Addr) vpn.Identity {
	s := strings.TrimSpace(raw)
	if s == "" {
		if gateway.IsValid() {
			return vpn.AddressID(gateway)
		}
		return vpn.Identity{}
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return vpn.AddressID(a.Unmap())
	}
	if len(s) > 100 {
		n.fail(field, "%d characters; an ID has at most 100", len(s))
		return vpn.Identity{}
	}
	if !validFQDN(s) {
		n.fail(field, "%q is neither an IP address nor a host name (letters, digits, '-', '_' and '.' only)", raw)
		return vpn.Identity{}
	}
	return vpn.FQDNID(s)
}

// validFQDN accepts dot-separated labels of letters, digits, '-' and '_'.
// Anything else (quotes, spaces, ';', '#', newlines) could break out of a
// configuration line on some platform, so it is refused here, once.
func validFQDN(s string) bool {
	for _, label := range strings.Split(s, ".") {
		if label == "" || label[0] == '-' {
			return false
		}
		for _, r := range label {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}

// pskSpecials are the special characters Alibaba allows in a pre-shared
// key. The API reference (CreateVpnConnection, CreateVpnAttachment,
// ModifyVpnConnectionAttribute; SDK metadata of 2026) lists
// ~!`@#$%^&*()_-+={}[]|;:",.<>/? and an Alibaba user guide lists ' and \
// instead of ". vpnexport only reads keys Alibaba already stored, so it
// accepts the union: every renderer encodes or refuses each of them
// (docs/alibaba-api.md, "Pre-shared key").
const pskSpecials = "~!`@#$%^&*()_-+={}[]|;:\",.<>/?'\\"

// psk validates a pre-shared key without ever echoing it: 1-100 characters
// from Alibaba's documented set.
func (n *normalizer) psk(field, raw string) vpn.Secret {
	n.secrets.Add(vpn.SecretValue{Kind: vpn.KindPSK, Value: raw})
	if raw == "" {
		n.fail(field, "missing")
		return vpn.Secret{}
	}
	if len(raw) > 100 {
		n.fail(field, "%d characters; Alibaba allows at most 100", len(raw))
		return vpn.Secret{}
	}
	for i, r := range raw {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(pskSpecials, r)
		if !ok {
			n.fail(field, "character %d is not allowed in a pre-shared key (%s; want letters, digits and %s)", i+1, describeRune(r), pskSpecials)
			return vpn.Secret{}
		}
	}
	return vpn.NewSecret(raw)
}

// describeRune names a rejected character without revealing the rest of
// the secret: control characters and spaces by name, others as U+XXXX.
func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "a space"
	case r == '\n':
		return "a newline"
	case r == '\r':
		return "a carriage return"
	case r == '\t':
		return "a tab"
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf("control character U+%04X", r)
	default:
		return fmt.Sprintf("U+%04X", r)
	}
}

func (n *normalizer) tunnelID(field, raw string) string {
	s := strings.TrimSpace(raw)
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			n.fail(field, "%q is not a tunnel ID (letters, digits, '-' and '_' only)", raw)
			return ""
		}
	}
	return s
}

// subnets splits a comma-separated CIDR list, keeping API order and
// dropping exact duplicates.
func (n *normalizer) subnets(field, raw string) []netip.Prefix {
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	bad := false
	for _, part := range strings.Split(raw, ",") {
		s := strings.TrimSpace(part)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			n.fail(field, "%q is not a CIDR block", s)
			bad = true
			continue
		}
		if m := p.Masked(); m != p {
			n.fail(field, "%q has host bits set (did you mean %s?)", s, m)
			bad = true
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 && !bad {
		n.fail(field, "missing (want comma-separated CIDR blocks, or 0.0.0.0/0 for route-based)")
	}
	return out
}

// bgp attaches BgpConfigs to tunnels. The download's BGP orientation is
// undocumented; Alibaba's own example and DescribeVpnConnection both put
// Alibaba's ASN (default 45104) in LocalAsn, so BgpConfigs is read from
// the cloud's side: Local* = Alibaba, Peer* = this device.
func (n *normalizer) bgp(list []BgpConfig, tunnels []vpn.Tunnel) {
	if len(list) == 0 {
		return
	}
	for i, b := range list {
		path := fmt.Sprintf("BgpConfigs.BgpConfig[%d]", i)
		idx := -1
		for j := range tunnels {
			if tunnels[j].ID != "" && tunnels[j].ID == strings.TrimSpace(b.TunnelID) {
				idx = j
			}
		}
		if idx < 0 {
			if len(tunnels) == 1 && len(list) == 1 {
				idx = 0
			} else {
				n.fail(path+".TunnelId", "%q matches no tunnel", b.TunnelID)
				continue
			}
		}
		bgp := &vpn.BGP{
			RemoteASN: n.asn(path+".LocalAsn", b.LocalAsn),
			LocalASN:  n.asn(path+".PeerAsn", b.PeerAsn),
			RemoteIP:  n.addr(path+".LocalBgpIp", b.LocalBgpIP, true),
			LocalIP:   n.addr(path+".PeerBgpIp", b.PeerBgpIP, true),
		}
		cidr, err := netip.ParsePrefix(strings.TrimSpace(b.TunnelCidr))
		switch {
		case err != nil:
			n.fail(path+".TunnelCidr", "%q is not a CIDR block", b.TunnelCidr)
		case !cidr.Contains(bgp.LocalIP) || !cidr.Contains(bgp.RemoteIP):
			n.fail(path+".TunnelCidr", "%s does not contain both BGP addresses %s and %s", cidr, bgp.RemoteIP, bgp.LocalIP)
		default:
			bgp.TunnelCIDR = cidr.Masked()
		}
		tunnels[idx].BGP = bgp
	}
	n.guess(WarnBGPOrientation, "connection", "BgpConfigs: the download's BGP orientation is undocumented; read LocalAsn/LocalBgpIp as Alibaba's side and PeerAsn/PeerBgpIp as this device's: check them against the console")
}

func (n *normalizer) asn(field string, f FlexInt) uint32 {
	switch {
	case !f.Set:
		n.fail(field, "missing")
	case f.Raw != "":
		// Alibaba also accepts the asdot form a.b = a*65536+b.
		var a, b uint32
		if _, err := fmt.Sscanf(f.Raw, "%d.%d", &a, &b); err == nil && a <= 65535 && b <= 65535 && fmt.Sprintf("%d.%d", a, b) == f.Raw {
			return a<<16 | b
		}
		n.fail(field, "%q is not an AS number", f.Raw)
	case f.Value < 1 || f.Value > 4294967295:
		n.fail(field, "%d out of range (1-4294967295)", f.Value)
	default:
		return uint32(f.Value)
	}
	return 0
}
