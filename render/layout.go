package render

import (
	"path"
	"slices"

	"github.com/vpnexport/vpnexport/vpn"
)

// RenderLayout renders one vendor for a connection the way its files are
// laid out: when the connection's tunnels end on several on-prem devices
// (vpn.Connection.Devices: two customer gateways), a device vendor renders
// one set of files per device, each from that device's share of the
// connection (vpn.Connection.ForDevice) and named "<device key>/<file>";
// otherwise, and for aggregate vendors (the summary, which describes the
// whole connection), it is RenderVendor. Render, export and the --diff
// masker all go through it, so they agree on names and bytes.
func (p *Plan) RenderLayout(v Vendor, c vpn.Connection, opts Options) ([]File, []vpn.Warning, error) {
	devices := c.Devices()
	if len(devices) == 0 || v.aggregate {
		return p.RenderVendor(v, c, opts)
	}
	var files []File
	var warns []vpn.Warning
	input := opts.InputWarnings
	for _, d := range devices {
		part := c.ForDevice(d, devices)
		o := opts
		o.InputWarnings = forTunnels(input, part)
		fs, ws, err := p.RenderVendor(v, part, o)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fs {
			f.Name = path.Join(d.Key, f.Name)
			f.Device, f.DeviceLabel = d.Key, d.Label()
			files = append(files, f)
		}
		for _, w := range ws {
			if !slices.Contains(warns, w) {
				warns = append(warns, w)
			}
		}
	}
	return files, warns, nil
}

// forTunnels keeps the warnings about the connection and about the
// tunnels of part: another device's tunnel is not this file's business.
func forTunnels(warns []vpn.Warning, part vpn.Connection) []vpn.Warning {
	var out []vpn.Warning
	for _, w := range warns {
		other := false
		for _, d := range part.Part.Others {
			for _, i := range d.Tunnels {
				if w.Scope == (vpn.Tunnel{Index: i}).Label() {
					other = true
				}
			}
		}
		if !other {
			out = append(out, w)
		}
	}
	return out
}
