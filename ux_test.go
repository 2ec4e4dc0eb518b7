package main

// CLI behaviour a first-time user relies on (issue 15): help printed once,
// error hints that name the command's help, --version, derived names,
// --set validation, -q, exit codes and input edge cases.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// testInput copies testdata/api/<name> into a temporary folder under
// base (a file name chosen by the test) and returns its path.
func testInput(t *testing.T, name, base string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/api", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), base)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHelpPrintedOnce: pflag prints the usage itself before returning
// ErrHelp; printing it again doubled every command's help.
func TestHelpPrintedOnce(t *testing.T) {
	for _, args := range [][]string{
		{"render", "--help"}, {"render", "-h"}, {"help", "render"},
		{"export", "--help"}, {"export", "-h"}, {"help", "export"},
		{"vendors", "--help"}, {"vendors", "-h"}, {"help", "vendors"},
		{"completion", "--help"}, {"help", "completion"},
		{"version", "--help"}, {"help", "version"},
	} {
		got := runCLI(t, nil, args...)
		if got.code != 0 || got.stderr != "" {
			t.Errorf("%v: code %d, stderr %q", args, got.code, got.stderr)
		}
		if n := strings.Count(got.stdout, "Usage:"); n != 1 {
			t.Errorf("%v: usage printed %d times:\n%s", args, n, got.stdout)
		}
		if n := strings.Count(got.stdout, "\nFlags:"); n > 1 {
			t.Errorf("%v: flags printed %d times", args, n)
		}
	}
}

// TestHelpVersionIsHelp: "help version" explains the command instead of
// running it.
func TestHelpVersionIsHelp(t *testing.T) {
	got := runCLI(t, nil, "help", "version")
	if got.code != 0 || !strings.Contains(got.stdout, "vpnexport version") || !strings.Contains(got.stdout, "--version") {
		t.Errorf("help version: code %d\n%s", got.code, got.stdout)
	}
}

// TestUsageHintNamesCommand: a usage error in a command points at that
// command's help, not the top-level one.
func TestUsageHintNamesCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"render", "--bogus"}, "Run 'vpnexport render --help' for usage."},
		{[]string{"render", "--example", "-v", "nope"}, "Run 'vpnexport render --help' for usage."},
		{[]string{"render", "--example", "-v", "cisco-ios", "--set", "tunnel-number=x"}, "Run 'vpnexport render --help' for usage."},
		{[]string{"export"}, "Run 'vpnexport export --help' for usage."},
		{[]string{"vendors", "x"}, "Run 'vpnexport vendors --help' for usage."},
		{[]string{"completion", "tcsh"}, "Run 'vpnexport completion --help' for usage."},
		{[]string{"frobnicate"}, "Run 'vpnexport help' for usage."},
	} {
		got := runCLI(t, nil, tc.args...)
		if got.code != 2 || !strings.Contains(got.stderr, tc.hint) {
			t.Errorf("%v: code %d, want 2 and %q:\n%s", tc.args, got.code, tc.hint, got.stderr)
		}
	}
}

// TestVersionFlagAndCommand: --version and version print the same line.
func TestVersionFlagAndCommand(t *testing.T) {
	a, b := runCLI(t, nil, "--version"), runCLI(t, nil, "version")
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "vpnexport ") {
		t.Errorf("--version: %d %q %q; version: %d %q", a.code, a.stdout, a.stderr, b.code, b.stdout)
	}
}

