package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// update rewrites golden files instead of comparing them. The flag exists
// only in this package (the goldens live here), so use it as
// `go test . -run TestGolden -update`; `go test ./... -update` would fail
// in every other package with "flag provided but not defined", which is
// why VPNEXPORT_UPDATE=1 does the same from any go test command line.
var update = flag.Bool("update", false, "rewrite golden files under testdata/golden (review every diff before committing; or set VPNEXPORT_UPDATE=1)")

func updating() bool { return *update || os.Getenv("VPNEXPORT_UPDATE") == "1" }

// assertGolden compares got with testdata/golden/<name>. With -update it
// writes the file instead. CRLF is normalised to LF on both sides; a
// mismatch prints a line diff ("- " want, "+ " got).
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", filepath.FromSlash(name))
	got = bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n"))
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Fatalf("golden file %s is missing; create it with: go test . -run '%s' -update, then read it line by line", path, t.Name())
	}
	if err != nil {
		t.Fatal(err)
	}
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (- want, + got):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff is a plain line diff without ANSI colours; long runs of equal
// lines collapse to "…".
func lineDiff(want, got string) string {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(want, got)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out strings.Builder
	for _, d := range diffs {
		ls := strings.SplitAfter(d.Text, "\n")
		if len(ls) > 0 && ls[len(ls)-1] == "" {
			ls = ls[:len(ls)-1]
		}
		prefix := "  "
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			prefix = "- "
		case diffmatchpatch.DiffInsert:
			prefix = "+ "
		case diffmatchpatch.DiffEqual:
			if len(ls) > 6 {
				ls = append(append(append([]string{}, ls[:2]...), "…\n"), ls[len(ls)-2:]...)
			}
		}
		for _, l := range ls {
			out.WriteString(prefix + strings.TrimSuffix(l, "\n") + "\n")
		}
	}
	return out.String()
}

// goldenCases lists the saved API responses the golden tests render:
// every testdata/api/*.json and *.xml is a case named after its file.
func goldenCases(t testing.TB) []string {
	var cases []string
	for _, pat := range []string{"testdata/api/*.json", "testdata/api/*.xml"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, m...)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under testdata/api")
	}
	return cases
}

func caseName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// TestGolden renders every case in testdata/api for every vendor through
// run(), exactly as `vpnexport render -i <case> -v <vendor> -o DIR` does,
// and compares DIR/<case>/<file> with testdata/golden/<case>/<file>. It
// then renders again and requires identical bytes (determinism).
//
// A case a vendor must refuse (say, DH group 24 on FortiOS) is pinned by
// testdata/golden/<case>/<vendor>.error, which holds the expected error
// text plus a newline: the run must then fail with exactly that text.
// -update writes the file when the run fails; a vendor that renders a
// case with a pinned error fails the test until the file is deleted.
func TestGolden(t *testing.T) {
	for _, input := range goldenCases(t) {
		name := caseName(input)
		for _, vendor := range vendorNames() {
			t.Run(name+"/"+vendor, func(t *testing.T) {
				errGolden := name + "/" + vendor + ".error"
				_, statErr := os.Stat(filepath.Join("testdata", "golden", filepath.FromSlash(errGolden)))
				pinned := statErr == nil
				first, err := renderToDir(t, input, vendor)
				switch {
				case err != nil && (pinned || updating()):
					assertGolden(t, errGolden, []byte(filepath.ToSlash(err.Error())+"\n"))
					return
				case err != nil:
					t.Fatalf("%v\n(if %s must refuse this case, pin the error: go test . -run '%s' -update)", err, vendor, t.Name())
				case pinned:
					t.Fatalf("testdata/golden/%s expects an error, but %s rendered the case; delete the file if the case is now supported", errGolden, vendor)
				}
				for file, data := range first {
					assertGolden(t, name+"/"+file, data)
				}
				second, err := renderToDir(t, input, vendor)
				if err != nil {
					t.Fatalf("second render: %v", err)
				}
				for file, data := range first {
					if !bytes.Equal(data, second[file]) {
						t.Errorf("%s: second render differs from the first: output is not deterministic", file)
					}
				}
			})
		}
	}
}

// renderToDir runs `render -i input -v vendor -o tmp` and returns the
// files written, by name, or run's error.
func renderToDir(t *testing.T, input, vendor string) (map[string][]byte, error) {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"render", "-i", input, "-v", vendor, "-o", dir, "--rollback"}
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, caseName(input)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, caseName(input), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	if len(out) == 0 {
		t.Fatalf("vendor %s wrote no file", vendor)
	}
	return out, nil
}

func noEnv(string) string { return "" }
