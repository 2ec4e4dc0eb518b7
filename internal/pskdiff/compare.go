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
// rendered), a regular file in dir that no vendor wrote shows as removed:
// the folder should hold exactly what was rendered. It writes nothing.
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
		switch {
		case !exists:
			r.Changed = true
			out.WriteString(Unified("/dev/null", "b/"+name, "", masker.Mask(f.Name, string(f.Data))))
		case !bytes.Equal(old, f.Data):
			r.Changed = true
			a, b := masker.MaskPair(f.Name, string(old), string(f.Data))
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
		for _, e := range entries {
			if written[e.Name()] || !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			old, _, err := ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return Result{}, err
			}
			r.Changed = true
			out.WriteString(Unified("a/"+label+"/"+e.Name(), "/dev/null", masker.Mask(e.Name(), string(old)), ""))
			r.Notes = append(r.Notes, fmt.Sprintf("note: %s is not written by any vendor; render leaves it in place", filepath.Join(dir, e.Name())))
		}
	}
	r.Diff = out.String()
	return r, nil
}

// CompareFile compares one rendered file with the file at path, labelled
// label in the diff. The file must exist.
func CompareFile(p *render.Plan, c vpn.Connection, f render.File, path, label string) (Result, error) {
	old, exists, err := ReadFile(path)
	if err != nil {
		return Result{}, err
	}
	if !exists {
		return Result{}, fmt.Errorf("--diff-against %s: no such file", path)
	}
	if bytes.Equal(old, f.Data) {
		return Result{}, nil
	}
	a, b := Learn(p, c).MaskPair(f.Name, string(old), string(f.Data))
	return Result{Changed: true, Diff: Unified("a/"+strings.TrimLeft(filepath.ToSlash(filepath.Clean(path)), "/"), "b/"+label, a, b)}, nil
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
