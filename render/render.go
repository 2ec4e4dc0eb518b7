package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/vpnexport/vpnexport/vpn"
)

// File is one generated configuration file.
type File struct {
	// Name is the file's base name, e.g. "swanctl.conf", or, when the
	// connection's tunnels end on several on-prem devices, its path under
	// the connection's folder: "cgw-1/swanctl.conf" (see RenderLayout).
	Name string
	Data []byte
	// Vendor is the vendor that wrote it.
	Vendor string
	// Device is the key of the on-prem device the file configures (its
	// customer gateway ID, or its address), "" when the connection has
	// one device; DeviceLabel names it for people.
	Device, DeviceLabel string
}

// Options tune one rendering run.
type Options struct {
	// Params are the vendor's device parameters (--set key=value); keys the
	// vendor does not know are an error.
	Params map[string]string
	// Redact replaces every secret by a placeholder such as
	// <PSK-REDACTED:tunnel-1> and marks the file as redacted.
	Redact bool
	// InputWarnings are the caveats found while reading the connection
	// (api.Normalize, DescribeVpnConnection); the summary lists them.
	InputWarnings []vpn.Warning
	// Rollback also renders the vendor's rollback file (Vendor.Rollback).
	Rollback bool

	// vendorParams are every vendor's --set values, for an aggregating
	// vendor (the summary) that runs the other vendors' checks.
	vendorParams map[string]map[string]string
	// runVendors are the other vendors of the run, for an aggregating
	// vendor: it reports on those (on every vendor when there are none).
	runVendors []string
	// checks collects what each vendor's build said about this
	// connection during one Plan.Render, so that the summary reuses it
	// instead of building every view a second time.
	checks *checkResults
}

// checkResults are the build outcomes of the vendors rendered so far for
// one connection: the unscoped warnings, or the refusal.
type checkResults struct {
	byVendor map[string]checkResult
}

type checkResult struct {
	warns []vpn.Warning
	err   error
}

// Param is a device fact the API does not know (an interface name, a
// tunnel number), with the default used when --set does not give it.
type Param struct {
	Key     string
	Default string
	Help    string
	// Stride, when above zero, marks a number that must be free on the
	// device and distinct per connection (a tunnel interface number, a
	// policy priority, an inside /30): in a batch, the k-th connection
	// gets the value plus k×Stride (for an IPv4 prefix, the k×Stride-th
	// next network of the same size), so one run never renders two
	// connections onto the same numbers. See Plan.Offset.
	Stride int
	// List marks a comma-separated list (of prefixes): the value may
	// also contain ',' (see params.Prefixes).
	List bool
}

// Vendor describes one output target.
type Vendor struct {
	// Name is the --vendor value and the template folder, e.g. "cisco-ios".
	Name string
	// Summary is the one-line description `vpnexport vendors` prints.
	Summary string
	// File is the generated file's name, e.g. "swanctl.conf"; its
	// template is <Name>/<File>.tmpl.
	File string
	// Extra names more files rendered from the same view, each from
	// <Name>/<file>.tmpl (e.g. libreswan's ipsec.secrets beside
	// ipsec.conf).
	Extra []string
	// Rollback names the file that removes exactly what the
	// configuration adds, rendered from <Name>/<Rollback>.tmpl with the
	// same view when Options.Rollback is set; "" when the vendor has none.
	Rollback string
	// Params are the vendor's --set keys in display order.
	Params []Param

	// SecretKeywords are the words that introduce a secret (pre-shared
	// key, BGP password) on this vendor's lines, e.g. "psksecret" or
	// "pre-shared-key". The --diff masker falls back on them for lines it
	// could not learn, and a test checks that every line carrying a
	// secret holds one of them. Required unless NoSecrets is set.
	SecretKeywords []string
	// NoSecrets marks a vendor whose files never carry a secret (the
	// summary).
	NoSecrets bool

	// build decides everything and returns the flat view the template
	// lays out, plus warnings. It never sees Alibaba field names.
	build func(c vpn.Connection, p params, o Options) (any, []vpn.Warning, error)
	// aggregate marks a vendor that runs the other vendors' checks (the
	// summary); such vendors skip each other to avoid recursion.
	aggregate bool
}

// Aggregate reports a vendor that runs every other vendor's checks (the
// summary): it takes every vendor's --set keys.
func (v Vendor) Aggregate() bool { return v.aggregate }

// hasParam reports whether key is one of the vendor's --set keys.
func (v Vendor) hasParam(key string) bool {
	for _, p := range v.Params {
		if p.Key == key {
			return true
		}
	}
	return false
}

