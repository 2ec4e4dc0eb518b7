package render_test

// TestJunosSetLinesMatchYANG validates every Junos "set" line vpnexport
// writes — each juniper-srx golden file, its rollback (as the set path it
// deletes), and a rendered matrix of every algorithm, lifetime edge and
// BGP option — against Juniper's published junos-es configuration YANG
// for a current SRX release (Juniper/yang, 24.4R1, conf-with-extensions:
// root, security, interfaces, routing-options, protocols, policy-options
// and the common types and extensions). Paths, enumerations, integer
// ranges and name lengths come from the model, so a keyword no release
// knows (the hmac-sha-384-192 that once shipped) fails here.
//
// The models are not in this repository (docs/vendors/juniper-srx.md,
// "YANG validation"): the test reads them from $VPNEXPORT_JUNOS_YANG, or
// ../shared/junos-yang/24.4R1 beside the checkout, and skips when neither
// exists unless VPNEXPORT_REQUIRE_JUNOS_YANG=1.
//
// How the walker maps YANG to the Junos CLI (checked against the models):
// containers and lists are entered by name, a list's key word(s) follow
// it; a list or leaf marked junos:cli-feature "nokeyword" is written
// without its name (interfaces <name>, local-identity inet <address>);
// choice and case nodes have no word; after a leaf value further sibling
// statements may follow on the same line (traffic-selector ts1 local-ip A
// remote-ip B); "choice-ident"/"choice-value" keys are positional
// (route-filter 0.0.0.0/0 exact, community add NAME); a list with several
// keys names its later keys by the key leaf minus "-name" (security
// policies from-zone A to-zone B). Junos typedefs (jt:ipv4addr …) are
// plain strings in the model; the walker parses addresses and prefixes.

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openconfig/goyang/pkg/yang"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

var junosModels = []string{
	"junos-common-types@2024-01-01.yang",
	"junos-common-ddl-extensions@2024-01-01.yang",
	"junos-common-odl-extensions@2024-01-01.yang",
	"junos-es-conf-root@2024-01-01.yang",
	"junos-es-conf-security@2024-01-01.yang",
	"junos-es-conf-interfaces@2024-01-01.yang",
	"junos-es-conf-routing-options@2024-01-01.yang",
	"junos-es-conf-protocols@2024-01-01.yang",
	"junos-es-conf-policy-options@2024-01-01.yang",
}

var (
	junosOnce sync.Once
	junosRoot *yang.Entry
	junosErr  error
)

// junosSchema loads the models once per test binary (about 8 s).
func junosSchema(t *testing.T) *yang.Entry {
	t.Helper()
	dir := os.Getenv("VPNEXPORT_JUNOS_YANG")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "junos-yang", "24.4R1")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("VPNEXPORT_REQUIRE_JUNOS_YANG") == "1" {
			t.Fatalf("Junos YANG models not found at %s (set VPNEXPORT_JUNOS_YANG)", dir)
		}
		t.Skipf("Junos YANG models not found at %s: set VPNEXPORT_JUNOS_YANG to a directory (or .tar.gz) holding %s", dir, strings.Join(junosModels, ", "))
	}
	junosOnce.Do(func() { junosRoot, junosErr = loadJunos(dir) })
	if junosErr != nil {
		t.Fatal(junosErr)
	}
	return junosRoot
}

// loadJunos reads the models from a directory, or from the .tar.gz files
// in it.
func loadJunos(dir string) (*yang.Entry, error) {
	texts := map[string]string{}
	for _, name := range junosModels {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			texts[name] = string(b)
		}
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	for _, a := range archives {
		if err := readTarGz(a, texts); err != nil {
			return nil, err
		}
	}
	ms := yang.NewModules()
	for _, name := range junosModels {
		text, ok := texts[name]
		if !ok {
			return nil, fmt.Errorf("Junos YANG model %s missing in %s", name, dir)
		}
		// Juniper writes \' inside double-quoted junos:pattern-message
		// arguments; RFC 7950 6.1.3 allows only \n \t \" \\ there and
		// goyang refuses it. The strings are messages; ' means the same.
		if err := ms.Parse(strings.ReplaceAll(text, `\'`, `'`), name); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	if errs := ms.Process(); len(errs) > 0 {
		return nil, fmt.Errorf("processing the Junos models: %v", errs)
	}
	m, errs := ms.GetModule("junos-es-conf-root")
	if len(errs) > 0 {
		return nil, fmt.Errorf("junos-es-conf-root: %v", errs)
	}
	c := m.Dir["configuration"]
	if c == nil {
		return nil, fmt.Errorf("junos-es-conf-root has no configuration container")
	}
	return c, nil
}

func readTarGz(path string, into map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		b, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return err
		}
		into[filepath.Base(h.Name)] = string(b)
	}
}

