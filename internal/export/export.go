// Package export is vpnexport's batch pipeline as a library: list the
// connections of a region, fetch each one (DownloadVpnConnectionConfig and
// DescribeVpnConnection), normalize, check and render it, write its files
// all or nothing, and record the outcome in a manifest. It never prints:
// progress and results reach the caller through return values and
// callbacks, and every message it returns is already free of secrets.
package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

// Job is one connection to export. Listed is its DescribeVpnConnections
// entry when the connection came from a list, which saves the
// DescribeVpnConnection call.
type Job struct {
	ID     string
	Listed *api.Description
	// Offset numbers the connection within the batch for the parameters
	// that must be distinct per connection (render.Param.Stride): tunnel
	// numbers, priorities, inside networks. See AssignOffsets.
	Offset int
	// SharedName is set when another connection of the run has the same
	// name: renderers then add the connection's tag to object names.
	SharedName bool
	// Seq is the job's place in the manifest: the order the IDs were
	// given, or the listing order (region by region).
	Seq uint64

	// nameKey hashes the listed name; tracked says it counts for
	// SharedName (the connection was listed).
	nameKey uint64
	tracked bool
	// fail, when set, is why the job fails without any API call (a
	// connection no region listed).
	fail string
}

// Config is what an Exporter works with.
type Config struct {
	// Source answers the API calls (retries included).
	Source api.Source
	// Plan says which vendors to render, and how.
	Plan *render.Plan
	// Region is the region the connections are in.
	Region string
	// Explain is the context for turning API errors into advice; its
	// ConnectionID is filled in per call.
	Explain api.ExplainContext
	// Redactor masks the credentials' secrets; each connection's errors
	// are masked with it plus that connection's own secrets.
	Redactor *vpn.Redactor
	// Concurrency is the number of connections worked on at once (>= 1).
	Concurrency int
	// Subdir is the folder under the output folder that this exporter's
	// connections go to: "" (DIR/<id>/), or the region when a run covers
	// several (DIR/<region>/<id>/).
	Subdir string
}

// Exporter runs one export. It is safe for concurrent use.
type Exporter struct {
	cfg Config
	// fatal is set by the first error that every later call would repeat
	// (credentials or clock refused): connections not yet started are
	// then not attempted. The exporters of one run (one per region) share
	// it: the credentials are the same.
	fatal *atomic.Pointer[string]
	// gateways caches customer gateways: connections share them.
	gateways *gatewayCache
}

// New returns an exporter.
func New(cfg Config) *Exporter {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.Redactor == nil {
		cfg.Redactor = vpn.NewRedactor()
	}
	return &Exporter{cfg: cfg, fatal: new(atomic.Pointer[string]), gateways: newGatewayCache()}
}

// Region is the exporter's region.
func (e *Exporter) Region() string { return e.cfg.Region }

// Concurrency is the number of connections the exporter works on at once.
func (e *Exporter) Concurrency() int { return e.cfg.Concurrency }

// stopOn records err when every later call would repeat it (credentials
// or clock refused); it reports whether it did.
func (e *Exporter) stopOn(err error) bool {
	if !api.Classify(err).Fatal() {
		return false
	}
	msg := fmt.Sprintf("%s rejected the credentials from %s", api.ErrorCode(err), e.cfg.Explain.CredentialSource)
	e.fatal.CompareAndSwap(nil, &msg)
	return true
}

// List returns one job per connection of the region, or of one VPN
// gateway when gatewayID is set, in API order.
func (e *Exporter) List(ctx context.Context, gatewayID string) ([]Job, error) {
	listed, err := api.ListAll(ctx, e.cfg.Source, gatewayID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errors.New("interrupted while listing connections")
		}
		x := e.cfg.Explain
		x.GatewayID = gatewayID
		return nil, e.cfg.Redactor.Error(fmt.Errorf("list connections: %w", api.Explain(err, x)))
	}
	jobs := make([]Job, len(listed))
	names := map[string]int{}
	for i := range listed {
		jobs[i] = Job{ID: listed[i].Connection.VpnConnectionID, Listed: &listed[i]}
		names[listed[i].Connection.Name]++
	}
	for i := range jobs {
		jobs[i].SharedName = names[listed[i].Connection.Name] > 1
	}
	return jobs, nil
}

