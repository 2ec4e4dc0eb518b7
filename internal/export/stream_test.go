package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// pagedSource is stubSource with real paging (PageSize honoured), call
// counts per action, and hooks to hold a page back.
type pagedSource struct {
	stubSource
	mu      sync.Mutex
	byCall  map[string]int
	listErr error
	// beforePage, when set, runs before page n is answered.
	beforePage func(n int)
}

func newPaged(n int, conn func(id string, i int) fakealiyun.Connection) *pagedSource {
	p := &pagedSource{stubSource: stubSource{conns: map[string]fakealiyun.Connection{}}, byCall: map[string]int{}}
	for i := range n {
		id := fmt.Sprintf("vco-p%04d", i)
		p.conns[id] = conn(id, i)
		p.order = append(p.order, id)
	}
	return p
}

func (p *pagedSource) count(action string) {
	p.mu.Lock()
	p.byCall[action]++
	p.mu.Unlock()
}

func (p *pagedSource) calls(action string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byCall[action]
}

func (p *pagedSource) DownloadVpnConnectionConfig(ctx context.Context, id string) (*api.Download, error) {
	p.count(api.ActionDownload)
	return p.stubSource.DownloadVpnConnectionConfig(ctx, id)
}

func (p *pagedSource) DescribeVpnConnection(ctx context.Context, id string) (*api.Description, error) {
	p.count(api.ActionDescribe)
	return p.stubSource.DescribeVpnConnection(ctx, id)
}

func (p *pagedSource) DescribeVpnConnections(_ context.Context, q api.ListQuery) (*api.ConnectionPage, error) {
	p.count(api.ActionDescribeList)
	if p.listErr != nil {
		return nil, p.listErr
	}
	if p.beforePage != nil {
		p.beforePage(q.PageNumber)
	}
	var items []any
	for i := (q.PageNumber - 1) * q.PageSize; i < min(q.PageNumber*q.PageSize, len(p.order)); i++ {
		items = append(items, p.conns[p.order[i]].Describe)
	}
	raw, _ := json.Marshal(map[string]any{"TotalCount": len(p.order), "PageNumber": q.PageNumber, "PageSize": q.PageSize,
		"VpnConnections": map[string]any{"VpnConnection": items}})
	return api.ParseConnectionPage(raw)
}

func single(id string, i int) fakealiyun.Connection { return fakealiyun.SingleTunnel(id, i) }

// TestFinalizeMatchesMarshalIndent: the manifest streamed from the
// journal is byte for byte what json.MarshalIndent of the whole Manifest
// gives, in Seq order, with a replaced outcome left out.
func TestFinalizeMatchesMarshalIndent(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		dir := t.TempDir()
		j, err := openJournal(dir)
		require.NoError(t, err)
		var want []ManifestEntry
		for i := range n {
			en := ManifestEntry{ID: fmt.Sprintf("vco-%d", i), Name: "<to&idc>", Region: "cn-shanghai", Vendors: []string{"strongswan"},
				Files: []ManifestFile{{Path: "a", SHA256: "b"}}, Status: StatusOK, Warnings: []string{"w <PSK-REDACTED:tunnel-1>"}, Offset: i,
				Params: map[string]map[string]string{"strongswan": {"if-id": fmt.Sprint(i)}}}
			want = append(want, en)
		}
		// Completion order differs from manifest order; one connection
		// finished twice (a redo): the later outcome counts, and a line
		// written without index (a failed redo) does not.
		for i := n - 1; i >= 0; i-- {
			prev, err := j.add(record{Seq: uint64(i)}, want[i], true)
			require.NoError(t, err)
			require.Equal(t, int64(-1), prev)
			if i == 0 {
				want[0].Warnings = nil
				prev, err = j.add(record{Seq: 0}, want[0], true)
				require.NoError(t, err)
				require.GreaterOrEqual(t, prev, int64(0))
				_, err = j.add(record{Seq: 0}, ManifestEntry{ID: "vco-failed-redo"}, false)
				require.NoError(t, err)
			}
		}
		head := Manifest{Region: "cn-shanghai", Vendors: []string{"strongswan"}, Total: n, OK: n}
		path := filepath.Join(dir, ManifestName)
		_, err = j.finalize(path, head, Manifest{})
		require.NoError(t, err)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		head.Connections = want
		if want == nil {
			head.Connections = []ManifestEntry{}
		}
		exp, _ := json.MarshalIndent(head, "", "  ")
		assert.Equal(t, string(exp)+"\n", string(got), "%d entries", n)
		require.NoError(t, j.close(true))
	}
}

