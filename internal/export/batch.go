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
	// Region is the run's region, or its regions separated by commas.
	Region string `json:"region"`
	// Regions lists the regions of a run over several (their connections
	// are under DIR/<region>/).
	Regions   []string `json:"regions,omitempty"`
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
// Dir/<connection-id>/ (Dir/<region>/<connection-id>/ when a run covers
// several regions), and Dir/manifest.json.
type Batch struct {
	Dir string
	// SaveResponses also writes the raw API responses next to the files.
	SaveResponses bool
	// Done, when set, is called once per connection as it finishes, from
	// the worker that finished it (for a progress display); calls never
	// overlap.
	Done func(ManifestEntry)
	// Expect, when set, is told how many more connections the listing
	// found (for a progress display).
	Expect func(n int)
	// Note, when set, gets messages for the user (no secret in them).
	Note func(msg string)
	// Offsets hands out the batch offsets; nil reads them from Dir (see
	// LoadOffsets).
	Offsets *Offsets
	// Previous, when it lists connections, is the manifest an earlier run
	// left in Dir; otherwise Stream reads Dir/manifest.json itself, one
	// entry at a time. Its connections that this run does not cover stay
	// in the new manifest, marked StatusStale, since their folders are
	// still there.
	Previous Manifest
}

// Run exports the given jobs (offsets and shared names as the caller set
// them) into b.Dir and writes the manifest, which it also returns (read
// back from the file: use Stream for large runs). A connection's files
// are written all or nothing. The error is about the manifest only:
// connection failures are in the manifest.
func (e *Exporter) Run(ctx context.Context, jobs []Job, b Batch) (Manifest, error) {
	if _, err := e.Stream(ctx, SliceFeed(jobs), b); err != nil {
		return Manifest{}, err
	}
	m, _, err := LoadManifest(b.Dir)
	return m, err
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
		folder := filepath.Join(e.cfg.Subdir, c.ID)
		written, err := WriteFiles(filepath.Join(b.Dir, folder), c.Responses)
		if err == nil {
			for _, f := range written {
				f.Path = filepath.ToSlash(filepath.Join(folder, f.Path))
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
	folder := filepath.Join(e.cfg.Subdir, c.ID)
	written, err := WriteFiles(filepath.Join(b.Dir, folder), files)
	if err != nil {
		en.Status, en.Error = StatusFailed, e.cfg.Redactor.With(c.Conn.Secrets()...).Redact(fmt.Sprintf("export %s: %v", c.ID, err))
		return en
	}
	for _, f := range written {
		f.Path = filepath.ToSlash(filepath.Join(folder, f.Path))
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
	o := NewOffsets(previous)
	for i := range jobs {
		jobs[i].Offset = o.Offset(jobs[i].ID)
	}
}
