package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
  vpnexport export --connections-file FILE -o DIR [flags]
  vpnexport export --all [--vpn-gateway vpn-…] -o DIR [flags]

For each connection export calls DownloadVpnConnectionConfig and takes the
name, tunnel roles, DPD/NAT-T and BGP from DescribeVpnConnections (50
connections a request; DescribeVpnConnection for a single connection),
checks that both agree on which side is Alibaba's, and renders every
requested vendor. With one connection and no --out the configuration goes
to stdout; otherwise each connection goes to DIR/<connection-id>/
(DIR/<region>/<connection-id>/ with several regions) and DIR/manifest.json
lists every connection with its files (sha256), status, error and each
vendor's outcome; connections an earlier run into DIR exported and this
run did not cover stay in it, marked stale. A vendor that refuses a connection
does not stop the others (with -v all, one that cannot express it is
skipped). Exit status 1 when any connection failed or a vendor asked for
by name refused one, 130 when interrupted.

Regions: --region cn-shanghai, a list (--region cn-shanghai,cn-beijing), or
--region all (every region DescribeRegions lists). Each region has its own
rate limit: by default Alibaba's published quotas (DownloadVpnConnectionConfig
30 a minute, the Describe calls 600 a minute, per region); --rate N sends at
most N requests a second per region, all calls together, for an account
whose quotas were raised. Throttled answers slow the rate down; it recovers
gradually.

Credentials: the Alibaba Cloud default chain: ALIBABA_CLOUD_ACCESS_KEY_ID
and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN), an
aliyun CLI profile (~/.aliyun/config.json or ALIBABA_CLOUD_CONFIG_FILE;
--profile or ALIBABA_CLOUD_PROFILE), ~/.alibabacloud/credentials, the ECS
instance role. Region: --region, else ALIBABA_CLOUD_REGION_ID, else the
profile's region_id. Required RAM permissions: vpc:DownloadVpnConnectionConfig,
vpc:DescribeVpnConnections, and vpc:DescribeVpnConnection for a single
connection (or when the list call is refused); vpc:DescribeCustomerGateway
reads the BGP passwords of dual-tunnel connections (without it they are
reported missing).

Examples:
  vpnexport export --region cn-shanghai --connection vco-bp1xxxx -v strongswan
  vpnexport export --all --region cn-shanghai -v all -o configs/
  vpnexport export --all --vpn-gateway vpn-bp1yyyy -o configs/ --save-response
  vpnexport export --all --region all -v all -o configs/
  vpnexport export --region cn-shanghai --connections-file ids.txt -o configs/
