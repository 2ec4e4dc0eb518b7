package render_test

import (
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// renderFirst renders a vendor with the built-in templates and returns
// its main file (the one its reader parses).
func renderFirst(vendor string, c vpn.Connection, opts render.Options) (render.File, []vpn.Warning, error) {
	files, warns, err := render.Render(templates.FS, vendor, c, opts)
	if err != nil {
		return render.File{}, warns, err
	}
	return files[0], warns, nil
}
