package export

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/vpnexport/vpnexport/internal/pskdiff"
)

// Compared is one connection of a comparison run: fetched and rendered,
// then compared with the folder an earlier export wrote.
type Compared struct {
	Converted
	Result pskdiff.Result
}

// Compare converts every job and compares its files with dir/<id>/,
// secrets masked (pskdiff.CompareDir). Nothing is written. A comparison
// that fails fails its connection. Results are in job order, so the
// caller can print the diffs without interleaving them.
func (e *Exporter) Compare(ctx context.Context, jobs []Job, dir string) []Compared {
	out := make([]Compared, len(jobs))
	p := e.cfg.Plan
	e.Each(ctx, jobs, func(i int) {
		r := &out[i]
		r.Converted = e.Convert(ctx, jobs[i])
		if !r.Status.Delivered() {
			return
		}
		res, err := pskdiff.CompareDir(p, r.Conn, r.Files, filepath.Join(dir, e.cfg.Subdir, jobs[i].ID), jobs[i].ID, p.All())
		if err != nil {
			r.Status = StatusFailed
			r.Err = e.cfg.Redactor.With(r.Conn.Secrets()...).Error(fmt.Errorf("export %s: diff: %w", jobs[i].ID, err))
			return
		}
		r.Result = res
	}, func(i int, c Converted) { out[i].Converted = c })
	return out
}
