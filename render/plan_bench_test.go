package render_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/pskdiff"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

// The vendors of issue 17's "all six vendors" figure.
var firstSix = []string{"strongswan", "cisco-ios", "cisco-asa", "juniper-srx", "fortigate", "summary"}

func benchConns(b *testing.B) []vpn.Connection {
	b.Helper()
	var out []vpn.Connection
	for _, name := range []string{"seed-example.json", "dual-tunnel-bgp.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "api", name))
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := api.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		c, _, err := api.Normalize(cfg)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// BenchmarkPlanRender is what export pays per connection: every planned
// vendor rendered through one Plan (templates parsed once), alternating a
// single-tunnel and a dual-tunnel BGP connection. It reports µs per
// connection and per connection-vendor.
// Run: go test -run '^$' -bench PlanRender ./render/
func BenchmarkPlanRender(b *testing.B) {
	all := benchConns(b)
	for name, vendors := range map[string][]string{"six": firstSix, "three": {"strongswan", "fortigate", "summary"}, "all": {"all"}} {
		for shape, conns := range map[string][]vpn.Connection{"single": all[:1], "dual-bgp": all[1:], "mixed": all} {
			b.Run(name+"/"+shape, func(b *testing.B) {
				p, err := render.NewPlan(render.PlanOptions{Vendors: vendors, Templates: templates.FS})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				start, cpu := time.Now(), cpuTime()
				for i := 0; i < b.N; i++ {
					if _, _, err := p.Render(conns[i%len(conns)], nil); err != nil {
						b.Fatal(err)
					}
				}
				reportPerConn(b, start, cpu, len(p.Vendors()))
			})
		}
	}
}

// BenchmarkDiffMasker is --diff's extra cost per connection: the masker
// renders each vendor once more per tunnel with probe keys, through the
// same Plan.
func BenchmarkDiffMasker(b *testing.B) {
	conns := benchConns(b)
	p, err := render.NewPlan(render.PlanOptions{Vendors: firstSix, Templates: templates.FS})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start, cpu := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		pskdiff.Learn(p, conns[i%len(conns)])
	}
	reportPerConn(b, start, cpu, len(p.Vendors()))
}

// cpuTime is the process's user+system CPU time: on a machine shared with
// other work, wall time per operation says more about the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPerConn(b *testing.B, start time.Time, cpu time.Duration, vendors int) {
	wall := float64(time.Since(start).Microseconds()) / float64(b.N)
	used := float64((cpuTime() - cpu).Microseconds()) / float64(b.N)
	b.ReportMetric(wall, "wall-µs/conn")
	b.ReportMetric(used, "cpu-µs/conn")
	b.ReportMetric(used/float64(vendors), "cpu-µs/conn-vendor")
}