// TestVersionFromBuildInfo: --version names the VCS revision and the
// "modified" state that debug.ReadBuildInfo records (buildBinary commits
// this source tree into a fresh repository, changes a file, and builds).
func TestVersionFromBuildInfo(t *testing.T) {
	bin := buildBinary(t)
	if builtRev == "" {
		t.Skip("git not available: the binary has no VCS information")
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if v := string(out); !strings.HasPrefix(v, "vpnexport ") || !strings.Contains(v, "revision "+builtRev[:12]) || !strings.Contains(v, "modified") {
		t.Errorf("--version = %q, want revision %s, modified", v, builtRev[:12])
	}
}

// TestNameFromFileNameIsSanitised: a name derived from the input file
// name is made safe; a --name the user typed is still validated.
func TestNameFromFileNameIsSanitised(t *testing.T) {
	in := testInput(t, "dual-tunnel.json", "vco prod (1).json")
	out := t.TempDir()
	got := runCLI(t, nil, "render", "-i", in, "-o", out)
	if got.code != 0 {
		t.Fatalf("code %d: %s", got.code, got.stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "vco-prod-1", "swanctl.conf"))
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, got.stderr)
	}
	if !strings.Contains(string(data), "Connection: vco-prod-1") {
		t.Errorf("header does not name vco-prod-1:\n%s", data)
	}
	if !strings.Contains(got.stderr, "vco-prod-1") {
		t.Errorf("stderr does not say which name was used:\n%s", got.stderr)
	}
}

func TestNameFlagMessages(t *testing.T) {
	for name, want := range map[string]string{
		"-lead":                  "must start with a letter or a digit",
		".hidden":                "must start with a letter or a digit",
		"a b":                    `' ' is not allowed`,
		"../x":                   "must start with a letter or a digit",
		"a/b":                    `'/' is not allowed`,
		strings.Repeat("n", 129): "longer than 128",
		"":                       "empty",
	} {
		got := runCLI(t, nil, "render", "--example", "--name", name)
		if got.code != 2 || !strings.Contains(got.stderr, want) {
			t.Errorf("--name %q: code %d, want 2 and %q:\n%s", name, got.code, want, got.stderr)
		}
	}
}

// TestSetKeysMustMatter: a --set key that changes nothing, or that no
// selected vendor has, is an error naming the vendors that use it.
func TestSetKeysMustMatter(t *testing.T) {
	// The example is policy-based: strongSwan uses interface only for
	// route-based connections.
	got := runCLI(t, nil, "render", "--example", "--set", "interface=ens3")
	if got.code != 2 || !strings.Contains(got.stderr, "--set interface=ens3 changes nothing") || !strings.Contains(got.stderr, "strongswan: WAN interface") {
		t.Errorf("interface on a policy-based connection: code %d\n%s", got.code, got.stderr)
	}
	got = runCLI(t, nil, "render", "--example", "-v", "cisco-ios", "--set", "interface=ens3")
	if got.code != 2 || !strings.Contains(got.stderr, "--set interface: no selected vendor uses it (selected: cisco-ios; used by ") || !strings.Contains(got.stderr, "strongswan)") {
		t.Errorf("interface for cisco-ios: code %d\n%s", got.code, got.stderr)
	}
	// A route-based connection uses it.
	rb, _ := filepath.Abs("testdata/api/route-based.json")
	if got := runCLI(t, nil, "render", "-i", rb, "--set", "interface=ens3"); got.code != 0 || !strings.Contains(got.stdout, "ens3") {
		t.Errorf("route-based with interface: code %d\n%s", got.code, got.stderr)
	}
	// Setting a key to its default changes nothing visible, and is fine.
	if got := runCLI(t, nil, "render", "--example", "--set", "interface=eth0"); got.code != 0 {
		t.Errorf("default value: code %d\n%s", got.code, got.stderr)
	}
	got = runCLI(t, nil, "render", "--example", "-v", "cisco-ios", "--set", "tunnel-number=-5")
	if got.code != 2 || !strings.Contains(got.stderr, "want a number from 0 to") {
		t.Errorf("negative tunnel number: code %d\n%s", got.code, got.stderr)
	}
}

