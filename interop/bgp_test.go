package interop

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// BGP over both tunnels of a route-based dual-tunnel connection.
//
// The kernel here has no XFRM interfaces, and kernel-libipsec chooses the
// outbound SA by matching each packet against its policy list (selectors
// only: no mark, no if_id), so in one charon two 0.0.0.0/0 children cannot
// be told apart by routing. The lab therefore runs one charon per tunnel:
// each has its own TUN device, which stands where the tunnel's XFRM
// interface stands on a real gateway, and routing (FRR) alone decides which
// tunnel a packet takes. Lab adaptations, all in this harness and none in a
// rendered file:
//
//   - the rendered `ip link add ipsec-tN type xfrm dev … if_id N` is replaced
//     by the TUN device of tunnel N's charon given the alternative name
//     ipsec-tN; every other rendered setup line runs verbatim;
//   - the rendered swanctl.conf is split: tunnel N's charon loads only
//     tunnel N's connection block (byte for byte) and the secrets;
//   - tunnel 2's charon listens on UDP 1500/14500 (two charons cannot share
//     500/4500 in one namespace); Alibaba answers any source port;
//   - kernel-libipsec always installs a 0.0.0.0/0 route per policy: each
//     charon puts it in its own table behind a rule that matches a fwmark no
//     packet carries, so the routes FRR installs decide, as on a real
//     gateway.
//
// The Alibaba side is two namespaces (its two tunnel addresses), each with a
// hand-written swanctl.conf and frr.conf playing AS 45104; both own the VPC
// prefixes, so the tunnel that carried a ping is the one that answers it.
//
// What the on-prem device already runs is simulated too: before the
// rendered frr.conf is applied, the on-prem bgpd has `router bgp <AS>` with
// `redistribute connected` (the WAN /32, the tunnel /30s, lo), and the cloud
// side also sends a default route: the rendered policy must announce only
// the on-prem prefixes and accept neither the default route nor anything
// outside the VPC prefixes.

// bgpTunnel is one tunnel of a BGP case, written by hand.
type bgpTunnel struct {
	conn      string // on-prem connection name in the rendered swanctl.conf
	cloudIP   string // Alibaba address
	cloudConf string // hand-written cloud swanctl.conf
	cloudFRR  string // hand-written cloud frr.conf
	cloudBGP  string // Alibaba inside address (its BGP neighbour address)
	cloudTun  string // Alibaba inside address with prefix length, on its TUN
	asPath    string // AS path Alibaba must see for the on-prem prefixes
}

// bgpCase is one BGP interop case.
type bgpCase struct {
	api      string
	params   map[string]string // --set for the frr renderer
	onpremAS string
	tunnels  [2]bgpTunnel // master, slave
	// vpc: prefixes Alibaba announces and on-prem must accept; onprem: the
	// prefixes on-prem must announce (and nothing else).
	vpc, onprem []string
	ping        [2]string // on-prem source, VPC destination
	// authKey is the BGP (TCP MD5) password of both sessions, as
	// DescribeVpnConnection gives it (not in the saved download); the
	// hand-written Alibaba side has the same.
	authKey string
}

var bgpCases = map[string]bgpCase{
	"dual-tunnel-bgp": {
		api: "dual-tunnel-bgp.json",
		params: map[string]string{
			"onprem-prefixes": "10.20.0.0/24,10.21.0.0/24",
			"vpc-cidr":        "10.10.0.0/24,10.11.0.0/24",
		},
		onpremAS: "65530",
		tunnels: [2]bgpTunnel{
			{conn: "dual-tunnel-bgp-t1", cloudIP: "203.0.113.1", cloudConf: "dual-tunnel-bgp-t1.conf",
				cloudFRR: "dual-tunnel-bgp-t1.frr.conf", cloudBGP: "169.254.10.1", cloudTun: "169.254.10.1/30",
				asPath: "65530"},
			{conn: "dual-tunnel-bgp-t2", cloudIP: "203.0.113.2", cloudConf: "dual-tunnel-bgp-t2.conf",
				cloudFRR: "dual-tunnel-bgp-t2.frr.conf", cloudBGP: "169.254.20.1", cloudTun: "169.254.20.1/30",
				asPath: "65530 65530 65530"},
		},
		vpc:     []string{"10.10.0.0/24", "10.11.0.0/24"},
		onprem:  []string{"10.20.0.0/24", "10.21.0.0/24"},
		ping:    [2]string{"10.20.0.1", "10.10.0.1"},
		authKey: "fake-bgp-md5-key",
	},
}

