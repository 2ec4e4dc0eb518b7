package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
)

const vendorsUsage = `List the output vendors, their file and their device parameters, or
describe the data a vendor's template receives.

Usage:
  vpnexport vendors
  vpnexport vendors --describe VENDOR

Each parameter is set with --set key=value on render and export.

--describe prints every field a template can use (path from the dot,
type, and the value for the built-in example, with keys redacted) and the
template functions, for writing your own templates: put them in
DIR/<vendor>/<file>.tmpl (and partials DIR/<vendor>/_*.tmpl) and pass
--templates DIR to render or export. Templates run with missingkey=error.

Examples:
  vpnexport vendors
  vpnexport render --example -v cisco-ios --set outside-interface=GigabitEthernet2
  vpnexport vendors --describe strongswan
`

func vendorsFlags(stdout io.Writer) (*pflag.FlagSet, *string) {
	fs := newFlagSet("vendors", vendorsUsage, stdout)
	var describe string
	fs.StringVar(&describe, "describe", "", "print the template view fields of `VENDOR`")
	return fs, &describe
}

func (c *cli) vendors(args []string) error {
	stdout := c.stdout
	fs, d := vendorsFlags(stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("vendors: unexpected argument %q", fs.Arg(0))
	}
	if *d != "" {
		return describeVendor(*d, stdout)
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

// describeVendor prints the view of the built-in example connection, with
// keys redacted, as a reference for template authors.
func describeVendor(name string, stdout io.Writer) error {
	v, ok := render.Lookup(strings.ToLower(name))
	if !ok {
		return usagef("vendors --describe %q: unknown vendor (want %s)", name, strings.Join(render.Names(), ", "))
	}
	cfg, err := api.Parse(api.Example)
	if err != nil {
		return fmt.Errorf("built-in example: %w", err)
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		return fmt.Errorf("built-in example: %w", err)
	}
	conn.Name = "example"
	view, err := render.View(v.Name, conn, render.Options{Redact: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Template data for %s: main template %s/%s.tmpl, partials %s/_*.tmpl.\n", v.Name, v.Name, v.File, v.Name)
	fmt.Fprintln(stdout, "Fields are reached from the dot ({{ .Field }}); nested fields inside {{ range .List }}.")
	fmt.Fprintln(stdout, "Examples come from the built-in example connection, keys redacted.")
	fmt.Fprintln(stdout)
	if err := render.DescribeView(stdout, view); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "Functions: "+strings.Join(render.FuncNames(), ", "))
	return nil
}
