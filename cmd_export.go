package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/spf13/pflag"
	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/internal/progress"
	"github.com/vpnexport/vpnexport/render"
)

const exportUsage = `Fetch IPsec-VPN connections from Alibaba Cloud and render device configs.

Usage:
  vpnexport export --connection vco-… [--connection …] [-v VENDOR]... [-o DIR] [flags]
  vpnexport export --all [--vpn-gateway vpn-…] -o DIR [flags]

For each connection export calls DownloadVpnConnectionConfig and
DescribeVpnConnection (name, tunnel roles, DPD/NAT-T, BGP), checks that both
agree on which side is Alibaba's, and renders every requested vendor. With
one connection and no --out the configuration goes to stdout; otherwise
each connection goes to DIR/<connection-id>/ and DIR/manifest.json lists
every connection with its files (sha256), status, error and each vendor's
outcome; connections an earlier run into DIR exported and this run did
not cover stay in it, marked stale. A vendor that refuses a connection
does not stop the others (with -v all, one that cannot express it is
skipped). Exit status 1 when any connection failed or a vendor asked for
by name refused one, 130 when interrupted.

Credentials: the Alibaba Cloud default chain: ALIBABA_CLOUD_ACCESS_KEY_ID
and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN), an
aliyun CLI profile (~/.aliyun/config.json or ALIBABA_CLOUD_CONFIG_FILE;
--profile or ALIBABA_CLOUD_PROFILE), ~/.alibabacloud/credentials, the ECS
instance role. Region: --region, else ALIBABA_CLOUD_REGION_ID, else the
profile's region_id. Required RAM permissions: vpc:DownloadVpnConnectionConfig,
vpc:DescribeVpnConnection (and vpc:DescribeVpnConnections for --all);
vpc:DescribeCustomerGateway reads the BGP passwords of dual-tunnel
connections (without it they are reported missing).

Examples:
  vpnexport export --region cn-shanghai --connection vco-bp1xxxx -v strongswan
  vpnexport export --all --region cn-shanghai -v all -o configs/
  vpnexport export --all --vpn-gateway vpn-bp1yyyy -o configs/ --save-response
`

var (
	connectionIDPattern = regexp.MustCompile(`^vco-[A-Za-z0-9]{1,64}$`)
	gatewayIDPattern    = regexp.MustCompile(`^vpn-[A-Za-z0-9]{1,64}$`)
)

// exportOptions are export's own flags.
type exportOptions struct {
	out         outputOptions
	region      string
	ids         []string
	all         bool
	gateway     string
	concurrency int
	endpoint    string
	profile     string
	save        bool
}

