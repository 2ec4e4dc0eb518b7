package render_test

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// RouterOS keywords read back into the model, written from the
// enumerations of /ip ipsec profile and proposal (terraform-routeros;
// docs/vendors/mikrotik.md), independently of render's tables.
var (
	mtReadProfileCipher  = map[string]vpn.Cipher{"aes-128": vpn.AES128, "aes-192": vpn.AES192, "aes-256": vpn.AES256, "3des": vpn.TripleDES, "des": vpn.DES}
	mtReadProposalCipher = map[string]vpn.Cipher{"aes-128-cbc": vpn.AES128, "aes-192-cbc": vpn.AES192, "aes-256-cbc": vpn.AES256, "3des": vpn.TripleDES, "des": vpn.DES}
	mtReadHash           = map[string]vpn.Integrity{"md5": vpn.MD5, "sha1": vpn.SHA1, "sha256": vpn.SHA256, "sha384": vpn.SHA384, "sha512": vpn.SHA512}
	mtReadGroup          = map[string]vpn.DHGroup{"modp768": vpn.Group1, "modp1024": vpn.Group2, "modp1536": vpn.Group5, "modp2048": vpn.Group14, "none": vpn.NoPFS}
)

// mtCmd is one RouterOS command: menu ("/ip ipsec peer"), verb (add,
// remove) and its name=value properties with string values unescaped;
// find holds the [find …] selector of a remove.
type mtCmd struct {
	menu, verb string
	props      map[string]string
	find       string
}