`

// exportOptions are export's own flags.
type exportOptions struct {
	out         outputOptions
	region      string
	ids         []string
	idsFile     string
	all         bool
	gateway     string
	concurrency int
	rate        string
	endpoint    string
	profile     string
	save        bool
}

// severalRegions reports --region all or a list.
func (o *exportOptions) severalRegions() bool {
	return o.region == "all" || strings.Contains(o.region, ",")
}

func (o *exportOptions) validate() error {
	if o.all == (len(o.ids) > 0 || o.idsFile != "") {
		return usagef("export: give --connection vco-… (one or more), --connections-file or --all")
	}
	seen := map[string]bool{}
	var ids []string
	for _, id := range o.ids {
		id = strings.TrimSpace(id)
		if !api.ValidConnectionID(id) {
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
		if !api.ValidGatewayID(o.gateway) {
			return usagef("--vpn-gateway %q: not a VPN gateway ID (want vpn- followed by letters and digits)", o.gateway)
		}
		if o.severalRegions() {
			return usagef("--vpn-gateway %s is in one region: give that --region", o.gateway)
		}
	}
	if o.concurrency < 1 || o.concurrency > 64 {
		return usagef("--concurrency %d: want 1-64", o.concurrency)
	}
	if _, _, err := parseRate(o.rate); err != nil {
		return err
	}
	if o.out.outDir == "" && (o.all || len(o.ids) > 1 || o.idsFile != "") {
		return usagef("export: several connections need --out DIR (one folder per connection and a manifest.json)")
	}
	if o.out.outDir == "" && o.severalRegions() {
		return usagef("export: --region %s needs --out DIR (one folder per region)", o.region)
	}
	if o.save && o.out.outDir == "" {
		return usagef("--save-response needs --out DIR")
	}
	if o.out.diffAgainst != "" && (o.all || len(o.ids) > 1 || o.idsFile != "") {
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

// parseRate reads --rate: "" (Alibaba's default quotas, per action),
// "off" (no limit), or requests per second for all actions together.
func parseRate(s string) (rate float64, off bool, err error) {
	switch strings.TrimSpace(s) {
	case "":
		return 0, false, nil
	case "off", "none":
		return 0, true, nil
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return 0, false, usagef("--rate %q: want requests per second (e.g. 20 or 0.5), or off", s)
	}
	return r, false, nil
}

// limiter builds one region's rate limiter from --rate.
func (c *cli) limiter(o *exportOptions) *api.Limiter {
	rate, off, _ := parseRate(o.rate)
	switch {
	case off:
		return nil
	case rate > 0:
		return api.NewLimiter(rate)
	case c.limits != nil:
		return c.limits()
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
	if o.idsFile != "" {
		if err := c.readIDsFile(o); err != nil {
			return err
		}
	}
	p, err := o.out.plan()
	if err != nil {
		return err
	}

	var retries retryCounter
	parts, err := c.newExporters(ctx, o, p, &retries)
	if err != nil {
		return err
	}
	// Numbers that must be distinct per connection (tunnel interfaces,
	// priorities) stay where an earlier run into the folder put them: the
	// feeds hand out offsets from export.LoadOffsets as they find the
	// connections.
	feed := export.SelectFeed(o.ids)
	if o.all {
		feed = export.AllFeed(o.gateway)
	}
	switch {
	case o.out.outDir == "":
		return c.exportOne(ctx, parts[0].ex, o, p, export.Job{ID: o.ids[0]})
	case o.out.comparing():
		return c.exportDiff(ctx, parts, o, feed)
	}
	return c.exportBatch(ctx, parts, o, feed, &retries)
}

// readIDsFile adds the IDs of --connections-file (- is stdin) to o.ids,
// without duplicates.
func (c *cli) readIDsFile(o *exportOptions) error {
	r, name := c.stdin, "-"
	if o.idsFile != "-" {
		f, err := os.Open(o.idsFile)
		if err != nil {
			return fmt.Errorf("--connections-file: %w", err)
		}
		defer f.Close()
		r, name = f, o.idsFile
	}
	ids, err := api.ReadConnectionIDs(r, "--connections-file "+name)
	if err != nil {
		return usagef("%v", err) // a malformed list is a mistake in what was asked for
	}
	seen := make(map[string]bool, len(o.ids)+len(ids))
	for _, id := range o.ids {
		seen[id] = true
	}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			o.ids = append(o.ids, id)
		}
	}
	if o.out.outDir == "" && len(o.ids) > 1 {
		return usagef("export: several connections need --out DIR (one folder per connection and a manifest.json)")
	}
	return nil
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

// exportBatch exports every connection the feed finds into the output
// folder, streamed (export.Stream), and merges the manifest with the one
// an earlier run left there.
func (c *cli) exportBatch(ctx context.Context, parts []regionPart, o *exportOptions, feed export.Feed, retries *retryCounter) error {
	prog := progress.New(c.stderr, 0, !c.quiet)
	sum, err := export.Stream(ctx, exporters(parts), feed, export.Batch{Dir: o.out.outDir, SaveResponses: o.save,
		Expect: prog.Expect,
		Note:   func(msg string) { prog.Print(func() { c.notes([]string{indentLines(msg)}) }) },
		Done: func(en export.ManifestEntry) {
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
	if sum.Manifest == "" {
		// The listing failed before any connection was found.
		return fmt.Errorf("export: %w", sum.ListErr)
	}
	var reqs api.ClientStats
	for _, pt := range parts {
		st := pt.client.Stats()
		reqs.Requests += st.Requests
		reqs.Throttled += st.Throttled
	}
	c.exportSummary(sum, o.out.outDir, retries.all.Load(), retries.throttled.Load(), reqs)
	if sum.Failed > 0 || sum.Cancelled > 0 || sum.Partial > 0 || sum.ListErr != nil {
		return &errSilent{code: exitError}
	}
	return nil
}

func (o *exportOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.region, "region", "", "region ID, e.g. cn-shanghai (default: ALIBABA_CLOUD_REGION_ID, then the profile's region_id)")
	fs.StringSliceVarP(&o.ids, "connection", "c", nil, "IPsec connection ID (vco-…), repeatable or comma-separated")
	fs.StringVar(&o.idsFile, "connections-file", "", "read connection IDs from `FILE` (one a line, # comments; - is stdin)")
	fs.BoolVar(&o.all, "all", false, "export every IPsec connection in the region(s)")
	fs.StringVar(&o.gateway, "vpn-gateway", "", "with --all: only the connections of this VPN gateway (vpn-…)")
	o.out.register(fs)
	// Batches are laid out by connection ID: names are not unique.
	fs.Lookup("out").Usage = "write DIR/<connection-id>/<file> (DIR/<region>/<connection-id>/<file> with several regions; mode 0600, atomically) and DIR/manifest.json instead of printing"
	fs.Lookup("region").Usage = "region ID (cn-shanghai), a comma-separated list, or all (default: ALIBABA_CLOUD_REGION_ID, then the profile's region_id)"
	fs.IntVar(&o.concurrency, "concurrency", 8, "connections fetched at the same time, per region (1-64)")
	fs.StringVar(&o.rate, "rate", "", "API requests per second per region, all calls together, or off (default: Alibaba's published quota of each call)")
	fs.StringVar(&o.endpoint, "endpoint", "", "API endpoint (default vpc.<region>.aliyuncs.com; e.g. vpc-vpc.<region>.aliyuncs.com inside a VPC)")
	fs.StringVar(&o.profile, "profile", "", "aliyun CLI profile to take credentials (and region) from (default: ALIBABA_CLOUD_PROFILE, then the current profile)")
	fs.BoolVar(&o.save, "save-response", false, "also write the raw API responses (mode 0600) next to the configs, for 'vpnexport render -i'")
}

// retryCounter counts the API retries of a run, for the summary.
type retryCounter struct{ all, throttled atomic.Int64 }

// regionPart is one region of an export: its client (for the request
// counts) and the exporter around it.
type regionPart struct {
	client *api.Client
	ex     *export.Exporter
}

func exporters(parts []regionPart) []*export.Exporter {
	out := make([]*export.Exporter, len(parts))
	for i, p := range parts {
		out[i] = p.ex
	}
	return out
}

// newExporters resolves regions and credentials and builds, per region,
// an API client with its own rate limiter and the exporter around it.
func (c *cli) newExporters(ctx context.Context, o *exportOptions, p *render.Plan, retries *retryCounter) ([]regionPart, error) {
	creds, err := api.ResolveCredentials(api.CredentialOptions{Profile: o.profile, Getenv: c.getenv})
	if o.region == "" || !o.severalRegions() {
		region, _, rerr := api.ResolveRegion(o.region, o.profile, c.getenv)
		if rerr != nil {
			return nil, usagef("export: %v", rerr)
		}
		o.region = region
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	policy := c.retry
	policy.OnRetry = func(_ string, _ int, err error) {
		retries.all.Add(1)
		if api.Throttled(err) {
			retries.throttled.Add(1)
		}
	}
	newPart := func(region string) (regionPart, error) {
		client, err := api.NewClient(api.ClientConfig{Region: region, Endpoint: o.endpoint, Credential: creds.Credential,
			MaxConns: o.concurrency, Limiter: c.limiter(o)})
		if err != nil {
			return regionPart{}, usagef("export: %v", err)
		}
		cfg := export.Config{
			Source:      api.Retrying(client, policy),
			Plan:        p,
			Region:      region,
			Explain:     api.ExplainContext{Region: region, CredentialSource: creds.Source, Endpoint: client.Endpoint()},
			Redactor:    creds.Redactor(),
			Concurrency: o.concurrency,
		}
		if o.severalRegions() {
			cfg.Subdir = region
		}
		return regionPart{client: client, ex: export.New(cfg)}, nil
	}
	regions, err := c.regions(ctx, o, creds, policy, newPart)
	if err != nil {
		return nil, err
	}
	var parts []regionPart
	for _, r := range regions {
		pt, err := newPart(r)
		if err != nil {
			return nil, err
		}
		parts = append(parts, pt)
	}
	return parts, nil
}

// regions resolves --region: one region, a list, or all (DescribeRegions,
// asked of the configured region, else cn-hangzhou: every region's
// endpoint answers it).
func (c *cli) regions(ctx context.Context, o *exportOptions, creds *api.Credentials, policy api.RetryPolicy, newPart func(string) (regionPart, error)) ([]string, error) {
	if o.region != "all" {
		out, err := api.ResolveRegions(o.region, o.profile, c.getenv)
		if err != nil {
			return nil, usagef("export: --region %s: %v", o.region, err)
		}
		return out, nil
	}
	home, _, err := api.ResolveRegion("", o.profile, c.getenv)
	if err != nil {
		home = "cn-hangzhou"
	}
	pt, err := newPart(home)
	if err != nil {
		return nil, err
	}
	out, err := api.AllRegions(ctx, api.Retrying(pt.client, policy).(api.RegionSource))
	if err != nil {
		x := api.ExplainContext{Region: home, CredentialSource: creds.Source, Endpoint: pt.client.Endpoint()}
		return nil, creds.Redactor().Error(fmt.Errorf("export: --region all: %w", api.Explain(err, x)))
	}
	return out, nil
}

// exportDiff is export --diff --out DIR: every connection is fetched and
// rendered as usual, then compared with DIR/<connection-id>/ with secrets
// masked (export.Compare). Nothing is written, not even the manifest.
// Exit: 1 if a connection failed or a vendor refused one, else 3 if
// anything would change, else 0.
func (c *cli) exportDiff(ctx context.Context, parts []regionPart, o *exportOptions, feed export.Feed) error {
	offsets, err := export.LoadOffsets(o.out.outDir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	exs := exporters(parts)
	all, listErr := export.Collect(ctx, exs, offsets, feed, func(msg string) { c.notes([]string{indentLines(msg)}) })
	if listErr != nil && len(all) == 0 {
		return fmt.Errorf("export: %w", listErr)
	}
	// Each region on its own pool (and rate limit); results in manifest
	// order, printed once all are done.
	results := make([]export.Compared, len(all))
	byPart := make([][]int, len(parts))
	for i, cj := range all {
		byPart[cj.Part] = append(byPart[cj.Part], i)
	}
	var wg sync.WaitGroup
	for pi, idx := range byPart {
		jobs := make([]export.Job, len(idx))
		for k, i := range idx {
			jobs[k] = all[i].Job
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k, r := range exs[pi].Compare(ctx, jobs, o.out.outDir) {
				results[idx[k]] = r
			}
		}()
	}
	wg.Wait()
	var changed, unchanged, failed int
	for _, r := range results {
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
	c.notes([]string{fmt.Sprintf("compared %d connection(s) with %s: %d would change, %d unchanged, %d failed; nothing written", len(results), o.out.outDir, changed, unchanged, failed)})
	if listErr != nil {
		fmt.Fprintln(c.stderr, "vpnexport: "+indentLines(listErr.Error()))
	}
	switch {
	case failed > 0 || listErr != nil:
		return &errSilent{code: exitError}
	case changed > 0:
		return errChanged
	}
	return nil
}

// exportSummary prints a batch's outcome on stderr: counts, then each
// failure and each vendor's refusal. With -q a batch without problems
// prints nothing.
func (c *cli) exportSummary(m export.Summary, dir string, retries, throttled int64, reqs api.ClientStats) {
	w := c.stderr
	manifest := filepath.Join(dir, export.ManifestName)
	var from, more string
	if len(m.Regions) > 1 {
		from = fmt.Sprintf(" from %d regions", len(m.Regions))
	}
	if m.Partial > 0 {
		more += fmt.Sprintf(", %d partly (some vendors refused)", m.Partial)
	}
	if m.Stale > 0 {
		more += fmt.Sprintf("; %d stale from earlier runs kept in the manifest", m.Stale)
	}
	switch {
	case m.Cancelled > 0:
		fmt.Fprintf(w, "vpnexport: interrupted: %d of %d connections exported%s%s, %d failed, %d cancelled; see %s\n", m.OK, m.Total, from, more, m.Failed, m.Cancelled, manifest)
	case m.Failed > 0 || m.Partial > 0:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported%s%s, %d failed; see %s\n", m.OK, m.Total, from, more, m.Failed, manifest)
	case !c.quiet:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported%s to %s (%s)%s\n", m.OK, m.Total, from, dir, manifest, more)
	}
	if retries > 0 && !c.quiet {
		fmt.Fprintf(w, "vpnexport: retries: %d (%d after throttling); %d API requests in all\n", retries, throttled, reqs.Requests)
	}
	if m.Redone > 0 && !c.quiet {
		fmt.Fprintf(w, "vpnexport: %d connection(s) exported again with their tag: a connection listed after them has the same name\n", m.Redone)
	}
	if m.ListErr != nil {
		fmt.Fprintf(w, "vpnexport: %s\n", indentLines(m.ListErr.Error()))
	}
	for _, en := range m.Failures {
		fmt.Fprintf(w, "  %s\n", indentLines(en.Error))
	}
	if m.MoreFailures > 0 {
		fmt.Fprintf(w, "  … and %d more failed connections: see %s\n", m.MoreFailures, manifest)
	}
}
