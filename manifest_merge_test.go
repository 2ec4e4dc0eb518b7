package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"encoding/json"

	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// TestExportMergesManifest: a later export into the same folder keeps the
// connections it did not cover in manifest.json, marked stale with what
// the earlier run recorded (their folders are still there).
func TestExportMergesManifest(t *testing.T) {
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-keep1", 1), fakealiyun.DualTunnel("vco-old1", 2))
	dir := t.TempDir()
	args := []string{"--region", testRegion, "--endpoint", s.URL, "-o", dir}
	if _, stderr, err := runExportTest(t.Context(), testEnv(t, nil), append(args, "-c", "vco-keep1,vco-old1")...); err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr)
	}
	first := readManifest(t, dir)
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), append(args, "-c", "vco-keep1", "-q")...)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, stderr)
	}
	if stderr != "" {
		t.Errorf("-q: stderr %q", stderr)
	}
	m := readMergedManifest(t, dir)
	if len(m.Connections) != 2 || m.Total != 1 || m.OK != 1 || m.Stale != 1 {
		t.Fatalf("manifest after the second run: %+v", m)
	}
	keep, old := m.Connections[0], m.Connections[1]
	if keep.ID != "vco-keep1" || keep.Status != export.StatusOK {
		t.Errorf("this run's entry: %+v", keep)
	}
	prev := first.Connections[1]
	if old.ID != "vco-old1" || old.Status != "stale" || old.Offset != prev.Offset || len(old.Files) != len(prev.Files) || old.Files[0] != prev.Files[0] || old.Name != prev.Name {
		t.Errorf("stale entry %+v, was %+v", old, prev)
	}
	if _, err := os.Stat(filepath.Join(dir, "vco-old1", "swanctl.conf")); err != nil {
		t.Errorf("stale connection's files: %v", err)
	}
	// A third run that covers it again makes it current.
	if _, stderr, err := runExportTest(t.Context(), testEnv(t, nil), append(args, "-c", "vco-old1")...); err != nil || !strings.Contains(stderr, "1 stale") {
		t.Fatalf("third run: %v\n%s", err, stderr)
	}
	m = readMergedManifest(t, dir)
	if len(m.Connections) != 2 || m.Connections[0].ID != "vco-old1" || m.Connections[0].Status != export.StatusOK ||
		m.Connections[1].ID != "vco-keep1" || m.Connections[1].Status != "stale" || m.Stale != 1 {
		t.Errorf("manifest after the third run: %+v", m)
	}
}

// mergedManifest is export.Manifest plus the stale count, read from the
// JSON so the test states the file format users read.
type mergedManifest struct {
	export.Manifest
	Stale int `json:"stale"`
}

func readMergedManifest(t *testing.T, dir string) mergedManifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m mergedManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
