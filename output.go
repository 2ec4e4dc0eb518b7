package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vpnexport/vpnexport/render"
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
