package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// ActionDescribeCustomerGateway reads one customer gateway: its address,
// ASN and BGP password (AuthKey). RAM action vpc:DescribeCustomerGateway.
const ActionDescribeCustomerGateway = "DescribeCustomerGateway"

// CustomerGateway is a DescribeCustomerGateway response: the on-prem
// device as Alibaba knows it. AuthKey is the BGP (TCP MD5) password Alibaba
// uses with this device; the download never carries it, and
// DescribeVpnConnection has it for the connection's one customer gateway
// only, while each tunnel of a dual-tunnel connection has its own gateway
// (docs/alibaba-api.md "BGP passwords").
type CustomerGateway struct {
	CustomerGatewayID string  `json:"CustomerGatewayId"`
	Name              string  `json:"Name"`
	IPAddress         string  `json:"IpAddress"`
	Asn               FlexInt `json:"Asn"`
	AuthKey           string  `json:"AuthKey"`
}

// CustomerGatewayResult is a DescribeCustomerGateway result with its raw
// body, which --save-response keeps for offline re-rendering.
type CustomerGatewayResult struct {
	Gateway *CustomerGateway
	Raw     []byte
}

// CustomerGatewaySource is implemented by Sources that can read customer
// gateways (Client, Retrying around one). It is separate from Source so
// that a Source without it still exports everything but the per-tunnel
// BGP passwords of dual-tunnel connections.
type CustomerGatewaySource interface {
	DescribeCustomerGateway(ctx context.Context, id string) (*CustomerGatewayResult, error)
}

// DescribeCustomerGateway calls the action of that name.
func (c *Client) DescribeCustomerGateway(ctx context.Context, id string) (*CustomerGatewayResult, error) {
	raw, err := c.call(ctx, ActionDescribeCustomerGateway, map[string]string{"CustomerGatewayId": id})
	if err != nil {
		return nil, err
	}
	g, err := ParseCustomerGateway(raw)
	if err != nil {
		return nil, &CallError{Action: ActionDescribeCustomerGateway, Err: err}
	}
	return &CustomerGatewayResult{Gateway: g, Raw: raw}, nil
}

func (r *retrying) DescribeCustomerGateway(ctx context.Context, id string) (*CustomerGatewayResult, error) {
	s, ok := r.s.(CustomerGatewaySource)
	if !ok {
		return nil, &CallError{Action: ActionDescribeCustomerGateway, Err: errors.New("not supported by this source")}
	}
	return retry(ctx, r.p, ActionDescribeCustomerGateway, func() (*CustomerGatewayResult, error) { return s.DescribeCustomerGateway(ctx, id) })
}

// ParseCustomerGateway decodes a DescribeCustomerGateway response.
func ParseCustomerGateway(raw []byte) (*CustomerGateway, error) {
	var g CustomerGateway
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	if strings.TrimSpace(g.CustomerGatewayID) == "" {
		return nil, errors.New("response has no CustomerGatewayId")
	}
	return &g, nil
}

// Secrets lists the gateway's BGP password, for masking in messages.
func (g *CustomerGateway) Secrets() []vpn.SecretValue {
	if g == nil || g.AuthKey == "" {
		return nil
	}
	return []vpn.SecretValue{{Kind: vpn.KindBGPKey, Value: g.AuthKey}}
}

// CustomerGatewaysNeeded lists the customer gateways whose BGP password
// only DescribeCustomerGateway can tell: those of the BGP tunnels of a
// dual-tunnel connection, each ID once, in tunnel order.
func CustomerGatewaysNeeded(c vpn.Connection) []string {
	if len(c.Tunnels) < 2 {
		return nil
	}
	var out []string
	for _, t := range c.Tunnels {
		if t.BGP != nil && t.CustomerGatewayID != "" && !contains(out, t.CustomerGatewayID) {
			out = append(out, t.CustomerGatewayID)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// ApplyCustomerGateways gives each BGP tunnel the password of its own
// customer gateway (gws by ID), and warns where a gateway's address is not
// the one the download gives this device. Tunnels whose gateway is not in
// gws keep what they have.
func ApplyCustomerGateways(conn *vpn.Connection, gws map[string]*CustomerGateway) []vpn.Warning {
	var warns []vpn.Warning
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		g := gws[t.CustomerGatewayID]
		if g == nil {
			continue
		}
		if t.BGP != nil {
			b := *t.BGP
			b.AuthKey = vpn.NewSecret(g.AuthKey)
			t.BGP = &b
		}
		if a, err := netip.ParseAddr(strings.TrimSpace(g.IPAddress)); err == nil && t.LocalAddr.IsValid() && a.Unmap() != t.LocalAddr {
			warns = append(warns, vpn.Warning{Scope: t.Label(), Message: fmt.Sprintf(
				"customer gateway %s has address %s, but the download gives this device %s: a device behind NAT is registered with the NAT's public address; check which address this device has", g.CustomerGatewayID, a.Unmap(), t.LocalAddr)})
		}
	}
	return warns
}
