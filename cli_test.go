package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
)

// cliResult is what one in-process run of vpnexport produced.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs vpnexport with args exactly as main does (run, then
// exitCode printing the error), with buffers for the streams.
func runCLI(t *testing.T, getenv env, args ...string) cliResult {
	t.Helper()
	return runCLIStdin(t, getenv, "", args...)
}

// runCLIStdin is runCLI with stdin.
func runCLIStdin(t *testing.T, getenv env, stdin string, args ...string) cliResult {
	t.Helper()
	if getenv == nil {
		getenv = noEnv
	}
	var stdout, stderr bytes.Buffer
	c := &cli{getenv: getenv, stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, retry: api.DefaultRetryPolicy}
	err := c.run(context.Background(), args)
	code := exitCode(err, &stderr)
	return cliResult{stdout.String(), stderr.String(), code}
}

// TestCLI pins exit codes and the wording of usage errors. Each case runs
// in its own temporary directory ("$TMP" in args is replaced by it).
func TestCLI(t *testing.T) {
	abs, err := filepath.Abs("testdata/api/dual-tunnel.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args       []string
		code       int
		stdout     string // substring, "" = not checked
		stderr     string // substring, "" = not checked
		noStdout   bool
		wantFileIn string // a file that must exist afterwards, under $TMP
	}{
		"no command":              {args: nil, code: 2, stderr: "vpnexport: no command given"},
		"unknown command":         {args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate" (want render, export, vendors, completion, version or help)`},
		"help":                    {args: []string{"help"}, code: 0, stdout: "Commands:"},
		"--help":                  {args: []string{"--help"}, code: 0, stdout: "Commands:"},
		"help render":             {args: []string{"help", "render"}, code: 0, stdout: "--diff-against"},
		"help --help":             {args: []string{"help", "--help"}, code: 0, stdout: "Commands:"},
		"help help":               {args: []string{"help", "help"}, code: 0, stdout: "Commands:"},
		"render --help":           {args: []string{"render", "--help"}, code: 0, stdout: "Exit status: 0 done"},
		"render -h":               {args: []string{"render", "-h"}, code: 0, stdout: "--templates"},
		"vendors --help":          {args: []string{"vendors", "--help"}, code: 0, stdout: "--describe"},
		"version --help":          {args: []string{"version", "--help"}, code: 0, stdout: "vpnexport "},
		"version":                 {args: []string{"version"}, code: 0, stdout: "vpnexport "},
		"version extra":           {args: []string{"version", "x"}, code: 2, stderr: "version takes no arguments"},
		"render no input":         {args: []string{"render"}, code: 2, stderr: "render: give exactly one of -i FILE or --example"},
		"render both inputs":      {args: []string{"render", "--example", "-i", abs}, code: 2, stderr: "give exactly one of"},
		"render stray argument":   {args: []string{"render", "--example", "extra"}, code: 2, stderr: `unexpected argument "extra"`},
		"render unknown flag":     {args: []string{"render", "--example", "--bogus"}, code: 2, stderr: "render: unknown flag: --bogus"},
		"render unknown vendor":   {args: []string{"render", "--example", "-v", "nope"}, code: 2, stderr: `--vendor "nope": unknown vendor`},
		"render bad set":          {args: []string{"render", "--example", "--set", "nokey"}, code: 2, stderr: `--set "nokey": want key=value`},
		"render unknown set key":  {args: []string{"render", "--example", "--set", "foo=bar"}, code: 2, stderr: "--set foo: unknown key"},
		"render bad set value":    {args: []string{"render", "--example", "--set", "interface=eth0;reboot"}, code: 2, stderr: "--set interface"},
		"render bad name":         {args: []string{"render", "--example", "--name", "../x"}, code: 2, stderr: `--name "../x"`},
		"render missing file":     {args: []string{"render", "-i", "$TMP/missing.json"}, code: 1, stderr: "no such file"},
		"render bad input":        {args: []string{"render", "-i", "$TMP/bad.json"}, code: 1, stderr: "parse JSON"},
		"render example":          {args: []string{"render", "--example"}, code: 0, stdout: "connections {"},
		"render file":             {args: []string{"render", "-i", abs, "-v", "strongswan,summary"}, code: 0, stdout: "==> dual-tunnel/summary.md <=="},
		"render to out":           {args: []string{"render", "-i", abs, "-o", "$TMP/out"}, code: 0, noStdout: true, stderr: "wrote $TMP/out/dual-tunnel/swanctl.conf", wantFileIn: "out/dual-tunnel/swanctl.conf"},
		"render redact":           {args: []string{"render", "-i", abs, "--redact"}, code: 0, stdout: `secret = "<PSK-REDACTED:tunnel-2>"`},
		"diff without target":     {args: []string{"render", "--example", "--diff"}, code: 2, stderr: "--diff needs --out DIR"},
		"diff-against with out":   {args: []string{"render", "--example", "--diff-against", "x", "-o", "y"}, code: 2, stderr: "--diff-against and --out exclude each other"},
		"diff-against two":        {args: []string{"render", "--example", "--diff-against", "x", "-v", "all"}, code: 2, stderr: "select exactly one --vendor"},
		"diff-against missing":    {args: []string{"render", "--example", "--diff-against", "$TMP/nope.conf"}, code: 1, stderr: "no such file"},
		"diff new files":          {args: []string{"render", "-i", abs, "-o", "$TMP/out", "--diff"}, code: 3, stdout: "--- /dev/null\n+++ b/dual-tunnel/swanctl.conf\n@@ -0,0 +1,"},
		"templates missing":       {args: []string{"render", "--example", "--templates", "$TMP/none"}, code: 1, stderr: "--templates"},
		"templates not dir":       {args: []string{"render", "--example", "--templates", "$TMP/bad.json"}, code: 2, stderr: "not a directory"},
		"vendors":                 {args: []string{"vendors"}, code: 0, stdout: "summary.md"},
		"vendors stray":           {args: []string{"vendors", "x"}, code: 2, stderr: `vendors: unexpected argument "x"`},
		"describe":                {args: []string{"vendors", "--describe", "strongswan"}, code: 0, stdout: ".Conns"},
		"describe unknown vendor": {args: []string{"vendors", "--describe", "nope"}, code: 2, stderr: `--describe "nope": unknown vendor`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			if err := os.WriteFile(filepath.Join(tmp, "bad.json"), []byte(`{"VpnConnectionConfig": [`), 0o644); err != nil {
				t.Fatal(err)
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "$TMP", tmp)
			}
			got := runCLI(t, nil, args...)
			if got.code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tc.code, got.stdout, got.stderr)
			}
			if tc.stdout != "" && !strings.Contains(got.stdout, strings.ReplaceAll(tc.stdout, "$TMP", tmp)) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, got.stdout)
			}
			if tc.stderr != "" && !strings.Contains(got.stderr, strings.ReplaceAll(tc.stderr, "$TMP", tmp)) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, got.stderr)
			}
			if tc.noStdout && got.stdout != "" {
				t.Errorf("stdout should be empty, got:\n%s", got.stdout)
			}
			if tc.code == 2 && !strings.Contains(got.stderr, "vpnexport: ") {
				t.Errorf("usage error without the vpnexport: prefix:\n%s", got.stderr)
			}
			if tc.wantFileIn != "" {
				if _, err := os.Stat(filepath.Join(tmp, tc.wantFileIn)); err != nil {
					t.Errorf("expected file: %v", err)
				}
			}
		})
	}
}

