package fakealiyun

import (
	"fmt"
	"strings"
)

// The connection shapes of docs/alibaba-api.md "Connection shapes", one constructor each,
// every one a consistent Download + Describe pair (and customer gateways
// where the shape has them). n picks addresses (keep it below 60) and
// names; keys are fake and deterministic.

// BGPKey is a single-tunnel, route-based connection with BGP and a BGP
// password (VpnBgpConfig.AuthKey, mirrored by its customer gateway). The
// download's BgpConfigs is in the cloud orientation (Local = Alibaba).
func BGPKey(id string, n int) Connection {
	c := SingleTunnel(id, n)
	base := strings.TrimPrefix(id, "vco-")
	dl := c.Download["VpnConnectionConfig"].(map[string]any)
	dl["LocalSubnet"], dl["RemoteSubnet"] = "0.0.0.0/0", "0.0.0.0/0"
	c.Describe["LocalSubnet"], c.Describe["RemoteSubnet"] = "0.0.0.0/0", "0.0.0.0/0"
	cidr, alibaba, onprem := BGPAddrs(20, n)
	dl["BgpConfigs"] = map[string]any{"BgpConfig": []any{map[string]any{
		"LocalAsn": "45104", "PeerAsn": "65010", "LocalBgpIp": alibaba, "PeerBgpIp": onprem, "TunnelCidr": cidr,
	}}}
	cgw := "cgw-" + base
	c.Describe["CustomerGatewayId"] = cgw
	c.Describe["VpnBgpConfig"] = map[string]any{
		"EnableBgp": "true", "LocalAsn": 45104, "PeerAsn": 65010, "LocalBgpIp": alibaba, "PeerBgpIp": onprem,
		"TunnelCidr": cidr, "AuthKey": BGPKeyOf(id, 1), "Status": "success",
	}
	c.CustomerGateways = []map[string]any{customerGateway(cgw, dl["Local"].(string), 65010, BGPKeyOf(id, 1))}
	return c
}

// TwoCustomerGateways is a dual-tunnel connection on a VPN gateway whose
// tunnels end on two on-prem devices: each tunnel has its own customer
// gateway, address and BGP password (master/standby roles).
func TwoCustomerGateways(id string, n int) Connection {
	c := DualTunnel(id, n)
	base := strings.TrimPrefix(id, "vco-")
	locals := []string{fmt.Sprintf("198.51.100.%d", n&0xff), fmt.Sprintf("192.0.2.%d", n&0xff)}
	cgws := []string{"cgw-" + base + "a", "cgw-" + base + "b"}
	c.Describe["AttachType"] = "VPNGW"
	c.Describe["CustomerGatewayId"] = ""
	setTunnels(c, func(i int, dl, opt map[string]any) {
		dl["Local"] = locals[i]
		dl["IkeConfig"].(map[string]any)["LocalId"] = locals[i]
		opt["CustomerGatewayId"] = cgws[i]
		opt["TunnelIkeConfig"].(map[string]any)["RemoteId"] = locals[i]
	})
	c.Download["VpnConnectionConfig"].(map[string]any)["Local"] = locals[0]
	c.CustomerGateways = []map[string]any{
		customerGateway(cgws[0], locals[0], 65001, BGPKeyOf(id, 1)),
		customerGateway(cgws[1], locals[1], 65001, BGPKeyOf(id, 2)),
	}
	return c
}

// TransitRouterECMP is a dual-tunnel connection attached to a transit
// router (CEN): both tunnels active, no Role, TunnelIndex 1 and 2, one
// customer gateway without a BGP password.
func TransitRouterECMP(id string, n int) Connection {
	c := DualTunnel(id, n)
	base := strings.TrimPrefix(id, "vco-")
	cgw := "cgw-" + base
	c.GatewayID = ""
	c.Describe["VpnGatewayId"] = ""
	c.Describe["AttachType"] = "CEN"
	c.Describe["TransitRouterId"] = "tr-" + base
	c.Describe["AttachInstanceId"] = "cen-" + base
	c.Describe["State"] = "attached"
	setTunnels(c, func(i int, dl, opt map[string]any) {
		delete(opt, "Role")
		opt["CustomerGatewayId"] = cgw
	})
	local := c.Download["VpnConnectionConfig"].(map[string]any)["Local"].(string)
	c.CustomerGateways = []map[string]any{customerGateway(cgw, local, 65001, "")}
	return c
}

// PrivateNetwork is a single-tunnel, policy-based connection over a
// private network (Express Connect): private gateway addresses, NAT-T off.
func PrivateNetwork(id string, n int) Connection {
	c := SingleTunnel(id, n)
	local, remote := fmt.Sprintf("10.255.0.%d", n&0xff), fmt.Sprintf("172.31.255.%d", n&0xff)
	onprem := fmt.Sprintf("192.168.%d.0/24", n&0xff)
	dl := c.Download["VpnConnectionConfig"].(map[string]any)
	dl["Local"], dl["Remote"], dl["LocalSubnet"] = local, remote, onprem
	ike := dl["IkeConfig"].(map[string]any)
	ike["LocalId"], ike["RemoteId"] = local, remote
	c.Describe["NetworkType"] = "private"
	c.Describe["RemoteSubnet"] = onprem
	c.Describe["EnableNatTraversal"] = false
	d := c.Describe["IkeConfig"].(map[string]any)
	d["LocalId"], d["RemoteId"] = remote, local
	return c
}

