package render

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Overlay returns a file system in which files of top replace the files of
// base with the same path and add new ones, and directories list the
// union of both. It lets a user's template folder (--templates DIR) change
// one vendor's template, or add partials, while every other template
// still comes from the built-in set. Render parses it exactly like the
// built-in set: same view, same functions, missingkey=error.
func Overlay(top, base fs.FS) fs.FS { return overlayFS{top: top, base: base} }

type overlayFS struct{ top, base fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	topSt, topErr := fs.Stat(o.top, name)
	if topErr == nil && !topSt.IsDir() {
		return o.top.Open(name)
	}
	baseSt, baseErr := fs.Stat(o.base, name)
	switch {
	case baseErr == nil && !baseSt.IsDir():
		return o.base.Open(name)
	case topErr != nil && baseErr != nil:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	// A directory in one or both: list the union.
	entries, err := o.ReadDir(name)
	if err != nil {
		return nil, err
	}
	st := baseSt
	if baseErr != nil {
		st = topSt
	}
	return &overlayDir{info: st, entries: entries}, nil
}

// overlayDir is an opened directory of the overlay, listing both layers.
type overlayDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *overlayDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *overlayDir) Close() error               { return nil }
func (d *overlayDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

func (d *overlayDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}

// ReadDir merges both listings, top winning, sorted by name as fs.ReadDir
// promises; fs.Glob (and so template.ParseFS) relies on it.
func (o overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	top, errTop := fs.ReadDir(o.top, name)
	base, errBase := fs.ReadDir(o.base, name)
	if errTop != nil && errBase != nil {
		return nil, errBase
	}
	byName := map[string]fs.DirEntry{}
	for _, e := range base {
		byName[e.Name()] = e
	}
	for _, e := range top {
		byName[e.Name()] = e
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// CheckTemplateDir validates a user template folder before it is used:
// each top-level folder must be a vendor's name and hold only *.tmpl
// files, so that a typo ("strongswan/swanctl.tmpl", "cisco/") is an
// error instead of a silently ignored file.
func CheckTemplateDir(top fs.FS) error {
	entries, err := fs.ReadDir(top, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if !e.IsDir() {
			return fmt.Errorf("%s: want one folder per vendor (%s), not a file", e.Name(), strings.Join(Names(), ", "))
		}
		v, ok := Lookup(e.Name())
		if !ok {
			return fmt.Errorf("%s/: no vendor of that name (want %s)", e.Name(), strings.Join(Names(), ", "))
		}
		files, err := fs.ReadDir(top, e.Name())
		if err != nil {
			return err
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				continue
			}
			if f.IsDir() || path.Ext(f.Name()) != ".tmpl" {
				return fmt.Errorf("%s/%s: only *.tmpl files are read (the main template is %s.tmpl, partials start with _)", e.Name(), f.Name(), v.File)
			}
		}
	}
	return nil
}
