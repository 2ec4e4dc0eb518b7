package api

import (
	"errors"
	"fmt"

	"github.com/vpnexport/vpnexport/vpn"
)

// Responses are what Alibaba said about one connection: the download, and
// when available its description and the customer gateways of its
// tunnels. export fetches them; `render -i DIR/<id>/` reads the copies
// `export --save-response` kept, and both turn them into the connection
// through Connection, so the two give the same bytes.
type Responses struct {
	Download *VpnConnectionConfig
	// Describe is nil for a bare download (render -i FILE).
	Describe *VpnConnection
	// CustomerGateways are DescribeCustomerGateway answers by ID; a
	// needed gateway that is missing leaves its tunnel's BGP password
	// unknown, which the connection's warnings say.
	CustomerGateways map[string]*CustomerGateway
}

// Secrets lists every secret the responses hold, read straight from them
// (before or whether or not they normalize), for masking in messages.
func (r Responses) Secrets() []vpn.SecretValue {
	out := ConfigSecrets(r.Download)
	out = append(out, r.Describe.Secrets()...)
	for _, g := range r.CustomerGateways {
		out = append(out, g.Secrets()...)
	}
	return out
}

// Connection normalizes the download, completes it with the description
// and the customer gateways, and returns the connection with the warnings
// about what reading it left open (guesses the description settled are
// dropped). region is the connection's region, "" when unknown.
func (r Responses) Connection(region string) (vpn.Connection, []vpn.Warning, error) {
	conn, warns, err := Normalize(r.Download)
	var ce *CertificateError
	if errors.As(err, &ce) {
		return vpn.Connection{}, nil, err
	}
	if err != nil {
		return vpn.Connection{}, nil, fmt.Errorf("invalid connection:\n%w", err)
	}
	if r.Describe == nil {
		conn.Region = region
		return conn, warns, nil
	}
	dwarns, err := ApplyDescription(&conn, r.Download, r.Describe, region)
	if err != nil {
		return vpn.Connection{}, nil, err
	}
	warns = append(SettledWarnings(conn, r.Describe, warns), dwarns...)
	if ids := CustomerGatewaysNeeded(conn); len(ids) > 0 {
		found := map[string]*CustomerGateway{}
		for _, id := range ids {
			if g := r.CustomerGateways[id]; g != nil {
				found[id] = g
				continue
			}
			for i := range conn.Tunnels {
				t := &conn.Tunnels[i]
				if t.CustomerGatewayID == id && t.BGP != nil {
					what := "this tunnel's BGP password is taken from DescribeVpnConnection"
					if t.BGP.AuthKey.Reveal() == "" {
						what = "no BGP password is configured for this tunnel"
						b := *t.BGP
						b.AuthKeyUnknown = true
						t.BGP = &b
					}
					warns = append(warns, vpn.Warning{Scope: t.Label(), Message: fmt.Sprintf(
						"customer gateway %s could not be read (DescribeCustomerGateway), so %s: if Alibaba's side of this session has a password, BGP stays down until you set it", id, what)})
				}
			}
		}
		warns = append(warns, ApplyCustomerGateways(&conn, found)...)
	}
	return conn, warns, nil
}
