package vpn

import (
	"net/netip"
	"slices"
)

// ProbePair is the selector pair Alibaba's health check needs, when the
// connection's own subnets do not cover it: this device's probed address
// (HealthCheck.Destination) and Alibaba's probing address
// (HealthCheck.Source), as host prefixes. ok is false without a health
// check, for route-based connections (their 0.0.0.0/0 selectors carry
// everything) and when some local subnet holds the destination and some
// remote subnet the source.
func (c Connection) ProbePair() (pair SubnetPair, ok bool) {
	h := c.HealthCheck
	if h == nil || !h.Source.IsValid() || !h.Destination.IsValid() || c.RouteBased() {
		return SubnetPair{}, false
	}
	if covers(c.LocalSubnets, h.Destination) && covers(c.RemoteSubnets, h.Source) {
		return SubnetPair{}, false
	}
	return SubnetPair{
		Local:  netip.PrefixFrom(h.Destination, h.Destination.BitLen()),
		Remote: netip.PrefixFrom(h.Source, h.Source.BitLen()),
	}, true
}

func covers(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// WithProbeSelectors returns c with the health check's ProbePair added to
// its subnets (and recorded in Probe), so that every selector, access
// list, policy and route a renderer derives from the subnets lets
// Alibaba's probes through. SubnetPairs then pairs the probe addresses
// with each other only. c is returned unchanged when no pair is needed.
func (c Connection) WithProbeSelectors() Connection {
	pair, ok := c.ProbePair()
	if !ok || c.Probe != nil {
		return c
	}
	out := c
	if !slices.Contains(c.LocalSubnets, pair.Local) {
		out.LocalSubnets = append(slices.Clone(c.LocalSubnets), pair.Local)
		out.probeAdded[0] = true
	}
	if !slices.Contains(c.RemoteSubnets, pair.Remote) {
		out.RemoteSubnets = append(slices.Clone(c.RemoteSubnets), pair.Remote)
		out.probeAdded[1] = true
	}
	out.Probe = &pair
	return out
}

// ConfiguredSubnets are the subnets Alibaba configured, without the
// health-check probe pair WithProbeSelectors added.
func (c Connection) ConfiguredSubnets() (local, remote []netip.Prefix) {
	local, remote = c.LocalSubnets, c.RemoteSubnets
	// The added prefixes were appended last.
	if c.probeAdded[0] && len(local) > 0 {
		local = local[:len(local)-1]
	}
	if c.probeAdded[1] && len(remote) > 0 {
		remote = remote[:len(remote)-1]
	}
	return local, remote
}
