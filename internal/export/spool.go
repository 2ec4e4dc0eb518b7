package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/vpnexport/vpnexport/api"
)

// spool is a FIFO of jobs kept on disk: the listing runs ahead of the
// downloads (it is fifty connections a request, the downloads one) and
// would otherwise have to wait for them or hold every listed connection
// in memory. The file sits in the output folder (the listed entries carry
// the pre-shared keys, like the configs there), mode 0600, and is removed
// as soon as it is open, so no interruption leaves it behind.
type spool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	w      *os.File
	r      *bufio.Reader
	rf     *os.File
	queued int
	taken  int
	closed bool
	err    error
}

// spooled is one job on disk.
type spooled struct {
	Seq     uint64          `json:"seq"`
	ID      string          `json:"id"`
	Offset  int             `json:"offset"`
	Name    uint64          `json:"name,omitempty"`
	Tracked bool            `json:"tracked,omitempty"`
	Shared  bool            `json:"shared,omitempty"`
	Listed  json.RawMessage `json:"listed,omitempty"`
	Fail    string          `json:"fail,omitempty"`
}

func newSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	w, err := os.CreateTemp(dir, ".vpnexport-queue-*.tmp")
	if err != nil {
		return nil, err
	}
	rf, err := os.Open(w.Name())
	if err != nil {
		w.Close()
		os.Remove(w.Name())
		return nil, err
	}
	// Unlinked while open: the queue lives as long as the run. (Where
	// an open file cannot be removed, close removes it.)
	os.Remove(w.Name())
	s := &spool{w: w, rf: rf, r: bufio.NewReaderSize(rf, 64<<10)}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// push appends a job.
func (s *spool) push(j Job) error {
	sp := spooled{Seq: j.Seq, ID: j.ID, Offset: j.Offset, Name: j.nameKey, Tracked: j.tracked, Shared: j.SharedName, Fail: j.fail}
	if j.Listed != nil {
		sp.Listed = j.Listed.Raw
	}
	line, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.Write(line); err != nil {
		s.err = fmt.Errorf("job queue: %w", err)
		s.cond.Broadcast()
		return s.err
	}
	s.queued++
	s.cond.Signal()
	return nil
}

// close says no more jobs are coming.
func (s *spool) close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// pop returns the next job, waiting for one; ok is false once the spool
// is closed and empty.
func (s *spool) pop() (j Job, ok bool, err error) {
	line, ok, err := s.next()
	if !ok || err != nil {
		return Job{}, false, err
	}
	var sp spooled
	if err := json.Unmarshal(line, &sp); err != nil {
		return Job{}, false, fmt.Errorf("job queue: %w", err)
	}
	j = Job{ID: sp.ID, Offset: sp.Offset, Seq: sp.Seq, SharedName: sp.Shared, nameKey: sp.Name, tracked: sp.Tracked, fail: sp.Fail}
	if len(sp.Listed) > 0 {
		c, err := api.ParseDescription(sp.Listed)
		if err != nil {
			return Job{}, false, fmt.Errorf("job queue: %s: %w", sp.ID, err)
		}
		j.Listed = &api.Description{Connection: c, Raw: sp.Listed}
	}
	return j, true, nil
}

// next reads the next line, waiting for one.
func (s *spool) next() ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.taken == s.queued && !s.closed && s.err == nil {
		s.cond.Wait()
	}
	if s.err != nil {
		return nil, false, s.err
	}
	if s.taken == s.queued {
		return nil, false, nil
	}
	line, err := s.r.ReadBytes('\n')
	if err != nil {
		s.err = fmt.Errorf("job queue: %w", err)
		s.cond.Broadcast()
		return nil, false, s.err
	}
	s.taken++
	return line, true, nil
}

func (s *spool) remove() {
	name := s.w.Name()
	s.w.Close()
	s.rf.Close()
	os.Remove(name)
}
