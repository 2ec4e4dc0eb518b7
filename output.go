package main

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
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// emit prints the files on stdout, or writes them to DIR/name/ when an
// output directory is given.
func emit(files []render.File, outDir, name string, stdout, stderr io.Writer) error {
	if outDir == "" {
		for i, f := range files {
			if len(files) > 1 {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "==> %s/%s <==\n", name, f.Name)
			}
			if _, err := stdout.Write(f.Data); err != nil {
				return err
			}
		}
		return nil
	}
	dir := filepath.Join(outDir, name)
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := writeFileAtomic(path, f.Data); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote "+path)
	}
	return nil
}

// writeFileAtomic writes data to path with mode 0600 (the files hold
// pre-shared keys) through a temporary file in the same directory and a
// rename, so readers see the old file or the new one, never half of one.
// A file that existed with a looser mode is replaced, not chmod-ed in
// place, so its old mode cannot survive.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// templates returns the plan's template set; a plan built by hand
// (tests, other commands) gets the built-in one.
func (p plan) templates() fs.FS {
	if p.fsys == nil {
		return templates.FS
	}
	return p.fsys
}

// output delivers one connection's rendered files: written or printed by
// emit, or, with --diff, compared with what is there already. It returns
// errChanged when a diff found changes.
func (p plan) output(c vpn.Connection, files []render.File, name string, stdout, stderr io.Writer) error {
	if !p.diff {
		return emit(files, p.outDir, name, stdout, stderr)
	}
	changed, err := p.diffOutput(c, files, name, stdout, stderr)
	if err != nil {
		return err
	}
	if changed {
		return errChanged
	}
	return nil
}

// maxDiffInput bounds a file read back for --diff: generated configs are
// a few kilobytes.
const maxDiffInput = 4 << 20

// diffOutput prints a unified diff between the files already on disk
// (p.outDir/name/, or p.diffAgainst) and files, with every pre-shared
// key masked on both sides, and reports whether anything would change.
// It writes nothing. Batch callers (export) call it per connection and
// return errChanged once at the end if any call reported a change.
func (p plan) diffOutput(c vpn.Connection, files []render.File, name string, stdout, stderr io.Writer) (changed bool, err error) {
	masker := learnMasker(p.templates(), p.vendors, p.params, c)
	var out strings.Builder
	if p.diffAgainst != "" {
		if len(files) != 1 {
			return false, fmt.Errorf("--diff-against %s: %d files to compare, want 1", p.diffAgainst, len(files))
		}
		old, exists, err := readForDiff(p.diffAgainst)
		if err != nil {
			return false, err
		}
		if !exists {
			return false, fmt.Errorf("--diff-against %s: no such file", p.diffAgainst)
		}
		f := files[0]
		if !bytes.Equal(old, f.Data) {
			changed = true
			a, b := masker.maskPair(f.Name, string(old), string(f.Data))
			out.WriteString(unifiedDiff("a/"+strings.TrimLeft(filepath.ToSlash(filepath.Clean(p.diffAgainst)), "/"), "b/"+name+"/"+f.Name, a, b))
		}
		_, err = io.WriteString(stdout, out.String())
		return changed, err
	}

	dir := filepath.Join(p.outDir, name)
	written := map[string]bool{}
	for _, f := range files {
		written[f.Name] = true
		path := filepath.Join(dir, f.Name)
		old, exists, err := readForDiff(path)
		if err != nil {
			return false, err
		}
		label := name + "/" + f.Name
		switch {
		case !exists:
			changed = true
			out.WriteString(unifiedDiff("/dev/null", "b/"+label, "", masker.mask(f.Name, string(f.Data))))
		case !bytes.Equal(old, f.Data):
			changed = true
			a, b := masker.maskPair(f.Name, string(old), string(f.Data))
			out.WriteString(unifiedDiff("a/"+label, "b/"+label, a, b))
		}
		if exists {
			if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
				fmt.Fprintf(stderr, "vpnexport: warning: %s has mode %04o; writing it would make it 0600\n", path, st.Mode().Perm())
			}
		}
	}
	if p.all {
		// With every vendor selected, the folder should hold exactly the
		// files rendered: anything else in it is left over from an older
		// run or another vendor set. render does not delete it; the diff
		// shows it as removed so the reviewer sees the folder's real state.
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		for _, e := range entries {
			if written[e.Name()] || !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			old, _, err := readForDiff(filepath.Join(dir, e.Name()))
			if err != nil {
				return false, err
			}
			changed = true
			out.WriteString(unifiedDiff("a/"+name+"/"+e.Name(), "/dev/null", masker.mask(e.Name(), string(old)), ""))
			fmt.Fprintf(stderr, "vpnexport: note: %s is not written by any vendor; render leaves it in place\n", filepath.Join(dir, e.Name()))
		}
	}
	_, err = io.WriteString(stdout, out.String())
	return changed, err
}

// readForDiff reads a file to compare with; a missing file is not an
// error (the diff shows a new file).
func readForDiff(path string) (data []byte, exists bool, err error) {
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
	data, err = io.ReadAll(io.LimitReader(f, maxDiffInput+1))
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxDiffInput {
		return nil, false, fmt.Errorf("%s: larger than %d bytes, not a generated config", path, maxDiffInput)
	}
	return data, true, nil
}
