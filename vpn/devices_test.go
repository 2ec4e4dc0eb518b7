package vpn

import (
	"net/netip"
	"testing"
)

func twoTunnels(cgw1, cgw2, addr1, addr2 string) Connection {
	t := func(i int, cgw, addr string) Tunnel {
		tu := Tunnel{Index: i, CustomerGatewayID: cgw}
		if addr != "" {
			tu.LocalAddr = netip.MustParseAddr(addr)
		}
		return tu
	}
	return Connection{Tunnels: []Tunnel{t(1, cgw1, addr1), t(2, cgw2, addr2)}}
}

func TestDevices(t *testing.T) {
	for name, tc := range map[string]struct {
		c    Connection
		keys []string
	}{
		"two gateways":           {twoTunnels("cgw-a", "cgw-b", "192.0.2.1", "192.0.2.2"), []string{"cgw-a", "cgw-b"}},
		"one gateway":            {twoTunnels("cgw-a", "cgw-a", "192.0.2.1", "192.0.2.2"), nil},
		"IDs partly known":       {twoTunnels("cgw-a", "", "192.0.2.1", "192.0.2.2"), nil},
		"download, two addrs":    {twoTunnels("", "", "192.0.2.1", "192.0.2.2"), []string{"192.0.2.1", "192.0.2.2"}},
		"download, one addr":     {twoTunnels("", "", "192.0.2.1", "192.0.2.1"), nil},
		"download, addr unknown": {twoTunnels("", "", "192.0.2.1", ""), nil},
		"single tunnel":          {Connection{Tunnels: []Tunnel{{Index: 1, CustomerGatewayID: "cgw-a"}}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			ds := tc.c.Devices()
			if len(ds) != len(tc.keys) {
				t.Fatalf("devices %+v, want keys %v", ds, tc.keys)
			}
			for i, d := range ds {
				if d.Key != tc.keys[i] || len(d.Tunnels) != 1 || d.Tunnels[0] != i+1 {
					t.Errorf("device %d = %+v", i, d)
				}
				part := tc.c.ForDevice(d, ds)
				if len(part.Tunnels) != 1 || part.Tunnels[0].Index != i+1 || part.Part == nil || len(part.Part.Others) != 1 {
					t.Errorf("part for %s = %+v", d.Key, part)
				}
			}
		})
	}
}

func TestProbeSelectors(t *testing.T) {
	c := Connection{
		LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")},
		RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("172.16.0.0/16")},
		HealthCheck:   &HealthCheck{Source: netip.MustParseAddr("172.30.0.1"), Destination: netip.MustParseAddr("10.250.0.1")},
	}
	p := c.WithProbeSelectors()
	if len(p.LocalSubnets) != 2 || len(p.RemoteSubnets) != 2 || p.Probe == nil {
		t.Fatalf("probe not added: %+v", p)
	}
	pairs := p.SubnetPairs()
	if len(pairs) != 2 || pairs[1] != *p.Probe {
		t.Errorf("pairs %v: want the configured pair and the probe pair, not crossed", pairs)
	}
	l, r := p.ConfiguredSubnets()
	if len(l) != 1 || len(r) != 1 {
		t.Errorf("configured subnets %v %v", l, r)
	}
	// Covered: nothing added.
	c.HealthCheck.Destination = netip.MustParseAddr("10.0.0.9")
	c.HealthCheck.Source = netip.MustParseAddr("172.16.0.9")
	if q := c.WithProbeSelectors(); q.Probe != nil || len(q.LocalSubnets) != 1 {
		t.Errorf("covered probe added: %+v", q)
	}
	// Route-based: 0.0.0.0/0 carries the probes.
	c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c.RemoteSubnets = c.LocalSubnets
	c.HealthCheck.Destination = netip.MustParseAddr("10.250.0.1")
	if _, ok := c.ProbePair(); ok {
		t.Error("route-based connection needs no probe pair")
	}
}
