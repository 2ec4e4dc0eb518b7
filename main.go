// Command vpnexport turns Alibaba Cloud IPsec-VPN connection parameters
// (DownloadVpnConnectionConfig) into on-prem gateway configurations.
package main

import (
	"context"
	"os"

	"github.com/vpnexport/vpnexport/internal/interrupt"
)

func main() {
	// SIGINT or SIGTERM stops the run cleanly (no partial file); the exit
	// status is then 128 + the signal (interrupt.Wrap in cli.run).
	ctx, stop := interrupt.Context(context.Background())
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
