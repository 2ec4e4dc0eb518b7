package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/internal/names"
	"github.com/vpnexport/vpnexport/internal/pskdiff"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

const renderUsage = `Render a saved DownloadVpnConnectionConfig response into device configs.

Usage:
  vpnexport render (-i FILE | --example) [-v VENDOR]... [-o DIR] [flags]

The input is the API response in JSON or XML (detected from its content),
either the whole response or only its VpnConnectionConfig object; "-" reads
standard input. It may also be a folder written by 'export --save-response'
(DIR/<connection-id>/): the saved DownloadVpnConnectionConfig,
DescribeVpnConnection and DescribeCustomerGateway responses are read back
and give the same files export wrote, named after the connection. A bare
download lacks what only DescribeVpnConnection says (DPD and NAT-T
switches, tunnel roles, BGP passwords, health check, transit-router
attachment, network type); the files and the summary say what was assumed.
Without --out the configuration is printed on stdout; warnings go to stderr.

Examples:
  # The documented example response, as strongSwan swanctl.conf:
  vpnexport render --example --vendor strongswan

  # Re-render a connection from the responses export saved (same bytes):
  vpnexport render -i configs/vco-bp1xxxx/ -v all -o rerendered/

  # A saved response, every vendor, written to configs/vco-prod/…:
  aliyun vpc DownloadVpnConnectionConfig --RegionId cn-shanghai \
      --VpnConnectionId vco-xxxx > vco-prod.json
  vpnexport render -i vco-prod.json -v all -o configs/

  # Device parameters (see 'vpnexport vendors'):
  vpnexport render -i vco-prod.json -v cisco-ios --set outside-interface=GigabitEthernet2

  # What would change in configs/vco-prod/ (PSKs masked; exit 3 = changes):
  vpnexport render -i vco-prod.json -v all -o configs/ --diff

  # A copy safe to attach to a change ticket, and its summary page:
  vpnexport render -i vco-prod.json -v strongswan,summary --redact

  # Your own templates (see 'vpnexport vendors --describe strongswan'):
  vpnexport render -i vco-prod.json -v strongswan --templates my-templates/

A vendor that cannot express the connection does not stop the others:
their files are written. Asked for by name, each refusal is named and the
exit status is 1; with -v all it is skipped with a warning.

Exit status: 0 done (or --diff: no change), 1 error (or a vendor refused),
2 usage error, 3 --diff: something would change, 130 interrupted.
`

// renderOptions are render's flags.
type renderOptions struct {
	out     outputOptions
	input   string
	name    string
	example bool
}

func renderFlags(stdout io.Writer) (*pflag.FlagSet, *renderOptions) {
	fs := newFlagSet("render", renderUsage, stdout)
	o := &renderOptions{}
	fs.StringVarP(&o.input, "input", "i", "", "saved DownloadVpnConnectionConfig response, JSON or XML (- = stdin), or a folder written by 'export --save-response'")
	fs.BoolVar(&o.example, "example", false, "use the documented example response built into vpnexport")
	fs.StringVar(&o.name, "name", "", "connection name for file and object names (default: the name in the --diff-against file's header, else the input file's base name)")
	o.out.register(fs)
	return fs, o
}

func (c *cli) render(ctx context.Context, args []string) error {
	fs, o := renderFlags(c.stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	c.quiet = o.out.quiet
	if fs.NArg() > 0 {
		return usagef("render: unexpected argument %q (the input goes after -i)", fs.Arg(0))
	}
	if (o.input == "") == !o.example {
		return usagef("render: give exactly one of -i FILE or --example")
	}
	p, err := o.out.plan()
	if err != nil {
		return err
	}
	if o.input != "" && o.input != "-" && export.IsSavedDir(o.input) {
		return c.renderSaved(o, fs.Changed("name"), p)
	}
	name, err := c.connectionName(o, fs.Changed("name"))
	if err != nil {
		return err
	}
	data, source, err := c.readInput(o)
	if err != nil {
		return err
	}
	cfg, err := api.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	conn, warns, err := api.Responses{Download: cfg}.Connection("")
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	conn.Name = name
	files, rwarns, err := p.Render(conn, warns)
	refused, err := splitRefused(files, err)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if err := o.out.checkSets(p, conn, warns, files); err != nil {
		return err
	}
	c.warnings("", append(warns, rwarns...))
	err = c.deliver(&o.out, p, conn, files, name)
	if refused != nil && (err == nil || errors.Is(err, errChanged)) {
		return fmt.Errorf("%s: %s", source, refusedText(refused, len(p.Vendors()), &o.out))
	}
	return err
}

// readInput reads the input render was given and names it for messages.
func (c *cli) readInput(o *renderOptions) (data []byte, source string, err error) {
	switch {
	case o.example:
		return api.Example, "example", nil
	case o.input == "-":
		data, err = api.ReadLimited(c.stdin)
		if err != nil {
			return nil, "", fmt.Errorf("read stdin: %w", err)
		}
		return data, "-", nil
	}
	f, err := os.Open(o.input)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err = api.ReadLimited(f)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", o.input, err)
	}
	return data, o.input, nil
}

