// Command vpnexport-bench measures vpnexport export at fleet scale
// against the in-repo fake endpoint (internal/fakealiyun): wall time
// against the rate-limit bound, requests per connection, the share of
// Throttling answers, the peak RSS of the vpnexport process, and render
// CPU time per connection and vendor. It runs built vpnexport binaries as
// child processes, so that their memory is theirs alone, and can run an
// older build side by side (issue 17).
//
//	go build -o /tmp/vpnexport-new .
//	git worktree add /tmp/old <commit> && (cd /tmp/old && go build -o /tmp/vpnexport-old .)
//	go run ./cmd/vpnexport-bench -bin /tmp/vpnexport-new -old /tmp/vpnexport-old
//
// It is a program, not a test: nothing here runs in go test ./... .
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vpnexport/vpnexport/api"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
	"github.com/vpnexport/vpnexport/vpn"
)

const (
	keyID  = "LTAI5tBenchKeyId0001"
	secret = "BenchSecret-never-printed-0001"
	region = "cn-shanghai"
)

// sixVendors are the vendors of the figures (and of the older
// builds); -vendors changes it.
const sixVendors = "strongswan,cisco-ios,cisco-asa,juniper-srx,fortigate,summary"

type options struct {
	bins        []string
	labels      []string
	rateNs      []int
	rssNs       []int
	concs       []int
	modes       []string
	rate        float64
	latency     time.Duration
	rssLatency  time.Duration
	rssConc     int
	vendors     string
	rssVendors  string
	dir         string
	renderFor   time.Duration
	skipRate    bool
	skipRSS     bool
	skipRender  bool
	progressOut io.Writer
}

func main() {
	var o options
	bin := flag.String("bin", "", "the vpnexport binary to measure (required)")
	old := flag.String("old", "", "an older vpnexport binary to measure side by side")
	rateNs := flag.String("n", "1000", "connection counts for the rate-limited runs")
	rssNs := flag.String("rss-n", "1000,10000,100000", "connection counts for the peak-RSS runs (no rate limit)")
	concs := flag.String("concurrency", "8,64", "--concurrency values for the rate-limited runs")
	modes := flag.String("modes", "all,list", "all: --all; list: the IDs given (--connections-file, or -c for builds without it)")
	flag.Float64Var(&o.rate, "rate", 20, "the fake's quota, requests per second (and --rate for builds that have it)")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "the fake's latency for the rate-limited runs")
	flag.DurationVar(&o.rssLatency, "rss-latency", 5*time.Millisecond, "the fake's latency for the RSS runs")
	flag.IntVar(&o.rssConc, "rss-concurrency", 8, "--concurrency for the RSS runs")
	flag.StringVar(&o.vendors, "vendors", sixVendors, "-v for the rate-limited runs and the render figures")
	flag.StringVar(&o.rssVendors, "rss-vendors", "strongswan,fortigate,summary", "-v for the RSS runs: vendors whose distinct numbers (tunnel interfaces, priorities) do not run out at 100k connections in one folder")
	flag.StringVar(&o.dir, "dir", "", "folder for the output of the runs (default: a temporary folder; /dev/shm keeps disk speed out of the figures)")
	flag.DurationVar(&o.renderFor, "render-time", 3*time.Second, "how long to measure rendering")
	flag.BoolVar(&o.skipRate, "skip-rate", false, "skip the rate-limited runs")
	flag.BoolVar(&o.skipRSS, "skip-rss", false, "skip the RSS runs")
	flag.BoolVar(&o.skipRender, "skip-render", false, "skip the render measurement")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "vpnexport-bench: -bin is required (go build -o /tmp/vpnexport-new .)")
		os.Exit(2)
	}
	o.bins, o.labels = []string{*bin}, []string{"new"}
	if *old != "" {
		o.bins, o.labels = append(o.bins, *old), append(o.labels, "old")
	}
	o.rateNs, o.rssNs, o.concs = ints(*rateNs), ints(*rssNs), ints(*concs)
	o.modes = strings.Split(*modes, ",")
	o.progressOut = os.Stderr
	if err := o.run(); err != nil {
		fmt.Fprintln(os.Stderr, "vpnexport-bench:", err)
		os.Exit(1)
	}
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "vpnexport-bench: %q: want positive numbers\n", s)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}

