package api

import (
	"strconv"
	"strings"
)

// CertificateError refuses a connection that authenticates with
// certificates: Alibaba's SM (国密, "China Certified Cryptography") VPN
// gateways, which use SM3/SM4 and a peer CA certificate instead of a
// pre-shared key (docs/alibaba-api.md "Certificate and SM (国密) connections"). vpnexport renders pre-shared
// key connections only, and none of its target platforms implements SM3 or
// SM4 IPsec, so instead of one "cannot be expressed" error per algorithm
// and vendor the connection gets this one error, which says what it is and
// where it could be served. A batch goes on with the other connections.
type CertificateError struct {
	// Reasons are what marks the connection: "IKE encryption sm4 (tunnel
	// 1)", "a peer CA certificate (RemoteCaCertificate)".
	Reasons []string
}

func (e *CertificateError) Error() string {
	return "certificate (SM, 国密) connection: " + strings.Join(e.Reasons, ", ") + ". " +
		"It belongs to a China Certified Cryptography (SM) VPN gateway, which authenticates with SM2 certificates instead of a pre-shared key " +
		"and encrypts with SM4/SM3; vpnexport renders pre-shared-key connections only, and none of its platforms implements SM IPsec. " +
		"Configure it by hand on a device with SM IPsec and certificate support (Huawei USG firewalls list sm3/sm4 in their IPsec proposals; " +
		"ask other vendors, e.g. H3C, for their SM releases), or use a standard VPN gateway"
}

// smReasons lists the SM algorithms a download names. It reads the raw
// values, before anything else is checked: an SM connection has no
// pre-shared key to validate, and its one honest error is this one.
func smReasons(cfg *VpnConnectionConfig) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	check := func(tunnel string, ike *IkeConfig, ipsec *IpsecConfig) {
		add := func(what, v string) {
			if v = strings.ToLower(strings.TrimSpace(v)); v == "sm3" || v == "sm4" {
				out = append(out, what+" "+v+tunnel)
			}
		}
		if ike != nil {
			add("IKE encryption", ike.IkeEncAlg)
			add("IKE authentication", ike.IkeAuthAlg)
		}
		if ipsec != nil {
			add("IPsec encryption", ipsec.IpsecEncAlg)
			add("IPsec authentication", ipsec.IpsecAuthAlg)
		}
	}
	check("", cfg.IkeConfig, cfg.IpsecConfig)
	if cfg.TunnelsConfig != nil {
		for i, t := range cfg.TunnelsConfig.TunnelConfig {
			check(" (tunnel "+strconv.Itoa(i+1)+")", t.IkeConfig, t.IpsecConfig)
		}
	}
	return out
}

// certificateError reports a peer CA certificate on the connection or a
// tunnel: the mark of a certificate connection in DescribeVpnConnection.
func (d *VpnConnection) certificateError() error {
	var reasons []string
	if strings.TrimSpace(d.RemoteCaCertificate) != "" {
		reasons = append(reasons, "a peer CA certificate (RemoteCaCertificate)")
	}
	for _, t := range d.tunnels() {
		if strings.TrimSpace(t.RemoteCaCertificate) != "" {
			reasons = append(reasons, "a peer CA certificate for tunnel "+strings.TrimSpace(t.TunnelID))
		}
	}
	if reasons == nil {
		return nil
	}
	return &CertificateError{Reasons: reasons}
}
