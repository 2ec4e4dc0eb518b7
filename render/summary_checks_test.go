package render

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/templates"
)

// TestSummaryReusesTheRunsChecks: in a run with every vendor the summary
// reuses what each vendor's build said instead of building it again; the
// page must be byte for byte the one a run of the summary alone (which
// builds every vendor itself) writes. And with some vendors selected the
// page reports on exactly those.
func TestSummaryReusesTheRunsChecks(t *testing.T) {
	cases, err := filepath.Glob("../testdata/api/*")
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, in := range cases {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			cfg, err := api.Parse(data)
			require.NoError(t, err)
			c, warns, err := api.Normalize(cfg)
			require.NoError(t, err)
			c.Name = "case"
			summaryOf := func(vendors ...string) string {
				p, err := NewPlan(PlanOptions{Vendors: vendors, Templates: templates.FS})
				require.NoError(t, err)
				files, _, _ := p.Render(c, warns)
				for _, f := range files {
					if f.Name == "summary.md" {
						return string(f.Data)
					}
				}
				t.Fatalf("no summary.md from %v", vendors)
				return ""
			}
			alone := summaryOf("summary")
			assert.Equal(t, alone, summaryOf("all"), "the summary of -v all differs from the summary alone")
			some := summaryOf("summary", "cisco-ios", "strongswan")
			assert.Contains(t, some, "| cisco-ios |")
			assert.Contains(t, some, "| strongswan |")
			assert.NotContains(t, some, "| fortigate |", "a vendor outside the run is reported")
		})
	}
}
