package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
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
every connection with its files (sha256), status and error. Exit status 1
when any connection failed.

Credentials: the Alibaba Cloud default chain: ALIBABA_CLOUD_ACCESS_KEY_ID
and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN), an
aliyun CLI profile (~/.aliyun/config.json or ALIBABA_CLOUD_CONFIG_FILE;
--profile or ALIBABA_CLOUD_PROFILE), ~/.alibabacloud/credentials, the ECS
instance role. Region: --region, else ALIBABA_CLOUD_REGION_ID, else the
profile's region_id. Required RAM permissions: vpc:DownloadVpnConnectionConfig,
vpc:DescribeVpnConnection (and vpc:DescribeVpnConnections for --all).

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

// exportRetry is the retry policy; tests shorten it.
var exportRetry = api.DefaultRetryPolicy

func runExport(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportUsage, stdout)
	var o exportOptions
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
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
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

	region, _, err := api.ResolveRegion(o.region, o.profile, getenv)
	if err != nil {
		return usagef("export: %v", err)
	}
	creds, err := api.ResolveCredentials(api.CredentialOptions{Profile: o.profile, Getenv: getenv})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	client, err := api.NewClient(api.ClientConfig{Region: region, Endpoint: o.endpoint, Credential: creds.Credential, MaxConns: o.concurrency})
	if err != nil {
		return usagef("export: %v", err)
	}
	e := &exporter{
		plan:   p,
		opts:   o,
		region: region,
		creds:  creds,
		where:  client.Endpoint(),
		stderr: stderr,
	}
	policy := exportRetry
	policy.OnRetry = func(_ string, _ int, err error) {
		e.retries.Add(1)
		if api.Throttled(err) {
			e.throttled.Add(1)
		}
	}
	e.src = api.Retrying(client, policy)
	e.scrub.add(creds.Secrets()...)
	return e.run(ctx, stdout)
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

// exporter runs one export.
type exporter struct {
	plan   plan
	opts   exportOptions
	region string
	creds  *api.Credentials
	src    api.Source
	where  string
	stderr io.Writer
	scrub  scrubber

	// fatal is set by the first error that every other call would repeat
	// (bad signature, unknown AccessKey): the remaining connections are
	// not attempted.
	fatal atomic.Pointer[string]

	retries, throttled atomic.Int64
}

// job is one connection to export; listed is its DescribeVpnConnections
// entry under --all, which saves the DescribeVpnConnection call.
type job struct {
	id     string
	listed *api.Description
}

// Manifest is DIR/manifest.json.
type Manifest struct {
	Region      string          `json:"region"`
	Vendors     []string        `json:"vendors"`
	Total       int             `json:"total"`
	OK          int             `json:"ok"`
	Failed      int             `json:"failed"`
	Cancelled   int             `json:"cancelled,omitempty"`
	Connections []ManifestEntry `json:"connections"`
}

