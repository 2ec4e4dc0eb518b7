package render

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// The rollback file removes exactly what the configuration creates
// (issue 16, C.17): every object the view lists is created by a line of
// the configuration and removed by a line of the rollback, and the
// rollback removes nothing else. The object lines are written here from
// each platform's CLI reference, not taken from the renderer.

// rollbackCase is a connection the rollback tests render, with params.
type rollbackCase struct {
	name   string
	conn   vpn.Connection
	params map[string]string
}

func rollbackCases() []rollbackCase {
	policy := srxFortiConn()
	policy.LocalSubnets = append(policy.LocalSubnets, netip.MustParsePrefix("10.21.0.0/24"))
	dual := srxBGPConn()
	t2 := dual.Tunnels[0]
	t2.Index, t2.Role = 2, vpn.RoleSlave
	t2.RemoteAddr = netip.MustParseAddr("203.0.113.2")
	t2.RemoteID = vpn.AddressID(t2.RemoteAddr)
	bgp2 := *t2.BGP
	bgp2.TunnelCIDR = netip.MustParsePrefix("169.254.20.0/30")
	bgp2.LocalIP, bgp2.RemoteIP = netip.MustParseAddr("169.254.20.2"), netip.MustParseAddr("169.254.20.1")
	t2.BGP = &bgp2
	dual.Tunnels[0].Role = vpn.RoleMaster
	dual.Tunnels = append(dual.Tunnels, t2)
	static := srxFortiConn()
	static.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	static.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	return []rollbackCase{
		{name: "policy-based", conn: policy},
		{name: "route-based-static", conn: static, params: map[string]string{"vpc-cidr": "172.16.0.0/12"}},
		{name: "dual-bgp", conn: dual, params: map[string]string{"onprem-prefixes": "10.20.0.0/16"}},
	}
}

// viewObjects builds the vendor's view and returns its Objects.
func viewObjects(t *testing.T, vendor string, c vpn.Connection, prm map[string]string) []object {
	t.Helper()
	v := registry[vendor]
	p, err := v.params(prm)
	require.NoError(t, err)
	view, _, err := v.build(c, p, Options{})
	require.NoError(t, err)
	f := reflect.ValueOf(view).FieldByName("Objects")
	return f.Interface().([]object)
}

// commandLines are a file's non-comment, non-blank lines.
func commandLines(data []byte, comment string) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, comment) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// checkRollback renders each case with --rollback and checks, for each
// object, that create(o) prefixes some configuration line and that the
// rollback's command lines are exactly remove(o) for every object.
func checkRollback(t *testing.T, vendor, comment string, create func(object) string, remove func(object) []string, extra []string) {
	checkRollbackWith(t, vendor, comment, create, remove, nil, func(l string) bool {
		for _, e := range extra {
			if l == e {
				return true
			}
		}
		return false
	})
}

// checkRollbackWith is checkRollback with extra params for every case and
// a predicate for structural lines (block openers and closers) that the
// object comparison skips.
func checkRollbackWith(t *testing.T, vendor, comment string, create func(object) string, remove func(object) []string, extra map[string]string, structural func(string) bool) {
	for _, tc := range rollbackCases() {
		if extra != nil {
			p := map[string]string{}
			for k, v := range tc.params {
				p[k] = v
			}
			for k, v := range extra {
				p[k] = v
			}
			tc.params = p
		}
		t.Run(tc.name, func(t *testing.T) {
			objs := viewObjects(t, vendor, tc.conn, tc.params)
			if len(objs) == 0 {
				t.Fatal("the view lists no objects")
			}
			files, _, err := Render(templates.FS, vendor, tc.conn, Options{Params: tc.params, Rollback: true})
			require.NoError(t, err)
			if len(files) < 2 {
				t.Fatalf("no rollback file rendered")
			}
			cfg, rb := files[0].Data, files[len(files)-1].Data
			cfgLines := commandLines(cfg, comment)
			for _, o := range objs {
				want := create(o)
				found := false
				for _, l := range cfgLines {
					if strings.HasPrefix(l, want) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("object %s %s: no configuration line starts with %q", o.Kind, o.Name, want)
				}
				if !strings.Contains(string(cfg), o.Name) {
					t.Errorf("object %s %s is not named in the configuration header", o.Kind, o.Name)
				}
			}
			want := map[string]int{}
			for _, o := range objs {
				for _, l := range remove(o) {
					want[l]++
				}
			}
			got := map[string]int{}
			for _, l := range commandLines(rb, comment) {
				if structural(l) {
					continue
				}
				got[l]++
			}
			for l, n := range want {
				if got[l] != n {
					t.Errorf("rollback has %d× %q, want %d", got[l], l, n)
				}
			}
			for l := range got {
				if want[l] == 0 {
					t.Errorf("rollback removes something the configuration did not create: %q", l)
				}
			}
		})
	}
}

