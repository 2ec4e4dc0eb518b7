package interop

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Paths of the strongSwan pieces the lab runs (Debian layout).
const (
	charonBin    = "/usr/lib/ipsec/charon"
	swanctlBin   = "/usr/sbin/swanctl"
	libipsecPlug = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"
	tunDevice    = "/dev/net/tun"
	aptLine      = "apt-get install --no-install-recommends strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extauth-plugins iproute2 iputils-ping util-linux"
)

var (
	labOnce   sync.Once
	labReason string
	labSeq    atomic.Int64
)

// TestMain runs the tests, then fails the run if any namespace this process
// created is still there: every case must clean up, also on failure.
func TestMain(m *testing.M) {
	code := m.Run()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			name, _, _ := strings.Cut(l, " ")
			for _, p := range []string{"c", "o", "v"} {
				if strings.HasPrefix(name, fmt.Sprintf("%s%d-", p, os.Getpid())) {
					fmt.Fprintf(os.Stderr, "interop: namespace %s left behind\n", name)
					code = 1
				}
			}
		}
	}
	os.Exit(code)
}

// requireLab skips the test when the lab cannot run here, or fails it when
// IPSEC_INTEROP=require (CI), so a broken CI machine cannot pass silently.
func requireLab(t *testing.T) {
	t.Helper()
	reason := ""
	if testing.Short() {
		reason = "-short"
	} else {
		labOnce.Do(func() { labReason = probeLab() })
		reason = labReason
	}
	skipOrFail(t, "interop lab", reason)
}

// skipOrFail skips the test when what is unavailable (reason != ""), or
// fails it under IPSEC_INTEROP=require.
func skipOrFail(t *testing.T, what, reason string) {
	t.Helper()
	if reason == "" {
		return
	}
	if os.Getenv("IPSEC_INTEROP") == "require" {
		t.Fatalf("%s required (IPSEC_INTEROP=require) but unavailable: %s", what, reason)
	}
	t.Skipf("%s unavailable: %s", what, reason)
}

// probeLab returns why the lab cannot run, or "".
func probeLab() string {
	if os.Geteuid() != 0 {
		return "needs root for network namespaces"
	}
	for _, f := range []string{charonBin, swanctlBin, libipsecPlug, tunDevice} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("%s missing (%s)", f, aptLine)
		}
	}
	for _, c := range []string{"ip", "unshare", "ping", "mount"} {
		if _, err := exec.LookPath(c); err != nil {
			return fmt.Sprintf("%s not in PATH (%s)", c, aptLine)
		}
	}
	probe := fmt.Sprintf("p%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		return fmt.Sprintf("ip netns add failed: %s", strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
	return ""
}

// topology is one lab's addressing. The WAN addresses sit on a veth pair
// named wan, the protected subnets as .1 addresses on lo; the only route to
// the peer's subnets is the one charon installs through ipsec0.
type topology struct {
	CloudWAN      []string // Alibaba gateway address(es)
	OnpremWAN     string   // customer gateway address
	CloudSubnets  []string // VPC prefixes
	OnpremSubnets []string // data-center prefixes
	// AggressivePSK sets the responder opt-in for IKEv1 aggressive mode
	// with pre-shared keys on the cloud charon.
	AggressivePSK bool
	// NoOnpremCharon leaves the on-prem namespace to another IKE daemon
	// (libreswan's pluto), which needs UDP 500 and 4500 there.
	NoOnpremCharon bool
}

// docTopology is docs/interop.md "Topology": the documentation addresses used by most
// saved API responses.
func docTopology(cloudWAN ...string) topology {
	if len(cloudWAN) == 0 {
		cloudWAN = []string{"203.0.113.1"}
	}
	return topology{
		CloudWAN:      cloudWAN,
		OnpremWAN:     "198.51.100.1",
		CloudSubnets:  []string{"10.10.0.0/24", "10.11.0.0/24"},
		OnpremSubnets: []string{"10.20.0.0/24", "10.21.0.0/24"},
	}
}