// connectionName is --name (validated: the user typed it); else, when
// comparing with --diff-against, the name recorded in that file's header,
// so the comparison uses the object names the file was made with; else a
// name derived from the input file name, made safe.
func (c *cli) connectionName(o *renderOptions, given bool) (string, error) {
	if given {
		if err := names.Check(o.name); err != nil {
			return "", usagef("--name %q: %v", o.name, err)
		}
		return o.name, nil
	}
	if o.out.diffAgainst != "" {
		if data, ok, _ := pskdiff.ReadFile(o.out.diffAgainst); ok {
			if name, found := render.HeaderName(data); found && names.Check(name) == nil {
				c.notes([]string{fmt.Sprintf("note: --name %s, from the header of %s", name, o.out.diffAgainst)})
				return name, nil
			}
		}
	}
	switch {
	case o.example:
		return "example", nil
	case o.input == "-":
		return "stdin", nil
	}
	base := filepath.Base(o.input)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	name := names.Sanitize(stem)
	if name != stem {
		c.notes([]string{fmt.Sprintf("note: connection name %s, from the file name %q (--name sets another)", name, base)})
	}
	return name, nil
}

// renderSaved renders a folder written by 'export --save-response'
// (DIR/<id>/) as export rendered it: the same responses, region, batch
// offset and name disambiguation, so the files are byte for byte the ones
// export wrote. The connection keeps its real name; the output folder is
// named after its ID, like export's, unless --name is given.
func (c *cli) renderSaved(o *renderOptions, named bool, p *render.Plan) error {
	dir := o.input
	saved, err := export.ReadSaved(dir)
	if err != nil {
		return err
	}
	redact := vpn.NewRedactor(saved.Responses.Secrets()...)
	conn, warns, err := saved.Responses.Connection(saved.Context.Region)
	if err != nil {
		return redact.Error(fmt.Errorf("%s: %w", dir, err))
	}
	conn.DisambiguateName = saved.Context.SharedName
	var folder string
	switch {
	case named:
		if err := names.Check(o.name); err != nil {
			return usagef("--name %q: %v", o.name, err)
		}
		conn.Name, folder = o.name, o.name
	case conn.ID != "":
		folder = conn.ID
	default:
		folder = filepath.Base(filepath.Clean(dir))
		conn.Name = folder
	}
	if err := names.Check(folder); err != nil {
		return usagef("%s: %q cannot be a folder name (%v); give --name", dir, folder, err)
	}
	if !saved.HasContext {
		c.notes([]string{fmt.Sprintf("%s has no %s: region and batch numbering unknown, numbers as for the first connection of a batch", dir, export.SavedContext)})
	}
	p, _, err = p.Offset(saved.Context.Offset)
	if err != nil {
		return err
	}
	files, rwarns, err := p.Render(conn, warns)
	refused, err := splitRefused(files, err)
	if err != nil {
		return redact.Error(fmt.Errorf("%s: %w", dir, err))
	}
	if err := o.out.checkSets(p, conn, warns, files); err != nil {
		return redact.Error(err)
	}
	all := append(warns, rwarns...)
	for i := range all {
		all[i].Message = redact.Redact(all[i].Message)
	}
	c.warnings("", all)
	err = c.deliver(&o.out, p, conn, files, folder)
	if refused != nil && (err == nil || errors.Is(err, errChanged)) {
		return redact.Error(fmt.Errorf("%s: %s", dir, refusedText(refused, len(p.Vendors()), &o.out)))
	}
	return err
}
