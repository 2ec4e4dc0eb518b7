package render

import (
	"io/fs"

	"github.com/vpnexport/vpnexport/vpn"
)

// renderMain renders a vendor and returns its main file (the one the
// vendor's tests inspect).
func renderMain(fsys fs.FS, vendor string, c vpn.Connection, opts Options) (File, []vpn.Warning, error) {
	files, warns, err := Render(fsys, vendor, c, opts)
	if err != nil {
		return File{}, warns, err
	}
	return files[0], warns, nil
}