func newStreamExporter(t testing.TB, src api.Source, concurrency int) *Exporter {
	return newExporter(t, src, concurrency)
}

// TestStreamDownloadsWhileListing: the first download happens before the
// listing is over (page 2 is only answered once a connection of page 1
// was written), and the manifest lists every connection in API order.
func TestStreamDownloadsWhileListing(t *testing.T) {
	src := newPaged(120, single)
	firstDone := make(chan struct{})
	var once sync.Once
	src.beforePage = func(n int) {
		if n == 2 {
			select {
			case <-firstDone:
			case <-time.After(10 * time.Second):
				t.Error("page 2 asked for before any connection of page 1 was exported: the listing is not streamed")
			}
		}
	}
	dir := t.TempDir()
	sum, err := newStreamExporter(t, src, 4).Stream(t.Context(), AllFeed(""), Batch{Dir: dir,
		Done: func(ManifestEntry) { once.Do(func() { close(firstDone) }) }})
	require.NoError(t, err)
	require.NoError(t, sum.ListErr)
	assert.Equal(t, 120, sum.OK)
	assert.Equal(t, 3, src.calls(api.ActionDescribeList))
	assert.Equal(t, 0, src.calls(api.ActionDescribe))
	m, ok, err := LoadManifest(dir)
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, m.Connections, 120)
	for i, en := range m.Connections {
		assert.Equal(t, src.order[i], en.ID)
		assert.Equal(t, i, en.Offset)
	}
	_, err = os.Stat(filepath.Join(dir, JournalName))
	assert.True(t, os.IsNotExist(err), "journal left behind")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "left behind: %s", e.Name())
	}
}

// TestStreamRedoesSharedNames: a connection exported before another one
// with the same name was listed is exported again with its tag, so both
// end with distinct object names (as when the whole list is known first).
func TestStreamRedoesSharedNames(t *testing.T) {
	src := newPaged(60, single)
	a, b := src.order[0], src.order[55] // page 1 and page 2
	src.conns[a].Describe["Name"], src.conns[b].Describe["Name"] = "to-idc", "to-idc"
	aDone := make(chan struct{})
	var once sync.Once
	src.beforePage = func(n int) {
		if n == 2 {
			<-aDone
		}
	}
	dir := t.TempDir()
	sum, err := newStreamExporter(t, src, 2).Stream(t.Context(), AllFeed(""), Batch{Dir: dir,
		Done: func(en ManifestEntry) {
			if en.ID == a {
				once.Do(func() { close(aDone) })
			}
		}})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Redone)
	assert.Equal(t, 60, sum.Total)
	assert.Equal(t, 60, sum.OK)
	m, _, err := LoadManifest(dir)
	require.NoError(t, err)
	require.Len(t, m.Connections, 60)
	assert.Equal(t, a, m.Connections[0].ID)
	re := regexp.MustCompile(`(?m)^    (to-idc[^ ]*) \{`)
	var names []string
	for _, id := range []string{a, b} {
		data, err := os.ReadFile(filepath.Join(dir, id, "swanctl.conf"))
		require.NoError(t, err)
		n := re.FindStringSubmatch(string(data))
		require.NotNil(t, n, "%s", data)
		names = append(names, n[1])
	}
	assert.NotEqual(t, names[0], names[1])
	assert.NotEqual(t, "to-idc", names[0], "the first to-idc kept the bare name")
	// The same names as a run that knew the whole list first.
	jobs, err := newStreamExporter(t, src, 1).List(t.Context(), "")
	require.NoError(t, err)
	c := newStreamExporter(t, src, 1).Convert(t.Context(), jobs[0])
	require.Equal(t, StatusOK, c.Status)
	assert.Equal(t, names[0], re.FindStringSubmatch(string(c.Files[0].Data))[1])
}

