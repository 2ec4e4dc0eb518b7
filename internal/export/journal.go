package export

// The manifest of a streamed run. While connections finish, each outcome
// is appended as one JSON line to DIR/manifest.journal.jsonl; only a small
// slot per connection (where its line is, its place in the manifest)
// stays in memory. At the end manifest.json is written from the journal
// in manifest order, entry by entry, and the journal is removed. A
// journal left by an interrupted run is read at the start of the next one
// so that the offsets it handed out stay reserved.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/vpnexport/vpnexport/internal/atomicfile"
)

// JournalName is the journal's file name in the output folder, present
// only while a run is under way (or after one was killed).
const JournalName = "manifest.journal.jsonl"

// journalLine is one line of the journal. Seq orders the entry in the
// manifest; a later line with the same Seq replaces an earlier one.
type journalLine struct {
	Seq   uint64          `json:"seq"`
	Entry json.RawMessage `json:"entry"`
}

// slot is what stays in memory per connection: where its journal entry
// is and where it goes in the manifest (32 bytes).
type slot struct {
	seq  uint64
	off  int64  // of the entry JSON in the journal
	name uint64 // hash of the listed name (see flagTracked)
	n    uint32 // length of the entry JSON
	part uint16
	// flags: flagTracked (the name counts for shared-name detection),
	// flagShared (rendered with the connection's tag), flagReplaced (a
	// later slot has the outcome), and the status.
	flags uint8
	_     uint8
}

const (
	flagTracked = 1 << iota
	flagShared
	flagReplaced
	flagOK
	flagFailed
	flagCancelled
)

// slotChunk keeps slots in fixed-size blocks so that the table never
// copies itself while growing.
const slotChunk = 4096

// journal is the append-only record of a run's outcomes.
type journal struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	size   int64
	chunks [][]slot
	n      int
	err    error // first write error: the manifest cannot be trusted
}

func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, JournalName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &journal{f: f, path: path, size: st.Size()}, nil
}

// add appends one outcome and returns its slot index.
func (j *journal) add(s slot, en ManifestEntry) (int, error) {
	data, err := json.Marshal(en)
	if err != nil {
		return 0, err
	}
	prefix := fmt.Sprintf(`{"seq":%d,"entry":`, s.seq)
	line := make([]byte, 0, len(prefix)+len(data)+2)
	line = append(append(append(line, prefix...), data...), "}\n"...)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return 0, j.err
	}
	s.off, s.n = j.size+int64(len(prefix)), uint32(len(data))
	j.size += int64(len(line))
	if j.n%slotChunk == 0 {
		j.chunks = append(j.chunks, make([]slot, 0, slotChunk))
	}
	c := &j.chunks[len(j.chunks)-1]
	*c = append(*c, s)
	j.n++
	return j.n - 1, nil
}

func (j *journal) slot(i int) *slot { return &j.chunks[i/slotChunk][i%slotChunk] }

// entry reads slot i's manifest entry back.
func (j *journal) entry(i int) (ManifestEntry, error) {
	s := j.slot(i)
	buf := make([]byte, s.n)
	if _, err := j.readAt(buf, s.off); err != nil {
		return ManifestEntry{}, err
	}
	var en ManifestEntry
	return en, json.Unmarshal(buf, &en)
}

