package export

// The manifest of a streamed run. While connections finish, each outcome
// is appended as one JSON line to DIR/manifest.journal.jsonl; only where
// each connection's line starts (8 bytes) stays in memory. At the end manifest.json is written from the journal
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

// record is what a journal line carries besides the manifest entry:
// Seq orders the entry in the manifest (a later line with the same Seq
// replaces an earlier one), Name and Flags serve the shared-name check.
type record struct {
	Seq   uint64 `json:"seq"`
	Name  uint64 `json:"name"`
	Flags uint8  `json:"f"`
}

const (
	flagTracked = 1 << iota // the listed name counts for SharedName
	flagShared              // rendered with the connection's tag
	flagOK
	flagFailed
	flagCancelled
	flagPartial
)

// journal is the append-only record of a run's outcomes. In memory it
// keeps only where each connection's latest line starts: 8 bytes a
// connection, in a dense table per region (Seq's high bits).
type journal struct {
	mu    sync.Mutex
	f     *os.File
	path  string
	size  int64
	start int64 // size at open: the lines before are an interrupted run's
	index map[uint64]*denseIndex
	// covered holds the hashes of this run's connection IDs, for the
	// merge with the previous manifest (about 10 bytes a connection).
	covered *nameSet
	n       int   // lines written by this run
	err     error // first write error: the manifest cannot be trusted
}

// denseIndex maps a dense sequence number to a line's offset + 1 (0: no
// line), in fixed-size blocks so that it never copies itself.
type denseIndex struct{ chunks [][]int64 }

const indexChunk = 8192

func (d *denseIndex) set(k uint64, off int64) (prev int64) {
	c := int(k / indexChunk)
	for c >= len(d.chunks) {
		d.chunks = append(d.chunks, nil)
	}
	if d.chunks[c] == nil {
		d.chunks[c] = make([]int64, indexChunk)
	}
	prev, d.chunks[c][k%indexChunk] = d.chunks[c][k%indexChunk]-1, off+1
	return prev
}

