// Scratch prototype (issue 16, B.15a): validate Junos "set" lines against
// Juniper's published junos-es configuration YANG (Juniper/yang,
// <release>/native/conf-and-rpcs/junos-es/conf-with-extensions) using
// github.com/openconfig/goyang. Not part of the build.
//
// usage: go run . <dir with .yang files> < file.set
package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/openconfig/goyang/pkg/yang"
)

func main() {
	dir := os.Args[1]
	t0 := time.Now()
	root, err := load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "loaded in %v\n", time.Since(t0))
	sc := bufio.NewScanner(os.Stdin)
	bad := 0
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "set ") {
			continue
		}
		n++
		if err := validate(root, line); err != nil {
			bad++
			fmt.Printf("BAD %s\n    %v\n", line, err)
		}
	}
	fmt.Printf("%d set lines, %d bad\n", n, bad)
	if bad > 0 {
		os.Exit(1)
	}
}

func load(dir string) (*yang.Entry, error) {
	ms := yang.NewModules()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yang"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// Juniper's files write \' inside double-quoted extension
		// arguments (junos:pattern-message), which RFC 7950 6.1.3 does
		// not allow and goyang refuses; a plain ' means the same.
		text := strings.ReplaceAll(string(b), `\'`, `'`)
		if err := ms.Parse(text, f); err != nil {
			return nil, err
		}
	}
	if errs := ms.Process(); len(errs) > 0 {
		return nil, fmt.Errorf("process: %v", errs)
	}
	m, errs := ms.GetModule("junos-es-conf-root")
	if len(errs) > 0 {
		return nil, fmt.Errorf("root: %v", errs)
	}
	c := m.Dir["configuration"]
	if c == nil {
		return nil, fmt.Errorf("no configuration container")
	}
	return c, nil
}

// tokenize splits a set line into words; "..." is one word (quotes
// removed) and "[ a b ]" is kept as separate words with brackets.
func tokenize(s string) ([]string, error) {
	var out []string
	i := 0
	for i < len(s) {
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
	toks, err := tokenize(line)
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
