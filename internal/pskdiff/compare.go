package pskdiff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

// Result is one comparison: the unified diff with secrets masked, whether
// anything would change, and notes for the user (a file's loose mode, a
// file no vendor writes) that are not part of the diff.
type Result struct {
	Diff    string
	Changed bool
	Notes   []string
}

// MaxFileSize bounds a file read back for comparison: generated configs
// are a few kilobytes.
const MaxFileSize = 4 << 20

// CompareDir compares one connection's rendered files with the files in
// dir, labelled label/<file> in the diff. With all set (every vendor was
// asked for), a regular file in dir that no vendor writes shows as
// removed: the folder should hold exactly what was rendered. The file of
// a planned vendor that refused this connection (it is not in files) is
// not such a file: it stays, with a note. It writes nothing.
func CompareDir(p *render.Plan, c vpn.Connection, files []render.File, dir, label string, all bool) (Result, error) {
	masker := Learn(p, c)
	var r Result
	var out strings.Builder
	written := map[string]bool{}
	for _, f := range files {
		written[f.Name] = true
		path := filepath.Join(dir, f.Name)
		old, exists, err := ReadFile(path)
		if err != nil {
			return Result{}, err
		}
		name := label + "/" + f.Name
		text, crlf := lfOnly(old)
		switch {
		case !exists:
			r.Changed = true
			out.WriteString(Unified("/dev/null", "b/"+name, "", masker.Mask(f.Name, string(f.Data))))
		case binaryAt(old) >= 0:
			r.Changed = true
			fmt.Fprintf(&out, "Binary file a/%s differs from b/%s (not shown)\n", name, name)
		case bytes.Equal(old, f.Data):
		case bytes.Equal(text, f.Data):
			r.Changed = true
			r.Notes = append(r.Notes, fmt.Sprintf("note: %s has CRLF line endings; otherwise it is what would be written, with LF endings", path))
		default:
			r.Changed = true
			if crlf {
				r.Notes = append(r.Notes, fmt.Sprintf("note: %s has CRLF line endings; compared as LF", path))
			}
			a, b := masker.MaskPair(f.Name, string(text), string(f.Data))
			out.WriteString(Unified("a/"+name, "b/"+name, a, b))
		}
		if exists {
			if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
				r.Notes = append(r.Notes, fmt.Sprintf("warning: %s has mode %04o; writing it would make it 0600", path, st.Mode().Perm()))
			}
		}
	}
	if all {
		// Anything else in the folder is left over from an older run or
		// another vendor set. Nothing deletes it; the diff shows it as
		// removed so the reviewer sees the folder's real state.
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Result{}, err
		}
		refused := refusedFiles(p, files)
		for _, e := range entries {
			if written[e.Name()] || !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if strings.HasSuffix(e.Name(), ".json") {
				// API responses saved by 'export --save-response' (and the
				// export context): data, not configuration, holding keys
				// in the API's own spelling, possibly older ones the masker
				// cannot know. No vendor writes JSON; leave them out.
				continue
			}
			if v, ok := refused[e.Name()]; ok {
				r.Notes = append(r.Notes, fmt.Sprintf("note: %s is left as it is: %s refused this connection", filepath.Join(dir, e.Name()), v))
				continue
			}
			old, _, err := ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return Result{}, err
			}
			r.Changed = true
			if binaryAt(old) >= 0 {
				fmt.Fprintf(&out, "Binary file a/%s/%s is not written by any vendor (not shown)\n", label, e.Name())
			} else {
				text, _ := lfOnly(old)
				out.WriteString(Unified("a/"+label+"/"+e.Name(), "/dev/null", masker.Mask(e.Name(), string(text)), ""))
			}
			r.Notes = append(r.Notes, fmt.Sprintf("note: %s is not written by any vendor; render leaves it in place", filepath.Join(dir, e.Name())))
		}
	}
	r.Diff = out.String()
	return r, nil
}

// refusedFiles maps the file names of the planned vendors that rendered
// none of files (they refused the connection) to the vendor's name.
func refusedFiles(p *render.Plan, files []render.File) map[string]string {
	rendered := map[string]bool{}
	for _, f := range files {
		rendered[f.Vendor] = true
	}
	out := map[string]string{}
	for _, v := range p.Vendors() {
		if rendered[v.Name] {
			continue
		}
		for _, name := range append([]string{v.File, v.Rollback}, v.Extra...) {
			if name != "" {
				out[name] = v.Name
			}
		}
	}
	return out
}

// CompareFile compares one rendered file with the file at path, labelled
// label in the diff. The file must exist and be text. It is usually a
// copy taken from the device, so CRLF line endings are read as LF (and
// a note says so): only the configuration is compared.
func CompareFile(p *render.Plan, c vpn.Connection, f render.File, path, label string) (Result, error) {
	old, exists, err := ReadFile(path)
	if err != nil {
		return Result{}, err
	}
	if !exists {
		return Result{}, fmt.Errorf("--diff-against %s: no such file", path)
	}
	if at := binaryAt(old); at >= 0 {
		return Result{}, fmt.Errorf("--diff-against %s: a binary file (NUL byte at offset %d), not a configuration", path, at)
	}
	var r Result
	old, crlf := lfOnly(old)
	if crlf {
		r.Notes = append(r.Notes, fmt.Sprintf("note: %s has CRLF line endings; compared as LF", path))
	}
	if bytes.Equal(old, f.Data) {
		return r, nil
	}
	a, b := Learn(p, c).MaskPair(f.Name, string(old), string(f.Data))
	r.Changed, r.Diff = true, Unified("a/"+strings.TrimLeft(filepath.ToSlash(filepath.Clean(path)), "/"), "b/"+label, a, b)
	return r, nil
}

// lfOnly returns data with CRLF line endings turned into LF, and whether
// there were any. Rendered files always end lines with LF.
func lfOnly(data []byte) ([]byte, bool) {
	if !bytes.Contains(data, []byte("\r\n")) {
		return data, false
	}
	return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), true
}

// binaryAt returns the offset of the first NUL byte, or -1: text files,
// configurations included, have none (git decides the same way), and a
// diff must not write binary data to a terminal.
func binaryAt(data []byte) int {
	return bytes.IndexByte(data, 0)
}

// ReadFile reads a file to compare with; a missing file is not an error
// (the diff shows a new file).
func ReadFile(path string) (data []byte, exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if st.IsDir() {
		return nil, false, fmt.Errorf("%s: is a directory, want a file to compare with", path)
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, false, fmt.Errorf("%s: larger than %d bytes, not a generated config", path, MaxFileSize)
	}
	return data, true, nil
}
