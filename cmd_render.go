package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
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

// outputOptions are the flags shared by render and export.
type outputOptions struct {
	vendors      []string
	outDir       string
	sets         []string
	redact       bool
	diff         bool
	diffAgainst  string
	templatesDir string
}

func (o *outputOptions) register(fs *pflag.FlagSet) {
	fs.StringSliceVarP(&o.vendors, "vendor", "v", nil, "output vendor, repeatable or comma-separated, or \"all\" (see 'vpnexport vendors'); default strongswan")
	fs.StringVarP(&o.outDir, "out", "o", "", "write DIR/<name>/<file> (mode 0600, atomically) instead of printing")
	fs.StringArrayVar(&o.sets, "set", nil, "device parameter key=value, repeatable (see 'vpnexport vendors')")
	fs.BoolVar(&o.redact, "redact", false, "replace pre-shared keys by <PSK-REDACTED:tunnel-N> placeholders")
	fs.BoolVar(&o.diff, "diff", false, "write nothing; print a unified diff against the files in --out (PSKs masked); exit 3 if anything would change")
	fs.StringVar(&o.diffAgainst, "diff-against", "", "like --diff, but compare the one selected vendor's output with `FILE`")
	fs.StringVar(&o.templatesDir, "templates", "", "`DIR`/<vendor>/*.tmpl override or add to the built-in templates (see 'vpnexport vendors --describe')")
}

// plan is a validated output request: which vendors, with which
// parameters, where to.
type plan struct {
	vendors []render.Vendor
	params  map[string]map[string]string // vendor -> its --set values
	outDir  string
	redact  bool
	// all is set when every registered vendor was asked for: a diff then
	// reports files in the output folder that no vendor writes as removed.
	all bool
	// diff prints what would change instead of writing; diffAgainst is
	// the single file to compare with ("" = the files under outDir).
	diff        bool
	diffAgainst string
	// fsys holds the templates: the built-in set, or --templates DIR over it.
	fsys fs.FS
}

func (o *outputOptions) plan() (plan, error) {
	p := plan{outDir: o.outDir, redact: o.redact, params: map[string]map[string]string{},
		diff: o.diff || o.diffAgainst != "", diffAgainst: o.diffAgainst, fsys: templates.FS}
	names := o.vendors
	if len(names) == 0 {
		names = []string{"strongswan"}
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			p.all = true
			for _, v := range render.Vendors() {
				if !seen[v.Name] {
					seen[v.Name] = true
					p.vendors = append(p.vendors, v)
				}
			}
			continue
		}
		v, ok := render.Lookup(n)
		if !ok {
			return plan{}, usagef("--vendor %q: unknown vendor (want %s or all)", n, strings.Join(render.Names(), ", "))
		}
		if !seen[n] {
			seen[n] = true
			p.vendors = append(p.vendors, v)
		}
	}
	sets, err := parseSets(o.sets)
	if err != nil {
		return plan{}, err
	}
	switch {
	case o.diffAgainst != "" && o.outDir != "":
		return plan{}, usagef("--diff-against and --out exclude each other (--diff --out DIR compares with DIR/<name>/)")
	case o.diffAgainst != "" && len(p.vendors) != 1:
		return plan{}, usagef("--diff-against compares one file: select exactly one --vendor (got %d)", len(p.vendors))
	case p.diff && o.outDir == "" && o.diffAgainst == "":
		return plan{}, usagef("--diff needs --out DIR (the files to compare with) or --diff-against FILE")
	}
	if o.templatesDir != "" {
		st, err := os.Stat(o.templatesDir)
		if err != nil {
			return plan{}, fmt.Errorf("--templates: %w", err)
		}
		if !st.IsDir() {
			return plan{}, usagef("--templates %s: not a directory", o.templatesDir)
		}
		top := os.DirFS(o.templatesDir)
		if err := render.CheckTemplateDir(top); err != nil {
			return plan{}, fmt.Errorf("--templates %s: %w", o.templatesDir, err)
		}
		p.fsys = render.Overlay(top, templates.FS)
	}
	// A key goes to every selected vendor that knows it; a key none of
	// them knows is a mistake.
	for k, val := range sets {
		used := false
		for _, v := range p.vendors {
			for _, prm := range v.Params {
				if prm.Key == k {
					if p.params[v.Name] == nil {
						p.params[v.Name] = map[string]string{}
					}
					p.params[v.Name][k] = val
					used = true
				}
			}
		}
		if !used {
			var valid []string
			for _, v := range p.vendors {
				for _, prm := range v.Params {
					valid = append(valid, v.Name+": "+prm.Key)
				}
			}
			return plan{}, usagef("--set %s: unknown key for the selected vendors (valid: %s)", k, strings.Join(valid, ", "))
		}
	}
	return p, nil
}

// renderAll renders every planned vendor for one connection, all in
// memory: nothing is written unless every vendor succeeded. inputWarnings
// are the caveats found while reading the input, for vendors (summary)
// that report them.
func (p plan) renderAll(c vpn.Connection, inputWarnings []vpn.Warning) ([]render.File, []vpn.Warning, error) {
	var files []render.File
	var warns []vpn.Warning
	for _, v := range p.vendors {
		f, w, err := render.Render(p.templates(), v.Name, c, render.Options{Params: p.params[v.Name], Redact: p.redact, InputWarnings: inputWarnings})
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
		warns = append(warns, w...)
	}
	return files, warns, nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func runRender(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("render", renderUsage, stdout)
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
		data, err = api.ReadLimited(stdinReader(ctx))
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
	files, rwarns, err := p.renderAll(conn, warns)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	printWarnings(stderr, append(warns, rwarns...))
	return p.output(conn, files, name, stdout, stderr)
}

// stdinReader is swapped in tests.
var stdinReader = func(context.Context) io.Reader { return os.Stdin }

func printWarnings(w io.Writer, warns []vpn.Warning) {
	for _, wr := range warns {
		fmt.Fprintln(w, "vpnexport: warning: "+wr.String())
	}
}