// node is one namespace with its charon.
type node struct {
	role string // "cloud" or "onprem"
	ns   string
	dir  string
	conf string // strongswan.conf
	uri  string // vici socket URI
	log  string // charon filelog
	cmd  *exec.Cmd
	done chan struct{}
}

// lab is a running pair of namespaces.
type lab struct {
	t             *testing.T
	cloud, onprem *node
}

// run executes a command with a deadline and returns its combined output.
func run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// mustRun fails the test when the command fails.
func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := run(10*time.Second, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newNamespace creates a namespace named ns and deletes it at cleanup.
func newNamespace(t *testing.T, ns string) {
	t.Helper()
	mustRun(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		if out, err := run(10*time.Second, "ip", "netns", "del", ns); err != nil {
			t.Errorf("cleanup: %v: %s", err, out)
		}
	})
	// IPv6 off: router solicitations would otherwise clutter ipsec0.
	mustRun(t, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	mustRun(t, "ip", "-n", ns, "link", "set", "lo", "up")
}

// keptTempDir makes a temporary directory removed at cleanup, or kept
// (and its path logged) with IPSEC_INTEROP_KEEP=1.
func keptTempDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("IPSEC_INTEROP_KEEP") != "" {
			t.Logf("kept %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	return dir
}

// labDir makes a short per-node directory: a vici socket path must stay
// below 108 bytes, and t.TempDir's names grow with the subtest name.
func labDir(t *testing.T, ns string) string {
	t.Helper()
	dir := keptTempDir(t, "ipx-"+ns+"-")
	// swanctl --load-all --file looks for credential folders next to the
	// file and warns about each missing one.
	for _, d := range []string{"run", "conf", "conf/x509", "conf/x509ca", "conf/x509ocsp", "conf/x509aa",
		"conf/x509ac", "conf/x509crl", "conf/pubkey", "conf/private", "conf/rsa", "conf/ecdsa",
		"conf/bliss", "conf/pkcs8", "conf/pkcs12"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// strongswanConf is one charon's configuration (docs/interop.md "One charon per namespace"). Nothing is
// included from /etc/strongswan.d: Debian's kernel-libipsec.conf says
// "load = no", which would silently win over the load list.
const strongswanConf = `charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey aes sha1 sha2 md5 hmac gmp curve25519 xcbc cmac ctr ccm gcm chapoly kdf attr socket-default vici updown xauth-generic kernel-libipsec kernel-netlink
    # fail fast: a dead peer is given up after about 4.4 s, not 165 s
    retransmit_tries = 2
    retransmit_timeout = 1.0
    retransmit_base = 1.4
    i_dont_care_about_security_and_use_aggressive_mode_psk = %s
%s    filelog {
        lab {
            path = %s
            time_format = %%H:%%M:%%S
            default = 1
            ike = 2
            cfg = 2
            knl = 2
            esp = 2
            flush_line = yes
        }
    }
    plugins {
        vici {
            socket = %s
        }
        kernel-libipsec {
            load = yes
        }%s
    }
}
`

// charonOpts are the per-charon settings of a lab node.
type charonOpts struct {
	// AggressivePSK sets the responder opt-in for IKEv1 aggressive mode
	// with pre-shared keys.
	AggressivePSK bool
	// Name tells apart several charons in one namespace (lab directory).
	Name string
	// Port and NATPort replace UDP 500 and 4500: two charons in one
	// namespace cannot share them. 0 = the defaults.
	Port, NATPort int
	// Table, when set, sends the routes kernel-libipsec installs for its
	// policies into this routing table behind a rule that matches only
	// fwmark Table, so no packet ever uses them: routing is left to the
	// test (FRR), as with XFRM interfaces. 0 = charon's table 220.
	Table int
}

// extra returns the charon and plugin lines the options add.
func (o charonOpts) extra() (charon, plugins string) {
	if o.Port != 0 {
		charon += fmt.Sprintf("    port = %d\n    port_nat_t = %d\n", o.Port, o.NATPort)
	}
	if o.Table != 0 {
		charon += fmt.Sprintf("    routing_table = %d\n    routing_table_prio = %d\n", o.Table, o.Table)
		plugins = fmt.Sprintf("\n        kernel-netlink {\n            fwmark = %#x\n        }", o.Table)
	}
	return charon, plugins
}

// startNode writes the node's strongswan.conf and starts its charon inside
// the namespace. The wrapper execs at every step, so the PID we hold is
// charon's: cleanup stops exactly that process.
func startNode(t *testing.T, role, ns string, opts charonOpts) *node {
	t.Helper()
	dir := labDir(t, ns+opts.Name)
	n := &node{
		role: role, ns: ns, dir: dir,
		conf: filepath.Join(dir, "strongswan.conf"),
		uri:  "unix://" + filepath.Join(dir, "run", "charon.vici"),
		log:  filepath.Join(dir, "charon.log"),
		done: make(chan struct{}),
	}
	yes := "no"
	if opts.AggressivePSK {
		yes = "yes"
	}
	charonExtra, pluginExtra := opts.extra()
	if err := os.WriteFile(n.conf, fmt.Appendf(nil, strongswanConf, yes, charonExtra, n.log, n.uri, pluginExtra), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "charon.out"))
	if err != nil {
		t.Fatal(err)
	}
	// charon writes /var/run/charon.pid whatever its configuration says:
	// give it a private /run.
	n.cmd = exec.Command("ip", "netns", "exec", ns, "unshare", "--mount", "--propagation", "private",
		"sh", "-c", `mount --bind "$1" /run && exec env STRONGSWAN_CONF="$2" `+charonBin, "sh", filepath.Join(dir, "run"), n.conf)
	n.cmd.Stdout, n.cmd.Stderr = out, out
	if err := n.cmd.Start(); err != nil {
		out.Close()
		t.Fatal(err)
	}
	go func() {
		_ = n.cmd.Wait()
		out.Close()
		close(n.done)
	}()
	t.Cleanup(n.stop)
	// Ready when vici answers.
	if err := poll(10*time.Second, func() error {
		select {
		case <-n.done:
			b, _ := os.ReadFile(filepath.Join(dir, "charon.out"))
			return fmt.Errorf("charon exited: %s", bytes.TrimSpace(b))
		default:
		}
		_, err := n.swanctl("--stats")
		return err
	}); err != nil {
		t.Fatalf("%s charon not ready: %v", role, err)
	}
	return n
}

// stop terminates charon by its PID, then kills it if it lingers.
func (n *node) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// swanctl runs one swanctl command (its first argument) against this
// node's vici socket; swanctl wants the command before --uri.
func (n *node) swanctl(command string, args ...string) (string, error) {
	return run(20*time.Second, swanctlBin, append([]string{command, "--uri", n.uri}, args...)...)
}

// load loads a swanctl.conf; the file is copied next to empty credential
// folders first. swanctl exits 0 on syntax errors, so the text is checked.
func (n *node) load(t *testing.T, name string, conf []byte) string {
	t.Helper()
	path := filepath.Join(n.dir, "conf", name)
	if err := os.WriteFile(path, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := n.swanctl("--load-all", "--file", path)
	if err != nil {
		t.Fatalf("%s: load %s: %v", n.role, name, err)
	}
	if bad := loadProblems(out); bad != "" {
		t.Fatalf("%s: load %s: %s\n%s", n.role, name, bad, out)
	}
	return out
}

// loadProblems returns the first line of swanctl --load-all output that is
// not a plain success line, or "".
func loadProblems(out string) string {
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "loaded ike secret '"),
			strings.HasPrefix(l, "loaded connection '"),
			l == "no authorities found, 0 unloaded",
			l == "no pools found, 0 unloaded",
			strings.HasPrefix(l, "successfully loaded ") && strings.HasSuffix(l, ", 0 unloaded"):
		default:
			return l
		}
	}
	return ""
}

// logText returns the node's charon log.
func (n *node) logText() string {
	b, _ := os.ReadFile(n.log)
	return string(b)
}

// sas lists the node's IKE SAs.
func (n *node) sas() ([]ikeSA, error) {
	out, err := n.swanctl("--list-sas", "--raw")
	if err != nil {
		return nil, err
	}
	return parseSAs(out)
}

// newLab builds both namespaces, the veth between them, the addresses and
// a charon in each. Names are unique per process and lab, so cases run in
// parallel. Everything is undone by t.Cleanup, also on failure.
func newLab(t *testing.T, topo topology) *lab {
	t.Helper()
	id := labSeq.Add(1)
	cns := fmt.Sprintf("c%d-%d", os.Getpid(), id)
	ons := fmt.Sprintf("o%d-%d", os.Getpid(), id)
	newNamespace(t, cns)
	newNamespace(t, ons)
	mustRun(t, "ip", "-n", cns, "link", "add", "wan", "type", "veth", "peer", "name", "wan", "netns", ons)
	for _, ns := range []string{cns, ons} {
		mustRun(t, "ip", "-n", ns, "link", "set", "wan", "up")
	}
	for _, a := range topo.CloudWAN {
		mustRun(t, "ip", "-n", cns, "addr", "add", a+"/32", "dev", "wan")
		mustRun(t, "ip", "-n", ons, "route", "add", a+"/32", "dev", "wan")
	}
	mustRun(t, "ip", "-n", ons, "addr", "add", topo.OnpremWAN+"/32", "dev", "wan")
	mustRun(t, "ip", "-n", cns, "route", "add", topo.OnpremWAN+"/32", "dev", "wan")
	for _, p := range topo.CloudSubnets {
		mustRun(t, "ip", "-n", cns, "addr", "add", hostOne(t, p), "dev", "lo")
	}
	for _, p := range topo.OnpremSubnets {
		mustRun(t, "ip", "-n", ons, "addr", "add", hostOne(t, p), "dev", "lo")
	}
	l := &lab{t: t}
	l.cloud = startNode(t, "cloud", cns, charonOpts{AggressivePSK: topo.AggressivePSK})
	if topo.NoOnpremCharon {
		l.onprem = &node{role: "onprem", ns: ons}
		return l
	}
	l.onprem = startNode(t, "onprem", ons, charonOpts{})
	// Registered last, runs first: show both logs when the case failed.
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range []*node{l.onprem, l.cloud} {
				t.Logf("---- %s charon.log (tail, without vici client lines) ----\n%s", n.role, tail(withoutVici(n.logText()), 60))
			}
		}
	})
	return l
}

