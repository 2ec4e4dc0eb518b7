package render_test

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// PAN-OS keywords read back into the model, written from Palo Alto's
// configuration schema (pan-os-codegen ike-crypto-profile and
// ipsec-crypto-profile enumerations; docs/vendors/paloalto.md),
// independently of render's tables.
var (
	paloReadCipher = map[string]vpn.Cipher{
		"aes-128-cbc": vpn.AES128, "aes-192-cbc": vpn.AES192, "aes-256-cbc": vpn.AES256, "3des": vpn.TripleDES, "des": vpn.DES,
	}
	paloReadHash = map[string]vpn.Integrity{
		"md5": vpn.MD5, "sha1": vpn.SHA1, "sha256": vpn.SHA256, "sha384": vpn.SHA384, "sha512": vpn.SHA512,
	}
	paloReadGroup = map[string]vpn.DHGroup{
		"group1": vpn.Group1, "group2": vpn.Group2, "group5": vpn.Group5, "group14": vpn.Group14, "no-pfs": vpn.NoPFS,
	}
	// paloReadUnit: lifetime units and their ranges (pan-os-codegen).
	paloReadUnit = map[string]struct{ size, min, max int }{
		"seconds": {1, 180, 65535}, "minutes": {60, 3, 65535}, "hours": {3600, 1, 65535}, "days": {86400, 1, 365},
	}
)

// paloSet is a PAN-OS configuration read from `set` lines: every line's
// tokens (quotes removed, "[ a b ]" lists expanded to one line per
// member), for lookups by path prefix.
type paloSet struct {
	lines [][]string
	// objects are the comment lines listing what the file creates.
	objects []string
}

// parsePaloSet reads a paloalto.set file. Every line is a comment or a
// `set` command; values with blanks or special characters are in "…"
// without escapes inside.
func parsePaloSet(t *testing.T, data []byte, verb string) paloSet {
	t.Helper()
	var s paloSet
	inObjects := false
	for i, raw := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			switch {
			case strings.HasPrefix(line, "# Objects this file creates"):
				inObjects = true
			case inObjects && strings.HasPrefix(raw, "#   "):
				s.objects = append(s.objects, strings.TrimPrefix(raw, "#   "))
			default:
				inObjects = false
			}
			continue
		}
		inObjects = false
		tok := tokenize(t, line)
		if tok[0] != verb {
			t.Fatalf("line %d: not a %s command: %q", i+1, verb, raw)
		}
		tok = tok[1:]
		// Expand one "[ … ]" list into one line per member.
		if open := slices.Index(tok, "["); open >= 0 {
			end := slices.Index(tok, "]")
			if end < open {
				t.Fatalf("line %d: unbalanced list: %q", i+1, raw)
			}
			for _, m := range tok[open+1 : end] {
				l := append(append(append([]string{}, tok[:open]...), m), tok[end+1:]...)
				if slices.Contains(l, "[") {
					// a second list on the line: expand recursively
					s.lines = append(s.lines, parsePaloSet(t, []byte(verb+" "+strings.Join(quoteAll(l), " ")+"\n"), verb).lines...)
					continue
				}
				s.lines = append(s.lines, l)
			}
			continue
		}
		s.lines = append(s.lines, tok)
	}
	return s
}

// quoteAll re-quotes tokens that hold blanks, for re-parsing.
func quoteAll(tok []string) []string {
	out := make([]string, len(tok))
	for i, x := range tok {
		if strings.ContainsAny(x, " <>") {
			x = `"` + x + `"`
		}
		out[i] = x
	}
	return out
}

// under returns the lines starting with the path, with the path cut off.
func (s paloSet) under(path string) [][]string {
	p := strings.Fields(path)
	var out [][]string
	for _, l := range s.lines {
		if len(l) >= len(p) && slices.Equal(l[:len(p)], p) {
			out = append(out, l[len(p):])
		}
	}
	return out
}

// names lists the distinct first tokens under a path: the entries of a table.
func (s paloSet) names(path string) []string {
	var out []string
	for _, l := range s.under(path) {
		if len(l) > 0 && !slices.Contains(out, l[0]) {
			out = append(out, l[0])
		}
	}
	return out
}