// Status is the outcome of one connection.
type Status string

const (
	StatusOK        Status = "ok"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
	// StatusPartial: some vendors refused the connection; the others'
	// files were written (see ManifestEntry.VendorStatus).
	StatusPartial Status = "partial"
	// StatusStale is a connection an earlier run into the folder
	// exported and this run did not cover: its entry and files are the
	// earlier run's.
	StatusStale Status = "stale"
)

// Delivered reports a status whose files are written: ok or partial.
func (s Status) Delivered() bool { return s == StatusOK || s == StatusPartial }

// Converted is one connection fetched, checked and rendered, in memory:
// nothing is written yet.
type Converted struct {
	ID     string
	Name   string
	Status Status
	// Err says why the connection failed, secrets masked; nil when
	// Status is StatusOK.
	Err error
	// Conn is the normalized connection (zero on failure).
	Conn vpn.Connection
	// Files are the rendered files, in plan order.
	Files []render.File
	// Vendors is each planned vendor's outcome, in plan order, once the
	// connection was rendered (StatusOK or StatusPartial).
	Vendors []VendorStatus
	// Warnings are the caveats from reading and rendering, secrets masked.
	Warnings []vpn.Warning
	// Responses are the raw API responses (JSON), for --save-response.
	Responses []render.File
	// Offset is the job's offset; Params the distinct numbers it was
	// given, per vendor (render.Plan.Offset).
	Offset int
	Params map[string]map[string]string
}

