package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/internal/atomicfile"
	"github.com/vpnexport/vpnexport/internal/pskdiff"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// outputOptions are the flags shared by render and export.
type outputOptions struct {
	vendors      []string
	outDir       string
	sets         []string
	redact       bool
	rollback     bool
	diff         bool
	diffAgainst  string
	templatesDir string
	quiet        bool

	// planned is what plan() built the plan from.
	planned render.PlanOptions
}

func (o *outputOptions) register(fs *pflag.FlagSet) {
	fs.StringSliceVarP(&o.vendors, "vendor", "v", nil, "output vendor, repeatable or comma-separated, or \"all\" (see 'vpnexport vendors'); default strongswan")
	fs.StringVarP(&o.outDir, "out", "o", "", "write DIR/<name>/<file> (mode 0600, atomically) instead of printing")
	fs.StringArrayVar(&o.sets, "set", nil, "device parameter key=value, repeatable (see 'vpnexport vendors')")
	fs.BoolVar(&o.redact, "redact", false, "replace pre-shared keys by <PSK-REDACTED:tunnel-N> placeholders")
	fs.BoolVar(&o.rollback, "rollback", false, "also write each vendor's rollback file: the commands that remove exactly what its config adds")
	fs.BoolVar(&o.diff, "diff", false, "write nothing; print a unified diff against the files in --out (PSKs masked); exit 3 if anything would change")
	fs.StringVar(&o.diffAgainst, "diff-against", "", "like --diff, but compare the one selected vendor's output with `FILE`")
	fs.StringVar(&o.templatesDir, "templates", "", "`DIR`/<vendor>/*.tmpl override or add to the built-in templates (see 'vpnexport vendors --describe')")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print only errors on stderr: no warnings, notes or progress (the files keep their WARNING lines)")
}

// comparing reports --diff or --diff-against: nothing is written.
func (o *outputOptions) comparing() bool { return o.diff || o.diffAgainst != "" }

// plan validates the output flags and returns the render plan.
func (o *outputOptions) plan() (*render.Plan, error) {
	sets, err := render.ParseSets(o.sets)
	if err != nil {
		return nil, err
	}
	po := render.PlanOptions{Vendors: o.vendors, Sets: sets, Redact: o.redact, Rollback: o.rollback, Templates: templates.FS}
	if o.templatesDir != "" {
		st, err := os.Stat(o.templatesDir)
		if err != nil {
			return nil, fmt.Errorf("--templates: %w", err)
		}
		if !st.IsDir() {
			return nil, usagef("--templates %s: not a directory", o.templatesDir)
		}
		po.Overlay, po.OverlayName = os.DirFS(o.templatesDir), o.templatesDir
	}
	p, err := render.NewPlan(po)
	if err != nil {
		return nil, err
	}
	switch {
	case o.diffAgainst != "" && o.outDir != "":
		return nil, usagef("--diff-against and --out exclude each other (--diff --out DIR compares with DIR/<name>/)")
	case o.diffAgainst != "" && len(p.Vendors()) != 1:
		return nil, usagef("--diff-against compares one file: select exactly one --vendor (got %d)", len(p.Vendors()))
	case o.diff && o.outDir == "" && o.diffAgainst == "":
		return nil, usagef("--diff needs --out DIR (the files to compare with) or --diff-against FILE")
	case o.comparing() && o.redact:
		// The files on disk hold the keys and a redacted rendering holds
		// placeholders: every key would show as changed.
		return nil, usagef("--diff and --redact exclude each other: --diff masks the keys on both sides already")
	}
	o.planned = po
	return p, nil
}

// deliver hands one connection's rendered files to the user: printed,
// written to DIR/name/, or, with --diff, compared with what is there. It
// returns errChanged when a comparison found changes.
func (c *cli) deliver(o *outputOptions, p *render.Plan, conn vpn.Connection, files []render.File, name string) error {
	if !o.comparing() {
		return c.emit(files, o.outDir, name)
	}
	var res pskdiff.Result
	var err error
	if o.diffAgainst != "" {
		if len(files) != 1 {
			return fmt.Errorf("--diff-against %s: %d files to compare, want 1", o.diffAgainst, len(files))
		}
		res, err = pskdiff.CompareFile(p, conn, files[0], o.diffAgainst, name+"/"+files[0].Name)
	} else {
		res, err = pskdiff.CompareDir(p, conn, files, filepath.Join(o.outDir, name), name, p.All())
	}
	if err != nil {
		return err
	}
	c.notes(res.Notes)
	if _, err := io.WriteString(c.stdout, res.Diff); err != nil {
		return err
	}
	if res.Changed {
		return errChanged
	}
	return nil
}

// emit prints the files on stdout, or writes them to DIR/name/ when an
// output directory is given.
func (c *cli) emit(files []render.File, outDir, name string) error {
	if outDir == "" {
		for i, f := range files {
			if len(files) > 1 {
				if i > 0 {
					fmt.Fprintln(c.stdout)
				}
				if f.DeviceLabel != "" {
					// The connection's tunnels end on several devices:
					// say which one each file is for.
					fmt.Fprintf(c.stdout, "==> %s/%s (for %s) <==\n", name, f.Name, f.DeviceLabel)
				} else {
					fmt.Fprintf(c.stdout, "==> %s/%s <==\n", name, f.Name)
				}
			}
			if _, err := c.stdout.Write(f.Data); err != nil {
				return err
			}
		}
		return nil
	}
	dir := filepath.Join(outDir, name)
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := atomicfile.Write(path, f.Data); err != nil {
			return err
		}
		if !c.quiet {
			fmt.Fprintln(c.stderr, "wrote "+path)
		}
	}
	return nil
}

// warnings prints warnings on stderr, each prefixed with scope (a
// connection ID in a batch) when given; -q drops them.
func (c *cli) warnings(scope string, warns []vpn.Warning) {
	if c.quiet {
		return
	}
	for _, w := range warns {
		if scope != "" {
			fmt.Fprintf(c.stderr, "vpnexport: warning: %s: %s\n", scope, w)
		} else {
			fmt.Fprintln(c.stderr, "vpnexport: warning: "+w.String())
		}
	}
}

// notes prints messages that are neither data nor errors on stderr;
// -q drops them.
func (c *cli) notes(notes []string) {
	if c.quiet {
		return
	}
	for _, n := range notes {
		fmt.Fprintln(c.stderr, "vpnexport: "+n)
	}
}

// splitRefused separates the vendors' refusals of a partial rendering,
// which still delivers the other vendors' files, from a failure.
func splitRefused(files []render.File, err error) (*render.RefusedError, error) {
	var refused *render.RefusedError
	if errors.As(err, &refused) && len(files) > 0 {
		return refused, nil
	}
	return nil, err
}

// refusedText names every vendor that refused, and why, after the other
// vendors' files were delivered.
func refusedText(r *render.RefusedError, planned int, o *outputOptions) string {
	done := "printed"
	switch {
	case o.comparing():
		done = "compared"
	case o.outDir != "":
		done = "written"
	}
	return fmt.Sprintf("%d of %d vendors refused this connection (the others' files were %s):\n%s", len(r.Vendors), planned, done, r.Error())
}

// checkSets refuses a --set value that changes none of the files
// rendered for conn (render.Plan.Ineffective).
func (o *outputOptions) checkSets(p *render.Plan, conn vpn.Connection, warns []vpn.Warning, files []render.File) error {
	if k, owners := p.Ineffective(conn, warns, files); k != "" {
		return usagef("--set %s=%s changes nothing in this connection's files (%s); leave it out", k, o.planned.Sets[k], strings.Join(owners, "; "))
	}
	return nil
}