// tokenize splits a set line into words; "..." is one word.
func junosTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case s[i] == '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote")
			}
			out = append(out, b.String())
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

func hasExt(e *yang.Entry, arg string) bool {
	for _, x := range e.Exts {
		if strings.HasSuffix(x.Keyword, "cli-feature") && x.Argument == arg {
			return true
		}
	}
	return false
}

// children lists the schema children of a directory entry, looking
// through choice and case nodes (which have no keyword in the CLI).
func children(e *yang.Entry) map[string]*yang.Entry {
	out := map[string]*yang.Entry{}
	var walk func(*yang.Entry)
	walk = func(d *yang.Entry) {
		for name, c := range d.Dir {
			if c.IsChoice() || c.IsCase() {
				walk(c)
				continue
			}
			out[name] = c
		}
	}
	walk(e)
	return out
}

// positional returns the children without keyword (nokeyword leaves),
// in schema order as far as goyang keeps it (sorted by name here).
func positional(e *yang.Entry) []*yang.Entry {
	var out []*yang.Entry
	for _, c := range children(e) {
		if c.IsLeaf() && hasExt(c, "nokeyword") {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cliKeyword is the word the CLI uses for a key leaf of a list with several
// keys: Junos writes "from-zone A to-zone B" for the keys from-zone-name
// and to-zone-name of [security policies policy].
func cliKeyword(leaf string) string { return strings.TrimSuffix(leaf, "-name") }

func validate(root *yang.Entry, line string) error {
	toks, err := junosTokens(line)
	if err != nil {
		return err
	}
	if len(toks) < 2 || toks[0] != "set" {
		return fmt.Errorf("not a set line")
	}
	toks = toks[1:]
	cur := root
	var path []string
	where := func() string { return strings.Join(path, " ") }
	for i := 0; i < len(toks); {
		tok := toks[i]
		kids := children(cur)
		c, named := kids[tok]
		if !named {
			// a list written without its keyword (interfaces <name>), a
			// list whose first key names it (from-zone <a> to-zone <b>),
			// or a leaf written without its name
			for _, k := range sortedKids(kids) {
				keys := strings.Fields(k.Key)
				if k.IsList() && hasExt(k, "nokeyword") {
					if checkValue(k.Dir[keys[0]], tok) == nil {
						c = k
						i-- // the word is the key
						break
					}
				}
				if k.IsList() && len(keys) > 1 && cliKeyword(keys[0]) == tok {
					c = k
					break
				}
			}
			if c == nil {
				for _, p := range positional(cur) {
					if checkValue(p, tok) == nil {
						path = append(path, "<"+p.Name+">")
						c = p
						break
					}
				}
				if c != nil {
					i++
					continue // value consumed; stay at this level
				}
				return fmt.Errorf("[edit %s]: %q is not a statement here (some that are: %s)", where(), tok, sample(kids))
			}
		}
		path = append(path, tok)
		i++
		switch {
		case c.IsList():
			ident := ""
			for n, k := range strings.Fields(c.Key) {
				// Junos "choice-ident"/"choice-value" keys are positional:
				// route-filter 10.0.0.0/8 exact, upto 10.0.0.0/8 /24,
				// community add NAME; the value only follows an ident
				// that takes one.
				if k == "choice-ident" {
					if i >= len(toks) || checkValue(c.Dir[k], toks[i]) != nil {
						return fmt.Errorf("[edit %s]: %s needs one of its match types", where(), c.Name)
					}
					ident = toks[i]
					path = append(path, toks[i])
					i++
					continue
				}
				if k == "choice-value" {
					switch ident {
					case "upto", "through", "prefix-length-range", "address-mask":
						if i >= len(toks) {
							return fmt.Errorf("[edit %s]: %s needs a value", where(), ident)
						}
						path = append(path, toks[i])
						i++
					}
					continue
				}
				if n > 0 && !hasExt(c.Dir[k], "nokeyword") {
					// later keys carry their keyword
					if i >= len(toks) || (toks[i] != k && toks[i] != cliKeyword(k)) {
						return fmt.Errorf("[edit %s]: list %s needs %s <%s>", where(), c.Name, cliKeyword(k), k)
					}
					i++
				}
				if i >= len(toks) {
					return fmt.Errorf("[edit %s]: list %s needs its key %s", where(), c.Name, k)
				}
				kl := c.Dir[k]
				if kl == nil {
					return fmt.Errorf("list %s: key leaf %s not found", c.Name, k)
				}
				if err := checkValue(kl, toks[i]); err != nil {
					return fmt.Errorf("[edit %s]: key %s: %v", where(), k, err)
				}
				path = append(path, toks[i])
				i++
			}
			cur = c
		case c.IsLeafList():
			if i >= len(toks) {
				return fmt.Errorf("[edit %s]: %s needs a value", where(), c.Name)
			}
			vals := []string{toks[i]}
			if toks[i] == "[" {
				j := i + 1
				for j < len(toks) && toks[j] != "]" {
					j++
				}
				if j >= len(toks) {
					return fmt.Errorf("[edit %s]: unterminated [", where())
				}
				vals = toks[i+1 : j]
				i = j
			}
			i++
			for _, v := range vals {
				if err := checkValue(c, v); err != nil {
					return fmt.Errorf("[edit %s]: %v", where(), err)
				}
			}
		case c.IsLeaf():
			if c.Type != nil && c.Type.Kind == yang.Yempty {
				continue // a flag; more statements may follow
			}
			if i >= len(toks) {
				return fmt.Errorf("[edit %s]: %s needs a value", where(), c.Name)
			}
			if err := checkValue(c, toks[i]); err != nil {
				return fmt.Errorf("[edit %s]: %v", where(), err)
			}
			i++
			// a sibling statement may follow on the same line
			path = path[:len(path)-1]
		default: // container
			cur = c
		}
	}
	return nil
}

func sortedKids(m map[string]*yang.Entry) []*yang.Entry {
	var out []*yang.Entry
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sample(m map[string]*yang.Entry) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) > 12 {
		ks = append(ks[:12], "...")
	}
	return strings.Join(ks, " ")
}

func checkValue(e *yang.Entry, v string) error {
	if e.Type == nil {
		return nil
	}
	return checkType(e.Type, v)
}

func checkType(t *yang.YangType, v string) error {
	switch t.Kind {
	case yang.Yunion:
		var errs []string
		for _, u := range t.Type {
			if err := checkType(u, v); err == nil {
				return nil
			} else {
				errs = append(errs, err.Error())
			}
		}
		return fmt.Errorf("%q matches no member of the union (%s)", v, strings.Join(errs, "; "))
	case yang.Yenum:
		for _, n := range t.Enum.Names() {
			if n == v {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %v", v, t.Enum.Names())
	case yang.Ystring:
		if l := t.Length; len(l) > 0 {
			if !inRange(l, int64(len(v))) {
				return fmt.Errorf("%q: length %d outside %v", v, len(v), l)
			}
		}
		for _, p := range t.Pattern {
			re, err := regexp.Compile("^(?:" + p + ")$")
			if err == nil && !re.MatchString(v) {
				return fmt.Errorf("%q does not match pattern %s", v, p)
			}
		}
		return checkJunosTypedef(t, v)
	case yang.Yint8, yang.Yint16, yang.Yint32, yang.Yint64, yang.Yuint8, yang.Yuint16, yang.Yuint32, yang.Yuint64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		if len(t.Range) > 0 && !inRange(t.Range, n) {
			return fmt.Errorf("%d outside %v", n, t.Range)
		}
		return nil
	case yang.Yempty:
		return fmt.Errorf("empty leaf takes no value")
	case yang.Ybool:
		if v != "true" && v != "false" {
			return fmt.Errorf("%q not boolean", v)
		}
	}
	return nil
}

func inRange(r yang.YangRange, n int64) bool {
	x := yang.FromInt(n)
	for _, rr := range r {
		if !x.Less(rr.Min) && !rr.Max.Less(x) {
			return true
		}
	}
	return false
}

// checkJunosTypedef adds what the junos-common-types typedefs mean (they
// are all plain strings in the model).
func checkJunosTypedef(t *yang.YangType, v string) error {
	switch t.Name {
	case "ipv4addr":
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return fmt.Errorf("%q is not an IPv4 address", v)
		}
	case "ipv4prefix", "ipv4prefix-mandatory", "ipv4prefix-only":
		p, err := netip.ParsePrefix(v)
		if err != nil || !p.Addr().Is4() {
			if t.Name == "ipv4prefix" {
				if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
					return nil
				}
			}
			return fmt.Errorf("%q is not an IPv4 prefix", v)
		}
	case "ipaddr":
		if _, err := netip.ParseAddr(v); err != nil {
			return fmt.Errorf("%q is not an address", v)
		}
	case "ipprefix", "ipprefix-mandatory", "ipprefix-only", "ipprefix-optional":
		if _, err := netip.ParsePrefix(v); err != nil {
			if _, err2 := netip.ParseAddr(v); err2 != nil || t.Name == "ipprefix-mandatory" {
				return fmt.Errorf("%q is not a prefix", v)
			}
		}
	}
	return nil
}

// setLines returns a file's set lines; a rollback's "delete <path>" is
// checked as the path "set <path>" names.
func setLines(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "set "):
			out = append(out, l)
		case strings.HasPrefix(l, "delete "):
			out = append(out, "set "+strings.TrimPrefix(l, "delete "))
		}
	}
	return out
}

