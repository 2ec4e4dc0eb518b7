package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesOverride drives --templates DIR: a user's main template
// replaces the built-in one and may use its own partials, with the same
// view and the same strictness; other vendors keep their templates.
func TestTemplatesOverride(t *testing.T) {
	write := func(t *testing.T, dir string, files map[string]string) {
		t.Helper()
		for name, text := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := map[string]struct {
		files  map[string]string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		"override with partial": {
			files: map[string]string{
				"strongswan/swanctl.conf.tmpl": `{{ range .Conns }}{{ template "_peer.tmpl" . }}{{ end }}`,
				"strongswan/_peer.tmpl":        `# {{ .Name | upper }} -> {{ .RemoteAddrs }}{{ "\n" }}`,
			},
			args: []string{"-v", "strongswan"}, stdout: "# EXAMPLE -> 116.62.69.64\n",
		},
		"other vendors untouched": {
			files: map[string]string{"strongswan/swanctl.conf.tmpl": `custom`},
			args:  []string{"-v", "summary"}, stdout: "## Vendor checks",
		},
		"unknown field": {
			files: map[string]string{"strongswan/swanctl.conf.tmpl": `{{ .Nope }}`},
			args:  []string{"-v", "strongswan"}, code: 1, stderr: "render strongswan: swanctl.conf.tmpl:1: can't evaluate field Nope",
		},
		"function not allowed": {
			files: map[string]string{"strongswan/swanctl.conf.tmpl": `{{ $m := dict }}`},
			args:  []string{"-v", "strongswan"}, code: 1, stderr: "function \"dict\" not defined",
		},
		"parse error": {
			files: map[string]string{"strongswan/swanctl.conf.tmpl": "ok\n{{ if }}"},
			args:  []string{"-v", "strongswan"}, code: 1, stderr: "swanctl.conf.tmpl:2:",
		},
		"typo in folder": {
			files: map[string]string{"strongswann/swanctl.conf.tmpl": "x"},
			args:  []string{"-v", "strongswan"}, code: 1, stderr: "strongswann/: no vendor of that name",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files)
			got := runCLI(t, nil, append([]string{"render", "--example", "--templates", dir}, tc.args...)...)
			if got.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", got.code, tc.code, got.stderr)
			}
			if !strings.Contains(got.stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, got.stdout)
			}
			if !strings.Contains(got.stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, got.stderr)
			}
		})
	}
}