func (j *journal) readAt(buf []byte, off int64) (int, error) {
	r, err := os.Open(j.path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return r.ReadAt(buf, off)
}

// order returns the indexes of the slots that hold the final outcomes,
// in manifest order.
func (j *journal) order() []uint32 {
	idx := make([]uint32, 0, j.n)
	for i := range j.n {
		if j.slot(i).flags&flagReplaced == 0 {
			idx = append(idx, uint32(i))
		}
	}
	slices.SortStableFunc(idx, func(a, b uint32) int {
		sa, sb := j.slot(int(a)).seq, j.slot(int(b)).seq
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
	return idx
}

// finalize writes path (manifest.json) from the journal: head's fields,
// then every final entry in manifest order, formatted exactly as
// json.MarshalIndent(Manifest, "", "  ") formats them, without holding
// more than one entry in memory.
func (j *journal) finalize(path string, head Manifest) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	head.Connections = []ManifestEntry{}
	data, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return err
	}
	const tail = "[]\n}"
	if !bytes.HasSuffix(data, []byte(`"connections": `+tail)) {
		return errors.New("manifest: unexpected layout") // Manifest's last field must be Connections
	}
	data = data[:len(data)-len(tail)]
	r, err := os.Open(j.path)
	if err != nil {
		return err
	}
	defer r.Close()
	order := j.order()
	return atomicfile.Stream(path, func(w io.Writer) error {
		if _, err := w.Write(data); err != nil {
			return err
		}
		if len(order) == 0 {
			_, err := io.WriteString(w, "[]\n}\n")
			return err
		}
		io.WriteString(w, "[")
		var buf []byte
		var out bytes.Buffer
		for k, i := range order {
			s := j.slot(int(i))
			if cap(buf) < int(s.n) {
				buf = make([]byte, s.n)
			}
			buf = buf[:s.n]
			if _, err := r.ReadAt(buf, s.off); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			out.Reset()
			out.WriteString("\n    ")
			if err := json.Indent(&out, buf, "    ", "  "); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			if k < len(order)-1 {
				out.WriteByte(',')
			}
			if _, err := w.Write(out.Bytes()); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "\n  ]\n}\n")
		return err
	})
}

// close closes the journal file; remove also deletes it (after the
// manifest was written from it).
func (j *journal) close(remove bool) error {
	err := j.f.Close()
	if remove {
		if rerr := os.Remove(j.path); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// idHash keys connections in the tables that must stay small: 64 bits,
// so a hundred thousand IDs collide with odds of about 1 in 3·10⁹.
func idHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Offsets hands out batch offsets: a connection an earlier run placed
// keeps its offset; the others take the smallest offsets no earlier run
// handed out, in the order they are asked for. It never holds more than
// 12 bytes per connection of the earlier runs.
type Offsets struct {
	mu   sync.Mutex
	prev map[uint64]int32
	used []uint64 // bit set of every offset handed out before
	next int
}

// NewOffsets returns an allocator that keeps previous's offsets.
func NewOffsets(previous Manifest) *Offsets {
	o := &Offsets{prev: map[uint64]int32{}}
	for _, en := range previous.Connections {
		o.keep(en.ID, en.Offset)
	}
	return o
}

func (o *Offsets) keep(id string, off int) {
	if off < 0 {
		return
	}
	o.prev[idHash(id)] = int32(off)
	o.mark(off)
}

func (o *Offsets) mark(off int) {
	for off/64 >= len(o.used) {
		o.used = append(o.used, 0)
	}
	o.used[off/64] |= 1 << (off % 64)
}

func (o *Offsets) isUsed(off int) bool {
	return off/64 < len(o.used) && o.used[off/64]&(1<<(off%64)) != 0
}

// Offset returns id's offset. Ask once per connection: a new connection
// asked for twice gets two offsets.
func (o *Offsets) Offset(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if off, ok := o.prev[idHash(id)]; ok {
		return int(off)
	}
	for o.isUsed(o.next) {
		o.next++
	}
	o.mark(o.next)
	o.next++
	return o.next - 1
}

// LoadOffsets reads the offsets earlier runs into dir handed out: from
// manifest.json, read one entry at a time, and from a journal an
// interrupted run left behind (its entries are newer).
func LoadOffsets(dir string) (*Offsets, error) {
	o := &Offsets{prev: map[uint64]int32{}}
	if err := scanManifest(filepath.Join(dir, ManifestName), o.keep); err != nil {
		return nil, err
	}
	if err := scanJournal(filepath.Join(dir, JournalName), o.keep); err != nil {
		return nil, err
	}
	return o, nil
}

// openIfExists opens path; a missing file is (nil, nil).
func openIfExists(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return f, err
}

// idOffset is what the offset tables read of an entry.
type idOffset struct {
	ID     string `json:"id"`
	Offset int    `json:"offset"`
}

// scanManifest calls keep for every connection of a manifest, decoding
// one entry at a time; a missing file is no error.
func scanManifest(path string, keep func(id string, off int)) error {
	f, err := openIfExists(path)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	bad := func(err error) error { return fmt.Errorf("%s: %w", path, err) }
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return bad(errors.New("not a JSON object"))
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		if t != "connections" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad(err)
			}
			continue
		}
		t, err = dec.Token()
		if err != nil {
			return bad(err)
		}
		if t == nil { // "connections": null
			continue
		}
		if t != json.Delim('[') {
			return bad(errors.New("connections: not a list"))
		}
		for dec.More() {
			var en idOffset
			if err := dec.Decode(&en); err != nil {
				return bad(err)
			}
			keep(en.ID, en.Offset)
		}
		if _, err := dec.Token(); err != nil {
			return bad(err)
		}
	}
	return nil
}

// scanJournal calls keep for every entry of a journal left behind. A
// last line cut short by the interruption is ignored.
func scanJournal(path string, keep func(id string, off int)) error {
	f, err := openIfExists(path)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var jl struct {
				Entry idOffset `json:"entry"`
			}
			if json.Unmarshal(line, &jl) == nil && jl.Entry.ID != "" {
				keep(jl.Entry.ID, jl.Entry.Offset)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
