package api

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/vpn"
)

// The fuzz targets in this file run only their seed corpus in a normal
// `go test`; run them for real with, e.g.
//
//	go test ./api -run '^$' -fuzz FuzzParseJSON -fuzztime 60s
//
// Seeds are every saved response under ../testdata/api plus the inputs
// under testdata/fuzz/<target>/ that once failed.

// seedFiles returns the saved responses under ../testdata/api with the
// given extension.
func seedFiles(f *testing.F, ext string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "api", "*"+ext))
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return append(out, Example)
}

// safeToken is what every free-form string of an accepted connection may
// contain besides the PSK: Normalize is the one place that keeps values
// inside their token for every vendor, so the fuzz oracle checks it here.
var safeToken = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)

// checkConnection is the oracle shared by the fuzz targets: Normalize
// either fails or returns a connection in which no value other than the
// PSK can carry a character that ends a line, a token or a string on any
// platform, and the PSK stays within Alibaba's documented alphabet.
func checkConnection(t *testing.T, cfg *VpnConnectionConfig) {
	t.Helper()
	c, warns, err := Normalize(cfg)
	if err != nil {
		if err.Error() == "" {
			t.Fatal("Normalize failed with an empty error")
		}
		return
	}
	if len(c.Tunnels) == 0 || len(c.Tunnels) > 2 {
		t.Fatalf("accepted connection has %d tunnels", len(c.Tunnels))
	}
	if len(c.LocalSubnets) == 0 || len(c.RemoteSubnets) == 0 {
		t.Fatalf("accepted connection without subnets: %v %v", c.LocalSubnets, c.RemoteSubnets)
	}
	for _, p := range append(append([]netip.Prefix{}, c.LocalSubnets...), c.RemoteSubnets...) {
		if !p.IsValid() || p.Masked() != p {
			t.Fatalf("accepted subnet %v is not a masked prefix", p)
		}
	}
	for _, tu := range c.Tunnels {
		if !tu.RemoteAddr.IsValid() {
			t.Fatalf("%s: accepted without Alibaba's address", tu.Label())
		}
		for _, id := range []vpn.Identity{tu.LocalID, tu.RemoteID} {
			if id.Kind == vpn.IDFQDN && (id.FQDN == "" || !safeToken.MatchString(id.FQDN)) {
				t.Fatalf("%s: accepted FQDN identity %q can leave its token", tu.Label(), id.FQDN)
			}
		}
		if !safeToken.MatchString(tu.ID) {
			t.Fatalf("%s: accepted tunnel ID %q can leave its token", tu.Label(), tu.ID)
		}
		psk := tu.PSK.Reveal()
		if psk == "" || len(psk) > 100 {
			t.Fatalf("%s: accepted PSK of length %d", tu.Label(), len(psk))
		}
		for _, r := range psk {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(pskSpecials, r)) {
				t.Fatalf("%s: accepted PSK with character %U", tu.Label(), r)
			}
		}
		if tu.IKE.Lifetime < 0 || tu.IPsec.Lifetime < 0 {
			t.Fatalf("%s: negative lifetime", tu.Label())
		}
		if tu.BGP != nil && (!tu.BGP.TunnelCIDR.Contains(tu.BGP.LocalIP) || !tu.BGP.TunnelCIDR.Contains(tu.BGP.RemoteIP)) {
			t.Fatalf("%s: BGP addresses outside the tunnel CIDR", tu.Label())
		}
	}
	for _, w := range warns {
		for _, tu := range c.Tunnels {
			if psk := tu.PSK.Reveal(); len(psk) >= 4 && strings.Contains(w.String(), psk) {
				t.Fatalf("warning reveals the PSK: %s", w)
			}
		}
	}
}

