package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/vpnexport/vpnexport/vpn"
)

// DefaultVendor is the vendor rendered when none is asked for.
const DefaultVendor = "strongswan"

// PlanOptions is what the user asked for: vendors, device parameters,
// templates.
type PlanOptions struct {
	// Vendors are vendor names or "all"; empty means DefaultVendor.
	Vendors []string
	// Sets are the --set key=value pairs. A key goes to every selected
	// vendor that knows it; a key that no selected vendor knows is an
	// error.
	Sets map[string]string
	// Redact replaces secrets by placeholders in every file.
	Redact bool
	// Rollback adds each vendor's rollback file.
	Rollback bool
	// Templates is the built-in template set; Overlay, when set, is a
	// user's folder whose files replace or add to it (--templates DIR),
	// named OverlayName in messages.
	Templates   fs.FS
	Overlay     fs.FS
	OverlayName string
}

// ParseSets turns repeated --set key=value flags into PlanOptions.Sets.
func ParseSets(sets []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, &RequestError{fmt.Sprintf("--set %q: want key=value", s)}
		}
		if _, dup := out[k]; dup {
			return nil, &RequestError{fmt.Sprintf("--set %s given twice", k)}
		}
		out[k] = v
	}
	return out, nil
}

// RequestError is a mistake in what was asked for (an unknown vendor, a
// --set key no selected vendor knows, a broken template folder): the
// command line has to change, so it is a usage error.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// Plan is a validated output request: which vendors, with which
// parameters, from which templates. Render, export and the --diff masker
// all render through a Plan, so they agree on every byte. A Plan parses
// each vendor's templates once and is safe for concurrent use.
type Plan struct {
	vendors  []Vendor
	params   map[string]map[string]string // vendor -> its --set values
	all      bool
	redact   bool
	rollback bool
	fsys     fs.FS
	opts     PlanOptions // as asked, for Ineffective

	cache *templateCache
}

// templateCache holds each vendor's parsed templates, shared by a plan and
// its offsets.
type templateCache struct {
	mu     sync.Mutex
	parsed map[string]parsedTemplates
}

type parsedTemplates struct {
	tmpl *template.Template
	err  error
}

// NewPlan validates o and returns the plan.
func NewPlan(o PlanOptions) (*Plan, error) {
	p := &Plan{params: map[string]map[string]string{}, redact: o.Redact, rollback: o.Rollback,
		fsys: o.Templates, opts: o, cache: &templateCache{parsed: map[string]parsedTemplates{}}}
	names := o.Vendors
	if len(names) == 0 {
		names = []string{DefaultVendor}
	}
	seen := map[string]bool{}
	add := func(v Vendor) {
		if !seen[v.Name] {
			seen[v.Name] = true
			p.vendors = append(p.vendors, v)
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			p.all = true
			for _, v := range Vendors() {
				add(v)
			}
			continue
		}
		v, ok := Lookup(n)
		if !ok {
			return nil, &RequestError{fmt.Sprintf("--vendor %q: unknown vendor (want %s or all)", n, strings.Join(Names(), ", "))}
		}
		add(v)
	}
	if o.Overlay != nil {
		if err := CheckTemplateDir(o.Overlay); err != nil {
			return nil, fmt.Errorf("--templates %s: %w", o.OverlayName, err)
		}
		p.fsys = Overlay(o.Overlay, o.Templates)
	}
	if err := p.assignSets(o.Sets); err != nil {
		return nil, err
	}
	return p, nil
}

// assignSets gives each --set key to every planned vendor that has it.
// An aggregating vendor (the summary) runs every vendor's checks, so
// when one is planned every vendor's keys are accepted and kept for its
// checks. A key no planned vendor takes is an error naming the vendors
// that do take it.
func (p *Plan) assignSets(sets map[string]string) error {
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	candidates := p.vendors
	for _, v := range p.vendors {
		if v.aggregate {
			candidates = Vendors()
			break
		}
	}
	for _, k := range keys {
		used := false
		for _, v := range candidates {
			if v.hasParam(k) {
				if p.params[v.Name] == nil {
					p.params[v.Name] = map[string]string{}
				}
				p.params[v.Name][k] = sets[k]
				used = true
			}
		}
		if used {
			continue
		}
		var owners []string
		for _, v := range Vendors() {
			if v.hasParam(k) {
				owners = append(owners, v.Name)
			}
		}
		if len(owners) == 0 {
			return &RequestError{fmt.Sprintf("--set %s: unknown key: no vendor has it (see 'vpnexport vendors')", k)}
		}
		return &RequestError{fmt.Sprintf("--set %s: no selected vendor uses it (selected: %s; used by %s)", k, strings.Join(p.VendorNames(), ", "), strings.Join(owners, ", "))}
	}
	return nil
}

