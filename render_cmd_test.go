package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI drives run() like the shell would and returns stdout, stderr and
// the exit code main would use.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, noEnv, &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// TestRenderExampleIsTheSeedGolden: the README's first command prints the
// same swanctl.conf the golden test pins for the seed example.
func TestRenderExampleIsTheSeedGolden(t *testing.T) {
	stdout, stderr, code := runCLI(t, "render", "--example", "--vendor", "strongswan", "--name", "seed-example")
	require.Equal(t, 0, code, stderr)
	want, err := os.ReadFile("testdata/golden/seed-example/swanctl.conf")
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout)
	assert.Contains(t, stderr, "vpnexport: warning: tunnel 1: IKEv1 with 2 subnet pairs")
}

func TestRenderWritesFilesPrivately(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCLI(t, "render", "-i", "testdata/api/dual-tunnel.json", "-o", dir)
	require.Equal(t, 0, code, stderr)
	path := filepath.Join(dir, "dual-tunnel", "swanctl.conf")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "files hold PSKs")
	assert.Contains(t, stderr, "wrote "+path)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	// An existing world-readable file is replaced by a private one.
	require.NoError(t, os.Chmod(path, 0o644))
	_, stderr, code = runCLI(t, "render", "-i", "testdata/api/dual-tunnel.json", "-o", dir)
	require.Equal(t, 0, code, stderr)
	st, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

func TestRenderFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(readFile(t, "testdata/api/pfs-disabled.json"), `"IpsecEncAlg": "aes"`, `"IpsecEncAlg": "sm4"`, 1)), 0o600))
	_, stderr, code := runCLI(t, "render", "-i", bad, "-o", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "render strongswan: tunnel 1: IPsec encryption SM4 cannot be expressed on strongSwan")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed render must not leave any file")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestRenderErrorsNameFieldAndValue(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	body := strings.NewReplacer(`"IkeEncAlg": "aes256"`, `"IkeEncAlg": "aes512"`, `"LocalSubnet": "10.20.0.0/24"`, `"LocalSubnet": "10.20.0.0/33"`).
		Replace(readFile(t, "testdata/api/ikev2-aes256-sha256-g14.json"))
	require.NoError(t, os.WriteFile(bad, []byte(body), 0o600))
	stdout, stderr, code := runCLI(t, "render", "-i", bad)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `IkeConfig.IkeEncAlg: unsupported value "aes512" (want aes, aes192, aes256, des, 3des, sm4)`)
	assert.Contains(t, stderr, `LocalSubnet: "10.20.0.0/33" is not a CIDR block`)
	assert.NotContains(t, stderr, "fake-psk", "errors never show the PSK")
}

func TestRenderUsage(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
		code int
	}{
		"no command":      {nil, "no command given", 2},
		"unknown command": {[]string{"frobnicate"}, `unknown command "frobnicate"`, 2},
		"no input":        {[]string{"render"}, "give exactly one of -i FILE or --example", 2},
		"both inputs":     {[]string{"render", "--example", "-i", "x.json"}, "give exactly one of -i FILE or --example", 2},
		"bad flag":        {[]string{"render", "--colour"}, "unknown flag: --colour", 2},
		"unknown vendor":  {[]string{"render", "--example", "-v", "cisco-nexus"}, `--vendor "cisco-nexus": unknown vendor`, 2},
		"bad set":         {[]string{"render", "--example", "--set", "novalue"}, `--set "novalue": want key=value`, 2},
		"unknown set key": {[]string{"render", "--example", "--set", "colour=red"}, "--set colour: unknown key for the selected vendors (valid: strongswan: local-addrs", 2},
		"bad name":        {[]string{"render", "--example", "--name", "../etc"}, `--name "../etc": use letters`, 2},
		"missing file":    {[]string{"render", "-i", "testdata/api/nope.json"}, "no such file or directory", 1},
		"not a response":  {[]string{"render", "-i", "go.mod"}, "go.mod: input is neither JSON nor XML", 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.want)
			assert.Empty(t, stdout)
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"render", "--help"}, {"help", "render"}, {"vendors", "--help"}} {
		stdout, _, code := runCLI(t, args...)
		assert.Equal(t, 0, code, args)
		assert.Contains(t, stdout, "Examples:", args)
	}
}

func TestVendorsAndVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "vendors")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "strongswan")
	assert.Contains(t, stdout, "--set if-id=1")
	stdout, _, code = runCLI(t, "version")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "vpnexport "))
}

func TestRenderStdinAndVendorAll(t *testing.T) {
	old := stdinReader
	t.Cleanup(func() { stdinReader = old })
	stdinReader = func(context.Context) io.Reader { return strings.NewReader(readFile(t, "testdata/api/xml-input.xml")) }
	stdout, stderr, code := runCLI(t, "render", "-i", "-", "-v", "all", "--name", "xml-input")
	require.Equal(t, 0, code, stderr)
	want := readFile(t, "testdata/golden/xml-input/swanctl.conf")
	assert.Contains(t, stdout, want)
}