func TestJunosRollback(t *testing.T) {
	zone := "vpn"
	create := func(o object) string {
		switch o.Kind {
		case "ike proposal", "ike policy", "ike gateway", "ipsec proposal", "ipsec policy", "ipsec vpn":
			return "set security " + o.Kind + " " + o.Name + " "
		case "interface":
			return "set interfaces st0 unit " + strings.TrimPrefix(o.Name, "st0.") + " "
		case "community", "prefix-list", "policy-statement":
			return "set policy-options " + o.Kind + " " + o.Name + " "
		case "bgp group":
			return "set protocols bgp group " + o.Name + " "
		case "static route":
			return "set routing-options static route " + o.Name + " "
		case "address":
			return "set security address-book global address " + o.Name + " "
		case "security policy":
			f := strings.Fields(o.Name)
			return "set security policies from-zone " + f[0] + " to-zone " + f[1] + " policy " + f[2] + " "
		}
		t.Fatalf("unknown object kind %q", o.Kind)
		return ""
	}
	remove := func(o object) []string {
		switch o.Kind {
		case "interface":
			return []string{"delete security zones security-zone " + zone + " interfaces " + o.Name,
				"delete interfaces st0 unit " + strings.TrimPrefix(o.Name, "st0.")}
		case "security policy":
			f := strings.Fields(o.Name)
			return []string{"delete security policies from-zone " + f[0] + " to-zone " + f[1] + " policy " + f[2]}
		}
		return []string{strings.TrimSuffix(strings.Replace(create(o), "set ", "delete ", 1), " ")}
	}
	checkRollback(t, "juniper-srx", "#", create, remove, nil)
}

func TestIOSRollback(t *testing.T) {
	create := func(o object) string {
		switch o.Kind {
		case "bgp neighbor":
			return "neighbor " + strings.Fields(o.Name)[1] + " remote-as "
		case "ip prefix-list":
			return "ip prefix-list " + o.Name + " seq "
		case "route-map":
			return "route-map " + o.Name + " "
		}
		return o.Kind + " " + o.Name
	}
	remove := func(o object) []string {
		if o.Kind == "bgp neighbor" {
			f := strings.Fields(o.Name)
			return []string{"router bgp " + f[0], "no neighbor " + f[1]}
		}
		return []string{"no " + o.Kind + " " + o.Name}
	}
	checkRollback(t, "cisco-ios", "!", create, remove, []string{"end"})
}

func TestASARollback(t *testing.T) {
	create := func(o object) string {
		switch o.Kind {
		case "bgp neighbor":
			f := strings.Fields(o.Name)
			return "neighbor " + f[1] + " remote-as " + f[2]
		case "prefix-list":
			return "prefix-list " + o.Name + " seq "
		case "route-map":
			return "route-map " + o.Name + " "
		case "crypto map":
			return "crypto map " + o.Name + " "
		case "access-list":
			return "access-list " + o.Name + " extended "
		case "tunnel-group":
			return "tunnel-group " + o.Name + " type ipsec-l2l"
		case "group-policy":
			return "group-policy " + o.Name + " internal"
		case "nat":
			return "nat " + strings.Replace(o.Name, ") source", ") 1 source", 1)
		}
		return o.Kind + " " + o.Name
	}
	remove := func(o object) []string {
		switch o.Kind {
		case "bgp neighbor":
			f := strings.Fields(o.Name)
			return []string{"router bgp " + f[0], "address-family ipv4 unicast", "no neighbor " + f[1] + " remote-as " + f[2], "exit-address-family"}
		case "tunnel-group", "access-list", "crypto map":
			return []string{"clear configure " + o.Kind + " " + o.Name}
		}
		return []string{"no " + o.Kind + " " + o.Name}
	}
	checkRollback(t, "cisco-asa", "!", create, remove, []string{"end"})
}

