package render

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// baseName turns the connection's name into an identifier every platform
// accepts: letters, digits, '-' and '_', starting with a letter, at most
// limit characters. A name that is already such an identifier and fits is
// used as it is. A name that had to be sanitised or shortened, or that
// another connection of the run shares (Connection.DisambiguateName),
// gets the connection's stable tag as a suffix ("alibaba-k3x9q"): "主线路"
// and "备线路" both sanitise to "alibaba", and "prod-shanghai-idc-a" and
// "-b" both shorten to "prod-shanghai-i", and pasting the second would
// otherwise rewrite the first one's objects on the device. The same
// connection always gives the same identifier.
func baseName(c vpn.Connection, limit int) string {
	name := c.Name
	if name == "" {
		name = c.ID
	}
	s := sanitizeName(name)
	if s == name && len(s) <= limit && !c.DisambiguateName {
		return s
	}
	tag := c.Tag()
	if keep := limit - len(tag) - 1; len(s) > keep {
		s = strings.TrimRight(s[:max(keep, 1)], "-_")
	}
	return s + "-" + tag
}

// sanitizeName maps a name onto letters, digits, '-' and '_', starting
// with a letter.
func sanitizeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-_")
	if s == "" {
		s = "alibaba"
	}
	if c0 := s[0]; !(c0 >= 'a' && c0 <= 'z' || c0 >= 'A' && c0 <= 'Z') {
		s = "ali-" + s
	}
	return s
}

// pskText is the PSK as it goes into a file: the secret, or a placeholder
// naming the tunnel when redacting.
func pskText(t vpn.Tunnel, o Options) string {
	if o.Redact {
		return fmt.Sprintf("<PSK-REDACTED:tunnel-%d>", t.Index)
	}
	return t.PSK.Reveal()
}

// seconds converts a lifetime after checking it against the platform's
// accepted range, so the error names the value and the platform.
func seconds(platform, what string, t vpn.Tunnel, d time.Duration, min, max int) (int, error) {
	s := int(d / time.Second)
	if s == 0 {
		return 0, fmt.Errorf("%s: %s is 0, which Alibaba does not define; %s needs %d-%d seconds", t.Label(), what, platform, min, max)
	}
	if s < min || s > max {
		return 0, fmt.Errorf("%s: %s %ds is outside %s's range %d-%d seconds", t.Label(), what, s, platform, min, max)
	}
	return s, nil
}

// ErrCannotExpress matches (errors.Is) a vendor's refusal of a value its
// platform cannot express; under --vendor all such a vendor is skipped
// with a warning instead of failing the connection (Plan.Render).
var ErrCannotExpress = errors.New("cannot be expressed on the platform")

type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string        { return e.msg }
func (e *unsupportedError) Is(target error) bool { return target == ErrCannotExpress }

// cannotExpress is the error for anything else a platform cannot express
// (a mode, a routing design, a lifetime form): it matches
// ErrCannotExpress like unsupported's.
func cannotExpress(format string, args ...any) error {
	return &unsupportedError{fmt.Sprintf(format, args...)}
}

// unsupported is the error for an algorithm a platform cannot express.
func unsupported(platform string, t vpn.Tunnel, what string, value fmt.Stringer) error {
	return &unsupportedError{fmt.Sprintf("%s: %s %s cannot be expressed on %s", t.Label(), what, value, platform)}
}

// keyword looks a model value (a cipher, an integrity algorithm, a DH
// group) up in one of a platform's keyword tables. A value the table
// lacks is the unsupported error, which names the tunnel, what the value
// is for ("IKE encryption"), the value and the platform.
func keyword[K interface {
	comparable
	fmt.Stringer
}, V any](table map[K]V, platform string, t vpn.Tunnel, what string, k K) (V, error) {
	v, ok := table[k]
	if !ok {
		var zero V
		return zero, unsupported(platform, t, what, k)
	}
	return v, nil
}

// pfsKeyword is the tunnel's IPsec PFS group keyword from table, or ""
// when PFS is disabled (platforms then write no PFS statement).
func pfsKeyword(table map[vpn.DHGroup]string, platform string, t vpn.Tunnel) (string, error) {
	if t.IPsec.PFS == vpn.NoPFS {
		return "", nil
	}
	return keyword(table, platform, t, "IPsec PFS group", t.IPsec.PFS)
}

