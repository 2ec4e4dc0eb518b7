// Package vpn is vpnexport's vendor-neutral model of one Alibaba Cloud
// IPsec-VPN connection, as seen from the on-prem device being configured.
//
// # Orientation
//
// Everything in this package is written from the point of view of the
// device vpnexport configures (the customer gateway in the data center):
//
//   - Local is this device: its public address, its IKE identity and the
//     data-center subnets behind it.
//   - Remote is Alibaba Cloud: the VPN gateway's public address, its IKE
//     identity and the VPC subnets behind it.
//
// Alibaba's DownloadVpnConnectionConfig response uses the same orientation
// (its Local*/Remote* fields map one to one), while every other Alibaba API
// (DescribeVpnConnection, Create…, Modify…) is written from the cloud's side
// and is the mirror image. That decision is taken in exactly one place,
// api.Normalize, and nowhere else.
//
// # Order
//
// Slices keep the order of the API response: subnets in the order of the
// comma-separated lists, tunnels in the order of TunnelsConfig. Renderers
// never sort them, so the same response always gives the same bytes.
//
// This package imports only the standard library and knows neither Alibaba
// field names nor vendor keywords.
package vpn

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Connection is one IPsec-VPN connection with one or two tunnels.
type Connection struct {
	// ID is Alibaba's connection ID (vco-…), empty when unknown (a saved
	// DownloadVpnConnectionConfig response does not carry it).
	ID string
	// Name labels the connection in generated files and object names: the
	// connection's name, the --name flag or the input file's base name.
	Name string
	// Region is the Alibaba region ID, empty when unknown.
	Region string

	// LocalSubnets are the data-center prefixes behind this device.
	LocalSubnets []netip.Prefix
	// RemoteSubnets are the VPC prefixes behind Alibaba's VPN gateway.
	RemoteSubnets []netip.Prefix

	// Tunnels holds one entry for a single-tunnel connection and two for a
	// dual-tunnel one, in API order.
	Tunnels []Tunnel

	// DPD and NATTraversal are Alibaba's on/off switches (default on).
	DPD          bool
	NATTraversal bool

	// Described is true when DescribeVpnConnection was read: the name,
	// tunnel roles, DPD and NAT-T switches and the BGP orientation then
	// come from Alibaba. A bare download carries none of them, and
	// renderers say so instead of stating the defaults as facts.
	Described bool

	// ActiveActive is true when Alibaba sends over both tunnels at once
	// (ECMP), as it does for dual-tunnel connections attached to a transit
	// router: neither tunnel may then be preferred on this device.
	ActiveActive bool

	// PrivateNetwork is true when the VPN gateway talks to this device
	// over a private network (leased line, Express Connect): both
	// addresses are private, there is no NAT and no Internet path.
	PrivateNetwork bool

	// HealthCheck is set when Alibaba probes the connection through the
	// tunnel; nil when the health check is off or unknown.
	HealthCheck *HealthCheck

	// Probe is the selector pair added to the subnets for Alibaba's health
	// check (WithProbeSelectors); nil when none was added.
	Probe *SubnetPair
	// probeAdded says which of Probe's prefixes WithProbeSelectors
	// appended to LocalSubnets and RemoteSubnets.
	probeAdded [2]bool

	// Part is set when this is one on-prem device's share of a connection
	// whose tunnels end on several devices (see Devices): Tunnels then
	// holds that device's tunnels only.
	Part *Part

	// DisambiguateName asks renderers to add the connection's stable tag
	// to object names even when the name is a clean identifier: set when
	// another connection of the same run has the same name, so the two
	// cannot overwrite each other's objects on one device.
	DisambiguateName bool
}

// HealthCheck is Alibaba's tunnel health check: it sends probes from
// Source (an address on Alibaba's side) to Destination (an address on this
// device's side) through the tunnel, and with RevokeRoute withdraws the
// connection's routes when they fail. This device must route the probes
// through the tunnel and answer them.
type HealthCheck struct {
	Source, Destination netip.Addr
	// Interval between probes and Retries before the tunnel counts as down;
	// zero when Alibaba did not say.
	Interval time.Duration
	Retries  int
	// RevokeRoute: Alibaba withdraws its routes while probes fail.
	RevokeRoute bool
}

// RouteBased reports whether the connection uses destination (route-based)
// routing: 0.0.0.0/0 on both sides. Anything else is policy-based, where
// the traffic selectors must equal the subnets.
func (c Connection) RouteBased() bool {
	return DefaultOnly(c.LocalSubnets) && DefaultOnly(c.RemoteSubnets)
}

// DefaultOnly reports a non-empty list of /0 prefixes only (0.0.0.0/0,
// ::/0): Alibaba's way of saying "any", i.e. destination routing.
func DefaultOnly(ps []netip.Prefix) bool {
	if len(ps) == 0 {
		return false
	}
	for _, p := range ps {
		if p.Bits() != 0 {
			return false
		}
	}
	return true
}

// SubnetPair is one (local, remote) selector pair.
type SubnetPair struct {
	Local, Remote netip.Prefix
}

