package main

import (
	"slices"
	"strings"

	"github.com/vpnexport/vpnexport/render"
)

func vendorNames() []string { return render.Names() }

// vendorsExcept lists every registered vendor but the given ones,
// comma-separated for -v: for inputs some vendors refuse (RouterOS has no
// BGP over IPsec).
func vendorsExcept(skip ...string) string {
	var out []string
	for _, n := range render.Names() {
		if !slices.Contains(skip, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}
