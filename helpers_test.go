package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
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

// exampleFiles is the number of files `render --example -v all` writes:
// each vendor that can express the example writes its main file and its
// Extra files; one that cannot (libreswan 4.x and DH group 2) is skipped.
func exampleFiles(t *testing.T) int {
	t.Helper()
	cfg, err := api.Parse(api.Example)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range render.Vendors() {
		files, _, err := render.Render(templates.FS, v.Name, conn, render.Options{})
		if errors.Is(err, render.ErrCannotExpress) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	return n
}

// vendorFiles is the number of files the named vendors write (main file
// and Extra files, no rollback).
func vendorFiles(names []string) int {
	n := 0
	for _, name := range names {
		v, _ := render.Lookup(name)
		n += 1 + len(v.Extra)
	}
	return n
}
