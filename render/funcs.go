package render

import (
	"fmt"
	"net/netip"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// sprigAllowed are the sprig functions templates may use. sprig's
// "hermetic" map still contains randInt, shuffle, genPrivateKey and other
// functions that would make output vary between runs, so the map is an
// allow-list, not a deny-list.
var sprigAllowed = []string{
	"join", "indent", "nindent", "quote", "squote", "upper", "lower", "trim",
	"replace", "default", "has", "repeat", "trimSuffix", "trimPrefix",
	"hasPrefix", "hasSuffix", "add", "sub", "list", "first", "last", "len",
}

// funcs is the template function map: allowed sprig functions plus
// vpnexport's own, all pure.
func funcs() template.FuncMap {
	all := sprig.TxtFuncMap()
	fm := template.FuncMap{}
	for _, name := range sprigAllowed {
		if f, ok := all[name]; ok {
			fm[name] = f
		}
	}
	// prefixAddr returns a prefix's network address: "10.0.0.0".
	fm["prefixAddr"] = func(p netip.Prefix) string { return p.Addr().String() }
	// prefixMask returns a prefix's dotted netmask: "255.0.0.0".
	fm["prefixMask"] = func(p netip.Prefix) string { return dottedMask(p.Bits(), false) }
	// wildcard returns a prefix's Cisco wildcard mask: "0.255.255.255".
	fm["wildcard"] = func(p netip.Prefix) string { return dottedMask(p.Bits(), true) }
	// comment prefixes every line of a text with a comment marker.
	fm["comment"] = commentLines
	return fm
}

// dottedMask returns the IPv4 netmask (or its inverse) for a prefix length.
func dottedMask(bits int, inverse bool) string {
	var m uint32
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	if inverse {
		m = ^m
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// commentLines prefixes each line of s with the comment marker.
func commentLines(marker, s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(marker+" "+l, " ")
	}
	return strings.Join(lines, "\n")
}
