package interop

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/render"
)

// lswRefused are the interop cases libreswan 4.x cannot express, with the
// reason the renderer must give, written by hand (docs/vendors/libreswan.md:
// Debian 12's 4.10 refuses modp1024 and DH 24).
var lswRefused = map[string]string{
	"seed-example":          "IKE DH group MODP-1024 (group 2) cannot be expressed on libreswan 4.x",
	"ikev1-aggressive-fqdn": "IKE DH group MODP-1024 (group 2) cannot be expressed on libreswan 4.x",
	"ikev2-group24":         "IKE DH group MODP-2048-256 (group 24) cannot be expressed on libreswan 4.x",
}

// TestInteropLibreswan negotiates every positive interop case with the
// rendered libreswan files (pluto, on-prem, initiator) against the same
// hand-written strongSwan cloud side as TestInteropTunnels, or checks the
// renderer's refusal. libreswan has no userspace ESP and this kernel no
// ESP, so only the negotiation is proven: IKE SA and CHILD SA established
// on the cloud side with exactly the expected proposals, and a CHILD SA
// for every subnet pair; pluto then fails to install the SA (errno 93).
// Lab adaptations: ipsec-interface= is removed (no XFRM interfaces here),
// every pluto connection (one per subnet pair) is initiated explicitly,
// left= is the on-prem address (--set left=, as behind NAT), and the lab's
// config setup has ikev1-policy=accept (the file's check list says so).
func TestInteropLibreswan(t *testing.T) {
	requireLab(t)
	requireLibreswan(t)
	for _, name := range sortedKeys(tunnelCases) {
		tc := tunnelCases[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			files, err := renderFiles(tc.api, "libreswan", map[string]string{"left": tc.topo.OnpremWAN})
			if want, refused := lswRefused[name]; refused {
				if err == nil || !errors.Is(err, render.ErrCannotExpress) || !strings.Contains(err.Error(), want) {
					t.Fatalf("libreswan must refuse %s with %q, got %v", tc.api, want, err)
				}
				t.Logf("refused as expected: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 2 || files[0].Name != "ipsec.conf" || files[1].Name != "ipsec.secrets" {
				t.Fatalf("libreswan files: %v", files)
			}
			topo := tc.topo
			topo.NoOnpremCharon = true
			l := newLab(t, topo)
			l.cloud.load(t, "cloud.conf", readFixture(t, tc.cloud))
			p := startPluto(t, l.onprem.ns, []string{"ikev1-policy=accept"}, withoutXFRMi(files[0].Data), files[1].Data)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("---- pluto log (tail) ----\n%s", tail(p.logText(), 40))
					t.Logf("---- cloud charon.log (tail) ----\n%s", tail(withoutVici(l.cloud.logText()), 40))
				}
			})
			// Each subnet pair is its own pluto connection; after the SA
			// install fails pluto revives only one of them, so the lab
			// initiates every one, again every 2 s until each pair was negotiated
			// (lab adaptation, no ESP here).
			names := p.addAll(t, len(tc.tunnels))
			kick := func() {
				for _, name := range names {
					p.initiate(t, name)
					// One at a time: a pair initiated while another pair's
					// IKE SA is up queues its CHILD SA on that IKE SA, which
					// dies with the failed install a few ms later, and the
					// queued pair is never negotiated. Spaced out, each
					// pair brings up its own IKE SA.
					time.Sleep(250 * time.Millisecond)
				}
			}
			kick()
			for _, w := range tc.tunnels {
				lswNegotiated(t, l, tc, w, kick)
			}
			t.Logf("note: libreswan has no userspace ESP and this kernel no ESP: negotiation proven, not traffic (pluto: %q)", firstMatch(p.logText(), "Protocol not supported"))
			t.Logf("%s: libreswan negotiated in %.1fs", name, time.Since(start).Seconds())
		})
	}
}

// childTSRE is an established CHILD_SA in the cloud log. Under IKEv1
// the responder agrees in Quick Mode message 2 and installs the SA on
// message 3, which pluto never sends here (its own install fails first):
// the agreement is the evidence (tsCovered).
var childTSRE = regexp.MustCompile(`CHILD_SA \S+ established with SPIs \S+ \S+ and TS (.+) === (.+)`)

// lswNegotiated waits for the cloud side to log the tunnel's IKE SA with
// the expected IKE proposal, the expected ESP proposal and a CHILD SA
// covering every ping pair.
func lswNegotiated(t *testing.T, l *lab, tc tunnelCase, w wantTunnel, kick func()) {
	t.Helper()
	last := time.Now()
	ike := "selected proposal: IKE:" + logAlgs(w.ike)
	esp := "selected proposal: ESP:" + logAlgs(w.esp)
	if w.version == "1" && w.pfs != "" {
		esp += "/" + w.pfs // Quick Mode carries the PFS group from the start
	}
	esp += "/NO_EXT_SEQ"
	est := fmt.Sprintf("established between %s[", w.cloudIP)
	err := poll(45*time.Second, func() error {
		if time.Since(last) > 2*time.Second {
			kick()
			last = time.Now()
		}
		text := l.cloud.logText()
		for _, s := range []string{ike, est, esp} {
			if !strings.Contains(text, s) {
				return fmt.Errorf("cloud charon.log lacks %q", s)
			}
		}
		for _, pr := range tc.pings {
			if !tsCovered(text, pr[1], pr[0], w.version == "1") {
				return fmt.Errorf("no CHILD_SA covering %s <-> %s", pr[1], pr[0])
			}
		}
		if w.version == "1" && strings.Count(text, "generating QUICK_MODE response") < len(tc.pings) {
			return fmt.Errorf("fewer Quick Mode responses than subnet pairs")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s (%s): %v", w.conn, w.cloudIP, err)
	}
	what := "CHILD_SA established"
	if w.version == "1" {
		what = "Quick Mode agreed (responder's message 2)"
	}
	t.Logf("%s: libreswan established IKE SA with %s: %q, %q, %s for %d subnet pair(s)", w.conn, w.cloudIP, ike, esp, what, len(tc.pings))
	if w.version == "2" && w.pfs != "" {
		t.Logf("%s: PFS %s not observable: the IKE_AUTH child has no key exchange and the SA cannot be installed to be rekeyed", w.conn, w.pfs)
	}
}

// logAlgs turns swanctl's "AES_CBC-256/…" into charon.log's "AES_CBC_256/…".
func logAlgs(s string) string { return strings.Replace(s, "AES_CBC-", "AES_CBC_", 1) }

// tsCovered reports whether a logged CHILD_SA (cloud view: local ===
// remote) covers cloud address dst and on-prem address src; for IKEv1, a
// Quick Mode the cloud side agreed to.
func tsCovered(log, dst, src string, ikev1 bool) bool {
	if ikev1 {
		lines := strings.Split(log, "\n")
		for i, l := range lines {
			_, rest, ok := strings.Cut(l, "[CFG] looking for a child config for ")
			if !ok {
				continue
			}
			local, remote, _ := strings.Cut(rest, " === ")
			thread := strings.Fields(l)[1]
			thread = thread[:strings.Index(thread, "[")]
			for _, next := range lines[i+1:] {
				if strings.Contains(next, " "+thread+"[CFG] found matching child config") {
					if tsContains(strings.Fields(local), dst) && tsContains(strings.Fields(remote), src) {
						return true
					}
					break
				}
			}
		}
		return false
	}
	for _, m := range childTSRE.FindAllStringSubmatch(log, -1) {
		if tsContains(strings.Fields(m[1]), dst) && tsContains(strings.Fields(m[2]), src) {
			return true
		}
	}
	return false
}

func firstMatch(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
