package export

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// stubSource answers from fakealiyun's fixtures without HTTP; failFor
// makes calls for one connection fail with the given error.
type stubSource struct {
	conns   map[string]fakealiyun.Connection
	failFor map[string]error
	calls   atomic.Int64
	// describeID, when set, is the ID DescribeVpnConnection claims.
	describeID string
	// order lists the connections DescribeVpnConnections returns.
	order []string
}

func (s *stubSource) DownloadVpnConnectionConfig(_ context.Context, id string) (*api.Download, error) {
	s.calls.Add(1)
	if err := s.failFor[id]; err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(s.conns[id].Download)
	cfg, err := api.Parse(raw)
	return &api.Download{Config: cfg, Raw: raw}, err
}

func (s *stubSource) DescribeVpnConnection(_ context.Context, id string) (*api.Description, error) {
	s.calls.Add(1)
	d := s.conns[id].Describe
	if s.describeID != "" {
		d = map[string]any{}
		for k, v := range s.conns[id].Describe {
			d[k] = v
		}
		d["VpnConnectionId"] = s.describeID
	}
	raw, _ := json.Marshal(d)
	c, err := api.ParseDescription(raw)
	return &api.Description{Connection: c, Raw: raw}, err
}

// DescribeVpnConnections lists the connections named in order, all on
// one page.
func (s *stubSource) DescribeVpnConnections(context.Context, api.ListQuery) (*api.ConnectionPage, error) {
	if len(s.order) == 0 {
		return nil, errors.New("no list in this stub")
	}
	var items []any
	for _, id := range s.order {
		items = append(items, s.conns[id].Describe)
	}
	raw, _ := json.Marshal(map[string]any{"TotalCount": len(items), "PageNumber": 1, "PageSize": 50,
		"VpnConnections": map[string]any{"VpnConnection": items}})
	return api.ParseConnectionPage(raw)
}

func newExporter(t testing.TB, src api.Source, concurrency int) *Exporter {
	t.Helper()
	p, err := render.NewPlan(render.PlanOptions{Vendors: []string{"strongswan", "fortigate"}, Templates: templates.FS})
	require.NoError(t, err)
	return New(Config{Source: src, Plan: p, Region: "cn-shanghai", Concurrency: concurrency,
		Redactor: vpn.NewRedactor(vpn.SecretValue{Kind: vpn.KindCredential, Value: "AK-SECRET-xyz"})})
}

func TestConvertRendersEveryPlannedVendor(t *testing.T) {
	c := fakealiyun.DualTunnel("vco-conv1", 4)
	ex := newExporter(t, &stubSource{conns: map[string]fakealiyun.Connection{c.ID: c}}, 1)
	got := ex.Convert(t.Context(), Job{ID: c.ID})
	require.Equal(t, StatusOK, got.Status, "%v", got.Err)
	assert.Equal(t, "dual-conv1", got.Name)
	var names []string
	for _, f := range got.Files {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"swanctl.conf", "fortigate.conf"}, names)
	var saved []string
	for _, f := range got.Responses {
		saved = append(saved, f.Name)
	}
	assert.Equal(t, []string{SavedDownload, SavedDescribe, SavedContext}, saved, "both raw responses and the context kept for --save-response")
}

// TestConvertMasksTheConnectionsOwnSecrets: an error that echoes a value
// holding the connection's key (here an ID Describe claims) shows the
// placeholder, never the key.
func TestConvertMasksTheConnectionsOwnSecrets(t *testing.T) {
	c := fakealiyun.SingleTunnel("vco-mask1", 2)
	psk := fakealiyun.PSK(c.ID, 1)
	src := &stubSource{conns: map[string]fakealiyun.Connection{c.ID: c}, describeID: "vco-" + psk}
	got := newExporter(t, src, 1).Convert(t.Context(), Job{ID: c.ID})
	require.Equal(t, StatusFailed, got.Status)
	assert.NotContains(t, got.Err.Error(), psk)
	assert.Contains(t, got.Err.Error(), "<PSK-REDACTED")
}