// fileNotes is embedded in every vendor view: what the file says around
// the configuration itself. Templates reach its fields as promoted fields
// (.Header, .Checks, .Warnings, .Verify), and `vendors --describe` lists
// them the same way.
type fileNotes struct {
	Header   []string // provenance and connection facts (headerLines)
	Checks   []string // what to replace or check before pasting
	Warnings []string // WARNING lines; each is also returned as a vpn.Warning
	Verify   []string // commands that show the tunnel is up

	// Objects lists every object the file creates on the device, in the
	// order it creates them: the header names them, and the vendor's
	// rollback file removes exactly these, in reverse order.
	Objects []object

	// returned are the warnings build hands back to Render (stderr and
	// the summary), in the order they were found.
	returned []vpn.Warning
}

// object is one thing a file creates on the device, named in the
// vendor's own words: Kind "crypto ikev2 proposal", Name "vco-prod-t1".
type object struct {
	Kind, Name string
}

// newFileNotes starts a view's notes: the provenance header, and as
// WARNING lines what reading the input left open (an assumed master
// tunnel, a guessed BGP orientation, IKEv1 with several subnets), so that
// whoever pastes the file sees it, not only whoever ran vpnexport. Those
// input warnings were printed already and are not returned again.
func newFileNotes(c vpn.Connection, title string, o Options) fileNotes {
	n := fileNotes{Header: headerLines(c, title, o)}
	redact := vpn.NewRedactor(c.Secrets()...)
	for _, w := range o.InputWarnings {
		n.Warnings = append(n.Warnings, redact.Redact(w.String()))
	}
	return n
}

// created records an object the file creates (see Objects).
func (n *fileNotes) created(kind, name string) {
	n.Objects = append(n.Objects, object{Kind: kind, Name: name})
}

// warn records a caveat about tunnel t twice with the same text: as a
// WARNING line in the file and as a warning returned to the caller.
func (n *fileNotes) warn(t vpn.Tunnel, msg string) {
	n.add(vpn.Warning{Scope: t.Label(), Message: msg}, true)
}

// warnConn is warn for the connection as a whole (no tunnel scope).
func (n *fileNotes) warnConn(msg string) {
	n.add(vpn.Warning{Message: msg}, true)
}

// warnNotInFile returns a caveat to the caller only (stderr and the
// summary), without a WARNING line in the file. scope is a tunnel's
// Label() or "" for the connection. New vendors should use warn, so that
// whoever pastes the file sees the caveat too; this keeps the existing
// strongSwan file (no WARNING lines) and some FortiGate and Junos caveats
// as they were.
func (n *fileNotes) warnNotInFile(scope, msg string) {
	n.add(vpn.Warning{Scope: scope, Message: msg}, false)
}

func (n *fileNotes) add(w vpn.Warning, inFile bool) {
	n.returned = append(n.returned, w)
	if inFile {
		n.Warnings = append(n.Warnings, w.String())
	}
}

// check adds a line to what must be replaced or checked before pasting.
func (n *fileNotes) check(format string, args ...any) {
	n.Checks = append(n.Checks, fmt.Sprintf(format, args...))
}

// anyBGP reports whether a tunnel of c runs BGP; BGP then carries the
// VPC routes instead of static routes.
func anyBGP(c vpn.Connection) bool {
	for _, t := range c.Tunnels {
		if t.BGP != nil {
			return true
		}
	}
	return false
}

// bgpTunnels returns the tunnels that run BGP and the local AS the
// device's one BGP statement takes: the first BGP tunnel's. A tunnel
// without BGP beside one with it gets no routes, and a second local AS
// cannot be configured; both are warnings for the caller (statement names
// the platform's AS statement, e.g. "router bgp").
func bgpTunnels(n *fileNotes, c vpn.Connection, statement string) (asn uint32, ts []vpn.Tunnel) {
	for _, t := range c.Tunnels {
		if t.BGP == nil {
			n.warn(t, "no BGP configuration for this tunnel while the other tunnel has one; it gets no routes")
			continue
		}
		if asn == 0 {
			asn = t.BGP.LocalASN
		} else if asn != t.BGP.LocalASN {
			n.warn(t, fmt.Sprintf("local AS %d differs from the other tunnel's AS %d; %s uses %d", t.BGP.LocalASN, asn, statement, asn))
		}
		ts = append(ts, t)
	}
	return asn, ts
}

