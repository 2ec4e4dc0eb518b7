package export

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vpnexport/vpnexport/api"
)

// A Feed produces the jobs of a run and hands each to the sink as soon as
// it is known, so that downloads start while the listing goes on. Its
// error is about finding the connections (a listing that failed); the
// jobs already handed over still run.
type Feed func(ctx context.Context, s *Sink) error

// Sink receives a feed's jobs. Part p is the p-th exporter of the run
// (one per region).
type Sink struct {
	parts   []*Exporter
	offsets *Offsets
	names   *nameSet
	add     func(part int, j Job) error
	expect  func(n int)
	note    func(msg string)
}

// Parts are the run's exporters, in region order.
func (s *Sink) Parts() []*Exporter { return s.parts }

// Offset gives a connection its batch offset (see Offsets).
func (s *Sink) Offset(id string) int { return s.offsets.Offset(id) }

// Add hands over a job for part.
func (s *Sink) Add(part int, j Job) error {
	if j.Listed != nil && j.Listed.Connection != nil && !j.tracked {
		j.tracked, j.nameKey = true, idHash(j.Listed.Connection.Name)
	}
	if j.tracked {
		s.names.see(j.nameKey)
	}
	return s.add(part, j)
}

// Fail records a job that fails without any API call.
func (s *Sink) Fail(part int, j Job, err error) error {
	j.fail, j.Listed = err.Error(), nil
	return s.add(part, j)
}

// Expect announces n more connections (for a progress display).
func (s *Sink) Expect(n int) {
	if s.expect != nil {
		s.expect(n)
	}
}

// Note passes on a message for the user (no secret in it).
func (s *Sink) Note(format string, args ...any) {
	if s.note != nil {
		s.note(fmt.Sprintf(format, args...))
	}
}

// nameSet counts the listed names of a run by 64-bit hash, up to two
// (seen once, shared), so that a connection whose name another one shares
// gets its tag (Job.SharedName). It is an open-addressing table of
// uint64, about 10 bytes a name: a hundred thousand names must not cost
// what the connections themselves no longer cost.
type nameSet struct {
	mu     sync.Mutex
	keys   []uint64 // 0: empty; else the hash with its low two bits as the count
	n      int
	nShare int
}

func newNameSet() *nameSet { return &nameSet{keys: make([]uint64, 64)} }

func nameKeyOf(h uint64) uint64 {
	if k := h &^ 3; k != 0 {
		return k
	}
	return 4
}

// find returns the slot of k, or of the empty slot where it belongs.
func (n *nameSet) find(k uint64) int {
	mask := len(n.keys) - 1
	i := int((k*0x9e3779b97f4a7c15)>>32) & mask
	for n.keys[i] != 0 && n.keys[i]&^3 != k {
		i = (i + 1) & mask
	}
	return i
}

func (n *nameSet) see(h uint64) {
	k := nameKeyOf(h)
	n.mu.Lock()
	defer n.mu.Unlock()
	i := n.find(k)
	switch n.keys[i] & 3 {
	case 0:
		n.keys[i] = k | 1
		n.n++
		if n.n*8 > len(n.keys)*7 {
			n.grow()
		}
	case 1:
		n.keys[i] = k | 2
		n.nShare++
	}
}

func (n *nameSet) grow() {
	old := n.keys
	n.keys = make([]uint64, 2*len(old))
	for _, v := range old {
		if v != 0 {
			n.keys[n.find(v&^3)] = v
		}
	}
}

func (n *nameSet) shared(h uint64) bool {
	k := nameKeyOf(h)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.keys[n.find(k)]&3 == 2
}

// has reports a hash seen at least once.
func (n *nameSet) has(h uint64) bool {
	k := nameKeyOf(h)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.keys[n.find(k)]&3 != 0
}

func (n *nameSet) anyShared() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nShare > 0
}

// seqOf orders listed connections region by region.
func seqOf(part, k int) uint64 { return uint64(part)<<seqPartShift | uint64(k) }

// lister pages through one region's DescribeVpnConnections (50 a page).
type lister struct {
	ex      *Exporter
	gateway string
	page    int
	total   int
	// recent holds the IDs of the last two pages: a connection created
	// or deleted while paging shifts the pages, and one must not be
	// listed twice.
	recent []string
}