// TestFatalErrorStopsTheBatch: once the credentials are refused, the
// connections not yet attempted are not called at all.
func TestFatalErrorStopsTheBatch(t *testing.T) {
	conns := map[string]fakealiyun.Connection{}
	fail := map[string]error{}
	var jobs []Job
	for i, id := range []string{"vco-f1", "vco-f2", "vco-f3", "vco-f4"} {
		conns[id] = fakealiyun.SingleTunnel(id, i)
		fail[id] = &api.CallError{Action: api.ActionDownload, Err: &api.APIError{StatusCode: 400, Code: "SignatureDoesNotMatch", Message: "AK-SECRET-xyz was wrong"}}
		jobs = append(jobs, Job{ID: id})
	}
	src := &stubSource{conns: conns, failFor: fail}
	m, err := newExporter(t, src, 1).Run(t.Context(), jobs, Batch{Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, int64(1), src.calls.Load(), "calls after the credentials were refused")
	assert.Equal(t, 4, m.Failed)
	assert.Contains(t, m.Connections[3].Error, "not attempted after an earlier error")
	for _, en := range m.Connections {
		assert.NotContains(t, en.Error, "AK-SECRET-xyz")
	}
}

func TestWriteFilesAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	// A directory where the second file should go makes its rename fail.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "b.conf"), 0o700))
	_, err := WriteFiles(dir, []render.File{{Name: "a.conf", Data: []byte("a")}, {Name: "b.conf", Data: []byte("b")}})
	require.Error(t, err)
	_, statErr := os.Stat(filepath.Join(dir, "a.conf"))
	assert.True(t, os.IsNotExist(statErr), "a.conf left behind")

	got, err := WriteFiles(filepath.Join(dir, "ok"), []render.File{{Name: "a.conf", Data: []byte("a")}})
	require.NoError(t, err)
	assert.Equal(t, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", got[0].SHA256)
	st, err := os.Stat(filepath.Join(dir, "ok", "a.conf"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// TestEachCancelled: after cancellation, jobs not started are reported,
// not dropped.
func TestEachCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ex := newExporter(t, &stubSource{}, 1)
	jobs := []Job{{ID: "vco-c1"}, {ID: "vco-c2"}, {ID: "vco-c3"}}
	var done, skipped atomic.Int64
	ex.Each(ctx, jobs, func(i int) {
		done.Add(1)
		cancel()
		// Stay busy so the feeder sees only the cancellation.
		time.Sleep(50 * time.Millisecond)
	}, func(i int, c Converted) {
		skipped.Add(1)
		assert.Equal(t, StatusCancelled, c.Status)
		assert.True(t, strings.Contains(c.Err.Error(), "interrupted"))
	})
	assert.Equal(t, int64(1), done.Load())
	assert.Equal(t, int64(2), skipped.Load())
}

func TestAssignOffsetsKeepsEarlierPlaces(t *testing.T) {
	jobs := []Job{{ID: "vco-new1"}, {ID: "vco-b"}, {ID: "vco-new2"}, {ID: "vco-a"}}
	prev := Manifest{Connections: []ManifestEntry{{ID: "vco-a", Offset: 0}, {ID: "vco-b", Offset: 1}, {ID: "vco-gone", Offset: 2}}}
	AssignOffsets(jobs, prev)
	got := map[string]int{}
	for _, j := range jobs {
		got[j.ID] = j.Offset
	}
	assert.Equal(t, map[string]int{"vco-a": 0, "vco-b": 1, "vco-new1": 3, "vco-new2": 4}, got)

	fresh := []Job{{ID: "vco-x"}, {ID: "vco-y"}}
	AssignOffsets(fresh, Manifest{})
	assert.Equal(t, 0, fresh[0].Offset)
	assert.Equal(t, 1, fresh[1].Offset)
}

// TestSharedNamesAreDisambiguated: two connections of one region with the
// same name must not render the same object names, so each gets its tag.
func TestSharedNamesAreDisambiguated(t *testing.T) {
	a, b, c := fakealiyun.SingleTunnel("vco-same1", 1), fakealiyun.SingleTunnel("vco-same2", 2), fakealiyun.SingleTunnel("vco-other", 3)
	a.Describe["Name"], b.Describe["Name"] = "to-idc", "to-idc"
	src := &stubSource{conns: map[string]fakealiyun.Connection{a.ID: a, b.ID: b, c.ID: c}, order: []string{a.ID, b.ID, c.ID}}
	ex := newExporter(t, src, 1)
	jobs, err := ex.List(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, jobs, 3)
	assert.True(t, jobs[0].SharedName)
	assert.True(t, jobs[1].SharedName)
	assert.False(t, jobs[2].SharedName)
	var confs []string
	for _, j := range jobs[:2] {
		got := ex.Convert(t.Context(), j)
		require.Equal(t, StatusOK, got.Status, "%v", got.Err)
		confs = append(confs, string(got.Files[0].Data))
	}
	re := regexp.MustCompile(`(?m)^    (to-idc[^ ]*) \{`)
	n1, n2 := re.FindStringSubmatch(confs[0]), re.FindStringSubmatch(confs[1])
	require.NotNil(t, n1, confs[0])
	require.NotNil(t, n2, confs[1])
	assert.NotEqual(t, n1[1], n2[1], "two connections named to-idc render the same swanctl connection name")
}
