package main

import "github.com/vpnexport/vpnexport/render"

func vendorNames() []string { return render.Names() }
