package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// exportShapes exports the fake's batch of every connection shape
// (fakealiyun.Shapes) with every vendor into a temporary folder.
func exportShapes(t *testing.T, extra ...string) (dir string, m export.Manifest, stderr string) {
	t.Helper()
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.Shapes("sh")...)
	dir = t.TempDir()
	args := append([]string{"--region", testRegion, "--endpoint", s.URL, "--all", "-v", "all", "-o", dir}, extra...)
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), args...)
	// The SM connection fails, so the run exits 1; everything else is ok.
	require.Error(t, err, stderr)
	return dir, readManifest(t, dir), stderr
}

// TestSavedResponsesRenderTheSameFiles: `export --save-response -o A`
// then `render -i A/<id>/ -v all -o B` gives byte-identical files for
// every connection of the fake's batch, with the connection's real name;
// the failed (SM) connection's responses are saved too and give the same
// error again.
func TestSavedResponsesRenderTheSameFiles(t *testing.T) {
	a, m, _ := exportShapes(t, "--save-response", "--rollback")
	require.Len(t, m.Connections, len(fakealiyun.Shapes("sh")))
	saved := map[string]bool{export.SavedDownload: true, export.SavedDescribe: true, export.SavedContext: true}
	for _, en := range m.Connections {
		t.Run(en.ID, func(t *testing.T) {
			b := t.TempDir()
			r := runCLI(t, nil, "render", "-i", filepath.Join(a, en.ID)+string(filepath.Separator), "-v", "all", "--rollback", "-o", b)
			if en.Status != export.StatusOK {
				assert.Equal(t, 1, r.code)
				assert.Contains(t, r.stderr, "certificate (SM, 国密) connection", "the saved responses of a failed connection reproduce its error")
				assert.Contains(t, en.Error, "certificate (SM, 国密) connection")
				assert.FileExists(t, filepath.Join(a, en.ID, export.SavedDownload), "a failed connection's responses are saved")
				return
			}
			require.Equal(t, 0, r.code, r.stderr)
			want := map[string]string{}
			for _, f := range en.Files {
				rel := strings.TrimPrefix(f.Path, en.ID+"/")
				if saved[rel] || strings.HasPrefix(rel, "DescribeCustomerGateway-") {
					continue
				}
				want[rel] = readFile(t, filepath.Join(a, filepath.FromSlash(f.Path)))
			}
			require.NotEmpty(t, want)
			got := map[string]string{}
			root := filepath.Join(b, en.ID)
			require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				got[filepath.ToSlash(rel)] = readFile(t, p)
				return nil
			}))
			assert.Equal(t, keys(want), keys(got), "same files")
			for name, w := range want {
				assert.Equal(t, w, got[name], "%s differs between export and render -i", name)
			}
			if en.Name != "" {
				assert.Contains(t, got["summary.md"], en.Name, "the connection's real name")
			}
		})
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