// mtTokens splits a RouterOS line on blanks outside "…" (with backslash
// escapes) and outside [ ] and { } nesting.
func mtTokens(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	depth, inStr := 0, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inStr && ch == '\\' && i+1 < len(line):
			cur.WriteByte(ch)
			i++
			cur.WriteByte(line[i])
			continue
		case ch == '"':
			inStr = !inStr
		case !inStr && (ch == '[' || ch == '{' || ch == '('):
			depth++
		case !inStr && (ch == ']' || ch == '}' || ch == ')'):
			depth--
		case !inStr && depth == 0 && ch == ' ':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(ch)
	}
	if inStr || depth != 0 {
		t.Fatalf("unbalanced quotes or brackets: %q", line)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// mtUnquote reads a RouterOS string constant. Only the escapes vpnexport
// writes are accepted (\\ \" \$ \?); any other backslash, or an
// unescaped $ or ? inside the string, is an error.
func mtUnquote(t *testing.T, v string) string {
	t.Helper()
	if !strings.HasPrefix(v, `"`) {
		if strings.ContainsAny(v, `"$?\`) {
			t.Errorf("unquoted value %q holds a character with a meaning", v)
		}
		return v
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		t.Fatalf("bad string %q", v)
	}
	in := v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case c == '\\' && i+1 < len(in) && strings.IndexByte(`\"$?`, in[i+1]) >= 0:
			b.WriteByte(in[i+1])
			i++
		case c == '\\' || c == '"' || c == '$' || c == '?':
			t.Errorf("string %q: %q is not escaped as the RouterOS manual requires", v, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseMikrotik reads mikrotik.rsc: comments, "/menu verb props" lines,
// and ":if (…) do={ /menu add … place-before=… } else={ /menu add … }"
// lines whose two branches must add the same rule.
func parseMikrotik(t *testing.T, data []byte) (cmds []mtCmd, objects []string) {
	t.Helper()
	inObjects := false
	for i, raw := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			if strings.HasPrefix(line, "# Objects this file creates") {
				inObjects = true
			} else if inObjects && strings.HasPrefix(raw, "#   ") {
				objects = append(objects, strings.TrimPrefix(raw, "#   "))
			} else {
				inObjects = false
			}
			continue
		}
		inObjects = false
		if strings.HasPrefix(line, ":if ") {
			tok := mtTokens(t, line)
			if len(tok) != 4 || !strings.HasPrefix(tok[2], "do={") || !strings.HasPrefix(tok[3], "else={") {
				t.Fatalf("line %d: unexpected :if form %q", i+1, raw)
			}
			do := mtCommand(t, strings.TrimSuffix(strings.TrimPrefix(tok[2], "do={"), "}"))
			els := mtCommand(t, strings.TrimSuffix(strings.TrimPrefix(tok[3], "else={"), "}"))
			if !strings.HasPrefix(do.props["place-before"], "[:pick [") || do.menu != els.menu {
				t.Errorf("line %d: the do branch must place the rule first: %q", i+1, raw)
			}
			delete(do.props, "place-before")
			if fmt.Sprint(do.props) != fmt.Sprint(els.props) {
				t.Errorf("line %d: the two branches add different rules", i+1)
			}
			cmds = append(cmds, do)
			continue
		}
		cmds = append(cmds, mtCommand(t, line))
	}
	return cmds, objects
}

func mtCommand(t *testing.T, line string) mtCmd {
	t.Helper()
	tok := mtTokens(t, strings.TrimSpace(line))
	var c mtCmd
	i := 0
	for i < len(tok) && tok[i] != "add" && tok[i] != "remove" {
		c.menu += tok[i] + " "
		i++
	}
	c.menu = strings.TrimSpace(c.menu)
	if i >= len(tok) || !strings.HasPrefix(c.menu, "/") {
		t.Fatalf("no menu and verb in %q", line)
	}
	c.verb = tok[i]
	c.props = map[string]string{}
	for _, f := range tok[i+1:] {
		if strings.HasPrefix(f, "[find ") {
			c.find = f
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Errorf("%q: %q is not name=value", line, f)
			continue
		}
		if _, dup := c.props[k]; dup {
			t.Errorf("%q: %s given twice", line, k)
		}
		if strings.HasPrefix(v, "[") {
			c.props[k] = v
			continue
		}
		c.props[k] = mtUnquote(t, v)
	}
	return c
}

// mtSeconds reads RouterOS time syntax: 1d2h3m4s.
func mtSeconds(t *testing.T, s string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$`).FindStringSubmatch(s)
	if m == nil || s == "" {
		t.Errorf("lifetime %q is not RouterOS time syntax", s)
		return 0
	}
	total := 0
	for i, mul := range []int{86400, 3600, 60, 1} {
		n, _ := strconv.Atoi(m[i+1])
		total += n * mul
	}
	return time.Duration(total) * time.Second
}

func mtSelect(cmds []mtCmd, menu, verb, key, value string) []mtCmd {
	var out []mtCmd
	for _, c := range cmds {
		if c.menu == menu && c.verb == verb && (key == "" || c.props[key] == value) {
			out = append(out, c)
		}
	}
	return out
}

// TestMikrotikReader renders every testdata/api case for RouterOS, parses
// the script back and compares profiles, proposals, peers, identities
// (keys included), policies, address lists and firewall rules with the
// model; then it checks that the remove block (the rollback file, also
// section 0 of the script) removes exactly what the script adds. Cases
// RouterOS cannot express (group 24, BGP, route-based without selectors)
// must fail naming the reason.
func TestMikrotikReader(t *testing.T) {
	for _, tc := range loadAPICases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var params map[string]string
			if tc.conn.RouteBased() && !anyTunnelBGP(tc.conn) {
				params = map[string]string{"onprem-prefixes": "10.20.0.0/16", "vpc-cidr": "172.16.0.0/12"}
			}
			files, _, err := render.Render(templates.FS, "mikrotik", tc.conn, render.Options{Params: params, Rollback: true})
			switch {
			case usesGroup24(tc.conn):
				if err == nil || !strings.Contains(err.Error(), "(group 24) cannot be expressed on RouterOS") {
					t.Fatalf("group 24: got %v", err)
				}
				return
			case anyTunnelBGP(tc.conn):
				if err == nil || !strings.Contains(err.Error(), "BGP cannot be expressed on RouterOS") {
					t.Fatalf("BGP: got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			cmds, objects := parseMikrotik(t, files[0].Data)
			local, remote := tc.conn.LocalSubnets, tc.conn.RemoteSubnets
			if tc.conn.RouteBased() {
				local, remote = []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}, []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}
			}
			checkMikrotik(t, tc.conn, cmds, local, remote)
			rb, _ := parseMikrotik(t, files[1].Data)
			checkMikrotikRollback(t, cmds, rb, objects)
		})
	}
	t.Run("route-based without selectors", func(t *testing.T) {
		for _, tc := range loadAPICases(t) {
			if tc.conn.RouteBased() && !anyTunnelBGP(tc.conn) {
				_, _, err := render.Render(templates.FS, "mikrotik", tc.conn, render.Options{})
				if err == nil || !strings.Contains(err.Error(), "would send all traffic, Internet included, into the tunnel") {
					t.Errorf("%s: got %v, want the route-based refusal", tc.name, err)
				}
			}
		}
	})
}

func anyTunnelBGP(c vpn.Connection) bool {
	for _, tn := range c.Tunnels {
		if tn.BGP != nil {
			return true
		}
	}
	return false
}

func checkMikrotik(t *testing.T, c vpn.Connection, cmds []mtCmd, local, remote []netip.Prefix) {
	for _, tn := range c.Tunnels {
		t.Run(tn.Label(), func(t *testing.T) {
			peers := mtSelect(cmds, "/ip ipsec peer", "add", "address", tn.RemoteAddr.String()+"/32")
			if len(peers) != 1 {
				t.Fatalf("%d peers with address %s/32, want 1", len(peers), tn.RemoteAddr)
			}
			peer := peers[0].props
			if peer["passive"] != "no" {
				t.Error("the router must initiate (passive=no)")
			}
			got := vpn.IKE{Mode: vpn.MainMode}
			switch peer["exchange-mode"] {
			case "ike2":
				got.Version = vpn.IKEv2
			case "main":
				got.Version = vpn.IKEv1
			case "aggressive":
				got.Version, got.Mode = vpn.IKEv1, vpn.AggressiveMode
			default:
				t.Fatalf("exchange-mode %q", peer["exchange-mode"])
			}
			profs := mtSelect(cmds, "/ip ipsec profile", "add", "name", peer["profile"])
			if len(profs) != 1 {
				t.Fatalf("profile %q defined %d times", peer["profile"], len(profs))
			}
			prof := profs[0].props
			got.Cipher = lookupKeyword(t, mtReadProfileCipher, prof["enc-algorithm"])
			got.Integrity = lookupKeyword(t, mtReadHash, prof["hash-algorithm"])
			got.DHGroup = lookupKeyword(t, mtReadGroup, prof["dh-group"])
			got.Lifetime = mtSeconds(t, prof["lifetime"])
			want := tn.IKE
			if want.Version == vpn.IKEv2 {
				want.Mode = vpn.MainMode
			}
			if got != want {
				t.Errorf("IKE: got %+v, want %+v", got, want)
			}
			if (prof["nat-traversal"] == "yes") != c.NATTraversal {
				t.Errorf("nat-traversal=%s, want %v", prof["nat-traversal"], c.NATTraversal)
			}
			if (prof["dpd-interval"] != "disable-dpd") != c.DPD {
				t.Errorf("dpd-interval=%s, DPD %v", prof["dpd-interval"], c.DPD)
			}
			ids := mtSelect(cmds, "/ip ipsec identity", "add", "peer", peer["name"])
			if len(ids) != 1 {
				t.Fatalf("%d identities for peer %s", len(ids), peer["name"])
			}
			id := ids[0].props
			if id["auth-method"] != "pre-shared-key" || id["generate-policy"] != "no" {
				t.Errorf("identity: %v", id)
			}
			secret := id["secret"]
			if strings.HasPrefix(secret, "0x") {
				raw, err := hex.DecodeString(secret[2:])
				if err != nil {
					t.Errorf("secret 0x… is not hexadecimal")
				}
				secret = string(raw)
			}
			if secret != tn.PSK.Reveal() {
				t.Errorf("pre-shared key read back as %q", secret)
			}
			if wantID := mtReadID(tn.LocalID); id["my-id"] != wantID {
				t.Errorf("my-id=%q, want %q", id["my-id"], wantID)
			}
			wantRemote := ""
			if tn.IKE.Version == vpn.IKEv2 || tn.IKE.Mode == vpn.AggressiveMode && tn.RemoteID.Kind == vpn.IDAddress {
				wantRemote = mtReadID(tn.RemoteID)
			}
			if id["remote-id"] != wantRemote {
				t.Errorf("remote-id=%q, want %q", id["remote-id"], wantRemote)
			}
			// Policies: one per selector pair, each with its own SA.
			var pairs []string
			for _, p := range mtSelect(cmds, "/ip ipsec policy", "add", "peer", peer["name"]) {
				pp := p.props
				if pp["tunnel"] != "yes" || pp["action"] != "encrypt" || pp["level"] != "unique" {
					t.Errorf("policy %v: want tunnel=yes action=encrypt level=unique", pp)
				}
				if standby := tn.Role == vpn.RoleSlave && c.Dual(); (pp["disabled"] == "yes") != standby {
					t.Errorf("policy %s -> %s: disabled=%q, standby tunnel %v", pp["src-address"], pp["dst-address"], pp["disabled"], standby)
				}
				props := mtSelect(cmds, "/ip ipsec proposal", "add", "name", pp["proposal"])
				if len(props) != 1 {
					t.Fatalf("proposal %q defined %d times", pp["proposal"], len(props))
				}
				pr := props[0].props
				gotP := vpn.IPsec{
					Cipher:    lookupKeyword(t, mtReadProposalCipher, pr["enc-algorithms"]),
					Integrity: lookupKeyword(t, mtReadHash, pr["auth-algorithms"]),
					PFS:       lookupKeyword(t, mtReadGroup, pr["pfs-group"]),
					Lifetime:  mtSeconds(t, pr["lifetime"]),
				}
				if gotP != tn.IPsec {
					t.Errorf("IPsec: got %+v, want %+v", gotP, tn.IPsec)
				}
				pairs = append(pairs, pp["src-address"]+" "+pp["dst-address"])
			}
			var wantPairs []string
			for _, l := range local {
				for _, r := range remote {
					wantPairs = append(wantPairs, l.String()+" "+r.String())
				}
			}
			if !slices.Equal(pairs, wantPairs) {
				t.Errorf("policies %v, want %v", pairs, wantPairs)
			}
			for _, p := range pairs {
				if strings.Contains(p, "0.0.0.0/0") {
					t.Errorf("policy %s sends all traffic into the tunnel", p)
				}
			}
			// IKE and ESP from this peer are accepted on input.
			var udp, esp bool
			for _, f := range mtSelect(cmds, "/ip firewall filter", "add", "src-address", tn.RemoteAddr.String()) {
				switch fp := f.props; {
				case fp["chain"] == "input" && fp["protocol"] == "udp" && strings.HasPrefix(fp["dst-port"], "500"):
					udp = true
				case fp["chain"] == "input" && fp["protocol"] == "ipsec-esp":
					esp = true
				}
			}
			if !udp || !esp {
				t.Errorf("input rules for %s: IKE %v, ESP %v", tn.RemoteAddr, udp, esp)
			}
		})
	}
	// Address lists, NAT bypass and the two forward rules.
	lists := map[string][]string{}
	for _, a := range mtSelect(cmds, "/ip firewall address-list", "add", "", "") {
		lists[a.props["list"]] = append(lists[a.props["list"]], a.props["address"])
	}
	nat := mtSelect(cmds, "/ip firewall nat", "add", "chain", "srcnat")
	if len(nat) != 1 || nat[0].props["action"] != "accept" {
		t.Fatalf("NAT bypass: %v", nat)
	}
	lo, vl := nat[0].props["src-address-list"], nat[0].props["dst-address-list"]
	if !slices.Equal(lists[lo], prefixStrings(local)) || !slices.Equal(lists[vl], prefixStrings(remote)) {
		t.Errorf("address lists %s=%v %s=%v, want %v and %v", lo, lists[lo], vl, lists[vl], local, remote)
	}
	dirs := map[string]bool{}
	for _, f := range mtSelect(cmds, "/ip firewall filter", "add", "chain", "forward") {
		fp := f.props
		switch {
		case fp["ipsec-policy"] == "out,ipsec" && fp["src-address-list"] == lo && fp["dst-address-list"] == vl:
			dirs["out"] = true
		case fp["ipsec-policy"] == "in,ipsec" && fp["src-address-list"] == vl && fp["dst-address-list"] == lo:
			dirs["in"] = true
		default:
			t.Errorf("forward rule %v", fp)
		}
	}
	if !dirs["in"] || !dirs["out"] {
		t.Errorf("forward rules %v, want both directions", dirs)
	}
}

func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func mtReadID(id vpn.Identity) string {
	switch id.Kind {
	case vpn.IDAddress:
		return "address:" + id.Addr.String()
	case vpn.IDFQDN:
		return "fqdn:" + id.FQDN
	}
	return ""
}

// checkMikrotikRollback: the rollback file is the script's remove block;
// each remove selects by this connection's tag (comment~"^tag") or by a
// name the script adds; every object the script adds is removed, and the
// header lists as many objects as the script adds.
func checkMikrotikRollback(t *testing.T, cmds, rb []mtCmd, objects []string) {
	var removes []mtCmd
	for _, c := range cmds {
		if c.verb == "remove" {
			removes = append(removes, c)
		}
	}
	if fmt.Sprint(removes) != fmt.Sprint(rb) {
		t.Errorf("the rollback file differs from the script's remove block")
	}
	var adds []mtCmd
	for _, c := range cmds {
		if c.verb == "add" {
			adds = append(adds, c)
		}
	}
	if len(objects) != len(adds) {
		t.Errorf("header lists %d objects, the script adds %d", len(objects), len(adds))
	}
	findRE := regexp.MustCompile(`^\[find (comment~"\^(vpnexport:[A-Za-z0-9_-]+:)"|name="([A-Za-z0-9_-]+)")\]$`)
	removed := make([]bool, len(adds))
	for _, r := range removes {
		m := findRE.FindStringSubmatch(r.find)
		if m == nil {
			t.Errorf("%s remove %s: selects more than this file's tag or names", r.menu, r.find)
			continue
		}
		hits := 0
		for i, a := range adds {
			if a.menu != r.menu {
				continue
			}
			if m[2] != "" && strings.HasPrefix(a.props["comment"], m[2]) || m[3] != "" && a.props["name"] == m[3] {
				removed[i] = true
				hits++
			}
		}
		if hits == 0 {
			t.Errorf("%s remove %s matches nothing the script adds", r.menu, r.find)
		}
	}
	for i, a := range adds {
		if !removed[i] {
			t.Errorf("%s add %v is not removed by the rollback", a.menu, a.props)
		}
	}
}
