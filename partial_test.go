package main

import (
	"encoding/json"
	"errors"
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
func refusing(t *testing.T, path string) (ok map[string]render.Vendor, refused map[string]error) {
	t.Helper()
	ok, refused = outcomes(t, path)
	if len(ok) == 0 || len(refused) == 0 {
		t.Fatalf("%s: want some vendors to refuse and some to render (ok %d, refused %d)", path, len(ok), len(refused))
	}
	return ok, refused
}

// outcomes splits the registered vendors into those that render the
// saved response at path and those that refuse it (with their error),
// asking each vendor on its own (no CLI involved).
func outcomes(t *testing.T, path string) (ok map[string]render.Vendor, refused map[string]error) {
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
	ok, refused = map[string]render.Vendor{}, map[string]error{}
	for _, v := range render.Vendors() {
		if _, _, err := render.Render(templates.FS, v.Name, conn, render.Options{}); err != nil {
			refused[v.Name] = err
		} else {
			ok[v.Name] = v
		}
	}
	return ok, refused
}

// fileOf is a vendor's main file name.
func fileOf(name string) string {
	v, _ := render.Lookup(name)
	return v.File
}

// TestRenderWritesWhatItCan: one vendor's refusal no longer costs the
// others their files. Vendors asked for by name: every refusal is named
// and the exit status is 1. With -v all, a platform that cannot express
// the connection is skipped with a warning naming it and why.
func TestRenderWritesWhatItCan(t *testing.T) {
	in := testInput(t, "ikev2-group24.json", "g24.json")
	ok, refused := refusing(t, "testdata/api/ikev2-group24.json")
	check := func(args []string, code int, why string) {
		t.Helper()
		out := t.TempDir()
		got := runCLI(t, nil, append([]string{"render", "-i", in, "-o", out}, args...)...)
		if got.code != code {
			t.Fatalf("%v: code %d, want %d\n%s", args, got.code, code, got.stderr)
		}
		for name := range ok {
			if _, err := os.Stat(filepath.Join(out, "g24", fileOf(name))); err != nil {
				t.Errorf("%v: %s: %v", args, name, err)
			}
		}
		for name, err := range refused {
			if _, serr := os.Stat(filepath.Join(out, "g24", fileOf(name))); !os.IsNotExist(serr) {
				t.Errorf("%v: %s refused but its file exists: %v", args, name, serr)
			}
			if !strings.Contains(got.stderr, why+err.Error()) {
				t.Errorf("%v: stderr does not say why %s refused (%q):\n%s", args, name, err, got.stderr)
			}
		}
	}
	check([]string{"-v", strings.Join(render.Names(), ",")}, exitError, "  ")
	allCode := exitOK
	for _, err := range refused {
		if !errors.Is(err, render.ErrCannotExpress) {
			allCode = exitError
		}
	}
	check([]string{"-v", "all"}, allCode, render.NotRendered)

	// To stdout: the files that rendered are printed.
	got := runCLI(t, nil, "render", "-i", in, "-v", strings.Join(render.Names(), ","))
	if got.code != exitError {
		t.Fatalf("stdout: code %d", got.code)
	}
	for _, v := range ok {
		if !strings.Contains(got.stdout, "==> g24/"+v.File+" <==") {
			t.Errorf("stdout lacks %s", v.File)
		}
	}
}

// exportManifest is the part of manifest.json the vendor-status tests read.
type exportManifest struct {
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

// TestExportRecordsVendorStatus: in a batch, a connection that some
// vendors refuse gets the other vendors' files and a per-vendor status in
// the manifest: with vendors named, status "partial" and exit 1; with
// -v all, the platforms that cannot express it "skipped" and exit 0.
func TestExportRecordsVendorStatus(t *testing.T) {
	s := fakeEndpoint(t, fakealiyun.Options{})
	c := fakealiyun.SingleTunnel("vco-g24", 5)
	ike := c.Download["VpnConnectionConfig"].(map[string]any)["IkeConfig"].(map[string]any)
	ike["IkePfs"] = "group24"
	s.Add(c, fakealiyun.SingleTunnel("vco-fine", 6))
	for _, tc := range []struct {
		vendors, status, vendorStatus string
		partial, code                 int
	}{
		{strings.Join(render.Names(), ","), "partial", "refused", 1, exitError},
		{"all", "ok", "skipped", 0, exitOK},
	} {
		dir := t.TempDir()
		_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL,
			"-c", "vco-g24,vco-fine", "-v", tc.vendors, "-o", dir)
		if exitOf(err) != tc.code {
			t.Fatalf("-v %s: exit %d (%v)\n%s", tc.vendors, exitOf(err), err, stderr)
		}
		data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m exportManifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m.Partial != tc.partial || len(m.Connections) != 2 {
			t.Fatalf("-v %s: manifest: %s", tc.vendors, data)
		}
		g24, fine := m.Connections[0], m.Connections[1]
		if g24.Status != tc.status || fine.Status != "ok" {
			t.Errorf("-v %s: statuses %q, %q", tc.vendors, g24.Status, fine.Status)
		}
		if len(g24.VendorStatus) != len(render.Vendors()) || len(fine.VendorStatus) != len(render.Vendors()) {
			t.Fatalf("-v %s: vendor_status: %s", tc.vendors, data)
		}
		files := map[string]bool{}
		for _, f := range g24.Files {
			files[f.Path] = true
		}
		var refused int
		for _, vs := range g24.VendorStatus {
			written := files["vco-g24/"+fileOf(vs.Vendor)]
			switch vs.Status {
			case "ok":
				if !written || vs.Error != "" {
					t.Errorf("-v %s: %s ok but file written %v, error %q", tc.vendors, vs.Vendor, written, vs.Error)
				}
			case tc.vendorStatus:
				refused++
				if written || !strings.Contains(vs.Error, "group 24") {
					t.Errorf("-v %s: %s %s: written %v, error %q", tc.vendors, vs.Vendor, vs.Status, written, vs.Error)
				}
				if !strings.Contains(stderr, vs.Error) {
					t.Errorf("-v %s: stderr does not name %s's refusal:\n%s", tc.vendors, vs.Vendor, stderr)
				}
			default:
				t.Errorf("-v %s: %s: status %q", tc.vendors, vs.Vendor, vs.Status)
			}
		}
		if refused == 0 {
			t.Errorf("-v %s: no vendor refused group 24: %s", tc.vendors, data)
		}
	}
}

// TestDiffKeepsRefusedVendorsFiles: with -v all, --diff shows files no
// vendor writes as removed; the old file of a vendor that cannot render
// this connection is not one of them.
func TestDiffKeepsRefusedVendorsFiles(t *testing.T) {
	in := testInput(t, "ikev2-group24.json", "g24.json")
	_, refused := refusing(t, "testdata/api/ikev2-group24.json")
	out := t.TempDir()
	runCLI(t, nil, "render", "-i", in, "-v", "all", "-o", out)
	for name := range refused {
		if err := os.WriteFile(filepath.Join(out, "g24", fileOf(name)), []byte("from an earlier release\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := runCLI(t, nil, "render", "-i", in, "-v", "all", "-o", out, "--diff")
	if got.stdout != "" || got.code == exitChanged || !strings.Contains(got.stderr, "is left as it is") {
		t.Errorf("code %d, want no diff:\n%s\n%s", got.code, got.stdout, got.stderr)
	}
}
