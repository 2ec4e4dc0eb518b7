package interop

import (
	"strings"
	"testing"
	"time"
)

// failCase is a negative case: the cloud fixture differs from the API
// response on purpose (marked DELIBERATE in the fixture) and the tunnel
// must fail with the documented log signature on both sides
// (docs/interop.md "Negative cases"), so the harness is shown able to fail.
type failCase struct {
	api   string
	cloud string
	topo  topology
	// atRekey: the tunnel comes up and passes traffic; only the rekey of
	// tunnel's child fails (IKEv2 ignores the PFS group in IKE_AUTH).
	atRekey   bool
	tunnel    wantTunnel
	cloudLog  []string
	onpremLog []string
}

// g14 is the tunnel of ikev2-aes256-sha256-g14.json.
var g14 = wantTunnel{conn: "ikev2-aes256-sha256-g14", children: []string{"ikev2-aes256-sha256-g14"}, cloudIP: "203.0.113.1",
	version: "2", ike: ikeAES256SHA256G14, esp: espAES256SHA256, pfs: "MODP_2048"}

var failCases = map[string]failCase{
	"wrong-psk": {
		api: "ikev2-aes256-sha256-g14.json", cloud: "wrong-psk.conf", topo: docTopology(), tunnel: g14,
		cloudLog:  []string{"tried 1 shared key for '203.0.113.1' - '198.51.100.1', but MAC mismatched"},
		onpremLog: []string{"received AUTHENTICATION_FAILED notify error"},
	},
	"ike-proposal-mismatch": {
		api: "ikev2-aes256-sha256-g14.json", cloud: "ike-proposal-mismatch.conf", topo: docTopology(), tunnel: g14,
		cloudLog:  []string{"received proposals unacceptable", "generating IKE_SA_INIT response 0 [ N(NO_PROP) ]"},
		onpremLog: []string{"received NO_PROPOSAL_CHOSEN notify error"},
	},
	"ikev1-proposal-mismatch": {
		api: "ikev1-2x2-subnets.json", cloud: "ikev1-proposal-mismatch.conf", topo: docTopology(),
		tunnel:    wantTunnel{conn: "ikev1-2x2-subnets", cloudIP: "203.0.113.1"},
		cloudLog:  []string{"no acceptable ENCRYPTION_ALGORITHM found", "[ N(NO_PROP) ]"},
		onpremLog: []string{"received NO_PROPOSAL_CHOSEN error notify"},
	},
	"esp-proposal-mismatch": {
		api: "ikev2-aes256-sha256-g14.json", cloud: "esp-proposal-mismatch.conf", topo: docTopology(), tunnel: g14,
		cloudLog:  []string{"no acceptable ENCRYPTION_ALGORITHM found"},
		onpremLog: []string{"received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built", "failed to establish CHILD_SA, keeping IKE_SA"},
	},
	"ts-mismatch": {
		api: "ikev2-aes256-sha256-g14.json", cloud: "ts-mismatch.conf", topo: docTopology(), tunnel: g14,
		cloudLog:  []string{"traffic selectors 10.10.0.0/24 === 10.20.0.0/24 unacceptable", "N(TS_UNACCEPT)"},
		onpremLog: []string{"received TS_UNACCEPTABLE notify, no CHILD_SA built"},
	},
	"pfs-mismatch-at-rekey": {
		api: "ikev2-aes256-sha256-g14.json", cloud: "pfs-mismatch.conf", topo: docTopology(), tunnel: g14, atRekey: true,
		cloudLog:  []string{"CREATE_CHILD_SA response 2 [ N(NO_PROP) ]"},
		onpremLog: []string{"received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built", "CHILD_SA rekeying failed"},
	},
	// The right fixture, but the cloud charon lacks the opt-in for
	// aggressive mode with pre-shared keys.
	"aggressive-without-optin": {
		api: "ikev1-aggressive-fqdn.json", cloud: "ikev1-aggressive-fqdn.conf", topo: docTopology(),
		tunnel:    wantTunnel{conn: "ikev1-aggressive-fqdn", cloudIP: "203.0.113.1"},
		cloudLog:  []string{"Aggressive Mode PSK disabled for security reasons"},
		onpremLog: []string{"received AUTHENTICATION_FAILED error notify"},
	},
}

// TestInteropFailures runs the negative cases: each must fail with its log
// signature on both sides, and no CHILD_SA may come up that should not.
func TestInteropFailures(t *testing.T) {
	requireLab(t)
	for _, name := range sortedKeys(failCases) {
		fc := failCases[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			l := newLab(t, fc.topo)
			l.cloud.load(t, "cloud.conf", readFixture(t, fc.cloud))
			l.onprem.load(t, "onprem.conf", renderOnprem(t, fc.api))
			if fc.atRekey {
				failAtRekey(t, l, fc)
			} else {
				expectSignatures(t, l, fc)
				on, cl, err := l.snapshot()
				if err != nil {
					t.Fatal(err)
				}
				o, _ := onpremIKE(on, fc.tunnel)
				c, _ := cloudIKE(cl, fc.tunnel)
				if n := len(installed(o)) + len(installed(c)); n > 0 {
					t.Errorf("%d CHILD_SA(s) INSTALLED although the case must fail", n)
				}
			}
			t.Logf("%s: failed as expected in %.1fs", name, time.Since(start).Seconds())
		})
	}
}

// expectSignatures waits for every expected log line on both sides.
func expectSignatures(t *testing.T, l *lab, fc failCase) {
	t.Helper()
	if err := l.cloud.waitLog(15*time.Second, fc.cloudLog...); err != nil {
		t.Fatal(err)
	}
	if err := l.onprem.waitLog(15*time.Second, fc.onpremLog...); err != nil {
		t.Fatal(err)
	}
	t.Logf("signature: cloud %q; onprem %q", strings.Join(fc.cloudLog, " | "), strings.Join(fc.onpremLog, " | "))
}

// failAtRekey: the tunnel is up and passes traffic, the rekey fails with
// the signature and leaves no new CHILD_SA.
func failAtRekey(t *testing.T, l *lab, fc failCase) {
	t.Helper()
	w := fc.tunnel
	if err := poll(15*time.Second, func() error {
		on, cl, err := l.snapshot()
		if err != nil {
			return err
		}
		return upState([]wantTunnel{w}, on, cl)
	}); err != nil {
		t.Fatalf("tunnel should come up before the rekey: %v", err)
	}
	if err := l.ping("10.20.0.1", "10.10.0.1"); err != nil {
		t.Fatalf("traffic should pass before the rekey: %v", err)
	}
	t.Logf("tunnel up and ping ok before the rekey (the mismatch is invisible until then)")
	on, _, err := l.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	old := uniqueIDs(on, w, true)
	if _, err := l.onprem.swanctl("--rekey", "--child", w.children[0]); err != nil {
		t.Fatal(err)
	}
	expectSignatures(t, l, fc)
	on, _, err = l.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	o, _ := onpremIKE(on, w)
	for _, c := range installed(o) {
		if !old[c.KV["uniqueid"]] {
			t.Errorf("rekey produced a new INSTALLED child %s although the PFS groups differ", c.Key)
		}
	}
}
