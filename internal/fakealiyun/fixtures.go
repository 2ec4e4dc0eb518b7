package fakealiyun

import (
	"fmt"
	"strings"
)

// Connection is one IPsec connection the fake serves: the bodies of its
// DownloadVpnConnectionConfig and DescribeVpnConnection answers, as JSON
// objects a test may edit before adding it. RequestId is added when served.
type Connection struct {
	ID        string
	GatewayID string
	// Region is the region it is in; "" means Options.Region.
	Region   string
	Download map[string]any
	Describe map[string]any
	// CustomerGateways are DescribeCustomerGateway bodies, served by
	// their CustomerGatewayId.
	CustomerGateways []map[string]any
}

// SingleTunnel returns a consistent single-tunnel connection: on-prem
// 10.<n>.0.0/16 behind 203.0.113.<n>, VPC 172.16.0.0/16 behind Alibaba's
// 47.100.0.<n>, IKEv2, a fake PSK, DPD on, NAT-T off. n picks addresses
// (0-255) and the name.
func SingleTunnel(id string, n int) Connection {
	n = n & 0xff
	local, remote := fmt.Sprintf("203.0.113.%d", n), fmt.Sprintf("47.100.0.%d", n)
	onprem, vpc := fmt.Sprintf("10.%d.0.0/16", n), "172.16.0.0/16"
	psk := fakePSK(id, 1)
	return Connection{
		ID:        id,
		GatewayID: "vpn-fakegw0001",
		Download: map[string]any{
			"VpnConnectionConfig": map[string]any{
				"Local": local, "Remote": remote,
				"LocalSubnet": onprem, "RemoteSubnet": vpc,
				"IkeConfig":   ikeConfig(local, remote, psk, "ikev2"),
				"IpsecConfig": ipsecConfig(),
			},
		},
		Describe: map[string]any{
			"VpnConnectionId":    id,
			"Name":               "site-" + strings.TrimPrefix(id, "vco-"),
			"VpnGatewayId":       "vpn-fakegw0001",
			"CustomerGatewayId":  "cgw-fake0001",
			"LocalSubnet":        vpc,
			"RemoteSubnet":       onprem,
			"Status":             "ipsec_sa_established",
			"State":              "active",
			"EnableDpd":          true,
			"EnableNatTraversal": false,
			"IkeConfig": map[string]any{
				"LocalId": remote, "RemoteId": local, "Psk": psk,
				"IkeVersion": "ikev2", "IkeLifetime": 86400,
			},
			"VpnBgpConfig": map[string]any{"EnableBgp": "false"},
		},
	}
}

// DualTunnel returns a consistent dual-tunnel connection with per-tunnel
// BGP: tunnel tun-<n>a is the master, tun-<n>b the slave, Alibaba's
// addresses 47.101.0.<n> and 47.102.0.<n>, ASN 45104 for Alibaba and 65001
// on-prem, route-based (0.0.0.0/0 on both sides), both tunnels on one
// customer gateway without a BGP password.
func DualTunnel(id string, n int) Connection {
	n = n & 0xff
	base := strings.TrimPrefix(id, "vco-")
	local := fmt.Sprintf("198.51.100.%d", n)
	remotes := []string{fmt.Sprintf("47.101.0.%d", n), fmt.Sprintf("47.102.0.%d", n)}
	ids := []string{"tun-" + base + "a", "tun-" + base + "b"}
	var dl, opts []any
	for i := range 2 {
		psk := fakePSK(id, i+1)
		cidr := fmt.Sprintf("169.254.%d.%d", 10+i, (n%60)*4)
		dl = append(dl, map[string]any{
			"TunnelId": ids[i], "Local": local, "Remote": remotes[i],
			"IkeConfig":   ikeConfig(local, remotes[i], psk, "ikev2"),
			"IpsecConfig": ipsecConfig(),
		})
		role := "master"
		if i == 1 {
			role = "slave"
		}
		opts = append(opts, map[string]any{
			"TunnelId": ids[i], "Role": role, "State": "active", "Status": "ipsec_sa_established",
			"InternetIp": remotes[i], "EnableDpd": "true", "EnableNatTraversal": "true",
			"CustomerGatewayId": "cgw-fake0002", "TunnelIndex": i + 1,
			"TunnelIkeConfig": map[string]any{
				"LocalId": remotes[i], "RemoteId": local, "Psk": psk,
				"IkeVersion": "ikev2", "IkeLifetime": "86400",
			},
			"TunnelBgpConfig": map[string]any{
				"LocalAsn": "45104", "PeerAsn": "65001",
				"LocalBgpIp": cidr[:strings.LastIndex(cidr, ".")+1] + fmt.Sprint((n%60)*4+1),
				"PeerBgpIp":  cidr[:strings.LastIndex(cidr, ".")+1] + fmt.Sprint((n%60)*4+2),
				"TunnelCidr": cidr + "/30", "BgpStatus": "success",
			},
		})
	}
	return Connection{
		ID:               id,
		GatewayID:        "vpn-fakegw0002",
		CustomerGateways: []map[string]any{customerGateway("cgw-fake0002", local, 65001, "")},
		Download: map[string]any{
			"VpnConnectionConfig": map[string]any{
				"Local": local, "Remote": remotes[0],
				"LocalSubnet": "0.0.0.0/0", "RemoteSubnet": "0.0.0.0/0",
				"TunnelsConfig": map[string]any{"TunnelConfig": dl},
			},
		},
		Describe: map[string]any{
			"VpnConnectionId":    id,
			"Name":               "dual-" + base,
			"VpnGatewayId":       "vpn-fakegw0002",
			"LocalSubnet":        "0.0.0.0/0",
			"RemoteSubnet":       "0.0.0.0/0",
			"State":              "active",
			"EnableTunnelsBgp":   true,
			"EnableDpd":          true,
			"EnableNatTraversal": true,
			"TunnelOptionsSpecification": map[string]any{
				"TunnelOptions": opts,
			},
		},
	}
}

func ikeConfig(local, remote, psk, version string) map[string]any {
	return map[string]any{
		"IkeVersion": version, "IkeMode": "main", "IkeEncAlg": "aes256", "IkeAuthAlg": "sha256",
		"IkePfs": "group14", "IkeLifetime": 86400, "LocalId": local, "RemoteId": remote, "Psk": psk,
	}
}

func ipsecConfig() map[string]any {
	return map[string]any{"IpsecEncAlg": "aes256", "IpsecAuthAlg": "sha256", "IpsecPfs": "group14", "IpsecLifetime": 3600}
}

// fakePSK is an obviously fake, deterministic key per connection and
// tunnel, with a few of the special characters renderers must keep.
func fakePSK(id string, tunnel int) string {
	return fmt.Sprintf("FAKE-psk-%s-%d#$!", strings.TrimPrefix(id, "vco-"), tunnel)
}

// PSK returns the fake PSK the fixtures use, for leak tests.
func PSK(id string, tunnel int) string { return fakePSK(id, tunnel) }
