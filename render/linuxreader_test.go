package render_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// Readers for the Linux gateway vendors, written from libreswan's
// ipsec.conf(5)/ipsec.secrets(5) and FRR's command reference
// (docs/vendors/libreswan.md, docs/vendors/frr.md), sharing no table with
// the renderers: every case is rendered, parsed back and compared with
// the model, and the rollback must remove exactly what the file creates.

// Independent vocabulary: libreswan keyword -> model value.
var (
	lswReadCipher = map[string]vpn.Cipher{"aes128": vpn.AES128, "aes192": vpn.AES192, "aes256": vpn.AES256, "3des": vpn.TripleDES}
	lswReadInteg  = map[string]vpn.Integrity{"md5": vpn.MD5, "sha1": vpn.SHA1, "sha2_256": vpn.SHA256, "sha2_384": vpn.SHA384, "sha2_512": vpn.SHA512}
	lswReadGroup  = map[string]vpn.DHGroup{"modp1536": vpn.Group5, "modp2048": vpn.Group14}
)

func TestLibreswanReader(t *testing.T) {
	for _, ac := range loadAPICases(t) {
		t.Run(ac.name, func(t *testing.T) {
			files, _, err := render.Render(templates.FS, "libreswan", ac.conn, render.Options{Rollback: true})
			if errors.Is(err, render.ErrCannotExpress) {
				t.Skipf("refused: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			conns := parseLswConns(string(files[0].Data))
			if len(conns) != len(ac.conn.Tunnels) {
				t.Fatalf("%d conns, want one per tunnel (%d)", len(conns), len(ac.conn.Tunnels))
			}
			secrets := string(files[1].Data)
			for i, tu := range ac.conn.Tunnels {
				kv := conns[i].kv
				want := map[string]string{
					"right":       tu.RemoteAddr.String(),
					"ikev2":       map[bool]string{true: "yes", false: "no"}[tu.IKE.Version == vpn.IKEv2],
					"authby":      "secret",
					"auto":        "start",
					"ikelifetime": fmt.Sprintf("%ds", int(tu.IKE.Lifetime.Seconds())),
					"salifetime":  fmt.Sprintf("%ds", int(tu.IPsec.Lifetime.Seconds())),
					"pfs":         map[bool]string{true: "yes", false: "no"}[tu.IPsec.PFS != vpn.NoPFS],
				}
				for k, v := range want {
					if kv[k] != v {
						t.Errorf("%s: %s=%q, want %q", tu.Label(), k, kv[k], v)
					}
				}
				checkLswProposal(t, tu, "ike", kv["ike"], tu.IKE.Cipher, tu.IKE.Integrity, tu.IKE.DHGroup)
				checkLswProposal(t, tu, "esp", kv["esp"], tu.IPsec.Cipher, tu.IPsec.Integrity, tu.IPsec.PFS)
				if tu.RemoteID.Kind == vpn.IDFQDN && kv["rightid"] != "@"+tu.RemoteID.FQDN {
					t.Errorf("%s: rightid=%q, want @%s", tu.Label(), kv["rightid"], tu.RemoteID.FQDN)
				}
				if ac.conn.RouteBased() {
					if kv["leftsubnet"] != "0.0.0.0/0" || kv["rightsubnet"] != "0.0.0.0/0" || kv["ipsec-interface"] == "" {
						t.Errorf("%s: route-based conn without 0/0 subnets or ipsec-interface: %v", tu.Label(), kv)
					}
				} else {
					checkLswSubnets(t, tu, kv, "left", ac.conn.LocalSubnets)
					checkLswSubnets(t, tu, kv, "right", ac.conn.RemoteSubnets)
				}
				if psk := lswSecret(t, secrets, tu.RemoteAddr.String(), tu.RemoteID); psk != tu.PSK.Reveal() {
					t.Errorf("%s: ipsec.secrets key does not read back as the connection's PSK", tu.Label())
				}
			}
			// Rollback: one delete per conn, one ip link del per interface.
			rb := string(files[len(files)-1].Data)
			var deleted, links []string
			for _, l := range strings.Split(rb, "\n") {
				if n, ok := strings.CutPrefix(l, "ipsec auto --delete "); ok {
					deleted = append(deleted, n)
				}
				if n, ok := strings.CutPrefix(l, "ip link del "); ok {
					links = append(links, n)
				}
			}
			var names, devs []string
			for _, c := range conns {
				names = append(names, c.name)
				if n := c.kv["ipsec-interface"]; n != "" {
					devs = append(devs, "ipsec"+n)
				}
			}
			if !slices.Equal(deleted, names) || !slices.Equal(links, devs) {
				t.Errorf("rollback deletes conns %v and links %v, the file creates %v and %v", deleted, links, names, devs)
			}
		})
	}
}

type lswConn struct {
	name string
	kv   map[string]string
}

func parseLswConns(conf string) []lswConn {
	var out []lswConn
	for _, l := range strings.Split(conf, "\n") {
		if n, ok := strings.CutPrefix(l, "conn "); ok {
			out = append(out, lswConn{name: n, kv: map[string]string{}})
			continue
		}
		if len(out) == 0 || !strings.HasPrefix(l, "    ") || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok {
			out[len(out)-1].kv[k] = v
		}
	}
	return out
}

func checkLswProposal(t *testing.T, tu vpn.Tunnel, key, val string, c vpn.Cipher, i vpn.Integrity, g vpn.DHGroup) {
	t.Helper()
	parts := strings.Split(val, "-")
	wantParts := 3
	if g == vpn.NoPFS {
		wantParts = 2
	}
	if len(parts) != wantParts || lswReadCipher[parts[0]] != c || lswReadInteg[parts[1]] != i ||
		(wantParts == 3 && lswReadGroup[parts[2]] != g) {
		t.Errorf("%s: %s=%s does not read back as %s/%s/%s", tu.Label(), key, val, c, i, g)
	}
}

func checkLswSubnets(t *testing.T, tu vpn.Tunnel, kv map[string]string, side string, want []netip.Prefix) {
	t.Helper()
	var got []string
	if one := kv[side+"subnet"]; one != "" {
		got = []string{one}
	} else {
		got = strings.Split(strings.Trim(kv[side+"subnets"], "{}"), ",")
	}
	var w []string
	for _, p := range want {
		w = append(w, p.String())
	}
	if !slices.Equal(got, w) {
		t.Errorf("%s: %ssubnet(s) %v, want %v", tu.Label(), side, got, w)
	}
}

// lswSecret finds the ipsec.secrets entry whose second index is the
// tunnel's remote identity and decodes its key ("…" or 0s base64).
func lswSecret(t *testing.T, secrets, remoteAddr string, id vpn.Identity) string {
	t.Helper()
	remote := remoteAddr
	switch id.Kind {
	case vpn.IDFQDN:
		remote = "@" + id.FQDN
	case vpn.IDAddress:
		remote = id.Addr.String()
	}
	for _, l := range strings.Split(secrets, "\n") {
		idx, key, ok := strings.Cut(l, " : PSK ")
		if !ok || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(idx)
		if len(f) != 2 || f[1] != remote {
			continue
		}
		if b64, ok := strings.CutPrefix(key, "0s"); ok {
			b, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if uq, err := strconv.Unquote(key); err == nil {
			return uq
		}
		return key
	}
	return ""
}

// TestFRRReader renders every route-based BGP case with prefixes, parses
// the neighbors, route-maps and prefix-lists back and checks them against
// the model: one neighbor per BGP tunnel with Alibaba's AS and the inside
// address as source, the master preferred inbound and the slave
// prepended outbound, only the given prefixes announced, and the
// rollback removing exactly the created neighbors, route-maps,
// prefix-lists and networks.
func TestFRRReader(t *testing.T) {
	bgpCases := 0
	for _, ac := range loadAPICases(t) {
		if !ac.conn.RouteBased() {
			continue
		}
		t.Run(ac.name, func(t *testing.T) {
			files, _, err := render.Render(templates.FS, "frr", ac.conn, render.Options{Rollback: true,
				Params: map[string]string{"onprem-prefixes": "10.20.0.0/24,10.21.0.0/24", "vpc-cidr": "10.10.0.0/24"}})
			if err != nil {
				t.Fatal(err)
			}
			conf, rb := string(files[0].Data), string(files[1].Data)
			r := readFRR(conf)
			for _, tu := range ac.conn.Tunnels {
				if tu.BGP == nil {
					continue
				}
				bgpCases++
				ip := tu.BGP.RemoteIP.String()
				n := r.neighbors[ip]
				if n["remote-as"] != strconv.Itoa(int(tu.BGP.RemoteASN)) || n["update-source"] != tu.BGP.LocalIP.String() {
					t.Errorf("%s: neighbor %s %v", tu.Label(), ip, n)
				}
				in, out := r.routeMaps[n["route-map in"]], r.routeMaps[n["route-map out"]]
				switch tu.Role {
				case vpn.RoleMaster:
					if in["set local-preference"] != "200" || out["set as-path prepend"] != "" {
						t.Errorf("%s: master in %v out %v", tu.Label(), in, out)
					}
				case vpn.RoleSlave:
					if in["set local-preference"] != "100" || out["set as-path prepend"] == "" {
						t.Errorf("%s: slave in %v out %v", tu.Label(), in, out)
					}
				}
				if pl := r.prefixLists[out["match ip address prefix-list"]]; !slices.Equal(pl, []string{"permit 10.20.0.0/24", "permit 10.21.0.0/24"}) {
					t.Errorf("%s: announced %v", tu.Label(), pl)
				}
				if pl := r.prefixLists[in["match ip address prefix-list"]]; !slices.Equal(pl, []string{"permit 10.10.0.0/24 le 32"}) {
					t.Errorf("%s: accepted %v", tu.Label(), pl)
				}
			}
			// The rollback removes exactly what the file creates.
			var created, removed []string
			for ip := range r.neighbors {
				created = append(created, "neighbor "+ip)
			}
			for n := range r.routeMaps {
				created = append(created, "route-map "+n)
			}
			for n := range r.prefixLists {
				created = append(created, "ip prefix-list "+n)
			}
			for _, n := range r.networks {
				created = append(created, "network "+n)
			}
			created = append(created, r.routes...)
			for _, l := range strings.Split(rb, "\n") {
				if x, ok := strings.CutPrefix(strings.TrimSpace(l), "no "); ok && !strings.HasPrefix(l, "!") {
					removed = append(removed, x)
				}
			}
			slices.Sort(created)
			slices.Sort(removed)
			if !slices.Equal(created, removed) {
				t.Errorf("rollback removes %v, the file creates %v", removed, created)
			}
		})
	}
	if bgpCases == 0 {
		t.Fatal("no BGP tunnel among the cases")
	}
}

type frrRead struct {
	neighbors   map[string]map[string]string // ip -> "remote-as" / "update-source" / "route-map in" …
	routeMaps   map[string]map[string]string // name -> "set local-preference" …
	prefixLists map[string][]string          // name -> "permit P [le N]" in order
	networks    []string
	routes      []string // "ip route P DEV DIST"
}

func readFRR(conf string) frrRead {
	r := frrRead{neighbors: map[string]map[string]string{}, routeMaps: map[string]map[string]string{}, prefixLists: map[string][]string{}}
	rm := ""
	for _, l := range strings.Split(conf, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "!") {
			continue
		}
		f := strings.Fields(l)
		switch {
		case len(f) == 5 && f[0] == "ip" && f[1] == "route":
			r.routes = append(r.routes, l)
		case len(f) >= 6 && f[0] == "ip" && f[1] == "prefix-list":
			r.prefixLists[f[2]] = append(r.prefixLists[f[2]], strings.Join(f[5:], " "))
		case len(f) == 4 && f[0] == "route-map":
			rm = f[1]
			r.routeMaps[rm] = map[string]string{}
		case rm != "" && strings.HasPrefix(l, " ") && len(f) >= 2:
			for _, k := range []string{"match ip address prefix-list", "set local-preference", "set as-path prepend"} {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), k+" "); ok {
					r.routeMaps[rm][k] = v
				}
			}
		case len(f) >= 3 && f[0] == "neighbor":
			rm = ""
			n := r.neighbors[f[1]]
			if n == nil {
				n = map[string]string{}
				r.neighbors[f[1]] = n
			}
			switch {
			case f[2] == "route-map" && len(f) == 5:
				n["route-map "+f[4]] = f[3]
			case len(f) == 4:
				n[f[2]] = f[3]
			}
		case len(f) == 2 && f[0] == "network":
			r.networks = append(r.networks, f[1])
		default:
			if l == "exit" || strings.HasPrefix(l, "router ") {
				rm = ""
			}
		}
	}
	return r
}
