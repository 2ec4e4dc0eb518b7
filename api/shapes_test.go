package api

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/internal/fakealiyun"
	"github.com/vpnexport/vpnexport/vpn"
)

// responses decodes a fake connection the way export does, customer
// gateways included.
func responses(t *testing.T, c fakealiyun.Connection) Responses {
	t.Helper()
	cfg, d := fixture(t, c)
	r := Responses{Download: cfg, Describe: d}
	for _, g := range c.CustomerGateways {
		raw, err := json.Marshal(g)
		require.NoError(t, err)
		cg, err := ParseCustomerGateway(raw)
		require.NoError(t, err)
		if r.CustomerGateways == nil {
			r.CustomerGateways = map[string]*CustomerGateway{}
		}
		r.CustomerGateways[cg.CustomerGatewayID] = cg
	}
	return r
}

func TestShapeBGPKey(t *testing.T) {
	c := fakealiyun.BGPKey("vco-a1", 3)
	conn, warns, err := responses(t, c).Connection("cn-shanghai")
	require.NoError(t, err)
	b := conn.Tunnels[0].BGP
	require.NotNil(t, b)
	assert.Equal(t, fakealiyun.BGPKeyOf(c.ID, 1), b.AuthKey.Reveal(), "VpnBgpConfig.AuthKey is the session's password")
	assert.Equal(t, "cgw-a1", conn.Tunnels[0].CustomerGatewayID)
	assert.True(t, conn.Described)
	for _, w := range warns {
		assert.NotEqual(t, WarnBGPOrientation, w.Code, "Describe settled the orientation: %v", w)
	}
	// The key is a secret of the description, for masking.
	require.Len(t, responses(t, c).Secrets(), 3, "PSK, the description's key and the gateway's key")
}

// TestListedBGPWithoutEnableBgp: DescribeVpnConnections lists VpnBgpConfig
// without EnableBgp; a block with a tunnel CIDR and both addresses is BGP.
func TestListedBGPWithoutEnableBgp(t *testing.T) {
	c := fakealiyun.BGPKey("vco-a2", 3)
	delete(c.Describe["VpnBgpConfig"].(map[string]any), "EnableBgp")
	conn, _, err := responses(t, c).Connection("")
	require.NoError(t, err)
	require.NotNil(t, conn.Tunnels[0].BGP)
	assert.NotEmpty(t, conn.Tunnels[0].BGP.AuthKey.Reveal())

	// EnableBgp "false" wins over a leftover block.
	c.Describe["VpnBgpConfig"].(map[string]any)["EnableBgp"] = "false"
	conn, _, err = responses(t, c).Connection("")
	require.NoError(t, err)
	require.NotNil(t, conn.Tunnels[0].BGP, "the download's BgpConfigs remain")
	assert.Empty(t, conn.Tunnels[0].BGP.AuthKey.Reveal())
}

func TestShapeTwoCustomerGateways(t *testing.T) {
	c := fakealiyun.TwoCustomerGateways("vco-a3", 4)
	r := responses(t, c)
	conn, warns, err := r.Connection("")
	require.NoError(t, err)
	assert.Empty(t, warns)
	for i, want := range []string{"cgw-a3a", "cgw-a3b"} {
		tu := conn.Tunnels[i]
		assert.Equal(t, want, tu.CustomerGatewayID)
		assert.Equal(t, fakealiyun.BGPKeyOf(c.ID, i+1), tu.BGP.AuthKey.Reveal(), "tunnel %d gets its own gateway's key", i+1)
	}
	assert.Equal(t, []string{"cgw-a3a", "cgw-a3b"}, CustomerGatewaysNeeded(conn))
	ds := conn.Devices()
	require.Len(t, ds, 2)
	assert.Equal(t, "cgw-a3b", ds[1].Key)
	assert.Equal(t, netip.MustParseAddr("192.0.2.4"), ds[1].Addr)

	// Without the gateways' answers the keys are unknown, and said so.
	r.CustomerGateways = nil
	conn, warns, err = r.Connection("")
	require.NoError(t, err)
	assert.Empty(t, conn.Tunnels[1].BGP.AuthKey.Reveal())
	require.Len(t, warns, 2)
	assert.Contains(t, warns[1].Message, "customer gateway cgw-a3b could not be read")
}

