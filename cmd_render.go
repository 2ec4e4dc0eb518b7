package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/export"
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
  vpnexport render -i vco-prod.json -v strongswan --set interface=ens3

  # What would change in configs/vco-prod/ (PSKs masked; exit 3 = changes):
  vpnexport render -i vco-prod.json -v all -o configs/ --diff

  # A copy safe to attach to a change ticket, and its summary page:
  vpnexport render -i vco-prod.json -v strongswan,summary --redact

  # Your own templates (see 'vpnexport vendors --describe strongswan'):
  vpnexport render -i vco-prod.json -v strongswan --templates my-templates/

Exit status: 0 done (or --diff: no change), 1 error, 2 usage error,
3 --diff: something would change.
`

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func (c *cli) render(ctx context.Context, args []string) error {
	fs := newFlagSet("render", renderUsage, c.stdout)
	var out outputOptions
	var input, name string
	var example bool
	fs.StringVarP(&input, "input", "i", "", "saved DownloadVpnConnectionConfig response, JSON or XML (- = stdin), or a folder written by 'export --save-response'")
	fs.BoolVar(&example, "example", false, "use the documented example response built into vpnexport")
	fs.StringVar(&name, "name", "", "connection name for file and object names (default: input file's base name)")
	out.register(fs)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("render: unexpected argument %q (the input goes after -i)", fs.Arg(0))
	}
	if (input == "") == !example {
		return usagef("render: give exactly one of -i FILE or --example")
	}
	p, err := out.plan()
	if err != nil {
		return err
	}

	if input != "" && input != "-" && export.IsSavedDir(input) {
		return c.renderSaved(&out, p, input, name)
	}

	var data []byte
	switch {
	case example:
		data = api.Example
		if name == "" {
			name = "example"
		}
	case input == "-":
		data, err = api.ReadLimited(c.stdin)
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if name == "" {
			name = "stdin"
		}
	default:
		f, err := os.Open(input)
		if err != nil {
			return err
		}
		data, err = api.ReadLimited(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", input, err)
		}
		if name == "" {
			base := filepath.Base(input)
			name = strings.TrimSuffix(base, filepath.Ext(base))
		}
	}
	if !safeName.MatchString(name) {
		return usagef("--name %q: use letters, digits, '.', '_' and '-' (it becomes a directory name)", name)
	}
	source := input
	if example {
		source = "example"
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
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	c.warnings("", append(warns, rwarns...))
	return c.deliver(&out, p, conn, files, name)
}

// renderSaved renders a folder written by 'export --save-response'
// (DIR/<id>/) as export rendered it: the same responses, region, batch
// offset and name disambiguation, so the files are byte for byte the ones
// export wrote. The connection keeps its real name; the output folder is
// named after its ID, like export's, unless --name is given.
func (c *cli) renderSaved(out *outputOptions, p *render.Plan, dir, name string) error {
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
	folder := name
	switch {
	case name != "":
		conn.Name = name
	case conn.ID != "":
		folder = conn.ID
	default:
		folder = filepath.Base(filepath.Clean(dir))
		conn.Name = folder
	}
	if !safeName.MatchString(folder) {
		return usagef("%s: %q cannot be a folder name; give --name", dir, folder)
	}
	if !saved.HasContext {
		c.notes([]string{fmt.Sprintf("%s has no %s: region and batch numbering unknown, numbers as for the first connection of a batch", dir, export.SavedContext)})
	}
	p, _, err = p.Offset(saved.Context.Offset)
	if err != nil {
		return err
	}
	files, rwarns, err := p.Render(conn, warns)
	if err != nil {
		return redact.Error(fmt.Errorf("%s: %w", dir, err))
	}
	all := append(warns, rwarns...)
	for i := range all {
		all[i].Message = redact.Redact(all[i].Message)
	}
	c.warnings("", all)
	return c.deliver(out, p, conn, files, folder)
}
