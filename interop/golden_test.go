package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goldenConns is the number of connections (and IKE secrets) each golden
// strongSwan file must load, written by hand: one per tunnel.
var goldenConns = map[string]int{
	"dual-tunnel":                2,
	"dual-tunnel-bgp":            2,
	"dual-tunnel-same-proposals": 2,
	"ikev1-2x2-subnets":          1,
	"ikev1-aggressive-fqdn":      1,
	"ikev2-2x2-subnets":          1,
	"ikev2-aes256-sha256-g14":    1,
	"ikev2-group24":              1,
	"pfs-disabled":               1,
	"route-based":                1,
	"seed-example":               1,
	"special-psk":                1,
	"xml-input":                  1,
}

var (
	loadedConnRE   = regexp.MustCompile(`(?m)^loaded connection '[^']+'$`)
	loadedSecretRE = regexp.MustCompile(`(?m)^loaded ike secret '[^']+'$`)
)

// TestInteropGoldenLoad loads every golden swanctl.conf into a throwaway
// charon (its own namespace, only lo) with swanctl --load-all and reads the
// output: swanctl exits 0 on a syntax error and then loads nothing, so the
// exit code alone proves nothing. Every output line must be a success line,
// with the expected number of connections and secrets, and charon must not
// log anything invalid.
func TestInteropGoldenLoad(t *testing.T) {
	requireLab(t)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*", "swanctl.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden swanctl.conf files: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		seen[name] = true
		want, ok := goldenConns[name]
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Fatalf("golden case %s missing from goldenConns: add its connection count", name)
			}
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, logText := loadThrowaway(t, data)
			if bad := loadProblems(out); bad != "" {
				t.Errorf("unexpected swanctl output line %q:\n%s", bad, out)
			}
			conns, secrets := len(loadedConnRE.FindAllString(out, -1)), len(loadedSecretRE.FindAllString(out, -1))
			if conns != want || secrets != want {
				t.Errorf("loaded %d connections and %d secrets, want %d each:\n%s", conns, secrets, want, out)
			}
			if !strings.Contains(out, fmt.Sprintf("successfully loaded %d connections, 0 unloaded", want)) {
				t.Errorf("no success summary for %d connections:\n%s", want, out)
			}
			for _, l := range strings.Split(logText, "\n") {
				low := strings.ToLower(l)
				if strings.Contains(low, "invalid") || strings.Contains(low, "failed") || strings.Contains(low, "skipped") {
					t.Errorf("charon.log: %s", l)
				}
			}
			t.Logf("%d connection(s) loaded cleanly", conns)
		})
	}
	for name := range goldenConns {
		if !seen[name] {
			t.Errorf("goldenConns lists %s, which has no golden swanctl.conf", name)
		}
	}

	// The check itself must catch what swanctl lets through with exit 0.
	t.Run("self-check-syntax-error", func(t *testing.T) {
		t.Parallel()
		broken := []byte("connections {\n    s2s {\n        version = 2\n")
		out, _ := loadThrowaway(t, broken)
		if loadProblems(out) == "" {
			t.Errorf("a truncated file passed the output check:\n%s", out)
		}
		t.Logf("truncated file rejected: %s", loadProblems(out))
	})
}

// loadThrowaway loads a swanctl.conf into a fresh charon and returns
// swanctl's output (whatever its exit code) and charon's log.
func loadThrowaway(t *testing.T, conf []byte) (out, logText string) {
	t.Helper()
	ns := fmt.Sprintf("v%d-%d", os.Getpid(), labSeq.Add(1))
	newNamespace(t, ns)
	n := startNode(t, "validate", ns, charonOpts{})
	path := filepath.Join(n.dir, "conf", "swanctl.conf")
	if err := os.WriteFile(path, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := n.swanctl("--load-all", "--file", path)
	if err != nil {
		// A non-zero exit (e.g. 22 for an invalid value) is reported by
		// the output check; keep the text.
		t.Logf("swanctl: %v", err)
	}
	return out, n.logText()
}
