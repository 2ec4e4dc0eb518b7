package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/vpnexport/vpnexport/render"
)

const vendorsUsage = `List the output vendors, their file and their device parameters.

Usage:
  vpnexport vendors

Each parameter is set with --set key=value on render and export.

Examples:
  vpnexport vendors
  vpnexport render --example -v strongswan --set interface=ens3
`

func runVendors(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vendors", vendorsUsage, stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("vendors: unexpected argument %q", fs.Arg(0))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, v := range render.Vendors() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, v.File, v.Summary)
		for _, p := range v.Params {
			fmt.Fprintf(tw, "\t  --set %s=%s\t%s\n", p.Key, p.Default, p.Help)
		}
	}
	return tw.Flush()
}