func TestShapeTransitRouter(t *testing.T) {
	conn, warns, err := responses(t, fakealiyun.TransitRouterECMP("vco-a4", 5)).Connection("")
	require.NoError(t, err)
	assert.True(t, conn.ActiveActive)
	for _, tu := range conn.Tunnels {
		assert.Equal(t, vpn.RoleSingle, tu.Role, "no failover role when both tunnels are active")
		assert.False(t, tu.RoleAssumed)
	}
	for _, w := range warns {
		assert.NotEqual(t, WarnRoleAssumed, w.Code, "%v", w)
		assert.NotContains(t, w.Message, "role", "no role to assume on a transit router")
	}
	assert.Nil(t, conn.Devices(), "one customer gateway: one device")
}

func TestShapePrivateAndHealthCheck(t *testing.T) {
	conn, _, err := responses(t, fakealiyun.PrivateNetwork("vco-a5", 6)).Connection("")
	require.NoError(t, err)
	assert.True(t, conn.PrivateNetwork)
	assert.False(t, conn.NATTraversal)

	conn, _, err = responses(t, fakealiyun.HealthCheck("vco-a6", 7)).Connection("")
	require.NoError(t, err)
	h := conn.HealthCheck
	require.NotNil(t, h)
	assert.Equal(t, vpn.HealthCheck{Source: netip.MustParseAddr("172.30.0.1"), Destination: netip.MustParseAddr("10.250.0.7"),
		Interval: 3 * time.Second, Retries: 3, RevokeRoute: true}, *h)
	pair, ok := conn.ProbePair()
	require.True(t, ok, "both probe addresses lie outside the subnets")
	assert.Equal(t, "10.250.0.7/32 172.30.0.1/32", pair.Local.String()+" "+pair.Remote.String())

	c := fakealiyun.HealthCheck("vco-a7", 7)
	c.Describe["VcoHealthCheck"].(map[string]any)["Sip"] = "not-an-address"
	_, _, err = responses(t, c).Connection("")
	assert.ErrorContains(t, err, "VcoHealthCheck.Sip")

	c.Describe["VcoHealthCheck"].(map[string]any)["Enable"] = "false"
	conn, _, err = responses(t, c).Connection("")
	require.NoError(t, err, "a disabled health check is not read")
	assert.Nil(t, conn.HealthCheck)
}

func TestShapeCertificate(t *testing.T) {
	_, _, err := responses(t, fakealiyun.SMCertificate("vco-a8", 8)).Connection("")
	var ce *CertificateError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "IKE encryption sm4")
	assert.NotContains(t, err.Error(), "invalid connection")

	// A standard algorithm set with a peer CA certificate: still one.
	c := fakealiyun.SingleTunnel("vco-a9", 9)
	c.Describe["RemoteCaCertificate"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
	_, _, err = responses(t, c).Connection("")
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "RemoteCaCertificate")

	// Offline: the algorithms alone say it.
	_, _, err = Responses{Download: responses(t, fakealiyun.SMCertificate("vco-b1", 1)).Download}.Connection("")
	require.ErrorAs(t, err, &ce)
}

// TestPSKUserGuideCharacters: a key with ' and \ (listed by an Alibaba
// user guide, not by the API reference) is accepted as it is.
func TestPSKUserGuideCharacters(t *testing.T) {
	c := fakealiyun.SingleTunnel("vco-c1", 1)
	key := `it's\a"key`
	c.Download["VpnConnectionConfig"].(map[string]any)["IkeConfig"].(map[string]any)["Psk"] = key
	conn, _, err := responses(t, c).Connection("")
	require.NoError(t, err)
	assert.Equal(t, key, conn.Tunnels[0].PSK.Reveal())
}
