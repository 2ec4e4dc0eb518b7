package vpn

import (
	"fmt"
	"net/netip"
)

// IDKind is the type of an IKE identity.
type IDKind int

const (
	// IDNone is an empty identity: the platform's default (its address).
	IDNone IDKind = iota
	// IDAddress is an IPv4 or IPv6 address (ID_IPV4_ADDR / ID_IPV6_ADDR).
	IDAddress
	// IDFQDN is a host name (ID_FQDN).
	IDFQDN
)

// Identity is an IKE identity (IKEv1 ID payload, IKEv2 IDi/IDr).
type Identity struct {
	Kind IDKind
	// Addr is set for IDAddress.
	Addr netip.Addr
	// FQDN is set for IDFQDN.
	FQDN string
}

// AddressID returns an address identity.
func AddressID(a netip.Addr) Identity { return Identity{Kind: IDAddress, Addr: a} }

// FQDNID returns a host-name identity.
func FQDNID(name string) Identity { return Identity{Kind: IDFQDN, FQDN: name} }

// String returns the identity's value without type prefix.
func (id Identity) String() string {
	switch id.Kind {
	case IDAddress:
		return id.Addr.String()
	case IDFQDN:
		return id.FQDN
	default:
		return ""
	}
}

// IsFQDN reports a host-name identity.
func (id Identity) IsFQDN() bool { return id.Kind == IDFQDN }

// GoString keeps %#v readable in test failures.
func (id Identity) GoString() string { return fmt.Sprintf("vpn.Identity(%q)", id.String()) }