// hostOne gives the prefix's first host with the prefix length, e.g.
// 10.20.0.0/24 -> 10.20.0.1/24.
func hostOne(t *testing.T, prefix string) string {
	t.Helper()
	p := netip.MustParsePrefix(prefix)
	return netip.PrefixFrom(p.Addr().Next(), p.Bits()).String()
}

// ping sends a few echo requests from src to dst inside the onprem
// namespace.
func (l *lab) ping(src, dst string) error {
	_, err := run(10*time.Second, "ip", "netns", "exec", l.onprem.ns, "ping", "-n", "-q", "-c", "3", "-i", "0.1", "-W", "2", "-I", src, dst)
	return err
}

// poll calls f until it returns nil or the timeout passes; the last error
// is returned. Used instead of fixed sleeps.
func poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog waits until every substring appears in the node's log.
func (n *node) waitLog(timeout time.Duration, want ...string) error {
	return poll(timeout, func() error {
		text := n.logText()
		for _, w := range want {
			if !strings.Contains(text, w) {
				return fmt.Errorf("%s charon.log lacks %q", n.role, w)
			}
		}
		return nil
	})
}

// withoutVici drops the connect/request lines every swanctl call logs;
// polling would otherwise fill the tail shown on failure.
func withoutVici(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "[CFG] vici client ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