// next fetches the next page; done reports the end of the listing.
func (l *lister) next(ctx context.Context) (items []api.Description, done bool, err error) {
	l.page++
	p, err := l.ex.cfg.Source.DescribeVpnConnections(ctx, api.ListQuery{VpnGatewayID: l.gateway, PageNumber: l.page, PageSize: api.MaxDescribePageSize})
	if err != nil {
		return nil, true, fmt.Errorf("page %d: %w", l.page, err)
	}
	l.total = p.TotalCount
	if len(l.recent) > 2*api.MaxDescribePageSize {
		l.recent = l.recent[len(l.recent)-2*api.MaxDescribePageSize:]
	}
	for i := range p.Connections {
		c := &p.Connections[i]
		if slices.Contains(l.recent, c.VpnConnectionID) {
			continue
		}
		l.recent = append(l.recent, c.VpnConnectionID)
		d := api.Description{Connection: c}
		if i < len(p.Raw) {
			d.Raw = p.Raw[i]
		}
		items = append(items, d)
	}
	return items, len(p.Connections) == 0 || l.page*api.MaxDescribePageSize >= p.TotalCount, nil
}

// pagesLeft is the number of pages still to fetch.
func (l *lister) pagesLeft() int {
	return max(0, (l.total+api.MaxDescribePageSize-1)/api.MaxDescribePageSize-l.page)
}

// listError words a failed listing, secrets masked.
func (e *Exporter) listError(ctx context.Context, gateway string, err error, several bool) error {
	where := ""
	if several {
		where = " in " + e.cfg.Region
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while listing connections%s", where)
	}
	x := e.cfg.Explain
	x.GatewayID = gateway
	return e.cfg.Redactor.Error(fmt.Errorf("list connections%s: %w", where, api.Explain(err, x)))
}

// AllFeed lists every connection of each region (or of one VPN gateway),
// region after region, in API order: offsets are handed out in that
// order, so two runs into a fresh folder number the same way.
func AllFeed(gateway string) Feed {
	return func(ctx context.Context, s *Sink) error {
		var errs []error
		for p, ex := range s.parts {
			l := &lister{ex: ex, gateway: gateway}
			k := 0
			for {
				items, done, err := l.next(ctx)
				if err != nil {
					errs = append(errs, ex.listError(ctx, gateway, err, len(s.parts) > 1))
					if ex.stopOn(err) || ctx.Err() != nil {
						return errors.Join(errs...)
					}
					break
				}
				if l.page == 1 {
					s.Expect(l.total)
				}
				for i := range items {
					j := Job{ID: items[i].Connection.VpnConnectionID, Listed: &items[i], Seq: seqOf(p, k)}
					j.Offset = s.Offset(j.ID)
					k++
					if err := s.Add(p, j); err != nil {
						return err
					}
				}
				if done {
					break
				}
			}
			if k == 0 && len(s.parts) == 1 && l.page > 0 && len(errs) == 0 {
				where := "region " + ex.cfg.Region
				if gateway != "" {
					where = "VPN gateway " + gateway + " in " + where
				}
				s.Note("no IPsec connections in %s", where)
			}
		}
		return errors.Join(errs...)
	}
}

