package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCase writes a copy of a testdata/api case with its PSKs replaced,
// under dir, named name.json.
func writeCase(t *testing.T, dir, name, src string, psks map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for old, new := range psks {
		if !strings.Contains(s, old) {
			t.Fatalf("%s has no %q", src, old)
		}
		s = strings.ReplaceAll(s, old, new)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDiffWorkflow is the ticket workflow: render to a folder, change
// the connection, --diff shows exactly the changed lines with both keys
// masked and exits 3, writes nothing; unchanged input exits 0 silently.
func TestDiffWorkflow(t *testing.T) {
	const (
		oldKey1 = "OLD-KEY-one-5b1c"
		oldKey2 = `OLD#KEY;two$9d2e` // encoded as 0s<base64> by strongSwan
		newKey1 = "NEW-KEY-one-77aa"
	)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	// A case every vendor renders (no BGP: RouterOS refuses it), so -v all
	// works whatever is registered.
	src := "testdata/api/dual-tunnel-same-proposals.json"
	v1 := writeCase(t, tmp, "vco", src, map[string]string{"fake-psk-policy-one": oldKey1, "fake-psk-policy-two": oldKey2})
	if got := runCLI(t, nil, "render", "-i", v1, "-v", "all", "-o", out); got.code != 0 {
		t.Fatalf("render: %d %s", got.code, got.stderr)
	}
	if got := runCLI(t, nil, "render", "-i", v1, "-v", "all", "-o", out, "--diff"); got.code != 0 || got.stdout != "" {
		t.Fatalf("unchanged: code %d, stdout:\n%s", got.code, got.stdout)
	}

	// Tunnel 1 gets a new key, tunnel 2 a plain key (no longer encoded),
	// and tunnel 2's peer moves.
	dir2 := filepath.Join(tmp, "v2")
	if err := os.MkdirAll(dir2, 0o755); err != nil {
		t.Fatal(err)
	}
	v2 := writeCase(t, dir2, "vco", src, map[string]string{"fake-psk-policy-one": newKey1, "fake-psk-policy-two": "plain-key-two-4c4c", `"203.0.113.2"`: `"203.0.113.22"`})
	before, _ := os.ReadFile(filepath.Join(out, "vco", "swanctl.conf"))
	got := runCLI(t, nil, "render", "-i", v2, "-v", "all", "-o", out, "--diff")
	if got.code != 3 {
		t.Fatalf("changed: code %d, want 3; stderr:\n%s", got.code, got.stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "vco", "swanctl.conf"))
	if string(before) != string(after) {
		t.Fatal("--diff wrote the file")
	}
	for _, key := range []string{oldKey1, oldKey2, newKey1, "plain-key-two-4c4c", "T0xEI0tFWTt0d28kOWQyZQ", "4f4c44234b45593b74776f2439643265", `OLD#KEY;two\$9d2e`} {
		if strings.Contains(got.stdout, key) || strings.Contains(got.stderr, key) {
			t.Errorf("diff reveals key %q:\n%s", key, got.stdout)
		}
	}
	for _, want := range []string{
		"--- a/vco/swanctl.conf\n+++ b/vco/swanctl.conf\n",
		"-        secret = <PSK-REDACTED:tunnel-1>\n+        secret = <PSK-CHANGED:tunnel-1>\n",
		"+        secret = <PSK-CHANGED:tunnel-2>\n",
		"-        # 0s = Base64, so that every character of the key survives\n",
		"-        remote_addrs = 203.0.113.2\n+        remote_addrs = 203.0.113.22\n",
		"--- a/vco/summary.md\n+++ b/vco/summary.md\n",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "\x1b[") {
		t.Error("diff has ANSI colour codes")
	}

	// --diff-against: one file, same masking.
	ga := runCLI(t, nil, "render", "-i", v2, "-v", "strongswan", "--diff-against", filepath.Join(out, "vco", "swanctl.conf"))
	if ga.code != 3 || !strings.Contains(ga.stdout, "+        secret = <PSK-CHANGED:tunnel-1>") || strings.Contains(ga.stdout, oldKey1) {
		t.Errorf("--diff-against: code %d:\n%s", ga.code, ga.stdout)
	}

	// A stale file in the folder shows as removed with -v all.
	if err := os.WriteFile(filepath.Join(out, "vco", "ios.cfg"), []byte("crypto isakmp key STALE-KEY-1234 address 203.0.113.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gr := runCLI(t, nil, "render", "-i", v1, "-v", "all", "-o", out, "--diff")
	if gr.code != 3 || !strings.Contains(gr.stdout, "--- a/vco/ios.cfg\n+++ /dev/null\n") {
		t.Errorf("stale file: code %d:\n%s", gr.code, gr.stdout)
	}
}

// TestDiffMasksOldFormats feeds the masker old files whose key lines use
// forms the current rendering does not: a different encoding, another
// peer address, a legacy keyword. No old key may survive.
func TestDiffMasksOldFormats(t *testing.T) {
	tmp := t.TempDir()
	v := writeCase(t, tmp, "vco", "testdata/api/dual-tunnel.json", map[string]string{"fake-psk-tunnel-one": "CUR-KEY-1-aaaa", "fake-psk-tunnel-two": "CUR-KEY-2-bbbb"})
	if got := runCLI(t, nil, "render", "-i", v, "-o", tmp); got.code != 0 {
		t.Fatal(got.stderr)
	}
	path := filepath.Join(tmp, "vco", "swanctl.conf")
	data, _ := os.ReadFile(path)
	old := strings.Replace(string(data), `secret = "CUR-KEY-1-aaaa"`, "secret = 0sT0xELUtFWS1YWVo=", 1)
	old = strings.Replace(old, `secret = "CUR-KEY-2-bbbb"`, `secret = "OLD-KEY-2;zz"  # rotated`, 1)
	old += "# legacy ipsec.secrets line:\n: PSK \"OLD-LEGACY-KEY-77\"\npre-shared-key OLD-PSK-KW-88\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, nil, "render", "-i", v, "-o", tmp, "--diff")
	if got.code != 3 {
		t.Fatalf("code %d: %s", got.code, got.stderr)
	}
	for _, key := range []string{"T0xELUtFWS1YWVo", "OLD-KEY-2;zz", "OLD-LEGACY-KEY-77", "OLD-PSK-KW-88", "CUR-KEY"} {
		if strings.Contains(got.stdout, key) {
			t.Errorf("diff reveals %q:\n%s", key, got.stdout)
		}
	}
	if !strings.Contains(got.stdout, "+        secret = <PSK-CHANGED:tunnel-1>") || !strings.Contains(got.stdout, "+        secret = <PSK-CHANGED:tunnel-2>") {
		t.Errorf("key changes not shown:\n%s", got.stdout)
	}
}
