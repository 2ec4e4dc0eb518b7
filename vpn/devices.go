package vpn

import (
	"fmt"
	"net/netip"
)

// Device is one on-prem device of a connection whose tunnels end on
// several devices: the tunnels of a dual-tunnel connection may each have
// their own customer gateway, with its own address.
type Device struct {
	// Key names the device in paths: its customer gateway ID (cgw-…), or,
	// for a bare download that has no IDs, its address.
	Key string
	// CustomerGatewayID is empty when unknown.
	CustomerGatewayID string
	// Addr is the device's address (the tunnels' LocalAddr).
	Addr netip.Addr
	// Tunnels are the Index of the tunnels that end on it.
	Tunnels []int
}

// Label names the device for people: "customer gateway cgw-1 (198.51.100.7)"
// or "the device at 198.51.100.7".
func (d Device) Label() string {
	switch {
	case d.CustomerGatewayID != "" && d.Addr.IsValid():
		return fmt.Sprintf("customer gateway %s (%s)", d.CustomerGatewayID, d.Addr)
	case d.CustomerGatewayID != "":
		return "customer gateway " + d.CustomerGatewayID
	}
	return "the device at " + d.Addr.String()
}

// Part says that a connection is one device's share of a connection whose
// tunnels end on several devices (see Devices): Tunnels holds that
// device's tunnels only.
type Part struct {
	Device Device
	// Others are the other devices of the connection.
	Others []Device
}

// Devices lists the on-prem devices the tunnels end on, in tunnel order,
// when there are several: tunnels with different customer gateway IDs, or,
// when Alibaba gave no IDs (a bare download), different addresses of this
// side. It returns nil when every tunnel ends on one device, and when the
// IDs are only partly known (the tunnels cannot be told apart for sure).
func (c Connection) Devices() []Device {
	if len(c.Tunnels) < 2 {
		return nil
	}
	ids, addrs := 0, 0
	for _, t := range c.Tunnels {
		if t.CustomerGatewayID != "" {
			ids++
		}
		if t.LocalAddr.IsValid() {
			addrs++
		}
	}
	byID := ids == len(c.Tunnels)
	if !byID && (ids > 0 || addrs < len(c.Tunnels)) {
		return nil
	}
	var out []Device
	find := func(t Tunnel) int {
		for i, d := range out {
			if byID && d.CustomerGatewayID == t.CustomerGatewayID || !byID && d.Addr == t.LocalAddr {
				return i
			}
		}
		return -1
	}
	for _, t := range c.Tunnels {
		if i := find(t); i >= 0 {
			out[i].Tunnels = append(out[i].Tunnels, t.Index)
			continue
		}
		d := Device{CustomerGatewayID: t.CustomerGatewayID, Addr: t.LocalAddr, Tunnels: []int{t.Index}}
		d.Key = d.CustomerGatewayID
		if !byID {
			d.Key = d.Addr.String()
		}
		out = append(out, d)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// ForDevice returns the share of c that device d configures: only d's
// tunnels (Index and roles unchanged), with Part set.
func (c Connection) ForDevice(d Device, all []Device) Connection {
	out := c
	out.Tunnels = nil
	for _, t := range c.Tunnels {
		for _, i := range d.Tunnels {
			if t.Index == i {
				out.Tunnels = append(out.Tunnels, t)
			}
		}
	}
	p := &Part{Device: d}
	for _, o := range all {
		if o.Key != d.Key {
			p.Others = append(p.Others, o)
		}
	}
	out.Part = p
	return out
}
