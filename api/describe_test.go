package api

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/internal/fakealiyun"
	"github.com/vpnexport/vpnexport/vpn"
)

// fixture decodes a fakealiyun connection the way the client does: the
// download through Parse, the description through ParseDescription.
func fixture(t *testing.T, c fakealiyun.Connection) (*VpnConnectionConfig, *VpnConnection) {
	t.Helper()
	dl, err := json.Marshal(c.Download)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(dl)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := json.Marshal(c.Describe)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDescription(ds)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, d
}

func normalizeApply(t *testing.T, cfg *VpnConnectionConfig, d *VpnConnection) (vpn.Connection, []vpn.Warning, error) {
	t.Helper()
	conn, _, err := Normalize(cfg)
	if err != nil {
		t.Fatalf("normalize: %v", err)
	}
	w, err := ApplyDescription(&conn, cfg, d, "cn-shanghai")
	return conn, w, err
}

func TestDescribeSingleTunnel(t *testing.T) {
	cfg, d := fixture(t, fakealiyun.SingleTunnel("vco-s1", 5))
	conn, _, err := normalizeApply(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if conn.ID != "vco-s1" || conn.Name != "site-s1" || conn.Region != "cn-shanghai" {
		t.Errorf("ID/Name/Region = %q %q %q", conn.ID, conn.Name, conn.Region)
	}
	if !conn.DPD || conn.NATTraversal {
		t.Errorf("DPD %v NAT-T %v, want true false (Describe's switches)", conn.DPD, conn.NATTraversal)
	}
	if len(conn.Tunnels) != 1 || conn.Tunnels[0].Role != vpn.RoleSingle || conn.Tunnels[0].BGP != nil {
		t.Errorf("tunnels: %+v", conn.Tunnels)
	}
}

func TestDescribeSingleTunnelBGP(t *testing.T) {
	c := fakealiyun.SingleTunnel("vco-s2", 5)
	// Connection-level VpnBgpConfig: EnableBgp a string, ASNs numbers.
	c.Describe["VpnBgpConfig"] = map[string]any{
		"EnableBgp": "true", "LocalAsn": 45104, "PeerAsn": 65010,
		"LocalBgpIp": "169.254.20.1", "PeerBgpIp": "169.254.20.2", "TunnelCidr": "169.254.20.0/30",
	}
	cfg, d := fixture(t, c)
	conn, _, err := normalizeApply(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	want := &vpn.BGP{
		LocalASN: 65010, RemoteASN: 45104,
		LocalIP: netip.MustParseAddr("169.254.20.2"), RemoteIP: netip.MustParseAddr("169.254.20.1"),
		TunnelCIDR: netip.MustParsePrefix("169.254.20.0/30"),
	}
	if got := conn.Tunnels[0].BGP; got == nil || *got != *want {
		t.Errorf("BGP = %+v, want %+v (Describe's Local is Alibaba = model Remote)", got, want)
	}
}

func TestDescribeDualTunnelRolesAndBGP(t *testing.T) {
	c := fakealiyun.DualTunnel("vco-d1", 8)
	// Alibaba reports the second tunnel as master: the API-order guess
	// must give way.
	opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
	opts[0].(map[string]any)["Role"] = "slave"
	opts[1].(map[string]any)["Role"] = "master"
	cfg, d := fixture(t, c)
	conn, _, err := normalizeApply(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(conn.Tunnels) != 2 {
		t.Fatalf("tunnels: %d", len(conn.Tunnels))
	}
	for i, want := range []vpn.Role{vpn.RoleSlave, vpn.RoleMaster} {
		tun := conn.Tunnels[i]
		if tun.Role != want || tun.RoleAssumed {
			t.Errorf("tunnel %d: role %v assumed %v, want %v reported", i+1, tun.Role, tun.RoleAssumed, want)
		}
		if tun.BGP == nil || tun.BGP.LocalASN != 65001 || tun.BGP.RemoteASN != 45104 {
			t.Errorf("tunnel %d: BGP %+v, want local 65001 remote 45104", i+1, tun.BGP)
		}
	}
	if !conn.DPD || !conn.NATTraversal {
		t.Errorf("DPD %v NAT-T %v", conn.DPD, conn.NATTraversal)
	}
}

func TestDescribeTunnelSwitchesAsStrings(t *testing.T) {
	c := fakealiyun.DualTunnel("vco-d2", 8)
	delete(c.Describe, "EnableDpd")
	delete(c.Describe, "EnableNatTraversal")
	opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
	for _, o := range opts {
		o.(map[string]any)["EnableDpd"] = "false"
		o.(map[string]any)["EnableNatTraversal"] = "false"
	}
	opts[1].(map[string]any)["EnableNatTraversal"] = "true"
	cfg, d := fixture(t, c)
	conn, warns, err := normalizeApply(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if conn.DPD {
		t.Error("DPD on, want off from the tunnels' \"false\"")
	}
	if !conn.NATTraversal {
		t.Error("NAT-T off, want on when the tunnels disagree")
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "NAT traversal is on for one tunnel") {
		t.Errorf("warnings: %v", warns)
	}
}

func TestDescribeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(c fakealiyun.Connection)
		want string
	}{
		"both master": {
			edit: func(c fakealiyun.Connection) {
				opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
				opts[1].(map[string]any)["Role"] = "master"
			},
			want: "both tunnels have role master",
		},
		"unknown role": {
			edit: func(c fakealiyun.Connection) {
				opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
				opts[0].(map[string]any)["Role"] = "primary"
			},
			want: `Role: unsupported value "primary"`,
		},
		"bad bgp cidr": {
			edit: func(c fakealiyun.Connection) {
				opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
				opts[0].(map[string]any)["TunnelBgpConfig"].(map[string]any)["TunnelCidr"] = "169.254.99.0/30"
			},
			want: "does not contain both BGP addresses",
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := fakealiyun.DualTunnel("vco-e1", 4)
			tc.edit(c)
			cfg, d := fixture(t, c)
			conn, _, _ := Normalize(cfg)
			before := conn.Name
			_, err := ApplyDescription(&conn, cfg, d, "cn-shanghai")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if conn.Name != before {
				t.Error("connection changed despite the error")
			}
		})
	}
}

func TestOrientation(t *testing.T) {
	mirror := func(c fakealiyun.Connection) {
		cfg := c.Download["VpnConnectionConfig"].(map[string]any)
		cfg["LocalSubnet"], cfg["RemoteSubnet"] = cfg["RemoteSubnet"], cfg["LocalSubnet"]
	}
	for name, tc := range map[string]struct {
		conn func() fakealiyun.Connection
		want []string // empty: no error
	}{
		"single ok":           {conn: func() fakealiyun.Connection { return fakealiyun.SingleTunnel("vco-o1", 1) }},
		"dual route-based ok": {conn: func() fakealiyun.Connection { return fakealiyun.DualTunnel("vco-o2", 1) }},
		"subnets mirrored": {
			conn: func() fakealiyun.Connection { c := fakealiyun.SingleTunnel("vco-o3", 1); mirror(c); return c },
			want: []string{
				`VPC subnets: DownloadVpnConnectionConfig RemoteSubnet = "10.1.0.0/16", DescribeVpnConnection LocalSubnet = "172.16.0.0/16"`,
				`data-center subnets: DownloadVpnConnectionConfig LocalSubnet = "172.16.0.0/16", DescribeVpnConnection RemoteSubnet = "10.1.0.0/16"`,
			},
		},
		"subnets same set, other order": {conn: func() fakealiyun.Connection {
			c := fakealiyun.SingleTunnel("vco-o4", 1)
			c.Download["VpnConnectionConfig"].(map[string]any)["RemoteSubnet"] = "172.17.0.0/16, 172.16.0.0/16"
			c.Describe["LocalSubnet"] = "172.16.0.0/16,172.17.0.0/16"
			return c
		}},
		"route-based, tunnel address not Alibaba's": {
			conn: func() fakealiyun.Connection {
				c := fakealiyun.DualTunnel("vco-o5", 1)
				tc := c.Download["VpnConnectionConfig"].(map[string]any)["TunnelsConfig"].(map[string]any)["TunnelConfig"].([]any)
				t1 := tc[1].(map[string]any)
				t1["Local"], t1["Remote"] = t1["Remote"], t1["Local"]
				return c
			},
			want: []string{`tunnel 2 (tun-o5b): DownloadVpnConnectionConfig Remote (Alibaba side) = "198.51.100.1"`, "Alibaba's addresses as 47.101.0.1, 47.102.0.1"},
		},
		"no Alibaba address known (attachment)": {conn: func() fakealiyun.Connection {
			c := fakealiyun.SingleTunnel("vco-o6", 1)
			c.Describe["IkeConfig"].(map[string]any)["LocalId"] = ""
			c.Download["VpnConnectionConfig"].(map[string]any)["Remote"] = "47.200.0.1"
			return c
		}},
		"single, Remote is the customer gateway": {
			conn: func() fakealiyun.Connection {
				c := fakealiyun.SingleTunnel("vco-o7", 1)
				cfg := c.Download["VpnConnectionConfig"].(map[string]any)
				cfg["Local"], cfg["Remote"] = cfg["Remote"], cfg["Local"]
				return c
			},
			want: []string{`tunnel 1: DownloadVpnConnectionConfig Remote (Alibaba side) = "203.0.113.1", Local (this device) = "47.100.0.1"; DescribeVpnConnection gives Alibaba's addresses as 47.100.0.1`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, d := fixture(t, tc.conn())
			err := CheckOrientation(cfg, d)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "orientation check failed") {
				t.Errorf("error: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"office-1":             "office-1",
		"  two  spaces ":       "two spaces",
		"line\nbreak\tand\x00": "line break and",
		"上海办公室":                "上海办公室",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDescribeBGPReplacesDownload: Describe's documented BGP orientation
// wins over the download's BgpConfigs, and a difference is reported.
func TestDescribeBGPDecidesTheDownloadsOrientation(t *testing.T) {
	cloud := map[string]any{"TunnelId": "tun-b1a", "LocalAsn": "45104", "PeerAsn": "65001", "LocalBgpIp": "169.254.10.1", "PeerBgpIp": "169.254.10.2", "TunnelCidr": "169.254.10.0/30"}
	device := map[string]any{"TunnelId": "tun-b1a", "LocalAsn": "65001", "PeerAsn": "45104", "LocalBgpIp": "169.254.10.2", "PeerBgpIp": "169.254.10.1", "TunnelCidr": "169.254.10.0/30"}
	wrongASN := map[string]any{"TunnelId": "tun-b1a", "LocalAsn": "45104", "PeerAsn": "65999", "LocalBgpIp": "169.254.10.1", "PeerBgpIp": "169.254.10.2", "TunnelCidr": "169.254.10.0/30"}
	wrongCIDR := map[string]any{"TunnelId": "tun-b1a", "LocalAsn": "45104", "PeerAsn": "65001", "LocalBgpIp": "169.254.10.1", "PeerBgpIp": "169.254.10.2", "TunnelCidr": "169.254.10.0/29"}
	deviceB := map[string]any{"TunnelId": "tun-b1b", "LocalAsn": "65001", "PeerAsn": "45104", "LocalBgpIp": "169.254.11.2", "PeerBgpIp": "169.254.11.1", "TunnelCidr": "169.254.11.0/30"}
	for name, tc := range map[string]struct {
		entries []any
		fail    bool
	}{
		"cloud reading":             {entries: []any{cloud}},
		"device reading":            {entries: []any{device}},
		"both tunnels, one reading": {entries: []any{device, deviceB}},
		"mixed readings":            {entries: []any{cloud, deviceB}, fail: true},
		"neither reading (ASN)":     {entries: []any{wrongASN}, fail: true},
		"neither reading (CIDR)":    {entries: []any{wrongCIDR}, fail: true},
	} {
		t.Run(name, func(t *testing.T) {
			c := fakealiyun.DualTunnel("vco-b1", 0)
			c.Download["VpnConnectionConfig"].(map[string]any)["BgpConfigs"] = map[string]any{"BgpConfig": tc.entries}
			cfg, d := fixture(t, c)
			conn, warns, err := normalizeApply(t, cfg, d)
			if tc.fail {
				var be *BGPOrientationError
				require.ErrorAs(t, err, &be)
				// Both readings are shown, with the values that matter.
				assert.Contains(t, err.Error(), "read as Alibaba's side")
				assert.Contains(t, err.Error(), "read as this device's side")
				assert.Regexp(t, `169\.254\.1[01]\.1`, err.Error())
				return
			}
			require.NoError(t, err)
			b := conn.Tunnels[0].BGP
			assert.Equal(t, uint32(65001), b.LocalASN, "this device's ASN from Describe")
			assert.Equal(t, uint32(45104), b.RemoteASN)
			assert.Equal(t, "169.254.10.2", b.LocalIP.String())
			for _, w := range warns {
				assert.NotEqual(t, WarnBGPOrientation, w.Code, "the orientation is settled: %v", w)
			}
			assert.True(t, d.HasBGP())
		})
	}
}
