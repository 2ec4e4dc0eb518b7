package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/interrupt"
	buildversion "github.com/vpnexport/vpnexport/internal/version"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it the module version from the build info is used.
var version = ""

// env reads an environment variable; run takes it as a parameter so tests
// need not touch the process environment.
type env func(string) string

const mainUsage = `vpnexport turns Alibaba Cloud IPsec-VPN connection parameters
(DownloadVpnConnectionConfig) into configurations for on-prem gateways.

Usage:
  vpnexport <command> [flags]
  vpnexport --version

Commands:
  render      render a saved DownloadVpnConnectionConfig response (JSON or XML)
  export      fetch connections from Alibaba Cloud and render them (one, a list, or --all)
  vendors     list the output vendors and their --set parameters
  completion  print a shell completion script (bash, zsh, fish)
  version     print the version
  help        show help for a command

Examples:
  vpnexport render --example --vendor strongswan
  vpnexport render -i vco-prod.json -v all -o configs/
  vpnexport help render
`

const versionUsage = `Print vpnexport's version: the module version, and when built from a
checkout the VCS revision, whether the tree had changes, and the Go release.

Usage:
  vpnexport version
  vpnexport --version
`

// cli is one invocation's world: environment, streams and the API retry
// policy. Tests build one with their own stdin or a faster retry policy;
// nothing in the program reads a package-level variable instead.
type cli struct {
	getenv         env
	stdin          io.Reader
	stdout, stderr io.Writer
	retry          api.RetryPolicy
	// limits builds a region's rate limiter when --rate is not given
	// (Alibaba's default quotas); nil means no limit (tests).
	limits func() *api.Limiter
	// quiet (-q) drops warnings, notes and progress from stderr; errors
	// are still printed.
	quiet bool
}

// run is the whole program: it parses args, does the work and returns an
// error whose type decides the exit code. It never exits by itself.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdin: os.Stdin, stdout: stdout, stderr: stderr, retry: api.DefaultRetryPolicy,
		limits: func() *api.Limiter { return api.NewActionLimiter(api.DefaultQuotas) }}
	return c.run(ctx, args)
}

func (c *cli) run(ctx context.Context, args []string) error {
	return interrupt.Wrap(ctx, c.dispatch(ctx, args))
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, mainUsage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "render":
		return inCommand(cmd, c.render(ctx, rest))
	case "export":
		return inCommand(cmd, c.export(ctx, rest))
	case "vendors":
		return inCommand(cmd, c.vendors(rest))
	case "completion":
		return inCommand(cmd, c.completion(rest))
	case "version", "--version":
		return inCommand("version", c.version(rest))
	case "help", "-h", "--help":
		// "help --help" and "help help" must not recurse into themselves.
		if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
			fmt.Fprint(c.stdout, mainUsage)
			return nil
		}
		return c.dispatch(ctx, []string{rest[0], "--help"})
	default:
		return usagef("unknown command %q (want render, export, vendors, completion, version or help)", cmd)
	}
}

func (c *cli) version(args []string) error {
	fs := newFlagSet("version", versionUsage, c.stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintln(c.stdout, "vpnexport "+buildversion.String(version))
	return nil
}

// newFlagSet returns a flag set that reports errors to run, not to the
// terminal, and prints usage (with examples) only for --help.
func newFlagSet(name, usage string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stdout, usage)
		if !fs.HasFlags() {
			return
		}
		fmt.Fprintln(stdout, "\nFlags:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args; --help stops with no error (pflag has printed
// the usage already).
func parseFlags(fs *pflag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return true, nil
		}
		return false, usagef("%s: %v", fs.Name(), err)
	}
	return false, nil
}
