package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// What every file says about the parts of a connection that only
// DescribeVpnConnection and DescribeCustomerGateway know (docs/alibaba-api.md
// "Connection shapes"): the on-prem device a file is for, both tunnels active on a
// transit router, a private network, the health check, the BGP passwords,
// and, for a bare download, which of these facts were assumed.

// bgpKeyText is a tunnel's BGP password as it goes into a file: the secret,
// or its placeholder when redacting. "" when the session has no password.
func bgpKeyText(t vpn.Tunnel, o Options) string {
	if t.BGP == nil || t.BGP.AuthKey.Reveal() == "" {
		return ""
	}
	if o.Redact {
		return vpn.Placeholder(vpn.KindBGPKey, t.Index)
	}
	return t.BGP.AuthKey.Reveal()
}

// quoteKey writes a BGP password inside double quotes, each character of
// escape preceded by a backslash (the Junos and FortiOS string syntax; see
// their docs/vendors files). bad is the 1-based position of the first
// character refuse rejects, 0 when none; escaped says whether any
// backslash was added, which the caller reports as a WARNING.
func quoteKey(key, escape string, refuse func(rune) bool) (quoted string, escaped bool, bad int) {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range key {
		if refuse(r) {
			return "", false, i + 1
		}
		if strings.ContainsRune(escape, r) {
			b.WriteByte('\\')
			escaped = true
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String(), escaped, 0
}

// provenance names the responses a file was generated from.
func provenance(c vpn.Connection) string {
	if c.Described {
		return "Alibaba Cloud DownloadVpnConnectionConfig and DescribeVpnConnection"
	}
	return "Alibaba Cloud DownloadVpnConnectionConfig"
}

// factLines are the header lines about the connection's shape, after the
// tunnel lines. They never hold a secret.
func factLines(c vpn.Connection) []string {
	var lines []string
	if p := c.Part; p != nil {
		lines = append(lines, fmt.Sprintf("This file is for %s: %s only.", p.Device.Label(), tunnelList(p.Device.Tunnels)))
		for _, o := range p.Others {
			lines = append(lines, fmt.Sprintf("%s ends on %s: %s file is in ../%s/.", capitalize(tunnelList(o.Tunnels)), o.Label(), their(len(o.Tunnels)), o.Key))
		}
		if !c.ActiveActive {
			for _, t := range c.Tunnels {
				switch t.Role {
				case vpn.RoleMaster:
					lines = append(lines, "Alibaba sends over this device's tunnel while it is up (master): make your network prefer this device's path to the VPC.")
				case vpn.RoleSlave:
					lines = append(lines, "Alibaba sends over this device's tunnel only while the master tunnel on the other device is down (slave): make your network prefer the other device's path to the VPC.")
				}
			}
		}
	}
	if c.ActiveActive {
		lines = append(lines, "Both tunnels active (ECMP): the connection is attached to a transit router, which sends over both tunnels at once. Neither tunnel is preferred here, and a flow's return traffic may come back over the other tunnel.")
	}
	if c.PrivateNetwork {
		lines = append(lines, "Private network (leased line / Express Connect): both gateway addresses are private; there is no NAT and no Internet path.")
	}
	if h := c.HealthCheck; h != nil {
		lines = append(lines, healthLine(c, h))
	}
	for _, t := range c.Tunnels {
		if t.BGP == nil {
			continue
		}
		switch {
		case t.BGP.AuthKey.Reveal() != "":
			lines = append(lines, fmt.Sprintf("BGP password (TCP MD5) of tunnel %d: set (the customer gateway's authentication key).", t.Index))
		case c.Described && t.BGP.AuthKeyUnknown:
			lines = append(lines, fmt.Sprintf("BGP password of tunnel %d: unknown (its customer gateway could not be read); if the customer gateway has an authentication key, set it by hand (the session stays down otherwise).", t.Index))
		case c.Described:
			lines = append(lines, fmt.Sprintf("BGP password of tunnel %d: none.", t.Index))
		default:
			lines = append(lines, fmt.Sprintf("BGP password of tunnel %d: not in the download; if the customer gateway has an authentication key, set it by hand (the session stays down otherwise).", t.Index))
		}
	}
	if c.Described {
		lines = append(lines, fmt.Sprintf("Dead peer detection %s, NAT traversal %s (DescribeVpnConnection).", onOff(c.DPD), onOff(c.NATTraversal)))
	} else {
		assumed := []string{"dead peer detection and NAT traversal on (Alibaba's defaults)"}
		if c.Dual() {
			assumed = append(assumed, "tunnel 1 active, tunnel 2 standby (not attached to a transit router)")
		}
		if c.HealthCheck == nil {
			assumed = append(assumed, "no health check")
		}
		if !c.PrivateNetwork {
			assumed = append(assumed, "a public (Internet) connection")
		}
		lines = append(lines, "Not in the download, assumed: "+strings.Join(assumed, "; ")+". Render the folder 'vpnexport export --save-response' writes to use Alibaba's values.")
	}
	return lines
}

// healthLine says what Alibaba's health check does and what it needs here.
func healthLine(c vpn.Connection, h *vpn.HealthCheck) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Health check: Alibaba pings %s (this side) from %s (Alibaba's side) through the tunnel", h.Destination, h.Source)
	if h.Interval > 0 {
		fmt.Fprintf(&b, " every %s", durationText(h.Interval))
	}
	if h.Retries > 0 {
		fmt.Fprintf(&b, ", %d probe%s before it counts the tunnel down", h.Retries, plural(h.Retries))
	}
	if h.RevokeRoute {
		b.WriteString("; while probes fail it withdraws the connection's routes (revoke_route), so blocked probes take the traffic down even with the tunnel up")
	} else {
		b.WriteString("; failed probes do not withdraw routes (reserve_route)")
	}
	fmt.Fprintf(&b, ". %s must answer ICMP echo from %s", h.Destination, h.Source)
	switch {
	case c.Probe != nil:
		fmt.Fprintf(&b, "; the pair %s <-> %s is added to the traffic selectors and policies below", c.Probe.Local, c.Probe.Remote)
	case c.RouteBased():
		fmt.Fprintf(&b, ", and %s must be routed into the tunnel", h.Source)
	}
	b.WriteString(".")
	return b.String()
}

// healthChecks adds what to check on the device for the health check.
func (n *fileNotes) healthChecks(c vpn.Connection) {
	h := c.HealthCheck
	if h == nil {
		return
	}
	n.check("Health check: allow ICMP echo from %s to %s and the replies through the tunnel, and make sure %s answers (an address of this device, or a host behind it).", h.Source, h.Destination, h.Destination)
}

func tunnelList(idx []int) string {
	parts := make([]string, len(idx))
	for i, x := range idx {
		parts[i] = fmt.Sprint(x)
	}
	if len(idx) == 1 {
		return "tunnel " + parts[0]
	}
	return "tunnels " + strings.Join(parts, " and ")
}

func their(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// durationText writes a whole number of seconds as "3 s".
func durationText(d time.Duration) string { return fmt.Sprintf("%d s", int(d/time.Second)) }

// firewallCheck is the check line about letting IKE and ESP in from
// Alibaba's gateways: over the Internet (UDP 500 and, with NAT traversal,
// 4500), or over a private line, where there is no NAT.
func firewallCheck(c vpn.Connection, from string) string {
	switch {
	case c.PrivateNetwork && c.NATTraversal:
		return "Firewall: on the private-line interface, allow UDP 500 and ESP from " + from + " (UDP 4500 too: NAT traversal is on at Alibaba, though a private line has no NAT)."
	case c.PrivateNetwork:
		return "Firewall: on the private-line interface, allow UDP 500 and ESP from " + from + "."
	case !c.NATTraversal && c.Described:
		return "Firewall: allow UDP 500 and ESP from " + from + " (NAT traversal is off at Alibaba: UDP 4500 is not used)."
	}
	return "Firewall: allow UDP 500 and 4500 and ESP from " + from + "."
}
