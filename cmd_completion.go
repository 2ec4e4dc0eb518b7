package main

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/internal/completion"
	"github.com/vpnexport/vpnexport/render"
)

const completionUsage = `Print a shell completion script: commands, flags, vendor names, and
the --set keys of the vendors selected with --vendor. It lists this
build's vendors and keys: regenerate it after an upgrade.

Usage:
  vpnexport completion bash|zsh|fish

Examples:
  source <(vpnexport completion bash)   # or save it in ~/.local/share/bash-completion/completions/
  source <(vpnexport completion zsh)    # after compinit; or save it as _vpnexport in a $fpath folder
  vpnexport completion fish | source    # or save it as ~/.config/fish/completions/vpnexport.fish
`

func (c *cli) completion(args []string) error {
	fs := newFlagSet("completion", completionUsage, c.stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("completion: name one shell: bash, zsh or fish")
	}
	spec := completionSpec()
	if err := completion.Write(c.stdout, fs.Arg(0), spec); err != nil {
		return usagef("completion %q: want bash, zsh or fish", fs.Arg(0))
	}
	return nil
}

// completionSpec describes the command line from the commands' own flag
// sets and the vendor registry, so the scripts follow both.
func completionSpec() completion.Spec {
	// flags takes what a command's flag constructor returns: its flag set and options.
	flags := func(fs *pflag.FlagSet, _ any) []completion.Flag { return completion.FlagsOf(fs, completionValue) }
	s := completion.Spec{
		Program: "vpnexport", DefaultVendor: render.DefaultVendor, AllVendors: "all",
		Flags: []completion.Flag{{Long: "version", Help: "print the version"}, {Long: "help", Short: "h", Help: "show help"}},
		Commands: []completion.Command{
			{Name: "render", Summary: "render a saved DownloadVpnConnectionConfig response", Flags: flags(renderFlags(io.Discard))},
			{Name: "export", Summary: "fetch connections from Alibaba Cloud and render them", Flags: flags(exportFlags(io.Discard))},
			{Name: "vendors", Summary: "list the output vendors and their --set parameters", Flags: flags(vendorsFlags(io.Discard))},
			{Name: "completion", Summary: "print a shell completion script", Args: completion.Shells},
			{Name: "version", Summary: "print the version"},
			{Name: "help", Summary: "show help for a command", Args: []string{"render", "export", "vendors", "completion", "version"}},
		},
	}
	for _, v := range render.Vendors() {
		cv := completion.Vendor{Name: v.Name, Summary: v.Summary, AllKeys: v.Aggregate()}
		for _, p := range v.Params {
			cv.Keys = append(cv.Keys, completion.Key{Name: p.Key, Help: p.Help})
		}
		s.Vendors = append(s.Vendors, cv)
	}
	return s
}

// completionValue says what each flag's value completes to; flags not
// named take a free value (or none, for switches).
var completionValue = map[string]completion.Value{
	"input": completion.File, "diff-against": completion.File,
	"out": completion.Dir, "templates": completion.Dir,
	"vendor": completion.VendorList, "describe": completion.VendorName, "set": completion.SetKey,
}