func TestFortiRollback(t *testing.T) {
	create := func(o object) string {
		switch o.Kind {
		case "firewall policy", "router static":
			return "edit " + o.Name
		case "router bgp neighbor":
			return `edit "` + o.Name + `"`
		}
		return `edit "` + o.Name + `"`
	}
	// FortiOS deletes table entries inside their "config <table>" block;
	// the blocks themselves are checked by the fortigate reader.
	remove := func(o object) []string {
		switch o.Kind {
		case "firewall policy", "router static":
			return []string{"delete " + o.Name}
		}
		return []string{`delete "` + o.Name + `"`}
	}
	checkRollbackWith(t, "fortigate", "#", create, remove, map[string]string{"policy-id": "500", "route-id": "900"},
		func(l string) bool { return strings.HasPrefix(l, "config ") || l == "end" })
}

// TestObjectsNeverCollide (issue 16, A.1/A.2): two different connections
// rendered for the same device, with the numbers a batch hands out
// (each Param's Stride), never create an object of the same kind and
// name, so pasting the second never rewrites the first.
func TestObjectsNeverCollide(t *testing.T) {
	pairs := [][2]string{{"主线路", "备线路"}, {"prod-shanghai-idc-a", "prod-shanghai-idc-b"}, {"x", "x"}}
	for _, vendor := range []string{"strongswan", "cisco-ios", "cisco-asa", "juniper-srx", "fortigate"} {
		for _, routeBased := range []bool{false, true} {
			for _, names := range pairs {
				var objs [2][]object
				for k := 0; k < 2; k++ {
					c := srxFortiConn()
					c.Name, c.ID = names[k], fmt.Sprintf("vco-test%d", k)
					c.DisambiguateName = names[0] == names[1]
					c.RemoteSubnets = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(10 + k), 0, 0}), 24)}
					// another Alibaba VPN gateway: one device cannot hold two
					// connections to the same gateway address (the ASA names
					// the tunnel-group by it; cisco-asa says so in Checks)
					c.Tunnels[0].RemoteAddr = netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + k)})
					c.Tunnels[0].RemoteID = vpn.AddressID(c.Tunnels[0].RemoteAddr)
					prm := map[string]string{}
					if routeBased {
						c = asRouteBased(c)
						prm["vpc-cidr"] = fmt.Sprintf("172.%d.0.0/16", 16+k)
					}
					for _, p := range registry[vendor].Params {
						if p.Stride > 0 && k > 0 {
							val, err := offsetValue(p.Default, k*p.Stride)
							require.NoError(t, err)
							prm[p.Key] = val
						}
					}
					if _, ok := prm["vpc-cidr"]; ok && !hasParam(vendor, "vpc-cidr") {
						delete(prm, "vpc-cidr")
					}
					objs[k] = viewObjects(t, vendor, c, prm)
					if len(objs[k]) == 0 {
						t.Fatalf("%s lists no objects", vendor)
					}
				}
				seen := map[object]bool{}
				for _, o := range objs[0] {
					seen[o] = true
				}
				for _, o := range objs[1] {
					if seen[o] {
						t.Errorf("%s (%q vs %q, route-based %v): both connections create %s %s", vendor, names[0], names[1], routeBased, o.Kind, o.Name)
					}
				}
			}
		}
	}
}

func hasParam(vendor, key string) bool {
	for _, p := range registry[vendor].Params {
		if p.Key == key {
			return true
		}
	}
	return false
}