// Ineffective finds a --set key whose value changes none of the files
// the plan rendered for c (files, from Render): the user asked for
// something that did not happen, say a route-based parameter on a
// policy-based connection. Each key is checked by rendering again
// without it. A key set to its default is not checked: it changes
// nothing by design. owners says, per vendor that took the key, what it
// is for. key is "" when every key mattered.
func (p *Plan) Ineffective(c vpn.Connection, inputWarnings []vpn.Warning, files []File) (key string, owners []string) {
	keys := make([]string, 0, len(p.opts.Sets))
	for k := range p.opts.Sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val, isDefault := p.opts.Sets[k], true
		owners = owners[:0]
		for _, v := range Vendors() {
			for _, prm := range v.Params {
				if _, took := p.params[v.Name][k]; took && prm.Key == k {
					owners = append(owners, v.Name+": "+prm.Help)
					isDefault = isDefault && prm.Default == val
				}
			}
		}
		if isDefault {
			continue
		}
		o := p.opts
		o.Sets = maps.Clone(p.opts.Sets)
		delete(o.Sets, k)
		without, err := NewPlan(o)
		if err != nil {
			continue
		}
		other, _, err := without.Render(c, inputWarnings)
		var re *RefusedError
		if (err == nil || errors.As(err, &re)) && slices.EqualFunc(files, other, func(a, b File) bool { return a.Name == b.Name && bytes.Equal(a.Data, b.Data) }) {
			return k, owners
		}
	}
	return "", nil
}

// Vendors returns the planned vendors in the order asked for.
func (p *Plan) Vendors() []Vendor { return p.vendors }

// VendorNames returns the planned vendors' names.
func (p *Plan) VendorNames() []string {
	names := make([]string, len(p.vendors))
	for i, v := range p.vendors {
		names[i] = v.Name
	}
	return names
}

// All reports that every registered vendor was asked for: the output
// folder should then hold exactly the files rendered.
func (p *Plan) All() bool { return p.all }

// Redacted reports whether secrets are replaced by placeholders.
func (p *Plan) Redacted() bool { return p.redact }

// FS is the plan's template set (the built-in one, or the overlay).
func (p *Plan) FS() fs.FS { return p.fsys }

// Params returns the --set values planned for one vendor.
func (p *Plan) Params(vendor string) map[string]string { return p.params[vendor] }

// NotRendered starts the warning that says a vendor was skipped (see
// Render).
const NotRendered = "not rendered: "

// Render renders every planned vendor for one connection, all in memory.
// inputWarnings are the caveats found while reading the input. A vendor
// that cannot render the connection does not stop the others:
//   - with --vendor all, a platform that cannot express it (ErrCannotExpress:
//     libreswan 4.x and Alibaba's default DH group 2) is skipped, with a
//     warning scoped to the vendor that starts with NotRendered;
//   - any other refusal, and any refusal of a vendor asked for by name,
//     makes Render return the other vendors' files with a *RefusedError
//     naming each refusing vendor and why.
//
// A wrong --set value is not a refusal: it fails the whole rendering.
func (p *Plan) Render(c vpn.Connection, inputWarnings []vpn.Warning) ([]File, []vpn.Warning, error) {
	type result struct {
		files []File
		warns []vpn.Warning
		err   error
	}
	results := make([]result, len(p.vendors))
	opts := Options{Redact: p.redact, Rollback: p.rollback, InputWarnings: inputWarnings}
	if len(c.Devices()) == 0 {
		// One device: the summary reuses what the other vendors' builds
		// said (a connection split over two devices is checked whole).
		opts.checks = &checkResults{byVendor: map[string]checkResult{}}
	}
	for _, v := range p.vendors {
		if !v.aggregate {
			opts.runVendors = append(opts.runVendors, v.Name)
		}
	}
	// Aggregating vendors (the summary) last, so they find the others'
	// results; the files keep the plan's order.
	for _, last := range []bool{false, true} {
		for i, v := range p.vendors {
			if v.aggregate == last {
				r := &results[i]
				r.files, r.warns, r.err = p.RenderLayout(v, c, opts)
			}
		}
	}
	var files []File
	var warns []vpn.Warning
	var refused RefusedError
	for i, v := range p.vendors {
		f, w, err := results[i].files, results[i].warns, results[i].err
		var pe *ParamError
		switch {
		case errors.As(err, &pe):
			return nil, nil, err
		case err != nil && p.all && errors.Is(err, ErrCannotExpress):
			warns = append(warns, vpn.Warning{Scope: v.Name, Message: NotRendered + err.Error()})
			continue
		case err != nil:
			refused.Vendors = append(refused.Vendors, VendorError{Vendor: v.Name, Err: err})
			continue
		}
		files = append(files, f...)
		warns = append(warns, w...)
	}
	if len(refused.Vendors) > 0 {
		return files, warns, &refused
	}
	return files, warns, nil
}

