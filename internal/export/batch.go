package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vpnexport/vpnexport/internal/atomicfile"
	"github.com/vpnexport/vpnexport/render"
)

// ManifestName is the manifest's file name in the output folder.
const ManifestName = "manifest.json"

// Manifest is DIR/manifest.json: what one export run wrote.
type Manifest struct {
	Region    string   `json:"region"`
	Vendors   []string `json:"vendors"`
	Total     int      `json:"total"`
	OK        int      `json:"ok"`
	Failed    int      `json:"failed"`
	Cancelled int      `json:"cancelled,omitempty"`
	Partial   int      `json:"partial,omitempty"`
	// Stale counts the connections an earlier run into the folder
	// exported and this run did not cover; Total and the other counts
	// are this run's.
	Stale       int             `json:"stale,omitempty"`
	Connections []ManifestEntry `json:"connections"`
}

// ManifestEntry is one connection's outcome.
type ManifestEntry struct {
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	Region   string         `json:"region"`
	Vendors  []string       `json:"vendors"`
	Files    []ManifestFile `json:"files"`
	Status   Status         `json:"status"`
	Error    string         `json:"error,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	// Offset and Params are the connection's place in the batch and the
	// numbers it was given (tunnel interface, priorities, inside network)
	// per vendor; a later run into the same folder keeps them.
	Offset int                          `json:"offset"`
	Params map[string]map[string]string `json:"params,omitempty"`
	// VendorStatus is each vendor's outcome once the connection was
	// rendered: "ok", "refused" (status partial, exit 1) or, with
	// --vendor all, "skipped" (the platform cannot express the
	// connection), with the reason.
	VendorStatus []VendorStatus `json:"vendor_status,omitempty"`
}

// VendorStatus is one vendor's outcome for one connection.
type VendorStatus struct {
	Vendor string `json:"vendor"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ManifestFile is one written file, its path relative to DIR.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// CustomerGateway is the on-prem device the file configures when the
	// connection's tunnels end on several (its customer gateway ID, or
	// its address for a connection without IDs); empty otherwise.
	CustomerGateway string `json:"customer_gateway,omitempty"`
}

// Batch is an export into a folder: every connection's files under
// Dir/<connection-id>/, and Dir/manifest.json.
type Batch struct {
	Dir string
	// SaveResponses also writes the raw API responses next to the files.
	SaveResponses bool
	// Done, when set, is called once per connection as it finishes, from
	// the worker that finished it (for a progress display).
	Done func(ManifestEntry)
	// Previous is the manifest an earlier run left in Dir (LoadManifest):
	// its connections that this run does not cover stay in the new
	// manifest, marked StatusStale, since their folders are still there.
	Previous Manifest
}