// TestSelectFeedRequests: -c takes the descriptions from the list call
// when that is cheaper than describing each connection.
func TestSelectFeedRequests(t *testing.T) {
	for name, tc := range map[string]struct {
		conns     int
		pick      []int
		list, dsc int
		listErr   error
		wantNote  string
	}{
		"one connection is described":   {conns: 120, pick: []int{70}, dsc: 1},
		"all of three pages":            {conns: 120, pick: seq(120), list: 3},
		"first page, then describe one": {conns: 200, pick: []int{3, 10, 170}, list: 1, dsc: 1},
		"first page has them all":       {conns: 200, pick: []int{3, 10}, list: 1},
		"list refused: describe each": {conns: 20, pick: []int{1, 2, 3}, list: 1, dsc: 3, wantNote: "describing each connection instead",
			listErr: &api.CallError{Action: api.ActionDescribeList, Err: &api.APIError{StatusCode: 403, Code: "Forbidden"}}},
		"missing ID fails on its own calls": {conns: 20, pick: []int{1, -1}, list: 1},
	} {
		t.Run(name, func(t *testing.T) {
			src := newPaged(tc.conns, single)
			src.listErr = tc.listErr
			var ids []string
			for _, i := range tc.pick {
				if i < 0 {
					ids = append(ids, "vco-nothere")
					continue
				}
				ids = append(ids, src.order[i])
			}
			var notes []string
			dir := t.TempDir()
			sum, err := newStreamExporter(t, src, 3).Stream(t.Context(), SelectFeed(ids), Batch{Dir: dir, Note: func(m string) { notes = append(notes, m) }})
			require.NoError(t, err)
			assert.Equal(t, tc.list, src.calls(api.ActionDescribeList), "list calls")
			assert.Equal(t, tc.dsc, src.calls(api.ActionDescribe), "describe calls")
			assert.Equal(t, len(ids), src.calls(api.ActionDownload), "downloads")
			assert.Equal(t, len(ids), sum.Total)
			if tc.wantNote != "" {
				assert.Contains(t, strings.Join(notes, "\n"), tc.wantNote)
			}
			m, _, err := LoadManifest(dir)
			require.NoError(t, err)
			for i, en := range m.Connections {
				assert.Equal(t, ids[i], en.ID, "manifest in the order given")
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestStreamFatalListStopsEverything: credentials refused on the list
// call: no connection is attempted, each says why, one request was sent.
func TestStreamFatalListStopsEverything(t *testing.T) {
	src := newPaged(10, single)
	src.listErr = &api.CallError{Action: api.ActionDescribeList, Err: &api.APIError{StatusCode: 400, Code: "SignatureDoesNotMatch"}}
	dir := t.TempDir()
	sum, err := newStreamExporter(t, src, 2).Stream(t.Context(), SelectFeed(src.order[:4]), Batch{Dir: dir})
	require.NoError(t, err)
	require.Error(t, sum.ListErr)
	assert.Equal(t, 4, sum.Failed)
	assert.Equal(t, 1, src.calls(api.ActionDescribeList))
	assert.Equal(t, 0, src.calls(api.ActionDownload)+src.calls(api.ActionDescribe))
	for _, f := range sum.Failures {
		assert.Contains(t, f.Error, "not attempted after an earlier error: SignatureDoesNotMatch")
	}
	// --all: nothing listed, nothing written, the old manifest stays.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"connections":[{"id":"vco-old","offset":7}]}`), 0o600))
	sum, err = newStreamExporter(t, src, 2).Stream(t.Context(), AllFeed(""), Batch{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, "", sum.Manifest)
	assert.ErrorContains(t, sum.ListErr, "SignatureDoesNotMatch")
	data, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	assert.Contains(t, string(data), "vco-old")
}

// TestStreamKeepsOffsetsOfAnInterruptedRun: a journal left by a killed run
// is read like the manifest: the offsets it handed out stay taken.
func TestStreamKeepsOffsetsOfAnInterruptedRun(t *testing.T) {
	src := newPaged(3, single)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"region":"x","connections":[{"id":"`+src.order[2]+`","offset":0}]}`), 0o600))
	line := `{"seq":0,"entry":{"id":"vco-gone","offset":1}}` + "\n" + `{"seq":1,"entry":{"id":"` + src.order[1] + `","offset":4}}` + "\n" + `{"seq":2,"ent`
	require.NoError(t, os.WriteFile(filepath.Join(dir, JournalName), []byte(line), 0o600))
	_, err := newStreamExporter(t, src, 1).Stream(t.Context(), AllFeed(""), Batch{Dir: dir})
	require.NoError(t, err)
	m, _, err := LoadManifest(dir)
	require.NoError(t, err)
	got := map[string]int{}
	for _, en := range m.Connections {
		got[en.ID] = en.Offset
	}
	// vco-gone, exported by the killed run only, stays in the manifest.
	assert.Equal(t, map[string]int{src.order[0]: 2, src.order[1]: 4, src.order[2]: 0, "vco-gone": 1}, got)
	require.Len(t, m.Connections, 4)
	assert.Equal(t, "vco-gone", m.Connections[3].ID)
	assert.Equal(t, StatusStale, m.Connections[3].Status)
	assert.Equal(t, 3, m.Total)
	_, err = os.Stat(filepath.Join(dir, JournalName))
	assert.True(t, os.IsNotExist(err))
}

// TestStreamCancelled: jobs still queued when the run is interrupted are
// recorded as not started, and no manifest entry is lost.
func TestStreamCancelled(t *testing.T) {
	src := newPaged(30, single)
	ctx, cancel := context.WithCancel(t.Context())
	var n int
	var mu sync.Mutex
	dir := t.TempDir()
	sum, err := newStreamExporter(t, src, 1).Stream(ctx, SelectFeed(src.order), Batch{Dir: dir, Done: func(ManifestEntry) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 5 {
			cancel()
		}
	}})
	require.NoError(t, err)
	assert.Equal(t, 30, sum.Total)
	assert.Equal(t, 5, sum.OK)
	assert.Equal(t, 25, sum.Cancelled)
	m, _, err := LoadManifest(dir)
	require.NoError(t, err)
	assert.Len(t, m.Connections, 30)
	assert.Contains(t, m.Connections[29].Error, "not started: interrupted")
}

// TestLoadOffsetsMatchesAssignOffsets: reading the manifest one entry at
// a time gives the offsets AssignOffsets gives from the whole manifest.
func TestLoadOffsetsMatchesAssignOffsets(t *testing.T) {
	dir := t.TempDir()
	prev := Manifest{Region: "r", Connections: []ManifestEntry{{ID: "vco-a", Offset: 0}, {ID: "vco-b", Offset: 3}, {ID: "vco-gone", Offset: 1}}}
	data, _ := json.MarshalIndent(prev, "", "  ")
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), data, 0o600))
	jobs := []Job{{ID: "vco-new1"}, {ID: "vco-b"}, {ID: "vco-new2"}, {ID: "vco-a"}, {ID: "vco-new3"}}
	AssignOffsets(jobs, prev)
	o, err := LoadOffsets(dir)
	require.NoError(t, err)
	for _, j := range jobs {
		assert.Equal(t, j.Offset, o.Offset(j.ID), j.ID)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"connections": 5}`), 0o600))
	_, err = LoadOffsets(dir)
	assert.Error(t, err)
	_, err = LoadOffsets(t.TempDir())
	assert.NoError(t, err, "no manifest is no error")
}

// TestStreamSeveralRegions: each region's connections go to
// DIR/<region>/<id>/, the manifest lists regions in order, and offsets
// are distinct across regions.
func TestStreamSeveralRegions(t *testing.T) {
	a, b := newPaged(3, single), newPaged(2, single)
	// The second region's connections have other IDs.
	b2 := newPaged(0, single)
	for i, id := range b.order {
		nid := strings.Replace(id, "vco-p", "vco-q", 1)
		c := fakealiyun.SingleTunnel(nid, 100+i)
		b2.conns[nid] = c
		b2.order = append(b2.order, nid)
	}
	exA, exB := newStreamExporter(t, a, 2), newStreamExporter(t, b2, 2)
	exA.cfg.Region, exA.cfg.Subdir = "cn-a", "cn-a"
	exB.cfg.Region, exB.cfg.Subdir = "cn-b", "cn-b"
	dir := t.TempDir()
	sum, err := Stream(t.Context(), []*Exporter{exA, exB}, AllFeed(""), Batch{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, 5, sum.OK)
	m, _, err := LoadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"cn-a", "cn-b"}, m.Regions)
	seen := map[int]bool{}
	for i, en := range m.Connections {
		region := "cn-a"
		if i >= 3 {
			region = "cn-b"
		}
		assert.Equal(t, region, en.Region)
		assert.True(t, strings.HasPrefix(en.Files[0].Path, region+"/"+en.ID+"/"), en.Files[0].Path)
		assert.False(t, seen[en.Offset], "offset %d twice", en.Offset)
		seen[en.Offset] = true
	}
	// -c across regions: found where listed; an unknown ID fails without
	// a call.
	ids := []string{b2.order[1], "vco-nowhere", a.order[0]}
	sum, err = Stream(t.Context(), []*Exporter{exA, exB}, SelectFeed(ids), Batch{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, 2, sum.OK)
	require.Len(t, sum.Failures, 1)
	assert.Contains(t, sum.Failures[0].Error, "vco-nowhere: not found in region(s) cn-a, cn-b")
	assert.Equal(t, 0, a.calls(api.ActionDescribe)+b2.calls(api.ActionDescribe))
	m, _, err = LoadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, ids[0], m.Connections[0].ID)
	assert.Equal(t, "cn-b", m.Connections[0].Region)
}

// TestScrubbingStaysPerConnection (issue 17 item 6): every error is
// masked with the credentials and that connection's own keys only. The
// batch's redactor never learns a connection's keys, so the cost of
// masking one error does not grow with the connections already exported.
func TestScrubbingStaysPerConnection(t *testing.T) {
	src := newPaged(50, single)
	ex := newStreamExporter(t, src, 4)
	sum, err := ex.Stream(t.Context(), AllFeed(""), Batch{Dir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, 50, sum.OK)
	for _, id := range src.order {
		psk := fakealiyun.PSK(id, 1)
		assert.Equal(t, psk, ex.cfg.Redactor.Redact(psk), "the batch redactor learnt %s's key", id)
	}
	assert.NotContains(t, ex.cfg.Redactor.Redact("AK-SECRET-xyz"), "AK-SECRET-xyz", "the credentials are masked")
}

// BenchmarkScrubError is the cost of masking one connection's error: the
// credentials' redactor extended with that connection's keys, whatever
// the size of the batch.
// Run: go test -run '^$' -bench ScrubError ./internal/export/
func BenchmarkScrubError(b *testing.B) {
	base := newExporter(b, &stubSource{}, 1).cfg.Redactor
	conn := fakealiyun.DualTunnel("vco-scrub1", 1)
	raw, _ := json.Marshal(conn.Download)
	cfg, err := api.Parse(raw)
	require.NoError(b, err)
	msg := fmt.Errorf("DownloadVpnConnectionConfig: InternalError: %s", strings.Repeat("x", 200))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = base.With(api.ConfigSecrets(cfg)...).Error(msg)
	}
}

// TestNameSet: names seen once are not shared, twice are; the table
// grows and keeps them; hash 0 and hashes that differ only in their two
// low bits stay apart... as far as 62 bits go (the low bits hold the
// count).
func TestNameSet(t *testing.T) {
	n := newNameSet()
	for i := range 10000 {
		n.see(idHash(fmt.Sprint("name-", i)))
	}
	assert.False(t, n.anyShared())
	for i := 0; i < 10000; i += 3 {
		n.see(idHash(fmt.Sprint("name-", i)))
	}
	for i := range 10000 {
		assert.Equal(t, i%3 == 0, n.shared(idHash(fmt.Sprint("name-", i))), i)
	}
	assert.True(t, n.anyShared())
	assert.False(t, n.shared(idHash("never seen")))
	n.see(0)
	assert.False(t, n.shared(0))
	n.see(0)
	assert.True(t, n.shared(0))
	assert.LessOrEqual(t, len(n.keys), 32768, "table too large for 10,001 names")
}