// VendorError is one vendor's refusal to render a connection.
type VendorError struct {
	Vendor string
	Err    error
}

func (e VendorError) Error() string { return e.Err.Error() }

// RefusedError lists the vendors that could not render a connection, in
// plan order. Plan.Render returns it together with the other vendors'
// files.
type RefusedError struct{ Vendors []VendorError }

func (e *RefusedError) Error() string {
	msgs := make([]string, len(e.Vendors))
	for i, v := range e.Vendors {
		msgs[i] = v.Err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *RefusedError) Unwrap() []error {
	errs := make([]error, len(e.Vendors))
	for i, v := range e.Vendors {
		errs[i] = v.Err
	}
	return errs
}

// RenderVendor renders one vendor with the plan's parameters and
// templates; opts.Params is replaced by the planned ones. The --diff
// masker uses it to render probes unredacted.
func (p *Plan) RenderVendor(v Vendor, c vpn.Connection, opts Options) ([]File, []vpn.Warning, error) {
	tmpl, err := p.templates(v)
	if err != nil {
		return nil, nil, err
	}
	opts.Params = p.params[v.Name]
	if v.aggregate {
		opts.vendorParams = p.params
	}
	return v.render(tmpl, c, opts)
}

// templates parses a vendor's templates on first use. text/template
// allows concurrent execution of a parsed template.
func (p *Plan) templates(v Vendor) (*template.Template, error) {
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	pt, ok := p.cache.parsed[v.Name]
	if !ok {
		pt.tmpl, pt.err = parse(p.fsys, v)
		p.cache.parsed[v.Name] = pt
	}
	return pt.tmpl, pt.err
}

// Offset returns the plan for the k-th connection (0-based) of a batch:
// every parameter with a Stride gets its value (--set or default) plus
// k×Stride, so the connections of one run never share a tunnel number,
// priority or inside network. It also returns the values it allocated,
// per vendor, for the manifest. Offset(0) changes nothing.
func (p *Plan) Offset(k int) (*Plan, map[string]map[string]string, error) {
	out := *p
	out.params = map[string]map[string]string{}
	allocated := map[string]map[string]string{}
	for _, v := range p.vendors {
		vals := map[string]string{}
		for key, val := range p.params[v.Name] {
			vals[key] = val
		}
		for _, prm := range v.Params {
			if prm.Stride <= 0 {
				continue
			}
			val, set := vals[prm.Key]
			if !set {
				val = prm.Default
			}
			if val == "" {
				continue
			}
			next, err := offsetValue(val, k*prm.Stride)
			if err != nil {
				return nil, nil, &ParamError{Vendor: v.Name, Key: prm.Key, Reason: err.Error()}
			}
			vals[prm.Key] = next
			if allocated[v.Name] == nil {
				allocated[v.Name] = map[string]string{}
			}
			allocated[v.Name][prm.Key] = next
		}
		if len(vals) > 0 {
			out.params[v.Name] = vals
		}
	}
	return &out, allocated, nil
}

// offsetValue adds n to a number, or moves an IPv4 prefix n networks of
// its own size further.
func offsetValue(val string, n int) (string, error) {
	if i, err := strconv.Atoi(val); err == nil {
		return strconv.Itoa(i + n), nil
	}
	pfx, err := netip.ParsePrefix(val)
	if err != nil || !pfx.Addr().Is4() {
		return "", fmt.Errorf("value %q: want a number or an IPv4 prefix", val)
	}
	size := uint64(1) << (32 - pfx.Bits())
	a := pfx.Masked().Addr().As4()
	base := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
	next := base + uint64(n)*size
	if next+size > 1<<32 {
		return "", fmt.Errorf("value %q: %d networks further is past 255.255.255.255", val, n)
	}
	addr := netip.AddrFrom4([4]byte{byte(next >> 24), byte(next >> 16), byte(next >> 8), byte(next)})
	return netip.PrefixFrom(addr, pfx.Bits()).String(), nil
}