// SubnetPairs returns the cross product of local and remote subnets,
// local-major, in API order. IKEv1 carries one selector pair per SA, so
// IKEv1 renderers create one phase-2 SA per pair.
//
// The health-check probe pair (Probe, see WithProbeSelectors) comes last
// and is not crossed with the configured subnets: Alibaba probes from one
// address to one address.
func (c Connection) SubnetPairs() []SubnetPair {
	local, remote := c.ConfiguredSubnets()
	pairs := make([]SubnetPair, 0, len(local)*len(remote)+1)
	for _, l := range local {
		for _, r := range remote {
			pairs = append(pairs, SubnetPair{Local: l, Remote: r})
		}
	}
	if c.Probe != nil {
		pairs = append(pairs, *c.Probe)
	}
	return pairs
}

// Dual reports whether the connection has two tunnels.
func (c Connection) Dual() bool { return len(c.Tunnels) > 1 }

// Role is a tunnel's role in a dual-tunnel connection.
type Role int

const (
	// RoleSingle is the only tunnel of a single-tunnel connection, and
	// every tunnel of a connection whose tunnels are all active
	// (Connection.ActiveActive): no tunnel is anyone's standby.
	RoleSingle Role = iota
	// RoleMaster is the active tunnel: Alibaba sends over it while it is up.
	RoleMaster
	// RoleSlave is the standby tunnel.
	RoleSlave
)

func (r Role) String() string {
	switch r {
	case RoleMaster:
		return "master"
	case RoleSlave:
		return "slave"
	default:
		return "single"
	}
}

// Tunnel is one IPsec tunnel between this device and Alibaba.
type Tunnel struct {
	// Index is 1-based and follows API order.
	Index int
	// ID is Alibaba's tunnel ID (tun-…), empty for single-tunnel connections.
	ID string
	// Role is master or slave for dual tunnels.
	Role Role
	// RoleAssumed is true when the role was not reported by Alibaba
	// (DescribeVpnConnection) but inferred from API order.
	RoleAssumed bool

	// LocalAddr is this device's public address; invalid when unknown.
	LocalAddr netip.Addr
	// RemoteAddr is Alibaba's VPN gateway address for this tunnel.
	RemoteAddr netip.Addr

	LocalID  Identity
	RemoteID Identity
	PSK      Secret

	IKE   IKE
	IPsec IPsec

	// BGP is set when the tunnel runs BGP.
	BGP *BGP

	// CustomerGatewayID is Alibaba's ID (cgw-…) of the on-prem device this
	// tunnel ends on, empty when unknown. The two tunnels of a dual-tunnel
	// connection may end on two different devices.
	CustomerGatewayID string
}

// Label names the tunnel for people: "tunnel 1".
func (t Tunnel) Label() string { return fmt.Sprintf("tunnel %d", t.Index) }

// IKE holds the phase-1 (IKE SA) parameters.
type IKE struct {
	Version   IKEVersion
	Mode      Mode
	Cipher    Cipher
	Integrity Integrity
	DHGroup   DHGroup
	// Lifetime is the IKE SA lifetime. Zero means Alibaba returned 0, whose
	// meaning is undocumented: renderers refuse it.
	Lifetime time.Duration
}

// IPsec holds the phase-2 (CHILD SA / IPsec SA) parameters.
type IPsec struct {
	Cipher    Cipher
	Integrity Integrity
	// PFS is the DH group for perfect forward secrecy; NoPFS when disabled.
	PFS DHGroup
	// Lifetime is the IPsec SA lifetime (see IKE.Lifetime for zero).
	Lifetime time.Duration
}

// BGP is one tunnel's BGP session. Local is this device.
type BGP struct {
	LocalASN  uint32
	RemoteASN uint32
	// TunnelCIDR is the /30 inside the tunnel; LocalIP and RemoteIP are
	// the two session addresses in it.
	TunnelCIDR netip.Prefix
	LocalIP    netip.Addr
	RemoteIP   netip.Addr
	// AuthKey is the session's TCP MD5 password; empty when none.
	AuthKey Secret
	// AuthKeyUnknown is true when the password could not be read (its
	// customer gateway's description is missing): AuthKey is then empty
	// but the session may need one.
	AuthKeyUnknown bool
}

// IKEVersion is 1 or 2.
type IKEVersion int

const (
	IKEv1 IKEVersion = 1
	IKEv2 IKEVersion = 2
)

func (v IKEVersion) String() string { return fmt.Sprintf("IKEv%d", int(v)) }

// Mode is the IKEv1 phase-1 exchange mode.
type Mode int

const (
	MainMode Mode = iota
	AggressiveMode
)

func (m Mode) String() string {
	if m == AggressiveMode {
		return "aggressive"
	}
	return "main"
}

// Tag is a short identifier of the connection, stable across runs and
// changes of its parameters: five base-32 characters derived from
// Alibaba's connection ID, or, when the ID is unknown (a saved download),
// from the addresses and identities of its tunnels, which a PSK rotation
// or a proposal change leaves alone. Renderers append it to object names
// they had to sanitise or shorten, so two connections whose names become
// the same identifier still get different objects on one device.
func (c Connection) Tag() string {
	h := sha256.New()
	if c.ID != "" {
		io.WriteString(h, "id\x00"+c.ID)
	} else {
		for _, t := range c.Tunnels {
			fmt.Fprintf(h, "tunnel\x00%s\x00%s\x00%s\x00%s\x00%s\x00", t.ID, t.LocalAddr, t.RemoteAddr, t.LocalID, t.RemoteID)
		}
	}
	sum := h.Sum(nil)
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:5]))[:5]
}