// result is one run of one binary.
type result struct {
	label, mode string
	n, conc     int
	wall, bound time.Duration
	requests    int64
	throttled   int64
	rssKiB      int64
	cpu         time.Duration
	failed      int
	err         string
}

func (o *options) run() error {
	root := o.dir
	if root == "" {
		d, err := os.MkdirTemp("", "vpnexport-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		root = d
	}
	caps := make([]capabilities, len(o.bins))
	for i, b := range o.bins {
		c, err := probe(b)
		if err != nil {
			return err
		}
		caps[i] = c
	}
	fmt.Printf("# vpnexport-bench: %s, GOMAXPROCS %d, vendors %s\n", time.Now().UTC().Format(time.DateOnly), runtime.GOMAXPROCS(0), o.vendors)
	for i, b := range o.bins {
		fmt.Printf("# %s: %s (%s)\n", o.labels[i], b, caps[i])
	}
	if !o.skipRate {
		fmt.Printf("\n## At the quota: %g requests/s, %v latency\n\n", o.rate, o.latency)
		fmt.Println("| build | connections | mode | --concurrency | wall | bound | wall ÷ bound | requests/connection | throttled | failed |")
		fmt.Println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, n := range o.rateNs {
			for _, mode := range o.modes {
				for _, conc := range o.concs {
					for i, b := range o.bins {
						r := o.once(root, b, caps[i], o.labels[i], mode, n, conc, o.rate, o.latency, o.vendors)
						fmt.Printf("| %s | %d | %s | %d | %.1f s | %.1f s | %.3f | %.3f | %.1f%% | %s |\n", r.label, r.n, modeName(mode, caps[i]), r.conc,
							r.wall.Seconds(), r.bound.Seconds(), r.wall.Seconds()/r.bound.Seconds(), float64(r.requests)/float64(r.n),
							100*float64(r.throttled)/math.Max(1, float64(r.requests)), failedText(r))
					}
				}
			}
		}
	}
	if !o.skipRSS {
		fmt.Printf("\n## Memory: --all, no rate limit, %v latency, --concurrency %d, -v %s\n\n", o.rssLatency, o.rssConc, o.rssVendors)
		fmt.Println("| build | connections | peak RSS | × RSS at the first size | wall | CPU | requests/connection | failed |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
		first := map[string]int64{}
		for _, n := range o.rssNs {
			for i, b := range o.bins {
				r := o.once(root, b, caps[i], o.labels[i], "all", n, o.rssConc, 0, o.rssLatency, o.rssVendors)
				if _, ok := first[r.label]; !ok {
					first[r.label] = r.rssKiB
				}
				fmt.Printf("| %s | %d | %.1f MiB | %.2f | %.1f s | %.1f s | %.3f | %s |\n", r.label, r.n, float64(r.rssKiB)/1024,
					float64(r.rssKiB)/float64(first[r.label]), r.wall.Seconds(), r.cpu.Seconds(), float64(r.requests)/float64(r.n), failedText(r))
			}
		}
	}
	if !o.skipRender {
		fmt.Printf("\n## Render (this build, in process): CPU time per connection, half single-tunnel, half dual-tunnel with BGP\n\n")
		fmt.Println("| vendors | µs/connection | µs/connection-vendor | renders refused |")
		fmt.Println("|---|---:|---:|---|")
		for _, vs := range []string{o.vendors, "all"} {
			rc, err := renderCost(strings.Split(vs, ","), o.renderFor)
			if err != nil {
				return err
			}
			fmt.Printf("| %s (%d) | %.0f | %.0f | %s |\n", vs, rc.vendors, rc.perConn, rc.perPair, strings.Join(rc.refused, ", "))
		}
	}
	return nil
}

func modeName(mode string, c capabilities) string {
	switch {
	case mode == "all":
		return "--all"
	case c.connectionsFile:
		return "--connections-file"
	}
	return "-c list"
}

func failedText(r result) string {
	if r.err != "" {
		return fmt.Sprintf("%d (%s)", r.failed, r.err)
	}
	return strconv.Itoa(r.failed)
}

// capabilities are the flags a build knows.
type capabilities struct{ rate, connectionsFile bool }

func (c capabilities) String() string {
	var have []string
	if c.rate {
		have = append(have, "--rate")
	}
	if c.connectionsFile {
		have = append(have, "--connections-file")
	}
	if len(have) == 0 {
		return "neither --rate nor --connections-file"
	}
	return "has " + strings.Join(have, ", ")
}

func probe(bin string) (capabilities, error) {
	out, err := exec.Command(bin, "export", "--help").CombinedOutput()
	if err != nil {
		return capabilities{}, fmt.Errorf("%s export --help: %v\n%s", bin, err, out)
	}
	return capabilities{rate: bytes.Contains(out, []byte("--rate")), connectionsFile: bytes.Contains(out, []byte("--connections-file"))}, nil
}

// once runs one export of n generated connections (every other one dual
// tunnel with BGP) against a fresh fake.
func (o *options) once(root, bin string, c capabilities, label, mode string, n, conc int, rate float64, latency time.Duration, vendors string) result {
	r := result{label: label, mode: mode, n: n, conc: conc}
	s := fakealiyun.New(fakealiyun.Options{AccessKeyID: keyID, AccessKeySecret: secret, Region: region, Latency: latency, RateLimit: rate})
	defer s.Close()
	s.Generate("vco-bench", n, func(id string, i int) fakealiyun.Connection {
		if i%2 == 0 {
			return fakealiyun.DualTunnel(id, i)
		}
		return fakealiyun.SingleTunnel(id, i)
	})
	dir, err := os.MkdirTemp(root, "run-*")
	if err != nil {
		r.err = err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	args := []string{"export", "--region", region, "--endpoint", s.URL, "-v", vendors, "-o", filepath.Join(dir, "out"),
		"--concurrency", strconv.Itoa(conc)}
	if c.rate {
		if rate > 0 {
			args = append(args, "--rate", strconv.FormatFloat(rate, 'g', -1, 64))
		} else {
			args = append(args, "--rate", "off")
		}
	}
	switch {
	case mode == "all":
		args = append(args, "--all")
	case c.connectionsFile:
		var b strings.Builder
		for i := range n {
			b.WriteString(s.GeneratedID(i) + "\n")
		}
		file := filepath.Join(dir, "ids.txt")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			r.err = err.Error()
			return r
		}
		args = append(args, "--connections-file", file)
	default:
		// Older builds: -c, a few hundred IDs an argument (an argument
		// may not exceed 128 KiB).
		for i := 0; i < n; i += 500 {
			var ids []string
			for k := i; k < min(i+500, n); k++ {
				ids = append(ids, s.GeneratedID(k))
			}
			args = append(args, "-c", strings.Join(ids, ","))
		}
	}
	// The fewest requests an export can make: one download per
	// connection and one list page per 50.
	needed := float64(n + (n+api.MaxDescribePageSize-1)/api.MaxDescribePageSize)
	if rate > 0 {
		r.bound = time.Duration(needed / rate * float64(time.Second))
	}
	home := filepath.Join(dir, "home")
	os.MkdirAll(home, 0o700)
	cmd := exec.CommandContext(context.Background(), bin, args...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		api.EnvAccessKeyID + "=" + keyID, api.EnvAccessKeySecret + "=" + secret, api.EnvECSDisabled + "=true"}
	stderr := &tail{}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	fmt.Fprintf(o.progressOut, "vpnexport-bench: %s: %d connections, %s, concurrency %d, rate %g …\n", label, n, mode, conc, rate)
	start := time.Now()
	if err = cmd.Start(); err == nil {
		// The child's own peak RSS: VmHWM of its address space, polled.
		// (getrusage's maxrss is no good here: Go starts children with
		// vfork, and exec records the parent's high-water mark, the
		// benchmark's own, in the child's maxrss.)
		done := make(chan struct{})
		peak := make(chan int64)
		go func() { peak <- pollHWM(cmd.Process.Pid, done) }()
		err = cmd.Wait()
		close(done)
		r.rssKiB = <-peak
	}
	r.wall = time.Since(start)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	st := s.Stats()
	r.requests, r.throttled = st.Requests, st.Throttled
	r.failed = countFailed(filepath.Join(dir, "out", "manifest.json"), n)
	if err != nil && r.failed == 0 {
		r.err = strings.TrimSpace(lastLine(stderr.String()))
	}
	return r
}

// pollHWM reads VmHWM (KiB) from /proc/<pid>/status every 20 ms until
// done, and returns the largest value read.
func pollHWM(pid int, done <-chan struct{}) int64 {
	var peak int64
	path := fmt.Sprintf("/proc/%d/status", pid)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil {
			if m := hwmLine.FindSubmatch(data); m != nil {
				if v, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil && v > peak {
					peak = v
				}
			}
		}
		select {
		case <-done:
			return peak
		case <-t.C:
		}
	}
}

var hwmLine = regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB`)

// tail keeps the last 4 KiB written to it: a child's stderr, for the
// error of a failed run, without growing the benchmark's own memory.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = append(t.b[:0], t.b[len(t.b)-4096:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

// countFailed counts the connections not exported, from the manifest's
// top-level "ok" count (two spaces in; the entries are deeper), without
// decoding the manifest.
func countFailed(path string, n int) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return n
	}
	m := regexp.MustCompile(`(?m)^  "ok": (\d+),`).FindSubmatch(data)
	if m == nil {
		return n
	}
	ok, _ := strconv.Atoi(string(m[1]))
	return n - ok
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// renderStats is the CPU time to render through one Plan, as export does.
type renderStats struct {
	perConn, perPair float64
	vendors          int
	// refused lists the vendor/connection pairs a vendor refuses (not
	// counted: a refusal returns early).
	refused []string
}

func renderCost(vendors []string, d time.Duration) (renderStats, error) {
	p, err := render.NewPlan(render.PlanOptions{Vendors: vendors, Templates: templates.FS})
	if err != nil {
		return renderStats{}, err
	}
	var conns []vpn.Connection
	for _, fc := range []fakealiyun.Connection{fakealiyun.SingleTunnel("vco-r1", 1), fakealiyun.DualTunnel("vco-r2", 2)} {
		c, err := connection(fc)
		if err != nil {
			return renderStats{}, err
		}
		conns = append(conns, c)
	}
	// The pairs that render (the first render also parses templates).
	type pair struct {
		v render.Vendor
		c vpn.Connection
	}
	var pairs []pair
	st := renderStats{vendors: len(p.Vendors())}
	for ci, c := range conns {
		for _, v := range p.Vendors() {
			if _, _, err := p.RenderVendor(v, c, render.Options{}); err != nil {
				st.refused = append(st.refused, fmt.Sprintf("%s/%s", v.Name, []string{"single", "dual-bgp"}[ci]))
				continue
			}
			pairs = append(pairs, pair{v, c})
		}
	}
	runtime.GC()
	start, cpu0 := time.Now(), cpuTime()
	var rounds int
	for time.Since(start) < d {
		for _, pr := range pairs {
			p.RenderVendor(pr.v, pr.c, render.Options{})
		}
		rounds++
	}
	used := float64((cpuTime() - cpu0).Microseconds())
	st.perPair = used / float64(rounds*len(pairs))
	st.perConn = used / float64(rounds*len(conns))
	return st, nil
}

// connection builds the model export would build from a fake connection.
func connection(fc fakealiyun.Connection) (vpn.Connection, error) {
	raw, err := jsonMarshal(fc.Download)
	if err != nil {
		return vpn.Connection{}, err
	}
	cfg, err := api.Parse(raw)
	if err != nil {
		return vpn.Connection{}, err
	}
	c, _, err := api.Normalize(cfg)
	if err != nil {
		return vpn.Connection{}, err
	}
	draw, err := jsonMarshal(fc.Describe)
	if err != nil {
		return vpn.Connection{}, err
	}
	desc, err := api.ParseDescription(draw)
	if err != nil {
		return vpn.Connection{}, err
	}
	_, err = api.ApplyDescription(&c, cfg, desc, region)
	return c, err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
