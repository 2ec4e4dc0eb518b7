package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
)

// refusing is outcomes for a case that some vendors render and some
// refuse.
func refusing(t *testing.T, path string) (ok, refused map[string]render.Vendor) {
	t.Helper()
	ok, refused = outcomes(t, path)
	if len(ok) == 0 || len(refused) == 0 {
		t.Fatalf("%s: want some vendors to refuse and some to render (ok %d, refused %d)", path, len(ok), len(refused))
	}
	return ok, refused
}

// outcomes splits the registered vendors into those that render the
// saved response at path and those that refuse it, asking each vendor on
// its own (no CLI involved).
func outcomes(t *testing.T, path string) (ok, refused map[string]render.Vendor) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := api.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := api.Normalize(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn.Name = "x"
	ok, refused = map[string]render.Vendor{}, map[string]render.Vendor{}
	for _, v := range render.Vendors() {
		if _, _, err := render.Render(templates.FS, v.Name, conn, render.Options{}); err != nil {
			refused[v.Name] = v
		} else {
			ok[v.Name] = v
		}
	}
	return ok, refused
}

// TestRenderAllWritesWhatItCan: with -v all, one vendor's refusal no
// longer costs the others their files; every refusal is named and the
// exit status is 1.
func TestRenderAllWritesWhatItCan(t *testing.T) {
	in := testInput(t, "ikev2-group24.json", "g24.json")
	ok, refused := refusing(t, "testdata/api/ikev2-group24.json")
	out := t.TempDir()
	got := runCLI(t, nil, "render", "-i", in, "-v", "all", "-o", out)
	if got.code != 1 {
		t.Fatalf("code %d, want 1\n%s", got.code, got.stderr)
	}
	for name, v := range ok {
		if _, err := os.Stat(filepath.Join(out, "g24", v.File)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, v := range refused {
		if _, err := os.Stat(filepath.Join(out, "g24", v.File)); !os.IsNotExist(err) {
			t.Errorf("%s refused but its file exists: %v", name, err)
		}
		if !strings.Contains(got.stderr, "render "+name+": ") {
			t.Errorf("stderr does not say why %s refused:\n%s", name, got.stderr)
		}
	}
	if !strings.Contains(got.stderr, "refused") {
		t.Errorf("stderr does not summarise the refusals:\n%s", got.stderr)
	}

	// To stdout: the files that rendered are printed.
	got = runCLI(t, nil, "render", "-i", in, "-v", "all")
	if got.code != 1 {
		t.Fatalf("stdout: code %d", got.code)
	}
	for _, v := range ok {
		if !strings.Contains(got.stdout, "==> g24/"+v.File+" <==") {
			t.Errorf("stdout lacks %s", v.File)
		}
	}
}

// TestExportRecordsVendorStatus: in a batch, a connection that some
// vendors refuse gets the other vendors' files, status "partial", and a
// per-vendor status in the manifest.
func TestExportRecordsVendorStatus(t *testing.T) {
	s := fakeEndpoint(t, fakealiyun.Options{})
	c := fakealiyun.SingleTunnel("vco-g24", 5)
	ike := c.Download["VpnConnectionConfig"].(map[string]any)["IkeConfig"].(map[string]any)
	ike["IkePfs"] = "group24"
	s.Add(c, fakealiyun.SingleTunnel("vco-fine", 6))
	dir := t.TempDir()
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL,
		"-c", "vco-g24,vco-fine", "-v", "all", "-o", dir)
	if exitOf(err) != 1 {
		t.Fatalf("exit %d (%v)\n%s", exitOf(err), err, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Partial     int `json:"partial"`
		Connections []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			Files        []struct{ Path string }
			VendorStatus []struct {
				Vendor, Status, Error string
			} `json:"vendor_status"`
		} `json:"connections"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Partial != 1 || len(m.Connections) != 2 {
		t.Fatalf("manifest: %s", data)
	}
	g24, fine := m.Connections[0], m.Connections[1]
	if g24.Status != "partial" || fine.Status != "ok" {
		t.Errorf("statuses %q, %q", g24.Status, fine.Status)
	}
	if len(g24.VendorStatus) != len(render.Vendors()) || len(fine.VendorStatus) != len(render.Vendors()) {
		t.Fatalf("vendor_status: %s", data)
	}
	files := map[string]bool{}
	for _, f := range g24.Files {
		files[f.Path] = true
	}
	var refused int
	for _, vs := range g24.VendorStatus {
		v, _ := render.Lookup(vs.Vendor)
		written := files["vco-g24/"+v.File]
		switch vs.Status {
		case "ok":
			if !written || vs.Error != "" {
				t.Errorf("%s ok but file written %v, error %q", vs.Vendor, written, vs.Error)
			}
		case "refused":
			refused++
			if written || !strings.Contains(vs.Error, "group 24") {
				t.Errorf("%s refused: written %v, error %q", vs.Vendor, written, vs.Error)
			}
			if !strings.Contains(stderr, vs.Error) {
				t.Errorf("stderr does not name %s's refusal:\n%s", vs.Vendor, stderr)
			}
		default:
			t.Errorf("%s: status %q", vs.Vendor, vs.Status)
		}
	}
	if refused == 0 {
		t.Errorf("no vendor refused group 24: %s", data)
	}
}

// TestDiffAllKeepsRefusedVendorsFiles: with -v all, --diff shows files no
// vendor writes as removed; a refusing vendor's old file is not one of
// them.
func TestDiffAllKeepsRefusedVendorsFiles(t *testing.T) {
	in := testInput(t, "ikev2-group24.json", "g24.json")
	_, refused := refusing(t, "testdata/api/ikev2-group24.json")
	out := t.TempDir()
	runCLI(t, nil, "render", "-i", in, "-v", "all", "-o", out)
	for _, v := range refused {
		if err := os.WriteFile(filepath.Join(out, "g24", v.File), []byte("from an earlier release\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := runCLI(t, nil, "render", "-i", in, "-v", "all", "-o", out, "--diff")
	if got.code != 1 || got.stdout != "" {
		t.Errorf("code %d, want 1 and no diff:\n%s\n%s", got.code, got.stdout, got.stderr)
	}
}
