package render

import (
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/vpnexport/vpnexport/vpn"
)

// View returns the value a vendor's template receives for c: the same
// view Render executes the template with. It exists for
// `vpnexport vendors --describe`, which shows template authors what they
// can use.
func View(vendorName string, c vpn.Connection, opts Options) (any, error) {
	v, ok := registry[vendorName]
	if !ok {
		return nil, fmt.Errorf("unknown vendor %q (want one of %s)", vendorName, strings.Join(Names(), ", "))
	}
	p, err := v.params(opts.Params)
	if err != nil {
		return nil, err
	}
	view, _, err := v.build(c, p, opts)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", v.Name, err)
	}
	return view, nil
}

// FuncNames lists the functions templates may call, sorted.
func FuncNames() []string {
	fm := funcs()
	names := make([]string, 0, len(fm))
	for n := range fm {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DescribeView writes every field of a view a template can reach: its
// path from the dot, its type, and the example's value, nesting into
// slices and structs (ranges) by indentation.
func DescribeView(w io.Writer, view any) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	describeValue(tw, reflect.ValueOf(view), "")
	return tw.Flush()
}

func describeValue(w io.Writer, v reflect.Value, indent string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			// An embedded struct (fileNotes in every view) is not a
			// path of its own: templates reach its exported fields from
			// the dot, as promoted fields, whether its type is exported
			// or not.
			describeValue(w, v.Field(i), indent)
			continue
		}
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		fmt.Fprintf(w, "%s.%s\t%s\t%s\n", indent, f.Name, typeText(f.Type), exampleText(fv))
		if inner := structInside(f.Type); inner != nil {
			sample := firstStruct(fv)
			if !sample.IsValid() {
				sample = reflect.New(inner).Elem()
			}
			describeValue(w, sample, indent+"    ")
		}
	}
}

// structInside returns the struct type a field leads to (through
// pointers and slices), or nil.
func structInside(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.PkgPath() != "" && !strings.HasPrefix(t.PkgPath(), "net/") && t.PkgPath() != "time" {
		return t
	}
	return nil
}

// firstStruct returns the first element (or the pointee) of v, so nested
// fields can show an example value.
func firstStruct(v reflect.Value) reflect.Value {
	for {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		case reflect.Slice, reflect.Array:
			if v.Len() == 0 {
				return reflect.Value{}
			}
			v = v.Index(0)
		default:
			return v
		}
	}
}

// typeText names a type for template authors: lists say "range over it",
// pointers that they may be nil.
func typeText(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if structInside(t.Elem()) != nil && t.Elem().Kind() == reflect.Struct {
			return "list of objects (range; fields below)"
		}
		return "list of " + typeText(t.Elem())
	case reflect.Pointer:
		return typeText(t.Elem()) + " or nil (guard with if)"
	case reflect.Struct:
		if structInside(t) != nil {
			return "object (fields below)"
		}
	}
	return t.String()
}

// exampleText shows a field's value in the example, shortened.
func exampleText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return "e.g. empty"
		}
		if structInside(v.Type().Elem()) != nil {
			return fmt.Sprintf("e.g. %d item(s)", v.Len())
		}
		return fmt.Sprintf("e.g. %d item(s), first %s", v.Len(), short(fmt.Sprintf("%q", fmt.Sprint(v.Index(0).Interface()))))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "e.g. nil"
		}
		return ""
	case reflect.Struct:
		if structInside(v.Type()) != nil {
			return ""
		}
	case reflect.String:
		return "e.g. " + short(fmt.Sprintf("%q", v.String()))
	}
	if !v.CanInterface() {
		return ""
	}
	return "e.g. " + short(fmt.Sprint(v.Interface()))
}

func short(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}