// TestHelpEveryCommand makes sure every command answers --help with its
// usage on stdout, exit 0 and nothing on stderr.
func TestHelpEveryCommand(t *testing.T) {
	for _, cmd := range []string{"render", "vendors", "version", "help"} {
		for _, flag := range []string{"--help", "-h"} {
			got := runCLI(t, nil, cmd, flag)
			if got.code != 0 || got.stderr != "" || got.stdout == "" {
				t.Errorf("%s %s: code %d, stderr %q, stdout %d bytes", cmd, flag, got.code, got.stderr, len(got.stdout))
			}
		}
	}
}

// TestOutWrites checks --out: one folder per connection, one file per
// vendor, mode 0600 even over an existing 0644 file, nothing on stdout,
// and re-rendering the same input gives the same bytes.
func TestOutWrites(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "example")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "swanctl.conf")
	if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, nil, "render", "--example", "-v", "all", "-o", tmp)
	if got.code != 0 || got.stdout != "" {
		t.Fatalf("code %d, stdout %q, stderr %s", got.code, got.stdout, got.stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", e.Name(), st.Mode().Perm())
		}
	}
	if want := exampleFiles(t); len(names) != want {
		t.Errorf("wrote %v, want %d files (one per vendor that can express the example, plus Extra files; no temporary files left)", names, want)
	}
	first, _ := os.ReadFile(old)
	if string(first) == "old\n" {
		t.Fatal("existing file was not replaced")
	}
	if got := runCLI(t, nil, "render", "--example", "-v", "all", "-o", tmp, "--diff"); got.code != 0 || got.stdout != "" {
		t.Errorf("--diff right after writing: code %d, stdout:\n%s", got.code, got.stdout)
	}
}