// attr returns the distinct values following key in the entry's lines
// (key may be several words, e.g. "protocol version"), in order. Values
// repeat only where a "[ … ]" list was expanded into several lines.
func (s paloSet) attr(path, key string) []string {
	k := strings.Fields(key)
	var out []string
	for _, l := range s.under(path) {
		for i := 0; i+len(k) < len(l); i++ {
			if slices.Equal(l[i:i+len(k)], k) && !slices.Contains(out, l[i+len(k)]) {
				out = append(out, l[i+len(k)])
			}
		}
	}
	return out
}

// one returns the single value of key, failing when there is not exactly one.
func (s paloSet) one(t *testing.T, path, key string) string {
	t.Helper()
	v := s.attr(path, key)
	if len(v) != 1 {
		t.Errorf("%s %s: %q, want one value", path, key, v)
		return ""
	}
	return v[0]
}

// TestPaloReader renders every testdata/api case for PAN-OS (legacy and
// advanced routing, with and without on-prem prefixes), parses the set
// commands back and compares peers, identities, keys, proposals,
// lifetimes, proxy IDs, tunnel interfaces, routes, BGP and security rules
// with the model; it then checks that the rollback file deletes exactly
// the objects the configuration creates. Cases PAN-OS cannot express
// (DH group 24, a key with a double quote) must fail naming the reason.
func TestPaloReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		for _, params := range []map[string]string{
			nil,
			{"routing": "advanced", "onprem-prefixes": "10.20.0.0/16,10.21.0.0/16", "vpn-zone": "vpn"},
		} {
			t.Run(fmt.Sprintf("%s/%s", tc.name, params["routing"]), func(t *testing.T) {
				files, _, err := render.Render(templates.FS, "paloalto", tc.conn, render.Options{Params: params, Rollback: true})
				switch {
				case usesGroup24(tc.conn):
					if err == nil || !strings.Contains(err.Error(), "(group 24) cannot be expressed on PAN-OS") {
						t.Fatalf("group 24: got %v, want an error naming the group", err)
					}
					return
				case strings.ContainsAny(tc.conn.Tunnels[0].PSK.Reveal(), `"?`):
					if err == nil || !strings.Contains(err.Error(), "which a pasted PAN-OS 'set' line cannot carry") {
						t.Fatalf("key with \" or ?: got %v, want a refusal", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				if len(files) != 2 || files[1].Name != "paloalto-rollback.set" {
					t.Fatalf("files %v, want paloalto.set and paloalto-rollback.set", files)
				}
				cfg := parsePaloSet(t, files[0].Data, "set")
				checkPalo(t, tc.conn, cfg, params)
				checkPaloRollback(t, cfg, parsePaloSet(t, files[1].Data, "delete"))
			})
		}
	}
}

func checkPalo(t *testing.T, c vpn.Connection, s paloSet, params map[string]string) {
	advanced := params["routing"] == "advanced"
	router := "network virtual-router default"
	if advanced {
		router = "network logical-router default vrf default"
	}
	var ifaces []string
	for _, tn := range c.Tunnels {
		t.Run(tn.Label(), func(t *testing.T) {
			gw := paloGatewayFor(t, s, tn.RemoteAddr)
			if gw == "" {
				return
			}
			if len(gw) > 31 {
				t.Errorf("gateway name %q longer than 31 characters", gw)
			}
			checkPaloGateway(t, s, c, tn, gw)
			iface := checkPaloTunnel(t, s, c, tn, gw, router)
			ifaces = append(ifaces, iface)
		})
	}
	if len(ifaces) != len(c.Tunnels) {
		return
	}
	checkPaloRouting(t, s, c, ifaces, router, advanced, params)
	checkPaloRules(t, s, c, ifaces)
}

func paloGatewayFor(t *testing.T, s paloSet, peer netip.Addr) string {
	var found string
	for _, gw := range s.names("network ike gateway") {
		if slices.Contains(s.attr("network ike gateway "+gw, "peer-address ip"), peer.String()) {
			if found != "" {
				t.Fatalf("two IKE gateways with peer-address %s", peer)
			}
			found = gw
		}
	}
	if found == "" {
		t.Fatalf("no IKE gateway with peer-address ip %s", peer)
	}
	return found
}

// paloSeconds reads "lifetime <unit> <n>" and checks the unit's range.
func paloSeconds(t *testing.T, s paloSet, path string) time.Duration {
	t.Helper()
	var got []time.Duration
	for _, l := range s.under(path) {
		if len(l) == 3 && l[0] == "lifetime" {
			u, ok := paloReadUnit[l[1]]
			n, err := strconv.Atoi(l[2])
			if !ok || err != nil || n < u.min || n > u.max {
				t.Errorf("%s: lifetime %s %s outside PAN-OS's units and ranges", path, l[1], l[2])
			}
			got = append(got, time.Duration(n*u.size)*time.Second)
		}
	}
	if len(got) != 1 {
		t.Errorf("%s: %d lifetimes, want 1", path, len(got))
		return 0
	}
	return got[0]
}

func checkPaloGateway(t *testing.T, s paloSet, c vpn.Connection, tn vpn.Tunnel, gw string) {
	path := "network ike gateway " + gw
	version := s.one(t, path, "protocol version")
	proto := version
	got := vpn.IKE{Mode: vpn.MainMode}
	switch version {
	case "ikev1":
		got.Version = vpn.IKEv1
		if s.one(t, path, "protocol ikev1 exchange-mode") == "aggressive" {
			got.Mode = vpn.AggressiveMode
		}
	case "ikev2":
		got.Version = vpn.IKEv2
		if len(s.attr(path, "exchange-mode")) != 0 {
			t.Error("IKEv2 gateway with an exchange-mode")
		}
	default:
		t.Fatalf("protocol version %q", version)
	}
	prof := s.one(t, path, "protocol "+proto+" ike-crypto-profile")
	pp := "network ike crypto-profiles ike-crypto-profiles " + prof
	got.Cipher = lookupKeyword(t, paloReadCipher, s.one(t, pp, "encryption"))
	got.Integrity = lookupKeyword(t, paloReadHash, s.one(t, pp, "hash"))
	got.DHGroup = lookupKeyword(t, paloReadGroup, s.one(t, pp, "dh-group"))
	got.Lifetime = paloSeconds(t, s, pp)
	want := tn.IKE
	if want.Version == vpn.IKEv2 {
		want.Mode = vpn.MainMode
	}
	if got != want {
		t.Errorf("IKE: got %+v, want %+v", got, want)
	}
	// DPD (IKEv1 retries; IKEv2 liveness check) and NAT-T.
	dpd := s.attr(path, "protocol "+proto+" dpd enable")
	if len(dpd) != 1 || (dpd[0] == "yes") != c.DPD {
		t.Errorf("dpd enable %v, want %v", dpd, c.DPD)
	}
	if c.DPD {
		if iv, _ := strconv.Atoi(s.one(t, path, "protocol "+proto+" dpd enable yes interval")); iv < 2 || iv > 100 {
			t.Errorf("dpd interval %d outside 2-100", iv)
		}
	}
	if natt := s.one(t, path, "protocol-common nat-traversal enable"); (natt == "yes") != c.NATTraversal {
		t.Errorf("nat-traversal %s, want %v", natt, c.NATTraversal)
	}
	if s.one(t, path, "protocol-common passive-mode") != "no" {
		t.Error("the firewall must initiate (passive-mode no)")
	}
	if s.one(t, path, "local-address interface") == "" {
		t.Error("no local-address interface")
	}
	checkPaloID(t, s, path, "local-id", tn.LocalID)
	if tn.IKE.Version == vpn.IKEv2 || tn.IKE.Mode == vpn.AggressiveMode {
		checkPaloID(t, s, path, "peer-id", tn.RemoteID)
	} else if len(s.attr(path, "peer-id type")) != 0 {
		t.Error("IKEv1 main mode identifies the peer by address: no peer-id expected")
	}
	if key := s.one(t, path, "authentication pre-shared-key key"); key != tn.PSK.Reveal() {
		t.Errorf("pre-shared key read back as %q", key)
	}
}

func checkPaloID(t *testing.T, s paloSet, path, which string, id vpn.Identity) {
	t.Helper()
	typ, val := s.attr(path, which+" type"), s.attr(path, which+" type ipaddr id")
	if len(typ) == 1 && typ[0] == "fqdn" {
		val = s.attr(path, which+" type fqdn id")
	}
	switch id.Kind {
	case vpn.IDNone:
		if len(typ) != 0 {
			t.Errorf("%s %v without an identity in the model", which, typ)
		}
	case vpn.IDAddress:
		if !slices.Equal(typ, []string{"ipaddr"}) || !slices.Equal(val, []string{id.Addr.String()}) {
			t.Errorf("%s: type %v id %v, want ipaddr %s", which, typ, val, id.Addr)
		}
	case vpn.IDFQDN:
		if !slices.Equal(typ, []string{"fqdn"}) || !slices.Equal(val, []string{id.FQDN}) {
			t.Errorf("%s: type %v id %v, want fqdn %s", which, typ, val, id.FQDN)
		}
	}
}

// checkPaloTunnel checks the IPsec tunnel bound to the gateway: crypto
// profile, proxy IDs, tunnel interface (zone, router, BGP address) and
// tunnel monitoring; it returns the tunnel interface.
func checkPaloTunnel(t *testing.T, s paloSet, c vpn.Connection, tn vpn.Tunnel, gw, router string) string {
	var name string
	for _, n := range s.names("network tunnel ipsec") {
		if slices.Contains(s.attr("network tunnel ipsec "+n, "auto-key ike-gateway"), gw) {
			name = n
		}
	}
	if name == "" {
		t.Fatalf("no IPsec tunnel uses gateway %s", gw)
	}
	path := "network tunnel ipsec " + name
	pp := "network ike crypto-profiles ipsec-crypto-profiles " + s.one(t, path, "auto-key ipsec-crypto-profile")
	got := vpn.IPsec{
		Cipher:    lookupKeyword(t, paloReadCipher, s.one(t, pp, "esp encryption")),
		Integrity: lookupKeyword(t, paloReadHash, s.one(t, pp, "esp authentication")),
		PFS:       lookupKeyword(t, paloReadGroup, s.one(t, pp, "dh-group")),
		Lifetime:  paloSeconds(t, s, pp),
	}
	if got != tn.IPsec {
		t.Errorf("IPsec: got %+v, want %+v", got, tn.IPsec)
	}
	// Proxy IDs: one per subnet pair for policy-based, none for route-based.
	var pairs []string
	ids := s.names(path + " auto-key proxy-id")
	for _, id := range ids {
		p := path + " auto-key proxy-id " + id
		if len(name)+1+len(id) > 63 {
			t.Errorf("tunnel name %q + proxy ID %q exceed 63 characters", name, id)
		}
		if s.one(t, p, "protocol") != "any" {
			t.Errorf("proxy ID %s: protocol not any", id)
		}
		pairs = append(pairs, s.one(t, p, "local")+" "+s.one(t, p, "remote"))
	}
	var want []string
	if !c.RouteBased() {
		for _, pr := range c.SubnetPairs() {
			want = append(want, pr.Local.String()+" "+pr.Remote.String())
		}
	}
	if hc := c.HealthCheck; hc != nil && !c.RouteBased() && len(pairs) == len(want)+1 {
		want = append(want, netip.PrefixFrom(hc.Destination, 32).String()+" "+netip.PrefixFrom(hc.Source, 32).String())
	}
	if !slices.Equal(pairs, want) {
		t.Errorf("proxy IDs %v, want %v", pairs, want)
	}
	// Tunnel interface: declared, in a zone and in the router.
	iface := s.one(t, path, "tunnel-interface")
	if !slices.Contains(s.names("network interface tunnel units"), iface) {
		t.Errorf("%s is not configured under network interface tunnel units", iface)
	}
	inZone := false
	for _, z := range s.names("zone") {
		if slices.Contains(s.attr("zone "+z, "network layer3"), iface) {
			inZone = true
		}
	}
	if !inZone {
		t.Errorf("%s is in no zone", iface)
	}
	if !slices.Contains(s.attr(router, "interface"), iface) {
		t.Errorf("%s is not in %s", iface, router)
	}
	ip := s.attr("network interface tunnel units "+iface, "ip")
	mon := s.attr(path, "tunnel-monitor enable yes destination-ip")
	if tn.BGP != nil {
		wantIP := netip.PrefixFrom(tn.BGP.LocalIP, tn.BGP.TunnelCIDR.Bits()).String()
		if !slices.Equal(ip, []string{wantIP}) {
			t.Errorf("%s ip %v, want %s", iface, ip, wantIP)
		}
		if !slices.Equal(mon, []string{tn.BGP.RemoteIP.String()}) {
			t.Errorf("tunnel monitor %v, want Alibaba's BGP address %s", mon, tn.BGP.RemoteIP)
		}
		mp := "network profiles monitor-profile " + s.one(t, path, "tunnel-monitor-profile")
		if action := s.one(t, mp, "action"); c.Dual() && action != "fail-over" {
			t.Errorf("dual tunnel monitor action %s, want fail-over", action)
		}
	} else if len(ip) != 0 || len(mon) != 0 {
		t.Errorf("no BGP: interface address %v and monitor %v, want none", ip, mon)
	}
	return iface
}

func checkPaloRouting(t *testing.T, s paloSet, c vpn.Connection, ifaces []string, router string, advanced bool, params map[string]string) {
	// Never a default route, whatever the routing.
	for _, r := range s.names(router + " routing-table ip static-route") {
		if d := s.one(t, router+" routing-table ip static-route "+r, "destination"); d == "0.0.0.0/0" {
			t.Errorf("static route %s: a default route into the tunnel", r)
		}
	}
	bgpTunnels := 0
	for _, tn := range c.Tunnels {
		if tn.BGP != nil {
			bgpTunnels++
		}
	}
	if bgpTunnels > 0 {
		checkPaloBGP(t, s, c, ifaces, router, advanced, params)
		return
	}
	// Static routes: each VPC prefix over every tunnel, master preferred,
	// and a discard route behind them.
	var prefixes []netip.Prefix
	if !c.RouteBased() {
		prefixes = c.RemoteSubnets
	}
	type route struct {
		metric  int
		discard bool
	}
	got := map[string]map[string]route{}
	for _, r := range s.names(router + " routing-table ip static-route") {
		p := router + " routing-table ip static-route " + r
		dst := s.one(t, p, "destination")
		if got[dst] == nil {
			got[dst] = map[string]route{}
		}
		m, _ := strconv.Atoi(s.one(t, p, "metric"))
		if len(s.attr(p, "nexthop")) == 1 {
			if s.one(t, p, "nexthop") != "discard" || s.one(t, p, "admin-dist") != "240" {
				t.Errorf("route %s: a nexthop other than the discard fallback", r)
			}
			got[dst]["discard"] = route{m, true}
			continue
		}
		got[dst][s.one(t, p, "interface")] = route{metric: m}
	}
	for _, pf := range prefixes {
		rs := got[pf.String()]
		if !rs["discard"].discard {
			t.Errorf("%s: no discard route behind the tunnel routes", pf)
		}
		for i, tn := range c.Tunnels {
			r, ok := rs[ifaces[i]]
			if !ok {
				t.Errorf("%s: no route over %s (%s)", pf, ifaces[i], tn.Label())
				continue
			}
			if tn.Role == vpn.RoleSlave {
				master := rs[ifaces[1-i]].metric
				if c.ActiveActive && r.metric != master || !c.ActiveActive && r.metric <= master {
					t.Errorf("%s: slave metric %d vs master %d (active-active %v)", pf, r.metric, master, c.ActiveActive)
				}
			}
		}
		delete(got, pf.String())
	}
	if hc := c.HealthCheck; hc != nil {
		delete(got, netip.PrefixFrom(hc.Source, 32).String())
	}
	if len(got) != 0 {
		t.Errorf("routes to prefixes outside the VPC: %v", got)
	}
}

func checkPaloBGP(t *testing.T, s paloSet, c vpn.Connection, ifaces []string, router string, advanced bool, params map[string]string) {
	bgp := router + " protocol bgp"
	if advanced {
		bgp = router + " bgp"
	}
	if s.one(t, bgp, "enable") != "yes" || s.one(t, bgp, "install-route") != "yes" {
		t.Error("BGP must be enabled and install its routes")
	}
	onprem := strings.Split(params["onprem-prefixes"], ",")
	if params["onprem-prefixes"] == "" {
		onprem = nil
	}
	peers := map[string][]string{} // peer address -> group path
	for _, g := range s.names(bgp + " peer-group") {
		if s.one(t, bgp+" peer-group "+g, "type") != "ebgp" {
			t.Errorf("peer group %s is not eBGP", g)
		}
		for _, p := range s.names(bgp + " peer-group " + g + " peer") {
			pp := bgp + " peer-group " + g + " peer " + p
			peers[s.one(t, pp, "peer-address ip")] = []string{g, p}
		}
	}
	prefs := map[int]int{}
	for i, tn := range c.Tunnels {
		if tn.BGP == nil {
			continue
		}
		if got, _ := strconv.ParseUint(s.one(t, bgp, "local-as"), 10, 32); uint32(got) != tn.BGP.LocalASN {
			t.Errorf("local-as %d, want %d", got, tn.BGP.LocalASN)
		}
		gp := peers[tn.BGP.RemoteIP.String()]
		if gp == nil {
			t.Errorf("%s: no BGP peer at %s", tn.Label(), tn.BGP.RemoteIP)
			continue
		}
		group, pp := bgp+" peer-group "+gp[0], bgp+" peer-group "+gp[0]+" peer "+gp[1]
		if s.one(t, pp, "peer-as") != fmt.Sprint(tn.BGP.RemoteASN) {
			t.Errorf("%s: peer-as %s, want %d", tn.Label(), s.one(t, pp, "peer-as"), tn.BGP.RemoteASN)
		}
		if s.one(t, pp, "local-address interface") != ifaces[i] || s.one(t, pp, "local-address interface "+ifaces[i]+" ip") != netip.PrefixFrom(tn.BGP.LocalIP, tn.BGP.TunnelCIDR.Bits()).String() {
			t.Errorf("%s: local-address %v", tn.Label(), s.attr(pp, "local-address interface"))
		}
		// MD5 key: an auth profile holding the key, referenced by the peer
		// (legacy) or the group (advanced).
		auth := s.attr(pp, "connection-options authentication")
		authPath := bgp + " auth-profile "
		if advanced {
			auth = s.attr(group, "connection-options authentication")
			authPath = "network routing-profile bgp auth-profile "
		}
		if key := tn.BGP.AuthKey.Reveal(); key != "" {
			if len(auth) != 1 || s.one(t, authPath+auth[0], "secret") != key {
				t.Errorf("%s: BGP key not configured through an auth profile (%v)", tn.Label(), auth)
			}
		} else if len(auth) != 0 {
			t.Errorf("%s: authentication %v without a key", tn.Label(), auth)
		}
		if advanced {
			fp := "network routing-profile bgp filtering-profile " + s.one(t, group, "filtering-profile ipv4")
			in := "network routing-profile filters prefix-list " + s.one(t, fp, "ipv4 unicast inbound-network-filters prefix-list")
			if !slices.Contains(s.attr(in, "action deny prefix entry network"), "0.0.0.0/0") {
				t.Errorf("%s: the inbound prefix list does not deny the default route", tn.Label())
			}
			out := "network routing-profile filters prefix-list " + s.one(t, fp, "ipv4 unicast outbound-network-filters prefix-list")
			permitted := s.attr(out, "action permit prefix entry network")
			sort.Strings(permitted)
			want := append([]string{}, onprem...)
			sort.Strings(want)
			if !slices.Equal(permitted, want) {
				t.Errorf("%s: outbound prefix list permits %v, want the on-prem prefixes %v", tn.Label(), permitted, want)
			}
			if rm := s.attr(fp, "ipv4 unicast route-maps inbound"); len(rm) == 1 {
				lp, _ := strconv.Atoi(s.one(t, "network routing-profile filters route-maps bgp "+rm[0], "route-map 10 set local-preference"))
				prefs[int(tn.Role)] = lp
			}
			continue
		}
		// Legacy import rules used by this peer's group set its preference.
		for _, r := range s.names(bgp + " policy import rules") {
			rp := bgp + " policy import rules " + r
			if slices.Contains(s.attr(rp, "used-by"), gp[0]) && len(s.attr(rp, "action allow update local-preference")) == 1 {
				lp, _ := strconv.Atoi(s.one(t, rp, "action allow update local-preference"))
				prefs[int(tn.Role)] = lp
			}
		}
	}
	if c.Dual() && !c.ActiveActive && prefs[int(vpn.RoleMaster)] <= prefs[int(vpn.RoleSlave)] {
		t.Errorf("local preference master %d, slave %d: the master must be preferred", prefs[int(vpn.RoleMaster)], prefs[int(vpn.RoleSlave)])
	}
	if advanced {
		var adv []string
		for _, l := range s.under(bgp + " advertise-network ipv4 network") {
			adv = append(adv, l[0])
		}
		if !slices.Equal(adv, onprem) {
			t.Errorf("advertised %v, want %v", adv, onprem)
		}
		return
	}
	if s.one(t, bgp, "reject-default-route") != "yes" {
		t.Error("legacy BGP must reject a default route")
	}
	// Legacy export rules: the last one denies everything, the ones
	// before it allow exactly the on-prem prefixes.
	rules := s.names(bgp + " policy export rules")
	if len(rules) == 0 || s.one(t, bgp+" policy export rules "+rules[len(rules)-1], "action") != "deny" {
		t.Fatalf("export rules %v: the last rule must deny", rules)
	}
	for _, r := range rules[:len(rules)-1] {
		got := s.attr(bgp+" policy export rules "+r, "match address-prefix")
		if !slices.Equal(got, onprem) {
			t.Errorf("export rule %s allows %v, want %v", r, got, onprem)
		}
	}
	if (len(rules) > 1) != (len(onprem) > 0) {
		t.Errorf("export rules %v with on-prem prefixes %v", rules, onprem)
	}
	var redist []string
	for _, l := range s.under(bgp + " redist-rules") {
		if !slices.Contains(redist, l[0]) {
			redist = append(redist, l[0])
		}
	}
	if !slices.Equal(redist, onprem) {
		t.Errorf("redist-rules %v, want %v", redist, onprem)
	}
}

func checkPaloRules(t *testing.T, s paloSet, c vpn.Connection, ifaces []string) {
	addr := map[string]string{}
	for _, a := range s.names("address") {
		addr[a] = s.one(t, "address "+a, "ip-netmask")
	}
	resolve := func(names []string) []string {
		var out []string
		for _, n := range names {
			if n == "any" {
				out = append(out, "0.0.0.0/0")
				continue
			}
			out = append(out, addr[n])
		}
		sort.Strings(out)
		return slices.Compact(out)
	}
	var local, remote []string
	if c.RouteBased() {
		local, remote = []string{"0.0.0.0/0"}, []string{"0.0.0.0/0"}
	} else {
		for _, p := range c.LocalSubnets {
			local = append(local, p.String())
		}
		for _, p := range c.RemoteSubnets {
			remote = append(remote, p.String())
		}
		if hc := c.HealthCheck; hc != nil {
			local = append(local, netip.PrefixFrom(hc.Destination, 32).String())
			remote = append(remote, netip.PrefixFrom(hc.Source, 32).String())
		}
		sort.Strings(local)
		sort.Strings(remote)
	}
	var vpnZone string
	for _, z := range s.names("zone") {
		if slices.Contains(s.attr("zone "+z, "network layer3"), ifaces[0]) {
			vpnZone = z
		}
	}
	dirs := map[string]bool{}
	for _, r := range s.names("rulebase security rules") {
		p := "rulebase security rules " + r
		if s.one(t, p, "action") != "allow" {
			continue
		}
		from, to := s.one(t, p, "from"), s.one(t, p, "to")
		src, dst := resolve(s.attr(p, "source")), resolve(s.attr(p, "destination"))
		switch {
		case to == vpnZone && slices.Equal(src, local) && slices.Equal(dst, remote):
			dirs["out"] = true
		case from == vpnZone && slices.Equal(src, remote) && slices.Equal(dst, local):
			dirs["in"] = true
		default:
			t.Errorf("rule %s: %s -> %s, %v -> %v matches neither direction", r, from, to, src, dst)
		}
	}
	if !dirs["out"] || !dirs["in"] {
		t.Errorf("security rules cover %v, want both directions", dirs)
	}
}

// paloCreates lists the named objects a configuration creates, read from
// the set lines: the tables PAN-OS keeps named entries in, and the
// members added to what may exist already (a zone, a router).
func paloCreates(s paloSet) []string {
	var out []string
	add := func(path string) {
		for _, n := range s.names(path) {
			out = append(out, path+" "+n)
		}
	}
	for _, p := range []string{
		"network ike crypto-profiles ike-crypto-profiles", "network ike crypto-profiles ipsec-crypto-profiles",
		"network profiles monitor-profile", "network ike gateway", "network interface tunnel units",
		"network tunnel ipsec", "address", "rulebase security rules",
		"network routing-profile bgp auth-profile", "network routing-profile filters prefix-list",
		"network routing-profile filters route-maps bgp", "network routing-profile bgp filtering-profile",
		"network routing-profile bgp address-family-profile",
	} {
		add(p)
	}
	for _, r := range append(s.names("network virtual-router"), s.names("network logical-router")...) {
		for _, router := range []string{"network virtual-router " + r, "network logical-router " + r + " vrf default"} {
			add(router + " interface")
			add(router + " routing-table ip static-route")
			for _, bgp := range []string{router + " protocol bgp", router + " bgp"} {
				add(bgp + " peer-group")
				add(bgp + " auth-profile")
				add(bgp + " policy import rules")
				add(bgp + " policy export rules")
				add(bgp + " redist-rules")
				add(bgp + " advertise-network ipv4 network")
			}
		}
	}
	// A zone the file names is new unless it only gets members: the
	// renderer creates "vpn-<name>" zones; --set vpn-zone adds members.
	for _, z := range s.names("zone") {
		if strings.HasPrefix(z, "vpn-") {
			out = append(out, "zone "+z)
			continue
		}
		for _, m := range s.attr("zone "+z, "network layer3") {
			out = append(out, "zone "+z+" network layer3 "+m)
		}
	}
	sort.Strings(out)
	return out
}

// checkPaloRollback: the rollback deletes exactly what the configuration
// creates, the header lists as many objects, and the deletes come in an
// order that never removes an object before what refers to it.
func checkPaloRollback(t *testing.T, cfg, rb paloSet) {
	created := paloCreates(cfg)
	var deleted []string
	for _, l := range rb.lines {
		deleted = append(deleted, strings.Join(l, " "))
	}
	sortedDel := append([]string{}, deleted...)
	sort.Strings(sortedDel)
	if !slices.Equal(created, sortedDel) {
		t.Errorf("rollback deletes\n  %v\nconfiguration creates\n  %v", sortedDel, created)
	}
	if len(cfg.objects) != len(created) {
		t.Errorf("header lists %d objects, the configuration creates %d", len(cfg.objects), len(created))
	}
	pos := func(prefix string) int {
		for i, d := range deleted {
			if strings.HasPrefix(d, prefix) {
				return i
			}
		}
		return -1
	}
	for _, before := range [][2]string{
		{"rulebase security rules", "address"},
		{"network tunnel ipsec", "network interface tunnel units"},
		{"network tunnel ipsec", "network ike gateway"},
		{"network ike gateway", "network ike crypto-profiles"},
	} {
		if a, b := pos(before[0]), pos(before[1]); a >= 0 && b >= 0 && a > b {
			t.Errorf("rollback deletes %q before %q, which refers to it", before[1], before[0])
		}
	}
}