// checkErrorHidesPSK asserts that an error message never carries a PSK
// taken from the input.
func checkErrorHidesPSK(t *testing.T, err error, psks []string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, p := range psks {
		if len(p) >= 6 && strings.Contains(err.Error(), p) {
			t.Fatalf("error reveals the PSK %q: %v", p, err)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range seedFiles(f, ".json") {
		f.Add(s)
	}
	f.Add([]byte(`{"Code":"Forbidden","Message":"denied"}`))
	f.Add([]byte(`{"VpnConnectionConfig":{"IkeConfig":{"IkeLifetime":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		if cfg == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		checkConnection(t, cfg)
	})
}

func FuzzParseXML(f *testing.F) {
	for _, s := range seedFiles(f, ".xml") {
		f.Add(s)
	}
	f.Add([]byte(`<VpnConnectionConfig><Local>1.2.3.4</Local></VpnConnectionConfig>`))
	f.Add([]byte(`<Error><Code>Forbidden</Code><Message>no</Message></Error>`))
	f.Add([]byte(strings.Repeat("<a>", 40)))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		if cfg == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		checkConnection(t, cfg)
	})
}

// FuzzNormalize fuzzes the field values directly, which reaches the
// validators far faster than mutating whole documents.
func FuzzNormalize(f *testing.F) {
	for _, s := range seedFiles(f, ".json") {
		cfg, err := Parse(s)
		if err != nil || cfg.IkeConfig == nil || cfg.IpsecConfig == nil {
			continue
		}
		f.Add(cfg.Local, cfg.Remote, cfg.LocalSubnet, cfg.RemoteSubnet,
			cfg.IkeConfig.IkeVersion, cfg.IkeConfig.IkeMode, cfg.IkeConfig.IkeEncAlg, cfg.IkeConfig.LocalID, cfg.IkeConfig.RemoteID, cfg.IkeConfig.Psk,
			cfg.IkeConfig.IkeLifetime.Value, cfg.IpsecConfig.IpsecPfs, "tun-1", "169.254.1.0/30")
	}
	f.Add("198.51.100.1", "203.0.113.1", "10.0.0.0/8", "10.1.0.0/16", "ikev1", "aggressive", "aes", "a.example\n", "b;c", "k\"#;\r\n", int64(-1), "disabled", "tun 1", "169.254.1.1/30")
	f.Fuzz(func(t *testing.T, local, remote, lsub, rsub, ver, mode, enc, lid, rid, psk string, life int64, pfs, tunID, cidr string) {
		ike := &IkeConfig{IkeVersion: ver, IkeMode: mode, IkeEncAlg: enc, IkeAuthAlg: "sha1", IkePfs: "group2",
			IkeLifetime: FlexInt{Value: life, Set: true}, LocalID: lid, RemoteID: rid, Psk: psk}
		ipsec := &IpsecConfig{IpsecEncAlg: enc, IpsecAuthAlg: "sha256", IpsecPfs: pfs, IpsecLifetime: FlexInt{Value: 3600, Set: true}}
		single := &VpnConnectionConfig{Local: local, Remote: remote, LocalSubnet: lsub, RemoteSubnet: rsub, IkeConfig: ike, IpsecConfig: ipsec}
		checkConnection(t, single)
		_, _, err := Normalize(single)
		checkErrorHidesPSK(t, err, []string{psk})

		dual := &VpnConnectionConfig{LocalSubnet: lsub, RemoteSubnet: rsub, TunnelsConfig: &TunnelsConfig{TunnelConfig: []TunnelConfig{
			{TunnelID: tunID, Local: local, Remote: remote, IkeConfig: ike, IpsecConfig: ipsec},
			{TunnelID: tunID + "b", Local: local, Remote: remote, IkeConfig: ike, IpsecConfig: ipsec},
		}}, BgpConfigs: &BgpConfigs{BgpConfig: []BgpConfig{
			{TunnelID: tunID, TunnelCidr: cidr, LocalBgpIP: local, PeerBgpIP: remote, LocalAsn: FlexInt{Raw: lid, Set: lid != ""}, PeerAsn: FlexInt{Value: life, Set: true}},
		}}}
		checkConnection(t, dual)
		_, _, err = Normalize(dual)
		checkErrorHidesPSK(t, err, []string{psk})
	})
}

// TestInputLimits pins the refusals of oversized and deeply nested input.
func TestInputLimits(t *testing.T) {
	big := append([]byte(`{"VpnConnectionConfig":{"Local":"`), bytes.Repeat([]byte("a"), MaxInputSize)...)
	big = append(big, `"}}`...)
	deep := []byte(strings.Repeat("<VpnConnectionConfig>", maxXMLDepth+1) + strings.Repeat("</VpnConnectionConfig>", maxXMLDepth+1))
	okDepth := []byte(strings.Repeat("<VpnConnectionConfig>", maxXMLDepth) + strings.Repeat("</VpnConnectionConfig>", maxXMLDepth))
	tests := map[string]struct {
		data    []byte
		wantErr string
	}{
		"too large":        {big, "input is larger than 1048576 bytes"},
		"too deep":         {deep, "nested deeper than 32 levels"},
		"empty":            {[]byte(" \n\t"), "input is empty"},
		"neither":          {[]byte("hello"), "neither JSON nor XML"},
		"error response":   {[]byte(`{"Code":"Forbidden.RAM","Message":"no permission"}`), "Alibaba error response"},
		"XML error":        {[]byte(`<Error><Code>Throttling</Code><Message>slow down</Message></Error>`), "Throttling: slow down"},
		"XML wrong root":   {[]byte(`<Foo/>`), "root element <Foo>"},
		"JSON syntax":      {[]byte(`{"VpnConnectionConfig":`), "parse JSON"},
		"max depth passes": {okDepth, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.data)
			if tc.wantErr == "" {
				if err != nil && strings.Contains(err.Error(), "nested deeper") {
					t.Fatalf("depth %d refused: %v", maxXMLDepth, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse: got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestReadLimited checks the reader-side limit used for files and stdin.
func TestReadLimited(t *testing.T) {
	if _, err := ReadLimited(bytes.NewReader(make([]byte, MaxInputSize))); err != nil {
		t.Fatalf("exactly MaxInputSize bytes refused: %v", err)
	}
	_, err := ReadLimited(bytes.NewReader(make([]byte, MaxInputSize+1)))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("MaxInputSize+1 bytes: got %v, want a size error", err)
	}
}

// TestParseSeedsRoundTrip makes sure every seed still parses, so the fuzz
// corpus starts from valid documents.
func TestParseSeedsRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "api", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(data); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	var v any
	if err := json.Unmarshal(Example, &v); err != nil {
		t.Fatalf("example.json: %v", err)
	}
}