var registry = map[string]Vendor{}

// register adds a vendor; each vendor file calls it from init.
func register(v Vendor) {
	if _, dup := registry[v.Name]; dup {
		panic("render: vendor registered twice: " + v.Name)
	}
	registry[v.Name] = v
}

// Vendors lists every vendor, sorted by name.
func Vendors() []Vendor {
	out := make([]Vendor, 0, len(registry))
	for _, v := range registry {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a vendor by name.
func Lookup(name string) (Vendor, bool) {
	v, ok := registry[name]
	return v, ok
}

// Names lists the vendor names, sorted.
func Names() []string {
	var names []string
	for _, v := range Vendors() {
		names = append(names, v.Name)
	}
	return names
}

// ParamError is an unknown or malformed --set key: a usage error.
type ParamError struct {
	Vendor string
	Key    string
	Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s: --set %s: %s", e.Vendor, e.Key, e.Reason)
}

// Render builds the vendor's view of c and executes its templates from
// fsys (the vendor's folder holds one main template named <File>.tmpl,
// one per Extra and Rollback file, and any number of partials named
// _*.tmpl). It is a pure function: the same inputs give the same bytes.
// It parses the templates on every call; a Plan parses them once.
func Render(fsys fs.FS, vendorName string, c vpn.Connection, opts Options) ([]File, []vpn.Warning, error) {
	v, ok := registry[vendorName]
	if !ok {
		return nil, nil, fmt.Errorf("unknown vendor %q (want one of %s)", vendorName, strings.Join(Names(), ", "))
	}
	tmpl, err := parse(fsys, v)
	if err != nil {
		return nil, nil, err
	}
	return v.render(tmpl, c, opts)
}

// render builds the view and executes the vendor's parsed templates.
func (v Vendor) render(tmpl *template.Template, c vpn.Connection, opts Options) ([]File, []vpn.Warning, error) {
	p, err := v.params(opts.Params)
	if err != nil {
		return nil, nil, err
	}
	if len(c.Tunnels) == 0 {
		return nil, nil, fmt.Errorf("render %s: connection has no tunnels", v.Name)
	}
	if err := checkConnection(c); err != nil {
		return nil, nil, fmt.Errorf("render %s: %w", v.Name, err)
	}
	view, warns, err := v.build(c, p, opts)
	if opts.checks != nil && !v.aggregate {
		opts.checks.byVendor[v.Name] = checkResult{warns: slices.Clone(warns), err: err}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("render %s: %w", v.Name, err)
	}
	names := append([]string{v.File}, v.Extra...)
	if opts.Rollback && v.Rollback != "" {
		names = append(names, v.Rollback)
	}
	files := make([]File, 0, len(names))
	for _, name := range names {
		data, err := execute(tmpl, v, name+".tmpl", view)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, File{Name: name, Data: data, Vendor: v.Name})
	}
	for i := range warns {
		if warns[i].Scope == "" {
			warns[i].Scope = v.Name
		} else {
			warns[i].Scope = v.Name + ": " + warns[i].Scope
		}
	}
	return files, warns, nil
}

// Size limits. IKEv1 renders one phase 2 per (local, remote) subnet pair,
// so a 1 MB input listing thousands of subnets per side would make a
// config of billions of lines (an amplification found while
// fuzzing: an 8 KB input already gave 768,000 lines). Real connections list a handful.
const (
	maxSubnets     = 1024 // per side
	maxSubnetPairs = 4096 // IKEv1 cross product
)

// checkConnection refuses, for every vendor alike, what no vendor may
// render: IPv6, a default route into the tunnel, and connections too large
// to render sensibly.
func checkConnection(c vpn.Connection) error {
	if err := checkIPv4(c); err != nil {
		return err
	}
	if err := checkDefaultRoute(c); err != nil {
		return err
	}
	return checkSize(c)
}

// checkIPv4 refuses IPv6 selectors and peers. Every renderer writes IPv4
// syntax (dotted masks, wildcard masks, "family inet"); an IPv6 prefix
// would be mangled, and a selector pair mixing IPv4 and IPv6 is never
// valid. The error names the value and says what to change.
func checkIPv4(c vpn.Connection) error {
	for _, side := range []struct {
		what string
		ps   []netip.Prefix
	}{{"on-prem subnet", c.LocalSubnets}, {"VPC subnet", c.RemoteSubnets}} {
		for _, p := range side.ps {
			if !p.Addr().Is4() {
				return fmt.Errorf("%s %s is IPv6: vpnexport renders IPv4 connections only (and an IPv4/IPv6 selector pair is never valid); configure this connection's IPv6 part by hand", side.what, p)
			}
		}
	}
	for _, t := range c.Tunnels {
		for _, a := range []struct {
			what string
			addr netip.Addr
		}{{"this device's address", t.LocalAddr}, {"Alibaba's address", t.RemoteAddr}, {"this device's IKE ID", t.LocalID.Addr}, {"Alibaba's IKE ID", t.RemoteID.Addr}} {
			if a.addr.IsValid() && !a.addr.Is4() {
				return fmt.Errorf("%s: %s %s is IPv6: vpnexport renders IPv4 peers only", t.Label(), a.what, a.addr)
			}
		}
	}
	return nil
}

// checkDefaultRoute refuses a VPC side of 0.0.0.0/0 when the on-prem side
// is not 0.0.0.0/0 too. Route-based connections (both sides 0.0.0.0/0)
// route only the VPC prefixes into the tunnel; but a policy-based
// connection whose VPC side is "everything" would make every vendor
// encrypt, and route into the tunnel, all traffic to every destination:
// a second default route on a device that already has one.
func checkDefaultRoute(c vpn.Connection) error {
	if c.RouteBased() {
		return nil
	}
	for _, p := range c.RemoteSubnets {
		if p.Bits() == 0 {
			return fmt.Errorf("VPC subnet %s with on-prem subnets %s would send every destination (a default route) into the tunnel; on Alibaba, either set both sides to 0.0.0.0/0 (route-based, and render with the VPC prefix) or list the VPC's own prefixes", p, prefixList(c.LocalSubnets))
		}
	}
	return nil
}

// checkSize refuses connections too large to render sensibly.
func checkSize(c vpn.Connection) error {
	if n := max(len(c.LocalSubnets), len(c.RemoteSubnets)); n > maxSubnets {
		return fmt.Errorf("%d subnets on one side; vpnexport renders at most %d", n, maxSubnets)
	}
	for _, t := range c.Tunnels {
		if pairs := len(c.LocalSubnets) * len(c.RemoteSubnets); t.IKE.Version == vpn.IKEv1 && pairs > maxSubnetPairs {
			return fmt.Errorf("%s: IKEv1 with %d x %d subnets needs %d phase-2 SAs; vpnexport renders at most %d (use IKEv2 or fewer, larger subnets)",
				t.Label(), len(c.LocalSubnets), len(c.RemoteSubnets), pairs, maxSubnetPairs)
		}
	}
	return nil
}

// params merges overrides over defaults and refuses unknown keys.
func (v Vendor) params(over map[string]string) (params, error) {
	p := params{vendor: v.Name, values: map[string]string{}}
	for _, d := range v.Params {
		p.values[d.Key] = d.Default
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := p.values[k]; !ok {
			return params{}, &ParamError{Vendor: v.Name, Key: k, Reason: "unknown key (valid: " + strings.Join(v.paramKeys(), ", ") + ")"}
		}
		if v.isList(k) && len(over[k]) <= 1024 && safeListParam.MatchString(over[k]) {
			p.values[k] = over[k]
			continue
		}
		if !safeParam.MatchString(over[k]) && !v.negativeNumber(k, over[k]) {
			return params{}, &ParamError{Vendor: v.Name, Key: k, Reason: fmt.Sprintf("value %q: %s", over[k], unsafeParamReason(over[k]))}
		}
		p.values[k] = over[k]
	}
	return p, nil
}

// safeParam keeps device parameters inside their token on every platform.
var safeParam = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:-]{0,62}$`)

// safeListParam is safeParam for a List parameter: fields as safeParam
// allows, separated by single commas.
var safeListParam = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:-]{0,62}(,[A-Za-z0-9][A-Za-z0-9_./:-]{0,62})*$`)

