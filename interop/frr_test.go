package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FRR pieces the BGP cases run (Debian layout, package frr).
const (
	zebraBin  = "/usr/lib/frr/zebra"
	bgpdBin   = "/usr/lib/frr/bgpd"
	vtyshBin  = "/usr/bin/vtysh"
	frrAptMsg = "apt-get install --no-install-recommends frr"
)

// probeFRR returns why FRR cannot run here, or "".
func probeFRR() string {
	for _, f := range []string{zebraBin, bgpdBin, vtyshBin} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("%s missing (%s)", f, frrAptMsg)
		}
	}
	if _, err := user.Lookup("frr"); err != nil {
		return fmt.Sprintf("user frr missing (%s)", frrAptMsg)
	}
	return ""
}

// requireFRR skips or fails (IPSEC_INTEROP=require) when FRR is missing.
func requireFRR(t *testing.T) {
	t.Helper()
	skipOrFail(t, "FRR", probeFRR())
}

// frrNode is zebra and bgpd in one namespace, with their own sockets, pid
// files and logs in a private directory; vtysh reaches them through
// --vty_socket. The daemons run as the frr user, as packaged.
type frrNode struct {
	role string
	ns   string
	dir  string
	cmds []*exec.Cmd
	done []chan struct{}
}

// startFRR starts zebra, then bgpd, inside ns and stops both at cleanup.
func startFRR(t *testing.T, role, ns string) *frrNode {
	t.Helper()
	dir := keptTempDir(t, "ipx-frr-"+ns+"-")
	u, err := user.Lookup("frr")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, empty} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	f := &frrNode{role: role, ns: ns, dir: dir}
	t.Cleanup(f.stop)
	for _, d := range []struct{ bin, name string }{{zebraBin, "zebra"}, {bgpdBin, "bgpd"}} {
		out, err := os.Create(filepath.Join(dir, d.name+".out"))
		if err != nil {
			t.Fatal(err)
		}
		// ip netns exec execs the daemon: the PID held is the daemon's.
		cmd := exec.Command("ip", "netns", "exec", ns, d.bin,
			"-f", empty, "-i", filepath.Join(dir, d.name+".pid"), "-z", filepath.Join(dir, "zserv.api"),
			"--vty_socket", dir, "--log", "file:"+filepath.Join(dir, d.name+".log"))
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			out.Close()
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			_ = cmd.Wait()
			out.Close()
			close(done)
		}()
		f.cmds = append(f.cmds, cmd)
		f.done = append(f.done, done)
		sock := filepath.Join(dir, d.name+".vty")
		if err := poll(10*time.Second, func() error {
			select {
			case <-done:
				b, _ := os.ReadFile(filepath.Join(dir, d.name+".out"))
				return fmt.Errorf("%s exited: %s", d.name, strings.TrimSpace(string(b)))
			default:
			}
			if _, err := os.Stat(sock); err != nil {
				return err
			}
			return nil
		}); err != nil {
			t.Fatalf("%s %s not ready: %v", role, d.name, err)
		}
	}
	return f
}

// stop terminates bgpd, then zebra, by PID.
func (f *frrNode) stop() {
	for i := len(f.cmds) - 1; i >= 0; i-- {
		cmd := f.cmds[i]
		if cmd.Process == nil {
			continue
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-f.done[i]:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-f.done[i]
		}
	}
}

// vtysh runs vtysh against this node's daemons.
func (f *frrNode) vtysh(args ...string) (string, error) {
	return run(20*time.Second, vtyshBin, append([]string{"--vty_socket", f.dir}, args...)...)
}

// apply feeds a configuration file to the running daemons with vtysh -f,
// as an engineer applies a snippet; vtysh exits non-zero and names the
// line when a command is refused, and the output must be empty.
func (f *frrNode) apply(t *testing.T, name string, conf []byte) {
	t.Helper()
	path := filepath.Join(f.dir, name)
	if err := os.WriteFile(path, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := f.vtysh("-f", path)
	if err != nil {
		t.Fatalf("%s: vtysh -f %s: %v", f.role, name, err)
	}
	if strings.TrimSpace(out) != "" {
		t.Fatalf("%s: vtysh -f %s printed: %s", f.role, name, out)
	}
}

// show runs one show command and decodes its JSON.
func (f *frrNode) show(v any, command string) error {
	out, err := f.vtysh("-c", command)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("%s: %s: %w: %s", f.role, command, err, out)
	}
	return nil
}

// bgpPeer is one neighbour of `show bgp summary json`.
type bgpPeer struct {
	State  string `json:"state"`
	PfxRcd int    `json:"pfxRcd"`
	PfxSnt int    `json:"pfxSnt"`
	Desc   string `json:"desc"`
}

// peers returns the IPv4 unicast neighbours by address.
func (f *frrNode) peers() (map[string]bgpPeer, error) {
	var s struct {
		IPv4 struct {
			AS    int                `json:"as"`
			Peers map[string]bgpPeer `json:"peers"`
		} `json:"ipv4Unicast"`
	}
	if err := f.show(&s, "show bgp summary json"); err != nil {
		return nil, err
	}
	return s.IPv4.Peers, nil
}

// bgpPath is one path of `show bgp ipv4 unicast PREFIX json`.
type bgpPath struct {
	ASPath struct {
		String string `json:"string"`
	} `json:"aspath"`
	LocPrf   int `json:"locPrf"`
	Bestpath *struct {
		Overall         bool   `json:"overall"`
		SelectionReason string `json:"selectionReason"`
	} `json:"bestpath"`
	Nexthops []struct {
		IP string `json:"ip"`
	} `json:"nexthops"`
	Peer struct {
		PeerID string `json:"peerId"`
	} `json:"peer"`
}

// paths returns the paths to a prefix (none when it is not in the table).
func (f *frrNode) paths(prefix string) ([]bgpPath, error) {
	var s struct {
		Paths []bgpPath `json:"paths"`
	}
	if err := f.show(&s, "show bgp ipv4 unicast "+prefix+" json"); err != nil {
		return nil, err
	}
	return s.Paths, nil
}

// best returns the best path to a prefix.
func (f *frrNode) best(prefix string) (bgpPath, error) {
	ps, err := f.paths(prefix)
	if err != nil {
		return bgpPath{}, err
	}
	for _, p := range ps {
		if p.Bestpath != nil && p.Bestpath.Overall {
			return p, nil
		}
	}
	return bgpPath{}, fmt.Errorf("%s: no best path to %s (%d paths)", f.role, prefix, len(ps))
}

// table returns every prefix of the BGP table with the AS path of its best
// path.
func (f *frrNode) table() (map[string]string, error) {
	var s struct {
		Routes map[string][]struct {
			Bestpath bool   `json:"bestpath"`
			Path     string `json:"path"`
		} `json:"routes"`
	}
	if err := f.show(&s, "show bgp ipv4 unicast json"); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for prefix, ps := range s.Routes {
		for _, p := range ps {
			if p.Bestpath {
				out[prefix] = p.Path
			}
		}
	}
	return out, nil
}

// logTail returns the end of bgpd's log, for failures.
func (f *frrNode) logTail(lines int) string {
	b, _ := os.ReadFile(filepath.Join(f.dir, "bgpd.log"))
	return tail(string(b), lines)
}

// runningConfig returns `show running-config` without the lines that
// change by themselves (the version banner).
func (f *frrNode) runningConfig(t *testing.T) string {
	t.Helper()
	out, err := f.vtysh("-c", "show running-config")
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Building configuration") || strings.HasPrefix(l, "Current configuration") || strings.HasPrefix(l, "frr version") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
