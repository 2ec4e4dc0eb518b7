package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderExampleIsTheSeedGolden(t *testing.T) {
	r := runCLI(t, nil, "render", "--example", "--vendor", "strongswan", "--name", "seed-example")
	require.Equal(t, 0, r.code, r.stderr)
	want, err := os.ReadFile("testdata/golden/seed-example/swanctl.conf")
	require.NoError(t, err)
	assert.Equal(t, string(want), r.stdout)
	assert.Contains(t, r.stderr, "vpnexport: warning: tunnel 1: IKEv1 with 2 subnet pairs")
}

func TestRenderFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(readFile(t, "testdata/api/pfs-disabled.json"), `"IkeLifetime": 86400`, `"IkeLifetime": 5`, 1)), 0o600))
	r := runCLI(t, nil, "render", "-i", bad, "-o", dir)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "render strongswan: tunnel 1: IKE lifetime 5s is outside strongSwan's range 10-86400 seconds")
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
	r := runCLI(t, nil, "render", "-i", bad)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, `IkeConfig.IkeEncAlg: unsupported value "aes512" (want aes, aes192, aes256, des, 3des, sm4)`)
	assert.Contains(t, r.stderr, `LocalSubnet: "10.20.0.0/33" is not a CIDR block`)
	assert.NotContains(t, r.stderr, "fake-psk", "errors never show the PSK")
}

func TestRenderStdinAndVendorAll(t *testing.T) {
	r := runCLIStdin(t, nil, readFile(t, "testdata/api/xml-input.xml"), "render", "-i", "-", "-v", "all", "--name", "xml-input")
	require.Equal(t, 0, r.code, r.stderr)
	want := readFile(t, "testdata/golden/xml-input/swanctl.conf")
	assert.Contains(t, r.stdout, want)
}
