package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// MaxFailures is how many failed entries a Summary carries; the manifest
// has them all.
const MaxFailures = 100

// Summary is the outcome of a streamed run, without the entries (they are
// in the manifest).
type Summary struct {
	// Manifest is the path of manifest.json ("" when none was written).
	Manifest string
	Regions  []string
	Total    int
	OK       int
	Failed   int
	// Partial counts connections some vendors refused (the others'
	// files were written).
	Partial int
	// Cancelled counts connections interrupted or never started.
	Cancelled int
	// Stale counts the connections of an earlier run this one did not
	// cover (kept in the manifest, marked stale).
	Stale int
	// Failures are the first MaxFailures failed or partial entries, in
	// completion order; MoreFailures counts the others.
	Failures     []ManifestEntry
	MoreFailures int
	// Redone counts connections exported again because a connection
	// listed after them shares their name (see Job.SharedName).
	Redone int
	// ListErr is why (some) connections could not be listed; the others
	// were exported.
	ListErr error
}

// Stream exports the jobs a feed produces into b.Dir, with one pool of
// Concurrency workers per part (region), and writes the manifest. The
// feed runs ahead of the downloads (see spool); each outcome goes to the
// journal as it comes, and manifest.json is written from it at the end,
// so memory does not grow with the number of connections beyond a few
// dozen bytes each. A connection rendered before a connection with the
// same name was listed is exported again at the end, with its tag.
//
// The error is about the run itself (the folder, the journal, the
// manifest). A listing that failed is Summary.ListErr; when it left
// nothing to export, Stream writes no manifest (an earlier one stays).
func (e *Exporter) Stream(ctx context.Context, feed Feed, b Batch) (Summary, error) {
	return Stream(ctx, []*Exporter{e}, feed, b)
}

// Stream is Exporter.Stream for a run over several regions: parts are
// their exporters, in the order the manifest lists them.
func Stream(ctx context.Context, parts []*Exporter, feed Feed, b Batch) (Summary, error) {
	shareStop(parts)
	offsets := b.Offsets
	if offsets == nil {
		var err error
		if offsets, err = LoadOffsets(b.Dir); err != nil {
			return Summary{}, err
		}
	}
	j, err := openJournal(b.Dir)
	if err != nil {
		return Summary{}, fmt.Errorf("journal: %w", err)
	}
	preexisting := j.size > 0
	r := &run{parts: parts, b: b, j: j, names: newNameSet()}
	for _, p := range parts {
		r.sum.Regions = append(r.sum.Regions, p.cfg.Region)
		sp, err := newSpool(b.Dir)
		if err != nil {
			r.removeSpools()
			j.close(!preexisting)
			return Summary{}, fmt.Errorf("job queue: %w", err)
		}
		r.spools = append(r.spools, sp)
	}
	defer r.removeSpools()

	var wg sync.WaitGroup
	for p, ex := range parts {
		for range ex.cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.work(ctx, p)
			}()
		}
	}
	sink := &Sink{parts: parts, offsets: offsets, names: r.names, expect: b.Expect, note: b.Note,
		add: func(p int, job Job) error {
			err := r.spools[p].push(job)
			if err != nil {
				r.fail(err)
			}
			return err
		}}
	feedErr := feed(ctx, sink)
	for _, sp := range r.spools {
		sp.close()
	}
	wg.Wait()
	if err := r.firstErr(); err != nil {
		j.close(false)
		return r.sum, err
	}
	if ctx.Err() == nil {
		r.redo(ctx)
	}
	r.sum.ListErr = feedErr
	if j.n == 0 && feedErr != nil {
		// Nothing was listed: keep the previous manifest as it was.
		return r.sum, j.close(!preexisting)
	}
	head := Manifest{Region: strings.Join(r.sum.Regions, ","), Vendors: parts[0].cfg.Plan.VendorNames(),
		Total: r.sum.Total, OK: r.sum.OK, Failed: r.sum.Failed, Cancelled: r.sum.Cancelled, Partial: r.sum.Partial}
	if len(parts) > 1 {
		head.Regions = r.sum.Regions
	}
	path := filepath.Join(b.Dir, ManifestName)
	stale, err := j.finalize(path, head, b.Previous)
	if err != nil {
		j.close(false)
		return r.sum, fmt.Errorf("write manifest: %w", err)
	}
	r.sum.Stale = stale
	r.sum.Manifest = path
	return r.sum, j.close(true)
}

