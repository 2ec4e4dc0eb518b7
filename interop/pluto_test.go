package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// libreswan conflicts with the strongSwan packages, so it is not installed:
// its Debian package is unpacked into a directory (.ci/run does
// `apt-get download libreswan && dpkg-deb -x libreswan_*.deb $LIBRESWAN_ROOT`).
// LIBRESWAN_ROOT names that directory; /opt/libreswan by default.
const (
	libreswanDefaultRoot = "/opt/libreswan"
	libreswanAptMsg      = "apt-get install libnss3-tools libnss3 libnspr4 libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 libldns3 libunbound8 libcap-ng0; apt-get download libreswan; dpkg-deb -x libreswan_*.deb " + libreswanDefaultRoot
)

// libreswanRoot is where the libreswan package is unpacked.
func libreswanRoot() string {
	if r := os.Getenv("LIBRESWAN_ROOT"); r != "" {
		return r
	}
	return libreswanDefaultRoot
}

// libreswanTool is the path of one libreswan program (pluto, whack,
// addconn, algparse).
func libreswanTool(name string) string {
	return filepath.Join(libreswanRoot(), "usr", "libexec", "ipsec", name)
}

// probeLibreswan returns why libreswan cannot run here, or "".
func probeLibreswan() string {
	for _, f := range []string{"pluto", "whack", "addconn", "algparse"} {
		if _, err := os.Stat(libreswanTool(f)); err != nil {
			return fmt.Sprintf("%s missing (%s)", libreswanTool(f), libreswanAptMsg)
		}
	}
	if _, err := exec.LookPath("certutil"); err != nil {
		return fmt.Sprintf("certutil not in PATH (%s)", libreswanAptMsg)
	}
	// The unpacked binaries need their shared libraries.
	if out, err := exec.Command(libreswanTool("addconn"), "--help").CombinedOutput(); err != nil && !strings.Contains(string(out), "Usage") {
		return fmt.Sprintf("addconn does not run: %s (%s)", strings.TrimSpace(string(out)), libreswanAptMsg)
	}
	return ""
}

// requireLibreswan skips or fails (IPSEC_INTEROP=require) when the
// unpacked libreswan is missing.
func requireLibreswan(t *testing.T) {
	t.Helper()
	skipOrFail(t, "libreswan", probeLibreswan())
}

// pluto is one libreswan daemon in a namespace.
type pluto struct {
	ns   string
	dir  string
	out  string // pluto's stderr log
	cmd  *exec.Cmd
	done chan struct{}
}

// startPluto writes ipsec.conf (a `config setup` of the lab's, then the
// rendered file by include) and the secrets file, creates an NSS database
// and starts pluto in ns. pluto runs /usr/libexec/ipsec/addconn by its
// compiled path, so a private mount puts the unpacked usr/libexec there;
// --config comes first (a later config setup would reset --nssdir).
func startPluto(t *testing.T, ns string, setup []string, conf, secrets []byte) *pluto {
	t.Helper()
	dir := labDir(t, ns+"lsw")
	p := &pluto{ns: ns, dir: dir, out: filepath.Join(dir, "pluto.log"), done: make(chan struct{})}
	rendered := filepath.Join(dir, "rendered.conf")
	main := "config setup\n"
	for _, s := range setup {
		main += "    " + s + "\n"
	}
	main += "\ninclude " + rendered + "\n"
	for name, data := range map[string][]byte{"ipsec.conf": []byte(main), "rendered.conf": conf, "ipsec.secrets": secrets} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	nss := filepath.Join(dir, "nss")
	if err := os.MkdirAll(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "certutil", "-N", "-d", "sql:"+nss, "--empty-password")
	out, err := os.Create(p.out)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command("ip", "netns", "exec", ns, "unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$1/usr/libexec" /usr/libexec && mount --bind "$2/run" /run && exec "$1/usr/libexec/ipsec/pluto" --config "$2/ipsec.conf" --nofork --stderrlog --rundir "$2/run" --nssdir "$2/nss" --secretsfile "$2/ipsec.secrets" --no-dnssec`,
		"sh", libreswanRoot(), dir)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		out.Close()
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		out.Close()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	if err := poll(10*time.Second, func() error {
		select {
		case <-p.done:
			return fmt.Errorf("pluto exited: %s", tail(p.logText(), 10))
		default:
		}
		_, err := os.Stat(filepath.Join(dir, "run", "pluto.ctl"))
		return err
	}); err != nil {
		t.Fatalf("pluto not ready: %v", err)
	}
	return p
}

// stop terminates pluto by its PID.
func (p *pluto) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *pluto) logText() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

// addAll waits until pluto has loaded every connection of the rendered
// file (pluto runs addconn --autoall itself at startup; auto=start
// initiates) and fails when it refused one. It returns the connection
// names pluto added (name/NxM for leftsubnets=/rightsubnets=).
func (p *pluto) addAll(t *testing.T, want int) []string {
	t.Helper()
	var names []string
	err := poll(10*time.Second, func() error {
		text := p.logText()
		if strings.Contains(text, "failed to add") {
			return nil
		}
		names = addedRE(text)
		if len(names) < want {
			return fmt.Errorf("pluto added %v, want %d connection(s)", names, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, tail(p.logText(), 20))
	}
	if strings.Contains(p.logText(), "failed to add") {
		t.Fatalf("pluto refused a connection:\n%s", tail(p.logText(), 20))
	}
	return names
}

var addedLineRE = regexp.MustCompile(`"([^"]+)": added IKEv[12] connection`)

func addedRE(text string) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range addedLineRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	return names
}

// initiate asks pluto to bring a connection up and returns at once.
func (p *pluto) initiate(t *testing.T, name string) {
	t.Helper()
	if _, err := run(10*time.Second, "ip", "netns", "exec", p.ns, libreswanTool("whack"),
		"--rundir", filepath.Join(p.dir, "run"), "--name", name, "--initiate", "--asynchronous"); err != nil {
		t.Fatalf("whack --initiate %s: %v", name, err)
	}
}
