package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffRefusesRedact: the files on disk hold the keys, a redacted
// rendering holds placeholders; comparing them would report key changes
// that did not happen.
func TestDiffRefusesRedact(t *testing.T) {
	out := t.TempDir()
	if got := runCLI(t, nil, "render", "--example", "-o", out); got.code != 0 {
		t.Fatal(got.stderr)
	}
	got := runCLI(t, nil, "render", "--example", "-o", out, "--diff", "--redact")
	if got.code != 2 || got.stdout != "" || !strings.Contains(got.stderr, "--diff and --redact") {
		t.Errorf("code %d, stdout %q\n%s", got.code, got.stdout, got.stderr)
	}
	file := filepath.Join(out, "example", "swanctl.conf")
	got = runCLI(t, nil, "render", "--example", "--diff-against", file, "--redact")
	if got.code != 2 || !strings.Contains(got.stderr, "--diff and --redact") {
		t.Errorf("--diff-against --redact: code %d\n%s", got.code, got.stderr)
	}
}

// TestDiffAgainstCRLFCopy: a copy with Windows line endings is the same
// configuration; the diff says so instead of changing every line.
func TestDiffAgainstCRLFCopy(t *testing.T) {
	r := runCLI(t, nil, "render", "--example")
	path := filepath.Join(t.TempDir(), "device.conf")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(r.stdout, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, nil, "render", "--example", "--name", "example", "--diff-against", path)
	if got.code != 0 || got.stdout != "" || !strings.Contains(got.stderr, "CRLF") {
		t.Errorf("code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
	// A real change in a CRLF file still shows, without stray \r.
	changed := strings.Replace(r.stdout, "rekey_time", "rekey_timeX", 1)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(changed, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	got = runCLI(t, nil, "render", "--example", "--name", "example", "--diff-against", path)
	if got.code != 3 || strings.Contains(got.stdout, "\r") || strings.Count(got.stdout, "\n-") != 1 {
		t.Errorf("code %d, stdout:\n%q", got.code, got.stdout)
	}
	// --diff --out DIR: the file would be rewritten with LF, and the note
	// says that is all that changes.
	out := t.TempDir()
	runCLI(t, nil, "render", "--example", "-o", out)
	file := filepath.Join(out, "example", "swanctl.conf")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(r.stdout, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	got = runCLI(t, nil, "render", "--example", "-o", out, "--diff")
	if got.code != 3 || got.stdout != "" || !strings.Contains(got.stderr, "CRLF") {
		t.Errorf("--diff dir: code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
}

// TestDiffBinaryFile: a binary file is never dumped on stdout.
func TestDiffBinaryFile(t *testing.T) {
	bin := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64)...)
	path := filepath.Join(t.TempDir(), "a.out")
	if err := os.WriteFile(path, bin, 0o600); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, nil, "render", "--example", "--diff-against", path)
	if got.code != 1 || got.stdout != "" || !strings.Contains(got.stderr, "binary") {
		t.Errorf("--diff-against binary: code %d, stdout %q\n%s", got.code, got.stdout, got.stderr)
	}
	out := t.TempDir()
	runCLI(t, nil, "render", "--example", "-o", out)
	if err := os.WriteFile(filepath.Join(out, "example", "swanctl.conf"), bin, 0o600); err != nil {
		t.Fatal(err)
	}
	got = runCLI(t, nil, "render", "--example", "-o", out, "--diff")
	if got.code != 3 || strings.ContainsRune(got.stdout, 0) || !strings.Contains(got.stdout, "Binary file a/example/swanctl.conf differs") {
		t.Errorf("--diff with a binary file: code %d, stdout %q", got.code, got.stdout)
	}
}

// TestDiffAgainstTakesNameFromHeader: object names come from the
// connection name; diffing a renamed input against a file rendered
// earlier must not show every object renamed.
func TestDiffAgainstTakesNameFromHeader(t *testing.T) {
	first := testInput(t, "route-based.json", "site-a.json")
	renamed := testInput(t, "route-based.json", "copy of it.json")
	for _, vendor := range []string{"strongswan", "cisco-ios", "fortigate", "juniper-srx"} {
		r := runCLI(t, nil, "render", "-i", first, "-v", vendor)
		path := filepath.Join(t.TempDir(), "device.conf")
		if err := os.WriteFile(path, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		got := runCLI(t, nil, "render", "-i", renamed, "-v", vendor, "--diff-against", path)
		if got.code != 0 || got.stdout != "" || !strings.Contains(got.stderr, "site-a") {
			t.Errorf("%s: code %d\nstdout:\n%s\nstderr:\n%s", vendor, got.code, got.stdout, got.stderr)
		}
		// --name still wins.
		if got := runCLI(t, nil, "render", "-i", renamed, "-v", vendor, "--name", "other", "--diff-against", path); got.code != 3 {
			t.Errorf("%s --name other: code %d", vendor, got.code)
		}
	}
}
