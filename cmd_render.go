package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/vpnexport/vpnexport/api"
)

const renderUsage = `Render a saved DownloadVpnConnectionConfig response into device configs.

Usage:
  vpnexport render (-i FILE | --example) [-v VENDOR]... [-o DIR] [flags]

The input is the API response in JSON or XML (detected from its content),
either the whole response or only its VpnConnectionConfig object; "-" reads
standard input. Without --out the configuration is printed on stdout;
warnings go to stderr.

Examples:
  # The documented example response, as strongSwan swanctl.conf:
  vpnexport render --example --vendor strongswan

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
	fs.StringVarP(&input, "input", "i", "", "saved DownloadVpnConnectionConfig response, JSON or XML (- = stdin)")
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
	conn, warns, err := api.Normalize(cfg)
	if err != nil {
		return fmt.Errorf("%s: invalid connection:\n%w", source, err)
	}
	conn.Name = name
	files, rwarns, err := p.Render(conn, warns)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	c.warnings("", append(warns, rwarns...))
	return c.deliver(&out, p, conn, files, name)
}