// staticPrefixes are the VPC prefixes to route into the tunnels when no
// tunnel runs BGP: a policy-based connection's remote subnets, or for a
// route-based one (whose 0.0.0.0/0 selectors name no prefix) the
// vpc-cidr parameter. None means the routes can only be placeholders:
// say so with warnNoVPCPrefix.
func staticPrefixes(c vpn.Connection, vpc netip.Prefix) []netip.Prefix {
	switch {
	case !c.RouteBased():
		return c.RemoteSubnets
	case vpc.IsValid():
		return []netip.Prefix{vpc}
	}
	return nil
}

// warnNoVPCPrefix says that the static routes are commented placeholders.
func (n *fileNotes) warnNoVPCPrefix() {
	n.warnConn("route-based connection without BGP: the VPC prefix is not in the download; the static routes are commented out (give it with --set vpc-cidr=<prefix>)")
}

// headerLines is the provenance and checklist shared by every vendor's
// header comment: no timestamp, so the same input gives the same bytes.
func headerLines(c vpn.Connection, title string, o Options) []string {
	lines := []string{title, "Generated by vpnexport from " + provenance(c) + ". Do not edit by hand; re-render instead."}
	conn := c.Name
	if c.ID != "" && c.ID != c.Name {
		conn = fmt.Sprintf("%s (%s)", c.Name, c.ID)
	}
	if c.Region != "" {
		conn += ", region " + c.Region
	}
	lines = append(lines, "Connection: "+conn)
	mode := "policy-based: traffic selectors = the subnets below"
	if c.RouteBased() {
		mode = "route-based: 0.0.0.0/0 on both sides, route the VPC prefixes into the tunnel"
	}
	lines = append(lines, "Routing: "+mode)
	local, remote := c.ConfiguredSubnets()
	lines = append(lines, "On-prem subnets (this device): "+prefixList(local))
	lines = append(lines, "VPC subnets (Alibaba): "+prefixList(remote))
	for _, t := range c.Tunnels {
		role := ""
		if t.Role != vpn.RoleSingle {
			role = " " + t.Role.String()
			if t.RoleAssumed {
				role += " (assumed)"
			}
		}
		id := ""
		if t.ID != "" {
			id = " " + t.ID
		}
		local := "any address"
		if t.LocalAddr.IsValid() {
			local = t.LocalAddr.String()
		}
		lines = append(lines, fmt.Sprintf("Tunnel %d%s%s: this device %s (ID %s) <-> Alibaba %s (ID %s), %s %s",
			t.Index, id, role, local, idOrDefault(t.LocalID), t.RemoteAddr, idOrDefault(t.RemoteID), t.IKE.Version, modeText(t.IKE)))
	}
	lines = append(lines, factLines(c)...)
	if o.Redact {
		lines = append(lines, "REDACTED: pre-shared keys and BGP passwords are replaced by <…-REDACTED:…> placeholders; this file cannot be deployed as is.")
	}
	return lines
}

func modeText(ike vpn.IKE) string {
	if ike.Version == vpn.IKEv1 {
		return ike.Mode.String() + " mode"
	}
	return ""
}

func idOrDefault(id vpn.Identity) string {
	if id.Kind == vpn.IDNone {
		return "default"
	}
	return id.String()
}

// prefixList is a prefix list for people: "10.0.0.0/8, 172.16.0.0/12".
func prefixList(ps []netip.Prefix) string { return joinPrefixes(ps, ", ") }

// joinPrefixes writes prefixes in CIDR form, joined by sep.
func joinPrefixes(ps []netip.Prefix, sep string) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, sep)
}

// quotablePSK matches a pre-shared key every renderer may write inside
// "…" as it is: letters, digits and punctuation that no platform's
// quoting gives a meaning. Quotes, backslashes, '$', '#', ';', '?',
// blanks and all other keys are encoded by the vendor (hex, base64).
var quotablePSK = regexp.MustCompile(`^[A-Za-z0-9_.:@/+=,<>-]+$`)

// roleText names a tunnel with its role for comments: "tunnel 1" for a
// single tunnel, "tunnel 1 (master, assumed)" when the role is a guess.
func roleText(t vpn.Tunnel) string {
	if t.Role == vpn.RoleSingle {
		return t.Label()
	}
	s := fmt.Sprintf("%s (%s", t.Label(), t.Role)
	if t.RoleAssumed {
		s += ", assumed"
	}
	return s + ")"
}

var safeFQDN = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$`)