func (v Vendor) isList(key string) bool {
	for _, d := range v.Params {
		if d.Key == key {
			return d.List
		}
	}
	return false
}

// negativeNumber lets a negative number through to a numeric parameter
// (one whose default is a number), so that its range check names the
// real problem instead of the leading '-'.
func (v Vendor) negativeNumber(key, val string) bool {
	for _, p := range v.Params {
		if p.Key == key {
			_, errDef := strconv.Atoi(p.Default)
			n, err := strconv.Atoi(val)
			return errDef == nil && err == nil && n < 0
		}
	}
	return false
}

// unsafeParamReason says what is wrong with a value safeParam refuses.
func unsafeParamReason(val string) string {
	switch {
	case val == "":
		return "empty (leave the --set out for the default)"
	case len(val) > 63:
		return "longer than 63 characters"
	case !safeParam.MatchString(val[:1]):
		return "must start with a letter or a digit"
	}
	return "use letters, digits and - _ . / : only"
}

func (v Vendor) paramKeys() []string {
	keys := make([]string, len(v.Params))
	for i, d := range v.Params {
		keys[i] = d.Key
	}
	return keys
}

// params is a vendor's resolved --set values.
type params struct {
	vendor string
	values map[string]string
}

// String returns a parameter's value.
func (p params) String(key string) string { return p.values[key] }