// Convert fetches, checks and renders one connection. It never returns an
// error: the outcome is in the result, so one connection's failure cannot
// stop the others.
func (e *Exporter) Convert(ctx context.Context, j Job) Converted {
	out := Converted{ID: j.ID, Offset: j.Offset}
	redact := e.cfg.Redactor
	fail := func(err error) Converted {
		out.Status = StatusFailed
		if ctx.Err() != nil {
			out.Status = StatusCancelled
		}
		out.Err = redact.Error(fmt.Errorf("export %s: %w", j.ID, err))
		out.Conn, out.Files, out.Warnings = vpn.Connection{}, nil, nil
		return out
	}
	if f := e.fatal.Load(); f != nil {
		return fail(fmt.Errorf("not attempted after an earlier error: %s", *f))
	}
	if j.fail != "" {
		return fail(errors.New(j.fail))
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	explain := e.cfg.Explain
	explain.ConnectionID = j.ID
	callFailed := func(err error) Converted {
		e.stopOn(err)
		return fail(api.Explain(err, explain))
	}
	// The connection's calls share one retry deadline.
	callCtx := api.WithRetryScope(ctx)
	dl, err := e.cfg.Source.DownloadVpnConnectionConfig(callCtx, j.ID)
	if err != nil {
		return callFailed(err)
	}
	// From here on, errors may echo this connection's keys: mask them.
	redact = redact.With(api.ConfigSecrets(dl.Config)...)
	out.Responses = append(out.Responses, render.File{Name: SavedDownload, Data: dl.Raw})
	desc := j.Listed
	if desc == nil {
		desc, err = e.cfg.Source.DescribeVpnConnection(callCtx, j.ID)
		if err != nil {
			return callFailed(err)
		}
	}
	if len(desc.Raw) > 0 {
		out.Responses = append(out.Responses, render.File{Name: SavedDescribe, Data: desc.Raw})
	}
	redact = redact.With(desc.Connection.Secrets()...)
	if desc.Connection.VpnConnectionID != j.ID {
		return fail(fmt.Errorf("%s: answered for %q", api.ActionDescribe, desc.Connection.VpnConnectionID))
	}
	out.Responses = append(out.Responses, render.File{Name: SavedContext, Data: Context{Region: e.cfg.Region, Offset: j.Offset, SharedName: j.SharedName}.JSON()})

	in := api.Responses{Download: dl.Config, Describe: desc.Connection}
	var notes []vpn.Warning
	if src, ok := e.cfg.Source.(api.CustomerGatewaySource); ok {
		// Only a dual-tunnel connection with BGP needs its tunnels'
		// gateways (their BGP passwords); a failure leaves the password
		// unknown, which the connection's warnings say.
		pre, _, err := in.Connection(e.cfg.Region)
		if err == nil {
			for _, id := range api.CustomerGatewaysNeeded(pre) {
				g, err := e.gateways.get(callCtx, src, id)
				if err != nil {
					if ctx.Err() != nil {
						return fail(ctx.Err())
					}
					x := explain
					x.ConnectionID = ""
					notes = append(notes, vpn.Warning{Scope: id, Message: api.Explain(err, x).Error()})
					continue
				}
				if in.CustomerGateways == nil {
					in.CustomerGateways = map[string]*api.CustomerGateway{}
				}
				in.CustomerGateways[id] = g.Gateway
				redact = redact.With(g.Gateway.Secrets()...)
				out.Responses = append(out.Responses, render.File{Name: SavedCustomerGateway(id), Data: g.Raw})
			}
		}
	}

	conn, input, err := in.Connection(e.cfg.Region)
	if err != nil {
		return fail(err)
	}
	redact = redact.With(conn.Secrets()...)
	conn.DisambiguateName = j.SharedName
	out.Name = conn.Name
	plan, params, err := e.cfg.Plan.Offset(j.Offset)
	if err != nil {
		return fail(err)
	}
	out.Params = params
	files, rwarns, err := plan.Render(conn, input)
	var re *render.RefusedError
	if err != nil && (!errors.As(err, &re) || len(files) == 0) {
		return fail(err)
	}
	out.Status, out.Vendors = vendorStatus(plan.VendorNames(), re, rwarns, redact)
	if re != nil {
		out.Err = redact.Error(fmt.Errorf("export %s: %w", j.ID, err))
	}
	for _, w := range append(append(input, rwarns...), notes...) {
		w.Message = redact.Redact(w.Message)
		out.Warnings = append(out.Warnings, w)
	}
	out.Conn, out.Files = conn, files
	return out
}

// vendorStatus is each planned vendor's outcome: ok; refused (in re)
// with the reason; or skipped (--vendor all and a platform that cannot
// express the connection: a render.NotRendered warning) with the reason;
// secrets masked. The connection is partial when a vendor refused (the
// other vendors' files are still worth writing).
func vendorStatus(planned []string, re *render.RefusedError, warns []vpn.Warning, redact *vpn.Redactor) (Status, []VendorStatus) {
	status, reason := StatusOK, map[string]VendorStatus{}
	for _, w := range warns {
		if msg, ok := strings.CutPrefix(w.Message, render.NotRendered); ok {
			reason[w.Scope] = VendorStatus{Status: "skipped", Error: redact.Redact(msg)}
		}
	}
	if re != nil {
		status = StatusPartial
		for _, v := range re.Vendors {
			reason[v.Vendor] = VendorStatus{Status: "refused", Error: redact.Redact(v.Err.Error())}
		}
	}
	out := make([]VendorStatus, len(planned))
	for i, v := range planned {
		out[i] = VendorStatus{Vendor: v, Status: "ok"}
		if r, ok := reason[v]; ok {
			out[i].Status, out[i].Error = r.Status, r.Error
		}
	}
	return status, out
}

// Each runs do for every job on Concurrency workers, in no particular
// order. Once ctx is cancelled, jobs not yet started are handed to
// notStarted instead, with a cancelled result.
func (e *Exporter) Each(ctx context.Context, jobs []Job, do func(i int), notStarted func(i int, c Converted)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(e.cfg.Concurrency, max(len(jobs), 1)) {
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
			for k := i; k < len(jobs); k++ {
				notStarted(k, Converted{ID: jobs[k].ID, Status: StatusCancelled, Err: fmt.Errorf("export %s: not started: interrupted", jobs[k].ID)})
			}
			break feed
		}
	}
	close(work)
	wg.Wait()
}