// TestSummaryHonoursSet: the summary lists every vendor's checks, so it
// takes their --set keys and runs the checks with them.
func TestSummaryHonoursSet(t *testing.T) {
	plain := runCLI(t, nil, "render", "--example", "-v", "summary")
	set := runCLI(t, nil, "render", "--example", "-v", "summary", "--set", "ios-version=16.9")
	if plain.code != 0 || set.code != 0 {
		t.Fatalf("codes %d, %d:\n%s\n%s", plain.code, set.code, plain.stderr, set.stderr)
	}
	// IOS-XE 17.11+ refuses group 2 (the example's); 16.9 does not.
	if !strings.Contains(plain.stdout, "FN72510") || strings.Contains(set.stdout, "FN72510") {
		t.Errorf("summary does not follow --set ios-version:\nplain:\n%s\nset:\n%s", plain.stdout, set.stdout)
	}
	got := runCLI(t, nil, "render", "--example", "-v", "summary", "--set", "tunnel-number=-5")
	if got.code != 2 || strings.Contains(got.stderr, "valid: )") || !strings.Contains(got.stderr, "want a number from 0 to") {
		t.Errorf("summary with a bad value: code %d\n%s", got.code, got.stderr)
	}
}

// TestQuiet: -q drops warnings and notes from stderr; the files keep
// their WARNING lines.
func TestQuiet(t *testing.T) {
	loud := runCLI(t, nil, "render", "--example", "-v", "cisco-ios")
	if !strings.Contains(loud.stderr, "warning:") {
		t.Fatalf("expected warnings without -q:\n%s", loud.stderr)
	}
	for _, q := range []string{"-q", "--quiet"} {
		got := runCLI(t, nil, "render", "--example", "-v", "cisco-ios", q)
		if got.code != 0 || got.stderr != "" || got.stdout != loud.stdout || !strings.Contains(got.stdout, "WARNING") {
			t.Errorf("%s: code %d, stderr %q, same stdout %v", q, got.code, got.stderr, got.stdout == loud.stdout)
		}
	}
	out := t.TempDir()
	if got := runCLI(t, nil, "render", "--example", "-q", "-o", out); got.code != 0 || got.stderr != "" {
		t.Errorf("-q -o: code %d, stderr %q", got.code, got.stderr)
	}
	// Errors are still printed.
	if got := runCLI(t, nil, "render", "-q", "-i", filepath.Join(out, "missing.json")); got.code != 1 || !strings.Contains(got.stderr, "no such file") {
		t.Errorf("-q error: code %d, stderr %q", got.code, got.stderr)
	}
}

// TestInterruptExits130: an interrupted run exits 130 as shells expect
// for Ctrl-C (a cancelled context stands for the signal here).
func TestInterruptExits130(t *testing.T) {
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-int1", 1))
	s.Inject(fakealiyun.Fault{Kind: fakealiyun.Block, Times: -1})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for s.Stats().Requests < 1 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	var stdout, stderr bytes.Buffer
	c := &cli{getenv: testEnv(t, nil), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, retry: fastRetry()}
	err := c.run(ctx, []string{"export", "--region", testRegion, "--endpoint", s.URL, "-c", "vco-int1"})
	if code := exitCode(err, &stderr); code != 130 {
		t.Errorf("interrupted export: code %d, want 130\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say interrupted:\n%s", stderr.String())
	}
}