func checkJunosFile(t *testing.T, root *yang.Entry, name string, data []byte) {
	t.Helper()
	lines := setLines(data)
	if len(lines) == 0 {
		t.Errorf("%s: no set lines", name)
	}
	for _, l := range lines {
		if err := validate(root, l); err != nil {
			t.Errorf("%s: %s\n    %v", name, l, err)
		}
	}
}

func TestJunosSetLinesMatchYANG(t *testing.T) {
	root := junosSchema(t)
	t.Run("goldens", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "*", "juniper-srx*.set"))
		if len(files) == 0 {
			t.Fatal("no juniper-srx golden files")
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkJunosFile(t, root, f, data)
		}
	})
	t.Run("matrix", func(t *testing.T) {
		for _, tc := range junosMatrix() {
			files, _, err := render.Render(templates.FS, "juniper-srx", tc.conn, render.Options{Params: tc.params, Rollback: true})
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			for _, f := range files {
				checkJunosFile(t, root, tc.name+"/"+f.Name, f.Data)
			}
		}
	})
	t.Run("negative", func(t *testing.T) {
		// The walker must refuse what Junos refuses.
		for _, l := range []string{
			"set security ipsec proposal p authentication-algorithm hmac-sha-384-192",
			"set security ipsec proposal p lifetime-seconds 179",
			"set security ike proposal p dh-group group25",
			"set security ike gateway gw dead-peer-detection threshold 9",
			"set security ike gateway gw local-identity inet 1.2.3",
			"set security ike gateway a-gateway-name-longer-than-thirty-two address 192.0.2.1",
			"set security zones security-zone untrust host-inbound-traffic system-services iek",
			"set interfaces st0 unit 0 family inet addresss 169.254.10.2/30",
		} {
			if validate(root, l) == nil {
				t.Errorf("the walker accepts %q, which Junos refuses", l)
			}
		}
	})
}

