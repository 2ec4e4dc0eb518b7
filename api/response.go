package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// DownloadResponse mirrors DownloadVpnConnectionConfig's response. The same
// struct decodes JSON and XML: element names equal JSON keys.
type DownloadResponse struct {
	XMLName             xml.Name            `json:"-" xml:"DownloadVpnConnectionConfigResponse"`
	RequestID           string              `json:"RequestId" xml:"RequestId"`
	VpnConnectionConfig VpnConnectionConfig `json:"VpnConnectionConfig" xml:"VpnConnectionConfig"`
}

// VpnConnectionConfig is the on-prem device's configuration. Local* is the
// customer gateway side, Remote* Alibaba's side (see package vpn).
type VpnConnectionConfig struct {
	Local         string         `json:"Local" xml:"Local"`
	Remote        string         `json:"Remote" xml:"Remote"`
	LocalSubnet   string         `json:"LocalSubnet" xml:"LocalSubnet"`
	RemoteSubnet  string         `json:"RemoteSubnet" xml:"RemoteSubnet"`
	IkeConfig     *IkeConfig     `json:"IkeConfig" xml:"IkeConfig"`
	IpsecConfig   *IpsecConfig   `json:"IpsecConfig" xml:"IpsecConfig"`
	TunnelsConfig *TunnelsConfig `json:"TunnelsConfig" xml:"TunnelsConfig"`
	BgpConfigs    *BgpConfigs    `json:"BgpConfigs" xml:"BgpConfigs"`
}

// IkeConfig is phase 1.
type IkeConfig struct {
	IkeVersion  string  `json:"IkeVersion" xml:"IkeVersion"`
	IkeMode     string  `json:"IkeMode" xml:"IkeMode"`
	IkeEncAlg   string  `json:"IkeEncAlg" xml:"IkeEncAlg"`
	IkeAuthAlg  string  `json:"IkeAuthAlg" xml:"IkeAuthAlg"`
	IkePfs      string  `json:"IkePfs" xml:"IkePfs"`
	IkeLifetime FlexInt `json:"IkeLifetime" xml:"IkeLifetime"`
	LocalID     string  `json:"LocalId" xml:"LocalId"`
	RemoteID    string  `json:"RemoteId" xml:"RemoteId"`
	Psk         string  `json:"Psk" xml:"Psk"`
}

// IpsecConfig is phase 2.
type IpsecConfig struct {
	IpsecEncAlg   string  `json:"IpsecEncAlg" xml:"IpsecEncAlg"`
	IpsecAuthAlg  string  `json:"IpsecAuthAlg" xml:"IpsecAuthAlg"`
	IpsecPfs      string  `json:"IpsecPfs" xml:"IpsecPfs"`
	IpsecLifetime FlexInt `json:"IpsecLifetime" xml:"IpsecLifetime"`
}

// TunnelsConfig wraps the dual-tunnel list.
type TunnelsConfig struct {
	TunnelConfig []TunnelConfig `json:"TunnelConfig" xml:"TunnelConfig"`
}

// TunnelConfig is one tunnel of a dual-tunnel connection.
type TunnelConfig struct {
	TunnelID    string       `json:"TunnelId" xml:"TunnelId"`
	Local       string       `json:"Local" xml:"Local"`
	Remote      string       `json:"Remote" xml:"Remote"`
	IkeConfig   *IkeConfig   `json:"IkeConfig" xml:"IkeConfig"`
	IpsecConfig *IpsecConfig `json:"IpsecConfig" xml:"IpsecConfig"`
}

// BgpConfigs wraps the per-tunnel BGP list.
type BgpConfigs struct {
	BgpConfig []BgpConfig `json:"BgpConfig" xml:"BgpConfig"`
}

// BgpConfig is one tunnel's BGP session as Download reports it. Its
// orientation is not documented; Normalize reads LocalAsn/LocalBgpIp as
// Alibaba's side (the 45104 convention), warns that it guessed, and
// ApplyDescription settles it from DescribeVpnConnection (see
// normalizer.bgp and docs/alibaba-api.md "BGP in the download").
type BgpConfig struct {
	TunnelID   string  `json:"TunnelId" xml:"TunnelId"`
	LocalAsn   FlexInt `json:"LocalAsn" xml:"LocalAsn"`
	LocalBgpIP string  `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerAsn    FlexInt `json:"PeerAsn" xml:"PeerAsn"`
	PeerBgpIP  string  `json:"PeerBgpIp" xml:"PeerBgpIp"`
	TunnelCidr string  `json:"TunnelCidr" xml:"TunnelCidr"`
}

// FlexInt decodes an integer the API sends as a number or as a string
// ("86400"), tolerating "" and null (type drift, see docs/alibaba-api.md "Type drift").
// Set records whether the field was present with a value.
type FlexInt struct {
	Value int64
	Set   bool
	// Raw keeps the text of a value that did not parse, for the error.
	Raw string
}

// UnmarshalJSON accepts 86400, "86400", "", null.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = FlexInt{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return f.UnmarshalText([]byte(s))
	}
	return f.UnmarshalText(b)
}

// UnmarshalText is used by encoding/xml and for quoted JSON numbers. A
// value that is not an integer is kept in Raw and reported by Normalize,
// which knows the field's name.
func (f *FlexInt) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*f = FlexInt{}
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		*f = FlexInt{Set: true, Raw: s}
		return nil
	}
	*f = FlexInt{Value: n, Set: true}
	return nil
}

// Valid reports a present, well-formed integer.
func (f FlexInt) Valid() bool { return f.Set && f.Raw == "" }

// FlexBool decodes a boolean sent as true, "true", "1", "false", "0" or "".
type FlexBool struct {
	Value bool
	Set   bool
}

// UnmarshalJSON accepts booleans, strings and numbers.
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = FlexBool{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	return f.UnmarshalText(b)
}

// UnmarshalText accepts true/false/1/0 in any letter case.
func (f *FlexBool) UnmarshalText(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(b))) {
	case "":
		*f = FlexBool{}
	case "true", "1", "yes", "on":
		*f = FlexBool{Value: true, Set: true}
	case "false", "0", "no", "off":
		*f = FlexBool{Value: false, Set: true}
	default:
		return fmt.Errorf("not a boolean: %q", string(b))
	}
	return nil
}

// ConfigSecrets lists the secrets of a download, read straight from the
// response: every pre-shared key, with its tunnel's 1-based index (0 for
// the top-level key). Callers mask them in messages before (or whether or
// not) the response normalizes.
func ConfigSecrets(c *VpnConnectionConfig) []vpn.SecretValue {
	if c == nil {
		return nil
	}
	var out []vpn.SecretValue
	if c.IkeConfig != nil {
		out = append(out, vpn.SecretValue{Kind: vpn.KindPSK, Value: c.IkeConfig.Psk})
	}
	if c.TunnelsConfig != nil {
		for i, t := range c.TunnelsConfig.TunnelConfig {
			if t.IkeConfig != nil {
				out = append(out, vpn.SecretValue{Kind: vpn.KindPSK, Tunnel: i + 1, Value: t.IkeConfig.Psk})
			}
		}
	}
	return out
}
