package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Recognisable secrets for TestSecretsNeverLeak.
const (
	testPSK       = "SECRET-PSK-7f3a"
	testPSK2      = `SECRET#PSK;two$7f3b` // needs encoding on strongSwan
	testOldPSK    = "SECRET-OLD-PSK-9e1d"
	testAccessKey = "AKSECRET-ACCESS-KEY-c0de"
)

// secretEnv is an environment holding an Alibaba AccessKey pair, as a
// user running vpnexport in a CI job would have.
func secretEnv(k string) string {
	switch k {
	case "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY":
		return "LTAI-not-a-secret-id"
	case "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY":
		return testAccessKey
	}
	return ""
}

// TestSecretsNeverLeak runs every command path with recognisable keys
// and an AccessKeySecret in the environment, and checks where they may
// appear: the PSKs only in unredacted configs (stdout or files), the
// AccessKeySecret nowhere; never on stderr, in errors, in --redact or
// --diff output.
func TestSecretsNeverLeak(t *testing.T) {
	tmp := t.TempDir()
	// dual-tunnel-same-proposals renders on every vendor (no BGP, which
	// RouterOS refuses), so -v all works whatever vendors are registered.
	good := writeCase(t, tmp, "good", "testdata/api/dual-tunnel-same-proposals.json", map[string]string{"fake-psk-policy-one": testPSK, "fake-psk-policy-two": testPSK2})
	rotated := writeCase(t, filepath.Join(tmp), "rotated", "testdata/api/dual-tunnel-same-proposals.json", map[string]string{"fake-psk-policy-one": testOldPSK, "fake-psk-policy-two": testPSK2})
	// Broken inputs that still carry the key: a bad lifetime next to it,
	// a key with a forbidden character, a syntax error after it, XML.
	badLife := writeCase(t, tmp, "badlife", "testdata/api/special-psk.json", map[string]string{`0sFake\"PSK#$;!?<>` + "`" + `~@%^&*()_-+={}[]|:,./`: testPSK, `"28800"`: `"forever"`})
	badChar := writeCase(t, tmp, "badchar", "testdata/api/special-psk.json", map[string]string{`0sFake\"PSK#$;!?<>` + "`" + `~@%^&*()_-+={}[]|:,./`: testPSK + "é ünïcode"})
	truncated := filepath.Join(tmp, "truncated.json")
	data, _ := os.ReadFile(good)
	if err := os.WriteFile(truncated, data[:strings.Index(string(data), testPSK)+len(testPSK)+3], 0o644); err != nil {
		t.Fatal(err)
	}
	badXML := filepath.Join(tmp, "bad.xml")
	if err := os.WriteFile(badXML, []byte("<VpnConnectionConfig><IkeConfig><Psk>"+testPSK+"</Psk><IkeLifetime>x</IkeLifetime></IkeConfig></VpnConnectionConfig>"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	// An older copy of the files, with an older key and loose modes.
	if got := runCLI(t, secretEnv, "render", "-i", rotated, "--name", "good", "-v", "all", "-o", out); got.code != 0 {
		t.Fatal(got.stderr)
	}
	written, err := os.ReadDir(filepath.Join(out, "good"))
	if err != nil || len(written) == 0 {
		t.Fatalf("nothing written: %v", err)
	}
	for _, e := range written {
		if err := os.Chmod(filepath.Join(out, "good", e.Name()), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The keys, and testPSK2 as RouterOS writes it ('$' escaped).
	psks := []string{testPSK, testPSK2, testOldPSK, strings.ReplaceAll(testPSK2, "$", `\$`)}
	tests := map[string]struct {
		args []string
		// keysOnStdout: the output is a deployable config and must hold
		// the current keys (checked, so the test cannot pass vacuously).
		keysOnStdout bool
		code         int
		stdoutHas    string
	}{
		"render stdout":      {args: []string{"render", "-i", good, "-v", "all"}, keysOnStdout: true},
		"render redact":      {args: []string{"render", "-i", good, "-v", "all", "--redact"}},
		"render summary":     {args: []string{"render", "-i", good, "-v", "summary"}},
		"render diff":        {args: []string{"render", "-i", good, "-v", "all", "-o", out, "--diff"}, code: 3, stdoutHas: "+        secret = <PSK-CHANGED:tunnel-1>"},
		"render diff redact": {args: []string{"render", "-i", good, "-v", "all", "-o", out, "--diff", "--redact"}, code: 2}, // refused: see TestDiffRefusesRedact
		"diff against":       {args: []string{"render", "-i", good, "-v", "strongswan", "--diff-against", filepath.Join(out, "good", "swanctl.conf")}, code: 3},
		"vendors":            {args: []string{"vendors"}},
		"describe":           {args: []string{"vendors", "--describe", "strongswan"}},
		"bad lifetime":       {args: []string{"render", "-i", badLife}, code: 1},
		"bad key character":  {args: []string{"render", "-i", badChar}, code: 1},
		"truncated JSON":     {args: []string{"render", "-i", truncated}, code: 1},
		"bad XML":            {args: []string{"render", "-i", badXML}, code: 1},
		"bad flag":           {args: []string{"render", "-i", good, "-v", "nope"}, code: 2},
		"render to out":      {args: []string{"render", "-i", good, "-v", "all", "-o", out}},
	}
	// "render to out" runs last: it rewrites the folder the diffs read.
	order := []string{"render stdout", "render redact", "render summary", "render diff", "render diff redact", "diff against", "vendors", "describe", "bad lifetime", "bad key character", "truncated JSON", "bad XML", "bad flag", "render to out"}
	if len(order) != len(tests) {
		t.Fatal("order and tests disagree")
	}
	for _, name := range order {
		tc := tests[name]
		t.Run(name, func(t *testing.T) {
			got := runCLI(t, secretEnv, tc.args...)
			if got.code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", got.code, tc.code, got.stderr)
			}
			if strings.Contains(got.stdout+got.stderr, testAccessKey) {
				t.Error("AccessKeySecret appears in the output")
			}
			for _, k := range psks {
				if strings.Contains(got.stderr, k) {
					t.Errorf("stderr reveals %q:\n%s", k, got.stderr)
				}
				if !tc.keysOnStdout && strings.Contains(got.stdout, k) {
					t.Errorf("stdout reveals %q:\n%s", k, got.stdout)
				}
			}
			if !strings.Contains(got.stdout, tc.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutHas, got.stdout)
			}
			if tc.keysOnStdout && !strings.Contains(got.stdout, testPSK) {
				t.Error("the unredacted config lacks the key: the test checks nothing")
			}
		})
	}

	// Files holding keys are 0600, also those that existed as 0644.
	for _, e := range written {
		p := filepath.Join(out, "good", e.Name())
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o after rewriting, want 0600", p, st.Mode().Perm())
		}
	}
	conf, _ := os.ReadFile(filepath.Join(out, "good", "swanctl.conf"))
	if !strings.Contains(string(conf), testPSK) {
		t.Error("written config lacks the key")
	}
}