// TestSignalExitCodes sends real signals to the built binary while an
// export waits on the API: SIGINT exits 130, SIGTERM 143, and no file
// is left behind.
func TestSignalExitCodes(t *testing.T) {
	bin := buildBinary(t)
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-sig1", 1))
	s.Inject(fakealiyun.Fault{Kind: fakealiyun.Block, Times: -1})
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		dir := t.TempDir()
		cmd := exec.Command(bin, "export", "--region", testRegion, "--endpoint", s.URL, "-c", "vco-sig1", "-o", dir)
		cmd.Env = []string{"HOME=" + t.TempDir(), api.EnvECSDisabled + "=true", api.EnvAccessKeyID + "=" + testKeyID, api.EnvAccessKeySecret + "=" + testSecret}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		before := s.Stats().Requests
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for s.Stats().Requests == before {
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		if got := cmd.ProcessState.ExitCode(); got != want {
			t.Errorf("%v: exit %d, want %d\n%s", sig, got, want, stderr.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "vco-sig1")); !os.IsNotExist(err) {
			t.Errorf("%v: connection folder left behind: %v", sig, err)
		}
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	builtBin  string
	builtRev  string // the commit built, "" when git is not available
	buildErr  error
)

// buildBinary builds vpnexport once per test run. With git available it
// builds from a fresh repository holding this source tree as it is now,
// committed, with one file changed afterwards: cmd/go records VCS
// information only where .git is a folder (not in a git worktree), and
// only there can the test know the revision and the modified state.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "vpnexport-bin")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "vpnexport")
		src, buildvcs := ".", "-buildvcs=false"
		if _, err := exec.LookPath("git"); err == nil {
			src = filepath.Join(buildDir, "src")
			if builtRev, buildErr = commitTree(src); buildErr != nil {
				return
			}
			buildvcs = "-buildvcs=true"
		}
		build := exec.Command("go", "build", buildvcs, "-o", builtBin, ".")
		build.Dir = src
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// commitTree copies the files git would commit now (tracked and new, not
// ignored) into dir, commits them in a new repository, then changes a
// file, and returns the commit.
func commitTree(dir string) (string, error) {
	list, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("git ls-files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		data, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err == nil {
			err = os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
		if err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "--no-verify", "-m", "test"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("git %v: %v\n%s", args, err, out)
		}
	}
	head, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(filepath.Join(dir, "README.md"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.WriteString("\nlocal change\n")
	return strings.TrimSpace(string(head)), err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestZeroLifetimeRefusedAtNormalization: Alibaba documents 0-86400, but
// no device negotiates a zero lifetime: the input is refused, naming the
// field, before any vendor runs.
func TestZeroLifetimeRefusedAtNormalization(t *testing.T) {
	in := strings.Replace(string(api.Example), `"IkeLifetime": 86400`, `"IkeLifetime": 0`, 1)
	if in == string(api.Example) {
		t.Fatal("example has no IkeLifetime 86400")
	}
	got := runCLIStdin(t, nil, in, "render", "-i", "-", "-v", "all")
	if got.code != 1 || !strings.Contains(got.stderr, "IkeLifetime: 0 is not a valid lifetime") || strings.Contains(got.stderr, "render strongswan") {
		t.Errorf("code %d:\n%s", got.code, got.stderr)
	}
}

func TestJSONMustBeAnObject(t *testing.T) {
	for _, in := range []string{"[]", "null", " [ {} ]", `"text"`, "42"} {
		got := runCLIStdin(t, nil, in, "render", "-i", "-")
		if got.code != 1 || !strings.Contains(got.stderr, "expected a JSON object") {
			t.Errorf("%q: code %d:\n%s", in, got.code, got.stderr)
		}
	}
	got := runCLIStdin(t, nil, `{"VpnConnectionConfig": null}`, "render", "-i", "-")
	if got.code != 1 || !strings.Contains(got.stderr, "VpnConnectionConfig: expected a JSON object") {
		t.Errorf("null VpnConnectionConfig: code %d:\n%s", got.code, got.stderr)
	}
}

// TestDuplicateJSONKeysRefused: encoding/json keeps the last of two
// equal keys; which one the user meant is unknown, so both kinds of
// duplicates are refused.
func TestDuplicateJSONKeysRefused(t *testing.T) {
	ex := string(api.Example)
	i := strings.Index(ex, `"Remote":`)
	if i < 0 {
		t.Fatal("example has no Remote")
	}
	for name, in := range map[string]string{
		"same":   ex[:i] + `"Remote": "192.0.2.1", ` + ex[i:],
		"cased":  ex[:i] + `"remote": "192.0.2.1", ` + ex[i:],
		"nested": strings.Replace(ex, `"IkeLifetime": 86400`, `"IkeLifetime": 86400, "IkeLifetime": 3600`, 1),
	} {
		got := runCLIStdin(t, nil, in, "render", "-i", "-")
		if got.code != 1 || !strings.Contains(got.stderr, "given twice") {
			t.Errorf("%s: code %d:\n%s", name, got.code, got.stderr)
		}
	}
}