type junosCase struct {
	name   string
	conn   vpn.Connection
	params map[string]string
}

// junosMatrix renders every cipher, integrity and DH group, both IKE
// versions and modes, FQDN identities, lifetime edges, PFS off, policy-
// and route-based, and BGP with every BGP option.
func junosMatrix() []junosCase {
	base := func() vpn.Connection {
		return vpn.Connection{
			Name:          "matrix",
			LocalSubnets:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24"), netip.MustParsePrefix("10.21.0.0/24")},
			RemoteSubnets: []netip.Prefix{netip.MustParsePrefix("10.10.0.0/24")},
			DPD:           true,
			Tunnels: []vpn.Tunnel{{
				Index: 1, Role: vpn.RoleSingle,
				LocalAddr: netip.MustParseAddr("198.51.100.1"), RemoteAddr: netip.MustParseAddr("203.0.113.1"),
				LocalID: vpn.AddressID(netip.MustParseAddr("198.51.100.1")), RemoteID: vpn.AddressID(netip.MustParseAddr("203.0.113.1")),
				PSK:   vpn.NewSecret("matrix-key"),
				IKE:   vpn.IKE{Version: vpn.IKEv2, Cipher: vpn.AES256, Integrity: vpn.SHA256, DHGroup: vpn.Group14, Lifetime: 86400 * time.Second},
				IPsec: vpn.IPsec{Cipher: vpn.AES256, Integrity: vpn.SHA256, PFS: vpn.Group14, Lifetime: 3600 * time.Second},
			}},
		}
	}
	var out []junosCase
	add := func(name string, edit func(c *vpn.Connection), params map[string]string) {
		c := base()
		edit(&c)
		out = append(out, junosCase{name: name, conn: c, params: params})
	}
	for _, ci := range []vpn.Cipher{vpn.AES128, vpn.AES192, vpn.AES256, vpn.DES, vpn.TripleDES} {
		add("cipher-"+ci.String(), func(c *vpn.Connection) { c.Tunnels[0].IKE.Cipher, c.Tunnels[0].IPsec.Cipher = ci, ci }, nil)
	}
	for _, in := range []vpn.Integrity{vpn.MD5, vpn.SHA1, vpn.SHA256, vpn.SHA384, vpn.SHA512} {
		add("integrity-"+in.String(), func(c *vpn.Connection) { c.Tunnels[0].IKE.Integrity, c.Tunnels[0].IPsec.Integrity = in, in }, nil)
	}
	for _, g := range []vpn.DHGroup{vpn.Group1, vpn.Group2, vpn.Group5, vpn.Group14, vpn.Group24} {
		add("group-"+strconv.Itoa(int(g)), func(c *vpn.Connection) { c.Tunnels[0].IKE.DHGroup, c.Tunnels[0].IPsec.PFS = g, g }, nil)
	}
	add("pfs-off", func(c *vpn.Connection) { c.Tunnels[0].IPsec.PFS = vpn.NoPFS }, nil)
	add("lifetimes-min", func(c *vpn.Connection) {
		c.Tunnels[0].IKE.Lifetime, c.Tunnels[0].IPsec.Lifetime = 180*time.Second, 180*time.Second
	}, nil)
	add("ikev1-aggressive-fqdn", func(c *vpn.Connection) {
		tn := &c.Tunnels[0]
		tn.IKE.Version, tn.IKE.Mode = vpn.IKEv1, vpn.AggressiveMode
		tn.LocalID, tn.RemoteID = vpn.FQDNID("onprem.example.com"), vpn.FQDNID("alibaba.example.com")
		tn.PSK = vpn.NewSecret(`awkward"key$9$`)
		c.NATTraversal = false
	}, nil)
	bgp := func(c *vpn.Connection) {
		c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		t1 := &c.Tunnels[0]
		t1.Role = vpn.RoleMaster
		t1.BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104, TunnelCIDR: netip.MustParsePrefix("169.254.10.0/30"),
			LocalIP: netip.MustParseAddr("169.254.10.2"), RemoteIP: netip.MustParseAddr("169.254.10.1")}
		t2 := *t1
		t2.Index, t2.Role = 2, vpn.RoleSlave
		t2.RemoteAddr = netip.MustParseAddr("203.0.113.2")
		t2.RemoteID = vpn.AddressID(t2.RemoteAddr)
		t2.BGP = &vpn.BGP{LocalASN: 65530, RemoteASN: 45104, TunnelCIDR: netip.MustParsePrefix("169.254.20.0/30"),
			LocalIP: netip.MustParseAddr("169.254.20.2"), RemoteIP: netip.MustParseAddr("169.254.20.1")}
		c.Tunnels = append(c.Tunnels, t2)
	}
	add("bgp", bgp, nil)
	add("bgp-prefixes-local-as", bgp, map[string]string{"onprem-prefixes": "10.20.0.0/16,192.168.0.0/24", "local-as": "64999"})
	add("bgp-same-as", bgp, map[string]string{"local-as": "65530", "st0-unit": "15998"})
	// Connection shapes (issue 11): BGP password with awkward characters,
	// both tunnels active (equal next hops), a health check, and IKEv2
	// with several subnet pairs (traffic selector terms).
	add("bgp-auth-key-ecmp", func(c *vpn.Connection) {
		bgp(c)
		c.ActiveActive = true
		for i := range c.Tunnels {
			c.Tunnels[i].Role = vpn.RoleSingle
			c.Tunnels[i].BGP.AuthKey = vpn.NewSecret(`md5"key\with$9$`)
		}
	}, nil)
	add("ecmp-static-health-check", func(c *vpn.Connection) {
		bgp(c)
		c.ActiveActive, c.PrivateNetwork = true, true
		for i := range c.Tunnels {
			c.Tunnels[i].Role, c.Tunnels[i].BGP = vpn.RoleSingle, nil
		}
		c.HealthCheck = &vpn.HealthCheck{Source: netip.MustParseAddr("192.168.100.1"), Destination: netip.MustParseAddr("10.20.0.1"), Interval: 3 * time.Second, Retries: 3}
	}, map[string]string{"vpc-cidr": "172.16.0.0/12"})
	add("ikev2-terms", func(c *vpn.Connection) {
		c.RemoteSubnets = append(c.RemoteSubnets, netip.MustParsePrefix("10.11.0.0/24"))
	}, nil)
	add("static-vpc", func(c *vpn.Connection) {
		c.LocalSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		c.RemoteSubnets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	}, map[string]string{"vpc-cidr": "172.16.0.0/12", "junos-version": "23.2R1"})
	return out
}