// run is the shared state of one Stream.
type run struct {
	parts  []*Exporter
	b      Batch
	j      *journal
	names  *nameSet
	spools []*spool

	mu   sync.Mutex
	sum  Summary
	errs []error
}

func (r *run) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *run) firstErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

func (r *run) removeSpools() {
	for _, sp := range r.spools {
		sp.remove()
	}
	r.spools = nil
}

// work is one worker of part p: it takes jobs from the part's queue until
// the feed is done and the queue empty. Once ctx is cancelled, the jobs
// left are recorded as not started.
func (r *run) work(ctx context.Context, p int) {
	ex := r.parts[p]
	for {
		job, ok, err := r.spools[p].pop()
		if err != nil {
			r.fail(err)
			return
		}
		if !ok {
			return
		}
		r.do(ctx, p, ex, job, false)
	}
}

// do exports one job and records it. A redo (again) replaces the
// connection's earlier outcome only when it succeeds.
func (r *run) do(ctx context.Context, p int, ex *Exporter, job Job, again bool) {
	var en ManifestEntry
	if ctx.Err() != nil && job.fail == "" {
		en = ex.Entry(Converted{ID: job.ID, Status: StatusCancelled, Offset: job.Offset,
			Err: fmt.Errorf("export %s: not started: interrupted", job.ID)})
	} else {
		if job.tracked && !job.SharedName {
			job.SharedName = r.names.shared(job.nameKey)
		}
		en = ex.write(ctx, ex.Convert(ctx, job), r.b)
	}
	rec := record{Seq: job.Seq, Name: job.nameKey}
	if job.tracked {
		rec.Flags |= flagTracked
	}
	if job.SharedName {
		rec.Flags |= flagShared
	}
	switch en.Status {
	case StatusOK:
		rec.Flags |= flagOK
	case StatusPartial:
		rec.Flags |= flagPartial
	case StatusCancelled:
		rec.Flags |= flagCancelled
	default:
		rec.Flags |= flagFailed
	}
	// The second export failed: the first one stands (its names do not
	// clash: the other connections carry their tags).
	index := !again || en.Status == StatusOK
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.j.add(rec, en, index); err != nil {
		r.errs = append(r.errs, err)
		return
	}
	if !index {
		return
	}
	if again {
		r.count(flagOK, -1)
		r.sum.Redone++
	}
	r.count(rec.Flags, 1)
	if en.Status == StatusFailed || en.Status == StatusPartial {
		if len(r.sum.Failures) < MaxFailures {
			r.sum.Failures = append(r.sum.Failures, en)
		} else {
			r.sum.MoreFailures++
		}
	}
	if r.b.Done != nil {
		r.b.Done(en)
	}
}

func (r *run) count(flags uint8, d int) {
	r.sum.Total += d
	switch {
	case flags&flagOK != 0:
		r.sum.OK += d
	case flags&flagPartial != 0:
		r.sum.Partial += d
	case flags&flagCancelled != 0:
		r.sum.Cancelled += d
	default:
		r.sum.Failed += d
	}
}

// redo exports again, with their tag, the connections that were rendered
// before another connection with the same name was listed. The listing
// runs ahead of the downloads, so this is rare; when no name is shared
// at all, the journal is not even read.
func (r *run) redo(ctx context.Context) {
	if !r.names.anyShared() {
		return
	}
	todo := make([][]Job, len(r.parts))
	err := r.j.each(func(line []byte) error {
		rec, entry, err := splitLine(line)
		if err != nil {
			return err
		}
		if rec.Flags&(flagTracked|flagShared|flagOK) != flagTracked|flagOK || !r.names.shared(rec.Name) {
			return nil
		}
		var en idOffset
		if err := json.Unmarshal(entry, &en); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		p := r.partOf(en.Region)
		todo[p] = append(todo[p], Job{ID: en.ID, Offset: en.Offset, Seq: rec.Seq, SharedName: true, tracked: true, nameKey: rec.Name})
		return nil
	})
	if err != nil {
		r.fail(err)
		return
	}
	for p, jobs := range todo {
		if len(jobs) == 0 {
			continue
		}
		ex := r.parts[p]
		ex.Each(ctx, jobs, func(i int) { r.do(ctx, p, ex, jobs[i], true) }, func(int, Converted) {})
	}
}

// partOf finds the part of a region.
func (r *run) partOf(region string) int {
	for p, ex := range r.parts {
		if ex.cfg.Region == region {
			return p
		}
	}
	return 0
}