func (o *exportOptions) validate() error {
	if o.all == (len(o.ids) > 0) {
		return usagef("export: give --connection vco-… (one or more) or --all")
	}
	seen := map[string]bool{}
	var ids []string
	for _, id := range o.ids {
		id = strings.TrimSpace(id)
		if !connectionIDPattern.MatchString(id) {
			return usagef("--connection %q: not a connection ID (want vco- followed by letters and digits)", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	o.ids = ids
	if o.gateway != "" {
		if !o.all {
			return usagef("--vpn-gateway filters --all; with --connection name the connections directly")
		}
		if !gatewayIDPattern.MatchString(o.gateway) {
			return usagef("--vpn-gateway %q: not a VPN gateway ID (want vpn- followed by letters and digits)", o.gateway)
		}
	}
	if o.concurrency < 1 || o.concurrency > 64 {
		return usagef("--concurrency %d: want 1-64", o.concurrency)
	}
	if o.out.outDir == "" && (o.all || len(o.ids) > 1) {
		return usagef("export: several connections need --out DIR (one folder per connection and a manifest.json)")
	}
	if o.save && o.out.outDir == "" {
		return usagef("--save-response needs --out DIR")
	}
	if o.out.diffAgainst != "" && (o.all || len(o.ids) > 1) {
		return usagef("--diff-against compares one connection's output with one file; with several connections use --diff --out DIR")
	}
	if o.save && (o.out.diff || o.out.diffAgainst != "") {
		return usagef("--save-response writes files; --diff writes nothing")
	}
	if o.save && o.out.redact {
		// The raw responses carry the PSKs in clear text; redacting them
		// would make them useless for re-rendering.
		return usagef("--save-response writes the API responses with their pre-shared keys; it cannot be combined with --redact")
	}
	return nil
}

func exportFlags(stdout io.Writer) (*pflag.FlagSet, *exportOptions) {
	fs := newFlagSet("export", exportUsage, stdout)
	o := &exportOptions{}
	o.register(fs)
	return fs, o
}

func (c *cli) export(ctx context.Context, args []string) error {
	fs, o := exportFlags(c.stdout)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	c.quiet = o.out.quiet
	if fs.NArg() > 0 {
		return usagef("export: unexpected argument %q (connection IDs go after --connection)", fs.Arg(0))
	}
	if err := o.validate(); err != nil {
		return err
	}
	p, err := o.out.plan()
	if err != nil {
		return err
	}

	var retries retryCounter
	ex, region, err := c.newExporter(o, p, &retries)
	if err != nil {
		return err
	}
	jobs, err := c.exportJobs(ctx, ex, o, region)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var prev export.Manifest
	if o.out.outDir != "" {
		// Numbers that must be distinct per connection (tunnel interfaces,
		// priorities) stay where an earlier run into this folder put them.
		prev, _, err = export.LoadManifest(o.out.outDir)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		export.AssignOffsets(jobs, prev)
	}
	switch {
	case o.out.outDir == "":
		return c.exportOne(ctx, ex, o, p, jobs[0])
	case o.out.comparing():
		return c.exportDiff(ctx, ex, o, jobs)
	}
	return c.exportBatch(ctx, ex, o, jobs, prev, &retries)
}

// exportOne is one connection to stdout: no folder, no manifest, plain
// errors. Vendors that refused it are named after the others' files.
func (c *cli) exportOne(ctx context.Context, ex *export.Exporter, o *exportOptions, p *render.Plan, job export.Job) error {
	conv := ex.Convert(ctx, job)
	if !conv.Status.Delivered() {
		if ctx.Err() != nil {
			return errors.New("export: interrupted")
		}
		return conv.Err
	}
	c.warnings("", conv.Warnings)
	err := c.deliver(&o.out, p, conv.Conn, conv.Files, conv.Name)
	if conv.Status == export.StatusPartial && (err == nil || errors.Is(err, errChanged)) {
		var refused *render.RefusedError
		if errors.As(conv.Err, &refused) {
			return fmt.Errorf("export %s: %s", conv.ID, refusedText(refused, len(p.Vendors()), &o.out))
		}
		return conv.Err
	}
	return err
}

// exportBatch exports every job into the output folder and merges the
// manifest with the one an earlier run left there.
func (c *cli) exportBatch(ctx context.Context, ex *export.Exporter, o *exportOptions, jobs []export.Job, prev export.Manifest, retries *retryCounter) error {
	prog := progress.New(c.stderr, len(jobs), !c.quiet)
	m, err := ex.Run(ctx, jobs, export.Batch{Dir: o.out.outDir, SaveResponses: o.save, Previous: prev, Done: func(en export.ManifestEntry) {
		prog.Done(en.Status != export.StatusOK, func() {
			if !c.quiet {
				for _, w := range en.Warnings {
					fmt.Fprintf(c.stderr, "vpnexport: warning: %s: %s\n", en.ID, w)
				}
			}
		})
	}})
	prog.Finish()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	c.exportSummary(m, o.out.outDir, retries.all.Load(), retries.throttled.Load())
	if m.Failed > 0 || m.Cancelled > 0 || m.Partial > 0 {
		return &errSilent{code: exitError}
	}
	return nil
}

func (o *exportOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.region, "region", "", "region ID, e.g. cn-shanghai (default: ALIBABA_CLOUD_REGION_ID, then the profile's region_id)")
	fs.StringSliceVarP(&o.ids, "connection", "c", nil, "IPsec connection ID (vco-…), repeatable or comma-separated")
	fs.BoolVar(&o.all, "all", false, "export every IPsec connection in the region")
	fs.StringVar(&o.gateway, "vpn-gateway", "", "with --all: only the connections of this VPN gateway (vpn-…)")
	o.out.register(fs)
	// Batches are laid out by connection ID: names are not unique.
	fs.Lookup("out").Usage = "write DIR/<connection-id>/<file> (mode 0600, atomically) and DIR/manifest.json instead of printing"
	fs.IntVar(&o.concurrency, "concurrency", 8, "connections fetched at the same time (1-64)")
	fs.StringVar(&o.endpoint, "endpoint", "", "API endpoint (default vpc.<region>.aliyuncs.com; e.g. vpc-vpc.<region>.aliyuncs.com inside a VPC)")
	fs.StringVar(&o.profile, "profile", "", "aliyun CLI profile to take credentials (and region) from (default: ALIBABA_CLOUD_PROFILE, then the current profile)")
	fs.BoolVar(&o.save, "save-response", false, "also write the raw API responses (mode 0600) next to the configs, for 'vpnexport render -i'")
}

// retryCounter counts the API retries of a run, for the summary.
type retryCounter struct{ all, throttled atomic.Int64 }

// newExporter resolves region and credentials and builds the API client
// and the exporter around it.
func (c *cli) newExporter(o *exportOptions, p *render.Plan, retries *retryCounter) (*export.Exporter, string, error) {
	region, _, err := api.ResolveRegion(o.region, o.profile, c.getenv)
	if err != nil {
		return nil, "", usagef("export: %v", err)
	}
	creds, err := api.ResolveCredentials(api.CredentialOptions{Profile: o.profile, Getenv: c.getenv})
	if err != nil {
		return nil, "", fmt.Errorf("export: %w", err)
	}
	client, err := api.NewClient(api.ClientConfig{Region: region, Endpoint: o.endpoint, Credential: creds.Credential, MaxConns: o.concurrency})
	if err != nil {
		return nil, "", usagef("export: %v", err)
	}
	policy := c.retry
	policy.OnRetry = func(_ string, _ int, err error) {
		retries.all.Add(1)
		if api.Throttled(err) {
			retries.throttled.Add(1)
		}
	}
	return export.New(export.Config{
		Source:      api.Retrying(client, policy),
		Plan:        p,
		Region:      region,
		Explain:     api.ExplainContext{Region: region, CredentialSource: creds.Source, Endpoint: client.Endpoint()},
		Redactor:    creds.Redactor(),
		Concurrency: o.concurrency,
	}), region, nil
}

// exportJobs lists the connections to export: the --connection IDs, or
// every connection of the region (or gateway) for --all.
func (c *cli) exportJobs(ctx context.Context, ex *export.Exporter, o *exportOptions, region string) ([]export.Job, error) {
	if !o.all {
		jobs := make([]export.Job, len(o.ids))
		for i, id := range o.ids {
			jobs[i] = export.Job{ID: id}
		}
		return jobs, nil
	}
	jobs, err := ex.List(ctx, o.gateway)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		where := "region " + region
		if o.gateway != "" {
			where = "VPN gateway " + o.gateway + " in " + where
		}
		fmt.Fprintf(c.stderr, "vpnexport: no IPsec connections in %s\n", where)
	}
	return jobs, nil
}

// exportDiff is export --diff --out DIR: every connection is fetched and
// rendered as usual, then compared with DIR/<connection-id>/ with secrets
// masked (export.Compare). Nothing is written, not even the manifest.
// Exit: 1 if a connection failed or a vendor refused one, else 3 if
// anything would change, else 0.
func (c *cli) exportDiff(ctx context.Context, ex *export.Exporter, o *exportOptions, jobs []export.Job) error {
	var changed, unchanged, failed int
	for _, r := range ex.Compare(ctx, jobs, o.out.outDir) {
		if r.Status != export.StatusOK {
			failed++
			fmt.Fprintln(c.stderr, "vpnexport: "+indentLines(r.Err.Error()))
			if r.Status != export.StatusPartial {
				continue
			}
		}
		c.warnings(r.ID, r.Warnings)
		c.notes(r.Result.Notes)
		switch {
		case r.Result.Changed:
			changed++
		case r.Status == export.StatusOK:
			unchanged++
		}
		if _, err := io.WriteString(c.stdout, r.Result.Diff); err != nil {
			return err
		}
	}
	c.notes([]string{fmt.Sprintf("compared %d connection(s) with %s: %d would change, %d unchanged, %d failed; nothing written", len(jobs), o.out.outDir, changed, unchanged, failed)})
	switch {
	case failed > 0:
		return &errSilent{code: exitError}
	case changed > 0:
		return errChanged
	}
	return nil
}

// exportSummary prints a batch's outcome on stderr: counts, then each
// failure and each vendor's refusal. With -q a batch without problems
// prints nothing.
func (c *cli) exportSummary(m export.Manifest, dir string, retries, throttled int64) {
	w := c.stderr
	manifest := filepath.Join(dir, export.ManifestName)
	var more string
	if m.Partial > 0 {
		more += fmt.Sprintf(", %d partly (some vendors refused)", m.Partial)
	}
	if m.Stale > 0 {
		more += fmt.Sprintf("; %d stale from earlier runs kept in the manifest", m.Stale)
	}
	switch {
	case m.Cancelled > 0:
		fmt.Fprintf(w, "vpnexport: interrupted: %d of %d connections exported%s, %d failed, %d cancelled; see %s\n", m.OK, m.Total, more, m.Failed, m.Cancelled, manifest)
	case m.Failed > 0 || m.Partial > 0:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported%s, %d failed; see %s\n", m.OK, m.Total, more, m.Failed, manifest)
	case !c.quiet:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported to %s (%s)%s\n", m.OK, m.Total, dir, manifest, more)
	}
	if retries > 0 && !c.quiet {
		fmt.Fprintf(w, "vpnexport: retries: %d (%d after throttling)\n", retries, throttled)
	}
	for _, en := range m.Connections {
		if en.Status == export.StatusFailed || en.Status == export.StatusPartial {
			fmt.Fprintf(w, "  %s\n", indentLines(en.Error))
		}
	}
}