// HealthCheck is a single-tunnel, policy-based connection whose health
// check probes from 172.30.0.1 (outside the VPC subnet 172.16.0.0/16) to
// 10.250.0.<n> (outside the on-prem subnet 10.<n>.0.0/16).
func HealthCheck(id string, n int) Connection {
	c := SingleTunnel(id, n)
	c.Describe["VcoHealthCheck"] = map[string]any{
		"Enable": "true", "Sip": "172.30.0.1", "Dip": fmt.Sprintf("10.250.0.%d", n&0xff),
		"Interval": 3, "Retry": 3, "Policy": "revoke_route", "Status": "success",
	}
	return c
}

// SMCertificate is a single-tunnel connection of an SM (国密) gateway:
// IKEv1 main mode, sm4/sm3, a peer CA certificate and no pre-shared key.
func SMCertificate(id string, n int) Connection {
	c := SingleTunnel(id, n)
	dl := c.Download["VpnConnectionConfig"].(map[string]any)
	ike := dl["IkeConfig"].(map[string]any)
	ike["IkeVersion"], ike["IkeEncAlg"], ike["IkeAuthAlg"], ike["Psk"] = "ikev1", "sm4", "sm3", ""
	ipsec := dl["IpsecConfig"].(map[string]any)
	ipsec["IpsecEncAlg"], ipsec["IpsecAuthAlg"] = "sm4", "sm3"
	c.Describe["RemoteCaCertificate"] = "-----BEGIN CERTIFICATE-----\nMIIB7zCCAZWgAwIBAgIFAKEFAKE=\n-----END CERTIFICATE-----"
	c.Describe["IkeConfig"].(map[string]any)["Psk"] = ""
	return c
}

// IKEv2Subnets is a single-tunnel IKEv2 connection with two subnets on
// each side: Alibaba negotiates one SA carrying all four selectors.
func IKEv2Subnets(id string, n int) Connection {
	c := SingleTunnel(id, n)
	onprem := fmt.Sprintf("10.%d.1.0/24,10.%d.2.0/24", n&0xff, n&0xff)
	vpc := "172.16.1.0/24,172.16.2.0/24"
	dl := c.Download["VpnConnectionConfig"].(map[string]any)
	dl["LocalSubnet"], dl["RemoteSubnet"] = onprem, vpc
	c.Describe["RemoteSubnet"], c.Describe["LocalSubnet"] = onprem, vpc
	return c
}

// Shapes is one connection of every shape the fake knows, plus a plain
// single and dual tunnel: the batch the export tests run end to end.
// Their IDs are vco-<prefix><shape> (letters and digits, like Alibaba's).
func Shapes(prefix string) []Connection {
	id := func(s string) string { return "vco-" + prefix + s }
	return []Connection{
		SingleTunnel(id("single"), 1),
		DualTunnel(id("dual"), 2),
		BGPKey(id("bgpkey"), 3),
		TwoCustomerGateways(id("twocgw"), 4),
		TransitRouterECMP(id("ecmp"), 5),
		PrivateNetwork(id("private"), 6),
		HealthCheck(id("health"), 7),
		SMCertificate(id("sm"), 8),
		IKEv2Subnets(id("subnets"), 9),
	}
}

// BGPKeyOf is the fake BGP password the fixtures give a connection's
// tunnel: printable ASCII with characters a renderer must carry or escape
// ('#', '!', ';', '$', a backslash), no space and no '?', as Alibaba
// allows (docs/alibaba-api.md "BGP passwords"). No double quote: the Cisco CLI
// cannot take one, which would fail every vendor of the connection; the
// render tests cover that case.
func BGPKeyOf(id string, tunnel int) string {
	return fmt.Sprintf(`FAKE-bgp-%s-%d#!;$\`, strings.TrimPrefix(id, "vco-"), tunnel)
}

// BGPAddrs is a BGP /30 in 169.254.<third>.0/24 for connection n: the
// CIDR, Alibaba's address (.1) and the on-prem address (.2).
func BGPAddrs(third, n int) (cidr, alibaba, onprem string) {
	b := (n % 60) * 4
	return fmt.Sprintf("169.254.%d.%d/30", third, b), fmt.Sprintf("169.254.%d.%d", third, b+1), fmt.Sprintf("169.254.%d.%d", third, b+2)
}

func customerGateway(id, addr string, asn int, key string) map[string]any {
	return map[string]any{
		"CustomerGatewayId": id, "Name": id, "IpAddress": addr, "Asn": asn, "AuthKey": key,
		"Description": "fake", "CreateTime": 1492747187000,
	}
}

// setTunnels edits each tunnel's download entry and TunnelOptions entry.
func setTunnels(c Connection, edit func(i int, dl, opt map[string]any)) {
	dls := c.Download["VpnConnectionConfig"].(map[string]any)["TunnelsConfig"].(map[string]any)["TunnelConfig"].([]any)
	opts := c.Describe["TunnelOptionsSpecification"].(map[string]any)["TunnelOptions"].([]any)
	for i := range dls {
		edit(i, dls[i].(map[string]any), opts[i].(map[string]any))
	}
}