// bgpLab is the on-prem namespace with one charon per tunnel and FRR, and
// one namespace per Alibaba tunnel address with charon and FRR.
type bgpLab struct {
	t        *testing.T
	ons      string
	on       [2]*node
	onFRR    *frrNode
	cns      [2]string
	cloud    [2]*node
	cloudFRR [2]*frrNode
}

// TestInteropBGP proves, per case: both IPsec tunnels and both BGP sessions
// up through them, the VPC prefixes learned with the best path via the
// master, traffic through the master only; the master's IKE_SA torn down ->
// the route moves to the slave and traffic passes through it; the master
// back -> the best path and the traffic return to it.
func TestInteropBGP(t *testing.T) {
	requireLab(t)
	requireFRR(t)
	for _, name := range sortedKeys(bgpCases) {
		bc := bgpCases[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			runBGPCase(t, bc)
			t.Logf("%s: pass in %.1fs", name, time.Since(start).Seconds())
		})
	}
}

func runBGPCase(t *testing.T, bc bgpCase) {
	// if_id 10 and 11 name the rendered XFRM interfaces ipsec10 and
	// ipsec11, clear of the names kernel-libipsec gives the charons' TUN
	// devices (ipsec0, ipsec1), which the lab renames to the rendered ones.
	swan := renderVendor(t, bc.api, "strongswan", map[string]string{"if-id": "10"})
	frrFiles, err := renderFilesWith(bc.api, "frr", bc.params, true, func(c *vpn.Connection) {
		for i := range c.Tunnels {
			if b := c.Tunnels[i].BGP; b != nil && bc.authKey != "" {
				bgp := *b
				bgp.AuthKey = vpn.NewSecret(bc.authKey)
				c.Tunnels[i].BGP = &bgp
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	frr, rollback := frrFiles[0].Data, frrFiles[len(frrFiles)-1].Data
	if bc.authKey != "" && !bytes.Contains(frr, []byte(" password "+bc.authKey+"\n")) {
		t.Fatalf("rendered frr.conf has no BGP password line")
	}
	setup, devs := setupLines(t, swan)
	l := newBGPLab(t, bc)

	// On-prem: one charon per tunnel; its TUN device takes the name of the
	// rendered XFRM interface, then the rendered setup lines run.
	for i, tun := range bc.tunnels {
		dev, ok := devs[10+i]
		if !ok {
			t.Fatalf("rendered swanctl.conf creates no XFRM interface for tunnel %d (if_id %d): %v", i+1, 10+i, devs)
		}
		mustRun(t, "ip", "-n", l.ons, "link", "property", "add", "dev", tunOf(t, l.on[i]), "altname", dev)
		t.Logf("tunnel %d (%s): charon TUN device %s named %s", i+1, tun.conn, tunOf(t, l.on[i]), dev)
	}
	for _, line := range setup {
		mustRun(t, "ip", append([]string{"-n", l.ons}, line...)...)
	}
	t.Logf("on-prem setup (rendered, xfrm device replaced by a charon TUN): %q", setup)

	// The device's BGP process before the paste.
	l.onFRR.apply(t, "existing.conf", []byte(fmt.Sprintf("router bgp %s\n address-family ipv4 unicast\n  redistribute connected\n exit-address-family\nexit\n", bc.onpremAS)))
	for i, tun := range bc.tunnels {
		l.cloudFRR[i].apply(t, "cloud-frr.conf", readFixture(t, tun.cloudFRR))
		l.cloud[i].load(t, "cloud.conf", readFixture(t, tun.cloudConf))
	}
	l.onFRR.apply(t, "frr.conf", frr)
	// Pasting the same file again (a key rotation) changes nothing.
	before := l.onFRR.runningConfig(t)
	l.onFRR.apply(t, "frr.conf", frr)
	if after := l.onFRR.runningConfig(t); after != before {
		t.Errorf("applying frr.conf twice changed the running configuration:\n%s\n---\n%s", before, after)
	}
	for i, tun := range bc.tunnels {
		l.on[i].load(t, "onprem.conf", swanctlOnly(t, swan, tun.conn))
	}

	// 1. Both tunnels, both sessions, the VPC prefixes, best path via the master.
	master, slave := bc.tunnels[0], bc.tunnels[1]
	l.waitState(t, 30*time.Second, "both BGP sessions Established", func() error {
		return l.sessions(bc, true, true)
	})
	l.checkPolicy(t, bc)
	l.logSummary(t, "up")
	l.waitState(t, 10*time.Second, "route via the master", func() error { return l.routeVia(bc, master) })
	l.logBest(t, bc)
	l.pingVia(t, bc, 0, "both up")

	// 2. Fail-over: the master's IKE_SA goes away.
	t0 := time.Now()
	if _, err := l.on[0].swanctl("--terminate", "--ike", master.conn); err != nil {
		t.Fatalf("terminate %s: %v", master.conn, err)
	}
	t.Logf("fail-over: swanctl --terminate --ike %s", master.conn)
	l.waitState(t, 60*time.Second, "route via the slave after the master went down", func() error {
		if err := l.sessions(bc, false, true); err != nil {
			return err
		}
		return l.routeVia(bc, slave)
	})
	t.Logf("fail-over: best path moved to the slave after %.1fs (BGP hold time)", time.Since(t0).Seconds())
	l.logSummary(t, "master down")
	l.logBest(t, bc)
	l.pingVia(t, bc, 1, "master down")

	// 3. Fail-back: the master comes back.
	t0 = time.Now()
	if _, err := l.on[0].swanctl("--initiate", "--child", master.conn); err != nil {
		t.Fatalf("initiate %s: %v", master.conn, err)
	}
	t.Logf("fail-back: swanctl --initiate --child %s", master.conn)
	l.waitState(t, 45*time.Second, "route back via the master", func() error {
		if err := l.sessions(bc, true, true); err != nil {
			return err
		}
		return l.routeVia(bc, master)
	})
	t.Logf("fail-back: best path back on the master after %.1fs", time.Since(t0).Seconds())
	l.logSummary(t, "master back")
	l.logBest(t, bc)
	l.pingVia(t, bc, 0, "master back")

	// 4. The rollback removes what frr.conf added and leaves the device's
	// own BGP process as it was.
	l.onFRR.apply(t, "frr-rollback.conf", rollback)
	peers, err := l.onFRR.peers()
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 0 {
		t.Errorf("after the rollback BGP still has neighbors %v", slices.Sorted(maps.Keys(peers)))
	}
	cfg := l.onFRR.runningConfig(t)
	for _, gone := range []string{"route-map ", "ip prefix-list ", "neighbor ", "network "} {
		if strings.Contains(cfg, gone) {
			t.Errorf("after the rollback the running configuration still has %q:\n%s", gone, cfg)
		}
	}
	if !strings.Contains(cfg, "router bgp "+bc.onpremAS) || !strings.Contains(cfg, "redistribute connected") {
		t.Errorf("the rollback removed the device's own BGP process:\n%s", cfg)
	}
	t.Logf("rollback: frr-rollback.conf removed the neighbors, route-maps and prefix-lists; the existing 'router bgp %s' with 'redistribute connected' remains", bc.onpremAS)
}

// newBGPLab builds the namespaces, the WAN links, the charons and FRR.
func newBGPLab(t *testing.T, bc bgpCase) *bgpLab {
	t.Helper()
	id := labSeq.Add(1)
	l := &bgpLab{t: t, ons: fmt.Sprintf("o%d-%d", os.Getpid(), id)}
	newNamespace(t, l.ons)
	for _, p := range bc.onprem {
		mustRun(t, "ip", "-n", l.ons, "addr", "add", hostOne(t, p), "dev", "lo")
	}
	for i, tun := range bc.tunnels {
		l.cns[i] = fmt.Sprintf("c%d-%d%c", os.Getpid(), id, 'a'+i)
		cns, wan := l.cns[i], fmt.Sprintf("wan%d", i+1)
		newNamespace(t, cns)
		mustRun(t, "ip", "-n", l.ons, "link", "add", wan, "type", "veth", "peer", "name", "wan", "netns", cns)
		mustRun(t, "ip", "-n", l.ons, "link", "set", wan, "up")
		mustRun(t, "ip", "-n", cns, "link", "set", "wan", "up")
		mustRun(t, "ip", "-n", l.ons, "addr", "add", "198.51.100.1/32", "dev", wan)
		mustRun(t, "ip", "-n", l.ons, "route", "add", tun.cloudIP+"/32", "dev", wan)
		mustRun(t, "ip", "-n", cns, "addr", "add", tun.cloudIP+"/32", "dev", "wan")
		mustRun(t, "ip", "-n", cns, "route", "add", "198.51.100.1/32", "dev", "wan")
		for _, p := range bc.vpc {
			mustRun(t, "ip", "-n", cns, "addr", "add", hostOne(t, p), "dev", "lo")
		}
		l.cloud[i] = startNode(t, fmt.Sprintf("cloud-t%d", i+1), cns, charonOpts{Table: 221})
		dev := tunOf(t, l.cloud[i])
		mustRun(t, "ip", "-n", cns, "addr", "add", tun.cloudTun, "dev", dev)
		mustRun(t, "ip", "-n", cns, "link", "set", dev, "up")
		l.cloudFRR[i] = startFRR(t, fmt.Sprintf("cloud-t%d", i+1), cns)
	}
	// Started one after the other, so each TUN device is known by its log.
	l.on[0] = startNode(t, "onprem-t1", l.ons, charonOpts{Name: "t1", Table: 221})
	l.on[1] = startNode(t, "onprem-t2", l.ons, charonOpts{Name: "t2", Table: 222, Port: 1500, NATPort: 14500})
	l.onFRR = startFRR(t, "onprem", l.ons)
	t.Cleanup(func() {
		if t.Failed() {
			for i := range l.on {
				t.Logf("---- onprem-t%d charon.log ----\n%s", i+1, tail(withoutVici(l.on[i].logText()), 30))
			}
			t.Logf("---- onprem bgpd.log ----\n%s", l.onFRR.logTail(30))
			for i := range l.cloud {
				t.Logf("---- cloud-t%d bgpd.log ----\n%s", i+1, l.cloudFRR[i].logTail(15))
			}
		}
	})
	return l
}

var tunRE = regexp.MustCompile(`created TUN device: (ipsec\d+)`)

// tunOf returns the TUN device a charon created (kernel-libipsec).
func tunOf(t *testing.T, n *node) string {
	t.Helper()
	var dev string
	if err := poll(5*time.Second, func() error {
		m := tunRE.FindStringSubmatch(n.logText())
		if m == nil {
			return fmt.Errorf("%s: no TUN device in charon.log", n.role)
		}
		dev = m[1]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return dev
}

var xfrmRE = regexp.MustCompile(`^link add (\S+) type xfrm dev \S+ if_id (\d+)$`)

// setupLines returns the `ip …` commands of the rendered swanctl.conf
// header without the XFRM interface creation, and the XFRM interface name
// per if_id.
func setupLines(t *testing.T, conf []byte) (lines [][]string, devs map[int]string) {
	t.Helper()
	devs = map[int]string{}
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		l := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#"))
		cmd, ok := strings.CutPrefix(l, "ip ")
		if !ok {
			continue
		}
		cmd, _, _ = strings.Cut(cmd, "#")
		cmd = strings.TrimSpace(cmd)
		if m := xfrmRE.FindStringSubmatch(cmd); m != nil {
			id, _ := strconv.Atoi(m[2])
			devs[id] = m[1]
			continue
		}
		lines = append(lines, strings.Fields(cmd))
	}
	return lines, devs
}

// swanctlOnly keeps, of a swanctl.conf, the named connection block (byte
// for byte) and everything outside the connections section.
func swanctlOnly(t *testing.T, conf []byte, conn string) []byte {
	t.Helper()
	var out bytes.Buffer
	depth, inConns, skipping, found := 0, false, false, false
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		opens, closes := 0, 0
		if !strings.HasPrefix(trim, "#") {
			opens, closes = strings.Count(trim, "{"), strings.Count(trim, "}")
		}
		switch {
		case !inConns && depth == 0 && trim == "connections {":
			inConns = true
		case inConns && depth == 1 && opens > 0:
			skipping = strings.Fields(trim)[0] != conn
			found = found || !skipping
		}
		if !skipping {
			out.WriteString(line + "\n")
		}
		depth += opens - closes
		if skipping && depth == 1 {
			skipping = false
		}
		if inConns && depth == 0 {
			inConns = false
		}
	}
	if !found {
		t.Fatalf("rendered swanctl.conf has no connection %q", conn)
	}
	return out.Bytes()
}

// waitState polls until f succeeds, failing with what was last seen.
func (l *bgpLab) waitState(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	if err := poll(timeout, f); err != nil {
		t.Fatalf("%s: not reached in %s: %v", what, timeout, err)
	}
}

// sessions checks the state of the master's and the slave's BGP session
// (want Established or not) on the on-prem side.
func (l *bgpLab) sessions(bc bgpCase, master, slave bool) error {
	peers, err := l.onFRR.peers()
	if err != nil {
		return err
	}
	for i, want := range []bool{master, slave} {
		p := peers[bc.tunnels[i].cloudBGP]
		if got := p.State == "Established"; got != want {
			return fmt.Errorf("neighbor %s state %q, want Established=%v", bc.tunnels[i].cloudBGP, p.State, want)
		}
	}
	return nil
}

// routeVia checks that the kernel routes the ping through the tunnel's
// Alibaba inside address (the route FRR installed).
func (l *bgpLab) routeVia(bc bgpCase, tun bgpTunnel) error {
	out, err := run(5*time.Second, "ip", "-n", l.ons, "route", "get", bc.ping[1], "from", bc.ping[0])
	if err != nil {
		return err
	}
	if !strings.Contains(out, " via "+tun.cloudBGP+" ") {
		return fmt.Errorf("kernel route: %s", strings.TrimSpace(out))
	}
	return nil
}

func (l *bgpLab) logSummary(t *testing.T, when string) {
	t.Helper()
	peers, err := l.onFRR.peers()
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, addr := range slices.Sorted(maps.Keys(peers)) {
		p := peers[addr]
		parts = append(parts, fmt.Sprintf("%s state=%s pfxRcd=%d pfxSnt=%d (%s)", addr, p.State, p.PfxRcd, p.PfxSnt, p.Desc))
	}
	t.Logf("%s: on-prem show bgp summary json: %s", when, strings.Join(parts, "; "))
}

func (l *bgpLab) logBest(t *testing.T, bc bgpCase) {
	t.Helper()
	for _, prefix := range bc.vpc {
		paths, err := l.onFRR.paths(prefix)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, p := range paths {
			s := fmt.Sprintf("via %s locPrf %d as-path %q", p.Peer.PeerID, p.LocPrf, p.ASPath.String)
			if p.Bestpath != nil && p.Bestpath.Overall {
				s = "best " + s + " (" + p.Bestpath.SelectionReason + ")"
			}
			parts = append(parts, s)
		}
		t.Logf("on-prem show bgp ipv4 unicast %s: %s", prefix, strings.Join(parts, "; "))
	}
	out, _ := run(5*time.Second, "ip", "-n", l.ons, "route", "get", bc.ping[1], "from", bc.ping[0])
	t.Logf("on-prem kernel route: %s", strings.TrimSpace(strings.SplitN(out, "\n", 2)[0]))
}

// checkPolicy: on-prem accepted exactly the VPC prefixes (no default route,
// nothing else) and each Alibaba side received exactly the on-prem prefixes
// with the expected AS path (the prepend on the slave).
func (l *bgpLab) checkPolicy(t *testing.T, bc bgpCase) {
	t.Helper()
	var got map[string]string
	if err := poll(10*time.Second, func() error {
		var err error
		if got, err = l.onFRR.table(); err != nil {
			return err
		}
		for _, p := range bc.vpc {
			if _, ok := got[p]; !ok {
				return fmt.Errorf("on-prem BGP table lacks %s: %v", p, got)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for prefix, path := range got {
		if path != "" && !slices.Contains(bc.vpc, prefix) {
			t.Errorf("on-prem accepted %s (as-path %q) from Alibaba: only %v may be accepted", prefix, path, bc.vpc)
		}
	}
	for i, tun := range bc.tunnels {
		var table map[string]string
		err := poll(10*time.Second, func() error {
			var err error
			if table, err = l.cloudFRR[i].table(); err != nil {
				return err
			}
			var learned []string
			for prefix, path := range table {
				if path != "" {
					learned = append(learned, prefix)
				}
			}
			slices.Sort(learned)
			if !slices.Equal(learned, bc.onprem) {
				return fmt.Errorf("Alibaba tunnel %d learned %v, want exactly %v", i+1, learned, bc.onprem)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
			continue
		}
		for _, p := range bc.onprem {
			if table[p] != tun.asPath {
				t.Errorf("Alibaba tunnel %d sees %s with AS path %q, want %q", i+1, p, table[p], tun.asPath)
			}
		}
		t.Logf("Alibaba tunnel %d (%s) learned %v with AS path %q", i+1, tun.cloudIP, bc.onprem, tun.asPath)
	}
}

// pingVia pings with large packets and requires the ESP byte counters of
// tunnel want to grow by the ping on both sides and the other tunnel's to
// stay below one ping packet (BGP keepalives are small).
func (l *bgpLab) pingVia(t *testing.T, bc bgpCase, want int, when string) {
	t.Helper()
	const count, size = 5, 1000
	before := l.bytes(t)
	if _, err := run(15*time.Second, "ip", "netns", "exec", l.ons, "ping", "-n", "-q", "-c", strconv.Itoa(count),
		"-s", strconv.Itoa(size), "-i", "0.1", "-W", "2", "-I", bc.ping[0], bc.ping[1]); err != nil {
		t.Fatalf("%s: ping %s -> %s: %v", when, bc.ping[0], bc.ping[1], err)
	}
	after := l.bytes(t)
	var report []string
	for i := range bc.tunnels {
		out, in := after[i][0]-before[i][0], after[i][1]-before[i][1]
		report = append(report, fmt.Sprintf("tunnel %d out +%d in +%d bytes", i+1, out, in))
		if i == want && (out < count*size || in < count*size) {
			t.Errorf("%s: ping did not go through tunnel %d: out +%d in +%d bytes", when, i+1, out, in)
		}
		if i != want && (out >= size || in >= size) {
			t.Errorf("%s: ping went through tunnel %d too: out +%d in +%d bytes", when, i+1, out, in)
		}
	}
	t.Logf("%s: ping %s -> %s (%d x %d bytes): ok, ESP %s", when, bc.ping[0], bc.ping[1], count, size, strings.Join(report, ", "))
}

// bytes returns, per on-prem charon, the ESP bytes out and in of its
// children in any state.
func (l *bgpLab) bytes(t *testing.T) [2][2]int {
	t.Helper()
	var r [2][2]int
	for i, n := range l.on {
		sas, err := n.sas()
		if err != nil {
			t.Fatal(err)
		}
		for _, sa := range sas {
			for _, c := range sa.Children {
				out, _ := strconv.Atoi(c.KV["bytes-out"])
				in, _ := strconv.Atoi(c.KV["bytes-in"])
				r[i][0] += out
				r[i][1] += in
			}
		}
	}
	return r
}