// Int returns a numeric parameter or an error naming it.
func (p params) Int(key string, min, max int) (int, error) {
	var n int
	s := p.values[key]
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s || n < min || n > max {
		return 0, &ParamError{Vendor: p.vendor, Key: key, Reason: fmt.Sprintf("value %q: want a number from %d to %d", s, min, max)}
	}
	return n, nil
}

// Prefix reads an optional IPv4 CIDR parameter such as vpc-cidr: ok is
// false when it is empty.
func (p params) Prefix(key string) (pfx netip.Prefix, ok bool, err error) {
	s := p.values[key]
	if s == "" {
		return netip.Prefix{}, false, nil
	}
	pfx, err = netip.ParsePrefix(s)
	if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
		return netip.Prefix{}, false, &ParamError{Vendor: p.vendor, Key: key, Reason: fmt.Sprintf("value %q: want an IPv4 network in CIDR form, e.g. 172.16.0.0/12", s)}
	}
	return pfx, true, nil
}

// Prefixes reads an optional comma-separated list of IPv4 CIDR prefixes
// (a List parameter such as onprem-prefixes); empty gives none.
func (p params) Prefixes(key string) ([]netip.Prefix, error) {
	s := p.values[key]
	if s == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		pfx, err := netip.ParsePrefix(f)
		if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() == 0 {
			return nil, &ParamError{Vendor: p.vendor, Key: key, Reason: fmt.Sprintf("value %q: want IPv4 networks in CIDR form, comma-separated, e.g. 10.20.0.0/16,10.21.0.0/16 (never 0.0.0.0/0)", f)}
		}
		out = append(out, pfx)
	}
	return out, nil
}

// parse parses every template of the vendor's folder.
func parse(fsys fs.FS, v Vendor) (*template.Template, error) {
	tmpl, err := template.New(v.Name).Option("missingkey=error").Funcs(funcs()).ParseFS(fsys, v.Name+"/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("render %s: %s", v.Name, cleanTemplateError(err))
	}
	return tmpl, nil
}

// execute runs one of the vendor's templates on the view.
func execute(tmpl *template.Template, v Vendor, name string, view any) (out []byte, err error) {
	if tmpl.Lookup(name) == nil {
		return nil, fmt.Errorf("render %s: template %s/%s not found", v.Name, v.Name, name)
	}
	// A template calling a function that panics must not take the run
	// down: turn it into an error naming the vendor (as helm does).
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render %s: template panic: %v", v.Name, r)
		}
	}()
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, view); err != nil {
		return nil, fmt.Errorf("render %s: %s", v.Name, cleanTemplateError(err))
	}
	return tidy(buf.Bytes()), nil
}

var templateErrRE = regexp.MustCompile(`^template: ([^:]+):(\d+):(?:\d+:)?\s*(?:executing "[^"]*" at <[^>]*>: )?`)

// cleanTemplateError rewrites "template: x.tmpl:22:3: executing … at <.Foo>: msg"
// into "x.tmpl:22: msg".
func cleanTemplateError(err error) string {
	var ee template.ExecError
	msg := err.Error()
	if errors.As(err, &ee) {
		msg = ee.Err.Error()
	}
	return templateErrRE.ReplaceAllString(msg, "$1:$2: ")
}

// tidy trims trailing blanks, collapses runs of blank lines and ends the
// file with exactly one newline, so templates can be laid out freely.
func tidy(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	out := make([]byte, 0, len(b)+1)
	blank := 0
	for len(b) > 0 {
		var l []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			l, b = b, nil
		}
		l = bytes.TrimRight(l, " \t")
		if len(l) == 0 {
			blank++
			continue
		}
		// A run of blank lines becomes one, except before the first line
		// and after the last.
		if blank > 0 && len(out) > 0 {
			out = append(out, '\n')
		}
		blank = 0
		out = append(out, l...)
		out = append(out, '\n')
	}
	if len(out) == 0 {
		return []byte("\n")
	}
	return out
}