// SelectFeed exports the given connections (deduplicated, in the order
// given). It finds them in the list call rather than describing each: in
// one region it reads the first page (50 connections) and, when the rest
// of the listing costs fewer requests than describing the ones still
// missing, the remaining pages; with several regions it lists each, since
// an ID does not say its region. A connection the listing did not return
// is described on its own (one region) or fails as not found (several).
// One connection alone is described: one request either way.
func SelectFeed(ids []string) Feed {
	return func(ctx context.Context, s *Sink) error {
		offsets := make([]int, len(ids))
		pending := make(map[string]int, len(ids))
		for i, id := range ids {
			offsets[i] = s.Offset(id)
			pending[id] = i
		}
		s.Expect(len(ids))
		emit := func(p, i int, listed *api.Description) error {
			delete(pending, ids[i])
			return s.Add(p, Job{ID: ids[i], Offset: offsets[i], Seq: uint64(i), Listed: listed})
		}
		// The rest, in the order given, described one by one.
		emitRest := func(p int) error {
			for i, id := range ids {
				if _, ok := pending[id]; ok {
					if err := emit(p, i, nil); err != nil {
						return err
					}
				}
			}
			return nil
		}
		match := func(p int, items []api.Description) error {
			for k := range items {
				if i, ok := pending[items[k].Connection.VpnConnectionID]; ok {
					if err := emit(p, i, &items[k]); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if len(s.parts) == 1 {
			ex := s.parts[0]
			if len(ids) == 1 {
				return emitRest(0)
			}
			l := &lister{ex: ex}
			for len(pending) > 0 {
				items, done, err := l.next(ctx)
				if err != nil {
					lerr := ex.listError(ctx, "", err, false)
					if ex.stopOn(err) || ctx.Err() != nil {
						// Every job then fails as not attempted.
						return errors.Join(lerr, emitRest(0))
					}
					s.Note("%s; describing each connection instead (%s, %d requests a connection)", lerr, api.ActionDescribe, 2)
					return emitRest(0)
				}
				if err := match(0, items); err != nil {
					return err
				}
				if done || l.pagesLeft() > len(pending) {
					break
				}
			}
			return emitRest(0)
		}
		var errs []error
		var listed []string
		for p, ex := range s.parts {
			l := &lister{ex: ex}
			for len(pending) > 0 {
				items, done, err := l.next(ctx)
				if err != nil {
					errs = append(errs, ex.listError(ctx, "", err, true))
					if ex.stopOn(err) || ctx.Err() != nil {
						return errors.Join(append(errs, s.failRest(ids, offsets, pending, "not attempted after an earlier error"))...)
					}
					break
				}
				if err := match(p, items); err != nil {
					return err
				}
				if done {
					listed = append(listed, ex.cfg.Region)
					break
				}
			}
		}
		msg := "not found in region(s) " + strings.Join(listed, ", ")
		if len(errs) > 0 {
			msg += " (listing failed in the others)"
		}
		return errors.Join(append(errs, s.failRest(ids, offsets, pending, msg))...)
	}
}

// failRest fails the jobs still pending, in the order given.
func (s *Sink) failRest(ids []string, offsets []int, pending map[string]int, why string) error {
	for i, id := range ids {
		if _, ok := pending[id]; ok {
			delete(pending, id)
			if err := s.Fail(0, Job{ID: id, Seq: uint64(i), Offset: offsets[i]}, errors.New(why)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SliceFeed hands over jobs prepared by the caller (offsets and shared
// names as given), in order, all to the first part.
func SliceFeed(jobs []Job) Feed {
	return func(ctx context.Context, s *Sink) error {
		for i, j := range jobs {
			j.Seq = uint64(i)
			if err := s.add(0, j); err != nil {
				return err
			}
		}
		return nil
	}
}

// Collected is one job of Collect with the index of its part.
type Collected struct {
	Part int
	Job  Job
}

// Collect runs a feed and returns its jobs, in manifest order, each with
// its final SharedName: for --diff, which compares everything before
// printing anything. It holds every listed entry in memory.
func Collect(ctx context.Context, parts []*Exporter, offsets *Offsets, feed Feed, note func(string)) ([]Collected, error) {
	shareStop(parts)
	var out []Collected
	s := &Sink{parts: parts, offsets: offsets, names: newNameSet(), note: note,
		add: func(p int, j Job) error { out = append(out, Collected{Part: p, Job: j}); return nil }}
	err := feed(ctx, s)
	for i := range out {
		if out[i].Job.tracked {
			out[i].Job.SharedName = s.names.shared(out[i].Job.nameKey)
		}
	}
	slices.SortStableFunc(out, func(a, b Collected) int {
		switch {
		case a.Job.Seq < b.Job.Seq:
			return -1
		case a.Job.Seq > b.Job.Seq:
			return 1
		}
		return 0
	})
	return out, err
}

// shareStop gives the parts of one run one stop switch: the credentials
// are the same in every region.
func shareStop(parts []*Exporter) {
	for _, ex := range parts[1:] {
		ex.fatal = parts[0].fatal
	}
}