// ManifestEntry is one connection's outcome.
type ManifestEntry struct {
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	Region   string         `json:"region"`
	Vendors  []string       `json:"vendors"`
	Files    []ManifestFile `json:"files"`
	Status   string         `json:"status"` // ok, failed, cancelled
	Error    string         `json:"error,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
}

// ManifestFile is one written file, its path relative to DIR.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

const (
	statusOK        = "ok"
	statusFailed    = "failed"
	statusCancelled = "cancelled"
)

func (e *exporter) run(ctx context.Context, stdout io.Writer) error {
	var jobs []job
	if e.opts.all {
		listed, err := api.ListAll(ctx, e.src, e.opts.gateway)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("export: interrupted while listing connections")
			}
			return errors.New(e.scrub.do("export: list connections: " + e.explain(err, "").Error()))
		}
		for i := range listed {
			jobs = append(jobs, job{id: listed[i].Connection.VpnConnectionID, listed: &listed[i]})
		}
		if len(jobs) == 0 {
			where := "region " + e.region
			if e.opts.gateway != "" {
				where = "VPN gateway " + e.opts.gateway + " in " + where
			}
			fmt.Fprintf(e.stderr, "vpnexport: no IPsec connections in %s\n", where)
		}
	} else {
		for _, id := range e.opts.ids {
			jobs = append(jobs, job{id: id})
		}
	}

	// One connection to stdout: no folder, no manifest, plain errors.
	if e.opts.out.outDir == "" {
		entry, files, conn := e.exportOne(ctx, jobs[0], false)
		if entry.Status != statusOK {
			if ctx.Err() != nil {
				return errors.New("export: interrupted")
			}
			return errors.New(entry.Error)
		}
		return e.plan.output(conn, files, entry.Name, stdout, e.stderr)
	}
	if e.plan.diff {
		return e.runDiff(ctx, jobs, stdout)
	}

	entries := make([]ManifestEntry, len(jobs))
	prog := newProgress(e.stderr, len(jobs))
	e.parallel(ctx, jobs, func(i int) {
		entries[i], _, _ = e.exportOne(ctx, jobs[i], true)
		prog.done(entries[i].Status != statusOK)
	}, func(i int, en ManifestEntry) { entries[i] = en })
	prog.finish()

	m := Manifest{Region: e.region, Vendors: e.vendorNames(), Total: len(entries), Connections: entries}
	for _, en := range entries {
		switch en.Status {
		case statusOK:
			m.OK++
		case statusCancelled:
			m.Cancelled++
		default:
			m.Failed++
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	manifest := filepath.Join(e.opts.out.outDir, "manifest.json")
	if err := writeFileAtomic(manifest, append(data, '\n')); err != nil {
		return fmt.Errorf("export: write manifest: %w", err)
	}
	e.summary(m, manifest)
	if m.Failed > 0 || m.Cancelled > 0 {
		return &errSilent{code: exitError}
	}
	return nil
}

// runDiff is export --diff --out DIR: every connection is fetched and
// rendered as usual, then compared with DIR/<connection-id>/ with keys
// masked. Nothing is written, not even the manifest. Diffs are printed in
// connection order once all are done, so parallel workers cannot
// interleave them. Exit: 1 if a connection failed, else 3 if anything
// would change, else 0.
func (e *exporter) runDiff(ctx context.Context, jobs []job, stdout io.Writer) error {
	type result struct {
		entry   ManifestEntry
		diff    bytes.Buffer
		changed bool
	}
	results := make([]result, len(jobs))
	e.parallel(ctx, jobs, func(i int) {
		r := &results[i]
		var files []render.File
		var conn vpn.Connection
		r.entry, files, conn = e.exportOne(ctx, jobs[i], false)
		if r.entry.Status != statusOK {
			return
		}
		changed, err := e.plan.diffOutput(conn, files, jobs[i].id, &r.diff, e.stderr)
		if err != nil {
			r.entry.Status, r.entry.Error = statusFailed, e.scrub.do(fmt.Sprintf("export %s: diff: %v", jobs[i].id, err))
			return
		}
		r.changed = changed
	}, func(i int, en ManifestEntry) { results[i].entry = en })

	var changed, failed int
	for i := range results {
		r := &results[i]
		if r.entry.Status != statusOK {
			failed++
			fmt.Fprintln(e.stderr, "vpnexport: "+indentLines(r.entry.Error))
			continue
		}
		if r.changed {
			changed++
		}
		if _, err := stdout.Write(r.diff.Bytes()); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "vpnexport: compared %d connection(s) with %s: %d would change, %d unchanged, %d failed; nothing written\n",
		len(jobs), e.opts.out.outDir, changed, len(jobs)-changed-failed, failed)
	switch {
	case failed > 0:
		return &errSilent{code: exitError}
	case changed > 0:
		return errChanged
	}
	return nil
}

// parallel runs do(i) for every job on --concurrency workers. Once ctx is
// cancelled, jobs not yet started are handed to notStarted with a
// cancelled entry instead.
func (e *exporter) parallel(ctx context.Context, jobs []job, do func(i int), notStarted func(i int, en ManifestEntry)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(e.opts.concurrency, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				do(i)
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case work <- i:
		case <-ctx.Done():
			for j := i; j < len(jobs); j++ {
				en := e.entry(jobs[j].id)
				en.Status, en.Error = statusCancelled, "not started: interrupted"
				notStarted(j, en)
			}
			break feed
		}
	}
	close(work)
	wg.Wait()
}

func (e *exporter) vendorNames() []string {
	names := make([]string, len(e.plan.vendors))
	for i, v := range e.plan.vendors {
		names[i] = v.Name
	}
	return names
}

func (e *exporter) entry(id string) ManifestEntry {
	return ManifestEntry{ID: id, Region: e.region, Vendors: e.vendorNames(), Files: []ManifestFile{}}
}

// summary prints the outcome on stderr: counts, then each failure.
func (e *exporter) summary(m Manifest, manifest string) {
	w := e.stderr
	switch {
	case m.Cancelled > 0:
		fmt.Fprintf(w, "vpnexport: interrupted: %d of %d connections exported, %d failed, %d cancelled; see %s\n", m.OK, m.Total, m.Failed, m.Cancelled, manifest)
	case m.Failed > 0:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported, %d failed; see %s\n", m.OK, m.Total, m.Failed, manifest)
	default:
		fmt.Fprintf(w, "vpnexport: %d of %d connections exported to %s (%s)\n", m.OK, m.Total, e.opts.out.outDir, manifest)
	}
	if n := e.retries.Load(); n > 0 {
		fmt.Fprintf(w, "vpnexport: retries: %d (%d after throttling)\n", n, e.throttled.Load())
	}
	for _, en := range m.Connections {
		if en.Status == statusFailed {
			fmt.Fprintf(w, "  %s\n", indentLines(en.Error))
		}
	}
}

// exportOne fetches, checks, renders and (in batch mode) writes one
// connection. It never returns an error: the outcome is in the entry, so
// one connection's failure cannot stop the others.
func (e *exporter) exportOne(ctx context.Context, j job, write bool) (ManifestEntry, []render.File, vpn.Connection) {
	en := e.entry(j.id)
	fail := func(err error) (ManifestEntry, []render.File, vpn.Connection) {
		en.Status = statusFailed
		if ctx.Err() != nil {
			en.Status = statusCancelled
		}
		en.Error = e.scrub.do(fmt.Sprintf("export %s: %v", j.id, err))
		return en, nil, vpn.Connection{}
	}
	if f := e.fatal.Load(); f != nil {
		return fail(fmt.Errorf("not attempted after an earlier error: %s", *f))
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	dl, err := e.src.DownloadVpnConnectionConfig(ctx, j.id)
	if err != nil {
		return fail(e.explain(err, j.id))
	}
	e.scrub.addConfig(dl.Config)
	desc := j.listed
	if desc == nil {
		desc, err = e.src.DescribeVpnConnection(ctx, j.id)
		if err != nil {
			return fail(e.explain(err, j.id))
		}
	}
	if desc.Connection.VpnConnectionID != j.id {
		return fail(fmt.Errorf("%s: answered for %q", api.ActionDescribe, desc.Connection.VpnConnectionID))
	}

	conn, warns, err := api.Normalize(dl.Config)
	if err != nil {
		return fail(fmt.Errorf("invalid connection:\n%w", err))
	}
	dwarns, err := api.ApplyDescription(&conn, dl.Config, desc.Connection, e.region)
	if err != nil {
		return fail(err)
	}
	en.Name = conn.Name
	input := append(api.SettledWarnings(conn, desc.Connection, warns), dwarns...)
	files, rwarns, err := e.plan.renderAll(conn, input)
	if err != nil {
		return fail(err)
	}
	all := input
	all = append(all, rwarns...)
	for _, w := range all {
		en.Warnings = append(en.Warnings, w.String())
	}
	if e.opts.out.outDir == "" {
		printWarnings(e.stderr, all)
	} else {
		for _, w := range all {
			fmt.Fprintf(e.stderr, "vpnexport: warning: %s: %s\n", j.id, w.String())
		}
	}
	if !write {
		en.Status = statusOK
		return en, files, conn
	}

	// Past this point the connection is written whole: a cancellation
	// that arrives now waits for a few local file writes, so no folder is
	// left with some vendors' files and not others.
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	dir := filepath.Join(e.opts.out.outDir, j.id)
	type out struct {
		name string
		data []byte
	}
	var outs []out
	for _, f := range files {
		outs = append(outs, out{f.Name, f.Data})
	}
	if e.opts.save {
		outs = append(outs, out{api.ActionDownload + ".json", dl.Raw})
		if len(desc.Raw) > 0 {
			outs = append(outs, out{api.ActionDescribe + ".json", desc.Raw})
		}
	}
	for i, o := range outs {
		if err := writeFileAtomic(filepath.Join(dir, o.name), o.data); err != nil {
			// All or nothing: a folder with some vendors' files would pass
			// for a complete export.
			for _, w := range outs[:i] {
				os.Remove(filepath.Join(dir, w.name))
			}
			en.Files = []ManifestFile{}
			return fail(err)
		}
		sum := sha256.Sum256(o.data)
		en.Files = append(en.Files, ManifestFile{Path: filepath.ToSlash(filepath.Join(j.id, o.name)), SHA256: hex.EncodeToString(sum[:])})
	}
	en.Status = statusOK
	return en, nil, conn
}

// explain turns an API error into one a user can act on. It keeps the
// action and Alibaba's code and message, and adds what to do: which RAM
// permission is missing, that the connection is not in this region, where
// the rejected credentials came from.
func (e *exporter) explain(err error, id string) error {
	var ce *api.CallError
	action := ""
	if errors.As(err, &ce) {
		action = ce.Action
	}
	code := api.ErrorCode(err)
	resource := fmt.Sprintf("acs:vpc:%s:*:vpnconnection/%s", e.region, id)
	if id == "" {
		resource = fmt.Sprintf("acs:vpc:%s:*:vpnconnection/*", e.region)
	}
	var ne *api.NetworkError
	switch {
	case code == "SignatureDoesNotMatch", code == "IncompleteSignature",
		strings.HasPrefix(code, "InvalidAccessKeyId"), strings.HasPrefix(code, "InvalidSecurityToken"),
		code == "IllegalTimestamp", code == "SignatureNonceUsed":
		msg := fmt.Sprintf("%v\n(the request was signed with credentials from %s; check that AccessKey ID and secret belong together and are active", err, e.creds.Source)
		if code == "IllegalTimestamp" {
			msg += ", and that this machine's clock is right"
		}
		e.setFatal(fmt.Sprintf("%s rejected the credentials from %s", code, e.creds.Source))
		return errors.New(msg + ")")
	case strings.HasPrefix(code, "Forbidden") || strings.HasPrefix(code, "Forbbiden") || code == "NoPermission":
		perm := "vpc:" + action
		var ae *api.APIError
		if errors.As(err, &ae) && ae.AuthAction != "" {
			perm = ae.AuthAction // what Alibaba says was denied
		} else if action == "" {
			perm = "vpc:DownloadVpnConnectionConfig and vpc:DescribeVpnConnection"
		}
		return fmt.Errorf("%w\n(the RAM identity from %s lacks %s on %s; grant it, e.g. with the AliyunVPCReadOnlyAccess policy)", err, e.creds.Source, perm, resource)
	case strings.HasSuffix(code, ".NotFound") && strings.Contains(code, "VpnConnection"):
		return fmt.Errorf("%w\n(connection %s is not in region %s; check the ID, or pass the region it is in with --region)", err, id, e.region)
	case strings.HasSuffix(code, ".NotFound") && strings.Contains(code, "VpnGateway"):
		return fmt.Errorf("%w\n(VPN gateway %s is not in region %s; check --vpn-gateway and --region)", err, e.opts.gateway, e.region)
	case api.Throttled(err):
		return fmt.Errorf("%w\n(the API kept throttling; lower --concurrency or try again later)", err)
	case errors.As(err, &ne):
		return fmt.Errorf("%w\n(cannot talk to %s; check the network, a proxy, or --endpoint)", err, e.where)
	}
	return err
}

func (e *exporter) setFatal(msg string) {
	e.fatal.CompareAndSwap(nil, &msg)
}

// scrubber removes secrets from messages: the AccessKey secret and STS
// token of the credentials in use and every PSK downloaded so far. Errors
// are built never to contain them; this is the second line of defence.
type scrubber struct {
	mu      sync.Mutex
	secrets []string
}

func (s *scrubber) add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, secrets...)
}

func (s *scrubber) addConfig(c *api.VpnConnectionConfig) {
	if c == nil {
		return
	}
	if c.IkeConfig != nil {
		s.add(c.IkeConfig.Psk)
	}
	if c.TunnelsConfig != nil {
		for _, t := range c.TunnelsConfig.TunnelConfig {
			if t.IkeConfig != nil {
				s.add(t.IkeConfig.Psk)
			}
		}
	}
}

func (s *scrubber) do(msg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return api.Scrub(msg, s.secrets)
}

// progress draws "12/100 done" on stderr when it is a terminal, and
// nothing otherwise (logs and tests get the summary only).
type progress struct {
	mu           sync.Mutex
	w            io.Writer
	on           bool
	total, n, nf int
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, on: isTerminal(w) && total > 1}
}

func (p *progress) done(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if failed {
		p.nf++
	}
	if !p.on {
		return
	}
	const width = 30
	filled := width * p.n / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.n, p.total)
	if p.nf > 0 {
		fmt.Fprintf(p.w, ", %d failed", p.nf)
	}
}

func (p *progress) finish() {
	if p.on && p.n > 0 {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports a character device (a terminal), without pulling in
// golang.org/x/term.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
