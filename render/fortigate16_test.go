package render

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// Issue 16 checks for fortigate (docs/vendors/fortigate.md).

// TestFortiRepasteSafe: with explicit IDs every firewall policy and static
// route is "edit <id>", so a second paste (PSK rotation) updates them
// instead of adding copies; with the default "edit 0" the file says how to
// re-paste.
func TestFortiRepasteSafe(t *testing.T) {
	c := asRouteBased(srxFortiConn())
	out, _, err := renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"vpc-cidr": "172.16.0.0/12"}})
	require.NoError(t, err)
	s := string(out.Data)
	if !strings.Contains(s, "edit 0") || !strings.Contains(s, "Re-paste") {
		t.Errorf("edit 0 without the re-paste note:\n%s", s)
	}
	out, _, err = renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"vpc-cidr": "172.16.0.0/12", "policy-id": "500", "route-id": "900"}})
	require.NoError(t, err)
	s = string(out.Data)
	if strings.Contains(s, "edit 0") {
		t.Errorf("explicit IDs given, but the file still has edit 0:\n%s", s)
	}
	for _, want := range []string{"edit 500", "edit 501", "edit 900", "edit 901"} {
		requireLine(t, out.Data, want)
	}
}

// TestFortiBGPDenyByDefault: BGP neighbors get route-maps that let no
// default route in (tagged no-export) and only the on-prem prefixes out;
// --set local-as keeps the FortiGate's AS (no "set as").
func TestFortiBGPDenyByDefault(t *testing.T) {
	c := srxBGPConn()
	out, warns, err := renderMain(templates.FS, "fortigate", c, Options{})
	require.NoError(t, err)
	requireWarning(t, warns, "onprem-prefixes")
	for _, want := range []string{`set route-map-in "unit-in"`, `set route-map-out "unit-out"`, `set set-community "no-export"`, "set action deny", "set as 65530"} {
		requireLine(t, out.Data, want)
	}
	out, _, err = renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"onprem-prefixes": "10.20.0.0/16", "local-as": "64999"}})
	require.NoError(t, err)
	requireLine(t, out.Data, "set prefix 10.20.0.0 255.255.0.0")
	requireLine(t, out.Data, "set local-as 65530")
	if strings.Contains(string(out.Data), "set as 65530") {
		t.Errorf("--set local-as given, but the file still sets the FortiGate's AS")
	}
}

// TestFortiBGPWithSelectorsRefused: BGP packets between the tunnel
// addresses match no phase-2 selector of a policy-based connection.
func TestFortiBGPWithSelectorsRefused(t *testing.T) {
	c := srxFortiConn()
	c.Tunnels[0].BGP = srxBGPConn().Tunnels[0].BGP
	_, _, err := renderMain(templates.FS, "fortigate", c, Options{})
	require.ErrorContains(t, err, "BGP with specific subnets")
}

// TestFortiDualLocalAddress: tunnel 2 from another on-prem address needs
// its own WAN interface.
func TestFortiDualLocalAddress(t *testing.T) {
	c := asRouteBased(srxFortiConn())
	t2 := c.Tunnels[0]
	t2.Index, t2.Role = 2, vpn.RoleSlave
	t2.RemoteAddr, t2.LocalAddr = netip.MustParseAddr("203.0.113.2"), netip.MustParseAddr("198.51.100.99")
	c.Tunnels[0].Role = vpn.RoleMaster
	c.Tunnels = append(c.Tunnels, t2)
	_, _, err := renderMain(templates.FS, "fortigate", c, Options{})
	require.ErrorContains(t, err, "wan-interface-2")
	out, _, err := renderMain(templates.FS, "fortigate", c, Options{Params: map[string]string{"wan-interface-2": "wan2"}})
	require.NoError(t, err)
	requireLine(t, out.Data, `set interface "wan2"`)
}

// TestFortiCaveatsInFile: every caveat is a WARNING line in the file too.
func TestFortiCaveatsInFile(t *testing.T) {
	c := withTunnel(srxFortiConn(), func(tn *vpn.Tunnel) { tn.PSK = vpn.NewSecret("abc") })
	c.Name = "a-connection-name-well-over-fifteen"
	out, warns, err := renderMain(templates.FS, "fortigate", c, Options{})
	require.NoError(t, err)
	for _, w := range warns {
		if !strings.Contains(string(out.Data), "# WARNING: "+strings.TrimPrefix(w.String(), "fortigate: ")) {
			t.Errorf("warning %q is not in the file", w.String())
		}
	}
}