// Run exports every job into b.Dir and writes the manifest. A
// connection's files are written all or nothing. The error is about the
// manifest only: connection failures are in the manifest.
func (e *Exporter) Run(ctx context.Context, jobs []Job, b Batch) (Manifest, error) {
	entries := make([]ManifestEntry, len(jobs))
	e.Each(ctx, jobs, func(i int) {
		c := e.Convert(ctx, jobs[i])
		entries[i] = e.write(ctx, c, b)
		if b.Done != nil {
			b.Done(entries[i])
		}
	}, func(i int, c Converted) {
		c.Offset = jobs[i].Offset
		entries[i] = e.Entry(c)
	})

	m := Manifest{Region: e.cfg.Region, Vendors: e.cfg.Plan.VendorNames(), Total: len(entries), Connections: entries}
	for _, en := range entries {
		switch en.Status {
		case StatusOK:
			m.OK++
		case StatusPartial:
			m.Partial++
		case StatusCancelled:
			m.Cancelled++
		default:
			m.Failed++
		}
	}
	m.Connections, m.Stale = mergeStale(entries, b.Previous)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := atomicfile.Write(filepath.Join(b.Dir, ManifestName), append(data, '\n')); err != nil {
		return m, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

// mergeStale appends to this run's entries the previous manifest's
// entries for connections this run did not cover, in their previous
// order, marked stale and otherwise as they were.
func mergeStale(entries []ManifestEntry, previous Manifest) ([]ManifestEntry, int) {
	covered := map[string]bool{}
	for _, en := range entries {
		covered[en.ID] = true
	}
	stale := 0
	for _, en := range previous.Connections {
		if covered[en.ID] {
			continue
		}
		covered[en.ID] = true
		en.Status = StatusStale
		entries = append(entries, en)
		stale++
	}
	return entries, stale
}

// Entry is a connection's manifest entry, without files.
func (e *Exporter) Entry(c Converted) ManifestEntry {
	en := ManifestEntry{ID: c.ID, Name: c.Name, Region: e.cfg.Region, Vendors: e.cfg.Plan.VendorNames(), Files: []ManifestFile{}, Status: c.Status,
		Offset: c.Offset, Params: c.Params, VendorStatus: c.Vendors}
	if c.Err != nil {
		en.Error = c.Err.Error()
	}
	for _, w := range c.Warnings {
		en.Warnings = append(en.Warnings, w.String())
	}
	return en
}

// write writes a converted connection to b.Dir/<id>/, all or nothing.
func (e *Exporter) write(ctx context.Context, c Converted, b Batch) ManifestEntry {
	en := e.Entry(c)
	if c.Status == StatusFailed && b.SaveResponses && len(c.Responses) > 0 {
		// A failed connection's responses are what its ticket needs: keep
		// them (the folder then holds no configuration).
		written, err := WriteFiles(filepath.Join(b.Dir, c.ID), c.Responses)
		if err == nil {
			for _, f := range written {
				f.Path = filepath.ToSlash(filepath.Join(c.ID, f.Path))
				en.Files = append(en.Files, f)
			}
		}
		return en
	}
	if !c.Status.Delivered() {
		return en
	}
	// Past this point the connection is written whole: a cancellation
	// that arrives now waits for a few local file writes, so no folder is
	// left with some vendors' files and not others.
	if ctx.Err() != nil {
		en.Status, en.Error = StatusCancelled, fmt.Sprintf("export %s: %v", c.ID, ctx.Err())
		return en
	}
	files := c.Files
	if b.SaveResponses {
		files = append(append([]render.File{}, files...), c.Responses...)
	}
	written, err := WriteFiles(filepath.Join(b.Dir, c.ID), files)
	if err != nil {
		en.Status, en.Error = StatusFailed, e.cfg.Redactor.With(c.Conn.Secrets()...).Redact(fmt.Sprintf("export %s: %v", c.ID, err))
		return en
	}
	for _, f := range written {
		f.Path = filepath.ToSlash(filepath.Join(c.ID, f.Path))
		en.Files = append(en.Files, f)
	}
	return en
}

// WriteFiles writes files into dir, each atomically with mode 0600, and
// all or nothing: when one cannot be written, the ones already written
// are removed, because a folder with some vendors' files would pass for a
// complete export. It returns each file's name and SHA-256.
func WriteFiles(dir string, files []render.File) ([]ManifestFile, error) {
	var out []ManifestFile
	for i, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.Name), f.Data); err != nil {
			for _, w := range files[:i] {
				os.Remove(filepath.Join(dir, w.Name))
			}
			return nil, err
		}
		sum := sha256.Sum256(f.Data)
		out = append(out, ManifestFile{Path: f.Name, SHA256: hex.EncodeToString(sum[:]), CustomerGateway: f.Device})
	}
	return out, nil
}

// LoadManifest reads dir/manifest.json; ok is false when there is none.
func LoadManifest(dir string) (m Manifest, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, false, nil
	}
	if err != nil {
		return Manifest{}, false, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, false, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestName), err)
	}
	return m, true, nil
}

// AssignOffsets gives every job its offset in the batch. A connection
// that an earlier run into the same folder already placed keeps its
// offset, so its tunnel numbers do not move when connections are added or
// removed (a re-paste then updates the device's objects instead of
// creating new ones); the others take the smallest offsets no earlier run
// handed out, in job order.
func AssignOffsets(jobs []Job, previous Manifest) {
	// Every offset an earlier run handed out stays reserved, also for a
	// connection this run does not cover (a -c subset): its files are
	// still on some device.
	used := map[int]bool{}
	prev := map[string]int{}
	for _, en := range previous.Connections {
		prev[en.ID] = en.Offset
		used[en.Offset] = true
	}
	next := 0
	for i := range jobs {
		if off, ok := prev[jobs[i].ID]; ok {
			jobs[i].Offset = off
			continue
		}
		for used[next] {
			next++
		}
		jobs[i].Offset = next
		used[next] = true
	}
}