// each calls f with every line offset, in sequence order.
func (d *denseIndex) each(f func(off int64) error) error {
	for _, c := range d.chunks {
		for _, v := range c {
			if v != 0 {
				if err := f(v - 1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, JournalName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &journal{f: f, path: path, size: st.Size(), start: st.Size(), index: map[uint64]*denseIndex{}, covered: newNameSet()}, nil
}

const seqPartShift = 40

// add appends one outcome. With index, the line becomes the connection's
// outcome in the manifest; it returns the offset of the line it replaces
// (-1 for none).
func (j *journal) add(rec record, en ManifestEntry, index bool) (prev int64, err error) {
	data, err := json.Marshal(en)
	if err != nil {
		return -1, err
	}
	prefix := fmt.Sprintf(`{"seq":%d,"name":%d,"f":%d,"entry":`, rec.Seq, rec.Name, rec.Flags)
	line := make([]byte, 0, len(prefix)+len(data)+2)
	line = append(append(append(line, prefix...), data...), "}\n"...)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return -1, j.err
	}
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return -1, j.err
	}
	off := j.size
	j.size += int64(len(line))
	j.n++
	if !index {
		return -1, nil
	}
	j.covered.see(idHash(en.ID))
	d := j.index[rec.Seq>>seqPartShift]
	if d == nil {
		d = &denseIndex{}
		j.index[rec.Seq>>seqPartShift] = d
	}
	return d.set(rec.Seq&(1<<seqPartShift-1), off), nil
}

// each calls f with every indexed line, in manifest order. Call with
// j.mu held or after the run.
func (j *journal) each(f func(line []byte) error) error {
	parts := make([]uint64, 0, len(j.index))
	for p := range j.index {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	buf := make([]byte, 4096)
	for _, p := range parts {
		err := j.index[p].each(func(off int64) error {
			line, err := j.readLine(off, &buf)
			if err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			return f(line)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readLine reads the line at off (without its newline) into *buf.
func (j *journal) readLine(off int64, buf *[]byte) ([]byte, error) {
	b := (*buf)[:cap(*buf)]
	n := 0
	for {
		m, err := j.f.ReadAt(b[n:], off+int64(n))
		if i := bytes.IndexByte(b[n:n+m], '\n'); i >= 0 {
			*buf = b
			return b[:n+i], nil
		}
		n += m
		if err != nil {
			return nil, err
		}
		if n == len(b) {
			b = append(b, make([]byte, len(b))...)
		}
	}
}

// splitLine returns a line's record and its entry JSON.
func splitLine(line []byte) (record, []byte, error) {
	const key = `,"entry":`
	i := bytes.Index(line, []byte(key))
	if i < 0 || !bytes.HasSuffix(line, []byte("}")) {
		return record{}, nil, errors.New("journal: malformed line")
	}
	var rec record
	if err := json.Unmarshal(append(line[:i:i], '}'), &rec); err != nil {
		return record{}, nil, fmt.Errorf("journal: %w", err)
	}
	return rec, line[i+len(key) : len(line)-1], nil
}

// finalize writes path (manifest.json) from the journal: head's fields,
// then every connection's latest entry in manifest order, then the
// connections earlier runs exported that this run did not cover, marked
// stale: those of an interrupted run's journal lines first (they are
// newer), then the previous manifest's (prev when it lists connections,
// else read from path one entry at a time); formatted exactly as json.MarshalIndent(Manifest, "", "  ")
// formats them, without holding more than one entry in memory. It
// returns the number of stale entries.
func (j *journal) finalize(path string, head Manifest, prev Manifest) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	eachPrev := func(f func(ManifestEntry) error) error {
		if err := j.eachLeftover(f); err != nil {
			return err
		}
		if len(prev.Connections) > 0 {
			for _, en := range prev.Connections {
				if err := f(en); err != nil {
					return err
				}
			}
			return nil
		}
		return scanEntries(path, f)
	}
	stale := 0
	seen := newNameSet() // a previous manifest may list a connection twice
	err := eachPrev(func(en ManifestEntry) error {
		if h := idHash(en.ID); !j.covered.has(h) && !seen.has(h) {
			seen.see(h)
			stale++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	head.Stale = stale
	head.Connections = []ManifestEntry{}
	data, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return 0, err
	}
	const tail = "[]\n}"
	if !bytes.HasSuffix(data, []byte(`"connections": `+tail)) {
		return 0, errors.New("manifest: unexpected layout") // Manifest's last field must be Connections
	}
	data = data[:len(data)-len(tail)]
	return stale, atomicfile.Stream(path, func(w io.Writer) error {
		if _, err := w.Write(data); err != nil {
			return err
		}
		var out bytes.Buffer
		first := true
		put := func(entry []byte) error {
			out.Reset()
			if first {
				out.WriteString("[\n    ")
			} else {
				out.WriteString(",\n    ")
			}
			first = false
			if err := json.Indent(&out, entry, "    ", "  "); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			_, err := w.Write(out.Bytes())
			return err
		}
		err := j.each(func(line []byte) error {
			_, entry, err := splitLine(line)
			if err != nil {
				return err
			}
			return put(entry)
		})
		if err != nil {
			return err
		}
		if stale > 0 {
			seen = newNameSet()
			err := eachPrev(func(en ManifestEntry) error {
				h := idHash(en.ID)
				if j.covered.has(h) || seen.has(h) {
					return nil
				}
				seen.see(h)
				en.Status = StatusStale
				data, err := json.Marshal(en)
				if err != nil {
					return err
				}
				return put(data)
			})
			if err != nil {
				return err
			}
		}
		if first {
			_, err = io.WriteString(w, "[]\n}\n")
		} else {
			_, err = io.WriteString(w, "\n  ]\n}\n")
		}
		return err
	})
}

// eachLeftover calls f with the entries of the lines an interrupted run
// left in the journal.
func (j *journal) eachLeftover(f func(ManifestEntry) error) error {
	if j.start == 0 {
		return nil
	}
	return eachJournalEntry(io.NewSectionReader(j.f, 0, j.start), f)
}

// eachJournalEntry calls f with the entry of every complete journal line
// (the last line of a killed run may be cut short).
func eachJournalEntry(r io.Reader, f func(ManifestEntry) error) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var jl struct {
				Entry ManifestEntry `json:"entry"`
			}
			if json.Unmarshal(line, &jl) == nil && jl.Entry.ID != "" {
				if err := f(jl.Entry); err != nil {
					return err
				}
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
	Region string `json:"region"`
	Offset int    `json:"offset"`
}

// scanManifest calls keep for every connection of a manifest, decoding
// one entry at a time; a missing file is no error.
func scanManifest(path string, keep func(id string, off int)) error {
	return scanList(path, func(dec *json.Decoder) error {
		var en idOffset
		if err := dec.Decode(&en); err != nil {
			return err
		}
		keep(en.ID, en.Offset)
		return nil
	})
}

// scanEntries calls f with every entry of a manifest, one at a time; a
// missing file is no error.
func scanEntries(path string, f func(ManifestEntry) error) error {
	return scanList(path, func(dec *json.Decoder) error {
		var en ManifestEntry
		if err := dec.Decode(&en); err != nil {
			return err
		}
		return f(en)
	})
}

// scanList walks a manifest's "connections" list, element by element.
func scanList(path string, each func(dec *json.Decoder) error) error {
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
			if err := each(dec); err != nil {
				return bad(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return bad(err)
		}
	}
	return nil
}

// scanJournal calls keep for every entry of a journal left behind.
func scanJournal(path string, keep func(id string, off int)) error {
	f, err := openIfExists(path)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	return eachJournalEntry(f, func(en ManifestEntry) error {
		keep(en.ID, en.Offset)
		return nil
	})
}
