package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestFRRDryrunGoldens runs `vtysh --dryrun -f` on every golden frr.conf
// and frr-rollback.conf-like file: exit 0 and no output, or the file has
// a line FRR 8.4 refuses. (bgpd -C is no check: it exits 0 on errors.)
// A bad line must fail it: the checker is tested on a broken copy first.
func TestFRRDryrunGoldens(t *testing.T) {
	requireFRR(t)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*", "frr.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden frr.conf: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(bad, []byte("router bgp 65530\n neighbor 169.254.10.1 update-sourze 169.254.10.2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(20*time.Second, vtyshBin, "--dryrun", "-f", bad); err == nil || !strings.Contains(out, "update-sourze") {
		t.Fatalf("vtysh --dryrun accepted a bad file: %v %s", err, out)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		t.Run(name, func(t *testing.T) {
			out, err := run(20*time.Second, vtyshBin, "--dryrun", "-f", f)
			if err != nil || strings.TrimSpace(out) != "" {
				t.Fatalf("vtysh --dryrun -f %s: %v\n%s", f, err, out)
			}
			t.Logf("vtysh --dryrun -f %s: exit 0", filepath.Join(name, "frr.conf"))
		})
	}
}

// TestLibreswanCheckGoldens checks every golden ipsec.conf with
// `addconn --checkconfig` (syntax: exit 0 and no output) and every ike=
// and esp= proposal with `algparse` (which, unlike --checkconfig, refuses
// what this libreswan cannot do: modp1024, DES, DH 24).
func TestLibreswanCheckGoldens(t *testing.T) {
	requireLibreswan(t)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*", "ipsec.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden ipsec.conf: %v", err)
	}
	// The checkers must be able to fail.
	if _, err := run(10*time.Second, libreswanTool("algparse"), "-v2", "ike=aes128-sha1-modp1024"); err == nil {
		t.Fatal("algparse accepted modp1024: this is not the libreswan 4.x the tables follow")
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(bad, []byte("conn x\n    leftsubnett=10.0.0.0/8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(10*time.Second, libreswanTool("addconn"), "--config", bad, "--checkconfig"); err == nil {
		t.Fatal("addconn --checkconfig accepted an unknown keyword")
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		t.Run(name, func(t *testing.T) {
			out, err := run(20*time.Second, libreswanTool("addconn"), "--config", f, "--checkconfig")
			if err != nil || strings.TrimSpace(out) != "" {
				t.Fatalf("addconn --config %s --checkconfig: %v\n%s", f, err, out)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range lswProposals(string(data)) {
				out, err := run(10*time.Second, libreswanTool("algparse"), p...)
				if err != nil || strings.Contains(out, "ERROR") {
					t.Errorf("algparse %s: %v\n%s", strings.Join(p, " "), err, out)
				}
			}
			t.Logf("addconn --checkconfig %s: exit 0; algparse accepted %d proposal(s)", filepath.Join(name, "ipsec.conf"), len(lswProposals(string(data))))
		})
	}
}

var (
	lswConnRE  = regexp.MustCompile(`(?m)^conn (\S+)$`)
	lswValueRE = regexp.MustCompile(`(?m)^    (ikev2|ike|esp|pfs)=(\S+)$`)
)

// lswProposals returns, per conn, the algparse arguments for its ike= and
// esp= lines (IKE version and PFS as the conn says).
func lswProposals(conf string) [][]string {
	var out [][]string
	idx := lswConnRE.FindAllStringIndex(conf, -1)
	for i, loc := range idx {
		end := len(conf)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		kv := map[string]string{}
		for _, m := range lswValueRE.FindAllStringSubmatch(conf[loc[0]:end], -1) {
			kv[m[1]] = m[2]
		}
		ver := "-v2"
		if kv["ikev2"] == "no" {
			ver = "-v1"
		}
		pfs := "-pfs=no"
		if kv["pfs"] == "yes" {
			pfs = "-pfs=yes"
		}
		out = append(out, []string{ver, pfs, "ike=" + kv["ike"], "esp=" + kv["esp"]})
	}
	return out
}

// TestLibreswanLoadGoldens loads every golden ipsec.conf into a throwaway
// pluto (its own namespace): the full check, which --checkconfig is not.
// ipsec-interface= is removed first: this kernel has no XFRM interfaces
// and pluto refuses the connection then ("xfrmi is not supported").
func TestLibreswanLoadGoldens(t *testing.T) {
	requireLab(t)
	requireLibreswan(t)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*", "ipsec.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden ipsec.conf: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conf, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			secrets, err := os.ReadFile(filepath.Join(filepath.Dir(f), "ipsec.secrets"))
			if err != nil {
				t.Fatal(err)
			}
			ns := fmt.Sprintf("v%d-%d", os.Getpid(), labSeq.Add(1))
			newNamespace(t, ns)
			// auto=start would initiate: give the namespace nothing to reach.
			p := startPluto(t, ns, []string{"ikev1-policy=accept"}, withoutXFRMi(conf), secrets)
			added := p.addAll(t, len(lswConnRE.FindAll(conf, -1)))
			t.Logf("pluto loaded %s: %d connection(s) added: %v", filepath.Join(name, "ipsec.conf"), len(added), added)
		})
	}
}

// withoutXFRMi drops ipsec-interface= lines (lab adaptation: no XFRM
// interfaces in this kernel).
func withoutXFRMi(conf []byte) []byte {
	return regexp.MustCompile(`(?m)^    ipsec-interface=\d+\n`).ReplaceAll(conf, nil)
}
