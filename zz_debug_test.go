package main

import (
	"os"
	"testing"

	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

func TestZZDebugExport(t *testing.T) {
	dir := os.Getenv("ZZ_OUT")
	if dir == "" {
		t.Skip()
	}
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.Shapes("sh")...)
	_, stderr, _ := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL, "--all", "-v", "all", "-o", dir, "--save-response")
	os.WriteFile(dir+"/stderr.txt", []byte(stderr), 0o600)
}
