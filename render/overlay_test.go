package render

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vpnexport/vpnexport/vpn"
)

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{
		"v/main.tmpl":  {Data: []byte("base main")},
		"v/_part.tmpl": {Data: []byte("base part")},
		"w/x.tmpl":     {Data: []byte("w")},
	}
	top := fstest.MapFS{
		"v/main.tmpl": {Data: []byte("top main")},
		"v/_new.tmpl": {Data: []byte("top new")},
	}
	o := Overlay(top, base)
	for name, want := range map[string]string{
		"v/main.tmpl": "top main", "v/_part.tmpl": "base part", "v/_new.tmpl": "top new", "w/x.tmpl": "w",
	} {
		got, err := fs.ReadFile(o, name)
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
	names, err := fs.Glob(o, "v/*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "v/_new.tmpl v/_part.tmpl v/main.tmpl" {
		t.Errorf("glob: %s", got)
	}
	if _, err := fs.ReadFile(o, "v/missing.tmpl"); err == nil {
		t.Error("missing file opened")
	}
	if err := fstest.TestFS(o, "v/main.tmpl", "v/_part.tmpl", "v/_new.tmpl", "w/x.tmpl"); err != nil {
		t.Error(err)
	}
}

func TestCheckTemplateDir(t *testing.T) {
	tests := map[string]struct {
		fs      fstest.MapFS
		wantErr string
	}{
		"ok":             {fstest.MapFS{"strongswan/swanctl.conf.tmpl": {Data: []byte("x")}, ".git/config": {Data: []byte("x")}}, ""},
		"unknown vendor": {fstest.MapFS{"cisco/ios.tmpl": {Data: []byte("x")}}, `cisco/: no vendor of that name`},
		"stray file":     {fstest.MapFS{"README.md": {Data: []byte("x")}}, "README.md: want one folder per vendor"},
		"not a template": {fstest.MapFS{"strongswan/swanctl.conf": {Data: []byte("x")}}, "only *.tmpl files are read (the main template is swanctl.conf.tmpl"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckTemplateDir(tc.fs)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDescribeView(t *testing.T) {
	type inner struct {
		Name string
		N    int
	}
	type view struct {
		fileNotes
		Title  string
		Items  []inner
		Opt    *inner
		Lines  []string
		hidden string
	}
	in := view{fileNotes: fileNotes{Checks: []string{"check me"}}, Title: "t", Items: []inner{{"a", 1}}, Lines: []string{"x"}, hidden: "h"}
	in.warn(vpn.Tunnel{Index: 1}, "careful")
	var buf bytes.Buffer
	if err := DescribeView(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{".Title", `e.g. "t"`, ".Items", "list of objects", "    .Name", `e.g. "a"`, "    .N", ".Opt", "or nil (guard with if)", ".Lines", "list of string",
		// promoted from the embedded fileNotes, as templates write them
		"\n.Checks ", `first "check me"`, "\n.Warnings ", `first "tunnel 1: careful"`, "\n.Header ", "\n.Verify "} {
		if !strings.Contains("\n"+out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"hidden", "fileNotes", "returned"} {
		if strings.Contains(out, not) {
			t.Errorf("unexported field %s listed:\n%s", not, out)
		}
	}
}
