package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// issue11Vendors are the vendors issue 11 taught the new connection
// facts, plus the summary; every shape but the SM one renders on all of
// them. (With -v all, a vendor that cannot express a shape fails that
// connection for every vendor.)
const issue11Vendors = "strongswan,cisco-ios,cisco-asa,juniper-srx,fortigate,summary"

// exportShapes exports the fake's batch of every connection shape
// (fakealiyun.Shapes) into a temporary folder.
func exportShapes(t *testing.T, vendors string, extra ...string) (dir string, m export.Manifest, stderr string) {
	t.Helper()
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(fakealiyun.Shapes("sh")...)
	dir = t.TempDir()
	args := append([]string{"--region", testRegion, "--endpoint", s.URL, "--all", "-v", vendors, "-o", dir}, extra...)
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), args...)
	// The SM connection fails, so the run exits 1.
	require.Error(t, err, stderr)
	return dir, readManifest(t, dir), stderr
}

// TestSavedResponsesRenderTheSameFiles: `export --save-response -o A`
// then `render -i A/<id>/ -v all -o B` gives byte-identical files for
// every connection of the fake's batch, with the connection's real name;
// the failed (SM) connection's responses are saved too and give the same
// error again.
func TestSavedResponsesRenderTheSameFiles(t *testing.T) {
	for _, vendors := range []string{"all", issue11Vendors} {
		t.Run(vendors, func(t *testing.T) { savedRoundTrip(t, vendors) })
	}
}

func savedRoundTrip(t *testing.T, vendors string) {
	a, m, _ := exportShapes(t, vendors, "--save-response", "--rollback")
	require.Len(t, m.Connections, len(fakealiyun.Shapes("sh")))
	saved := map[string]bool{export.SavedDownload: true, export.SavedDescribe: true, export.SavedContext: true}
	ok := 0
	for _, en := range m.Connections {
		t.Run(en.ID, func(t *testing.T) {
			b := t.TempDir()
			r := runCLI(t, nil, "render", "-i", filepath.Join(a, en.ID)+string(filepath.Separator), "-v", vendors, "--rollback", "-o", b)
			if en.Status != export.StatusOK {
				// The saved responses of a failed connection reproduce
				// its error.
				assert.Equal(t, 1, r.code)
				_, why, _ := strings.Cut(en.Error, en.ID+": ")
				require.NotEmpty(t, why, en.Error)
				assert.Contains(t, r.stderr, why)
				assert.FileExists(t, filepath.Join(a, en.ID, export.SavedDownload), "a failed connection's responses are saved")
				if strings.HasSuffix(en.ID, "sm") {
					assert.Contains(t, en.Error, "certificate (SM, 国密) connection")
				}
				return
			}
			ok++
			require.Equal(t, 0, r.code, r.stderr)
			want := map[string]string{}
			for _, f := range en.Files {
				rel := strings.TrimPrefix(f.Path, en.ID+"/")
				if saved[rel] || strings.HasPrefix(rel, "DescribeCustomerGateway-") {
					continue
				}
				want[rel] = readFile(t, filepath.Join(a, filepath.FromSlash(f.Path)))
			}
			require.NotEmpty(t, want)
			got := map[string]string{}
			root := filepath.Join(b, en.ID)
			require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				got[filepath.ToSlash(rel)] = readFile(t, p)
				return nil
			}))
			assert.Equal(t, keys(want), keys(got), "same files")
			for name, w := range want {
				assert.Equal(t, w, got[name], "%s differs between export and render -i", name)
			}
			if strings.HasSuffix(en.ID, "twocgw") && vendors == issue11Vendors {
				// On stdout, each device's file under a header naming it.
				r := runCLI(t, nil, "render", "-i", filepath.Join(a, en.ID), "-v", "strongswan")
				require.Equal(t, 0, r.code, r.stderr)
				assert.Contains(t, r.stdout, "==> vco-shtwocgw/cgw-shtwocgwa/swanctl.conf (for customer gateway cgw-shtwocgwa (198.51.100.4)) <==\n")
				assert.Contains(t, r.stdout, "==> vco-shtwocgw/cgw-shtwocgwb/swanctl.conf (for customer gateway cgw-shtwocgwb (192.0.2.4)) <==\n")
			}
			if en.Name != "" && got["summary.md"] != "" {
				assert.Contains(t, got["summary.md"], en.Name, "the connection's real name")
			}
		})
	}
	if vendors == issue11Vendors {
		assert.Equal(t, len(m.Connections)-1, ok, "every shape but SM renders and compares")
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBGPKeyNeverLeaks follows the BGP password (DescribeVpnConnection's
// VpnBgpConfig.AuthKey, DescribeCustomerGateway's AuthKey) through every
// path: it is in the unredacted device files (so the test is not vacuous)
// and nowhere else: not on stderr, in the manifest, the summary, --redact
// files, --diff output or errors.
func TestBGPKeyNeverLeaks(t *testing.T) {
	const rotated = "ROTATED-bgp-key-9d2e"
	bgp := fakealiyun.BGPKey("vco-kbgp", 3)
	two := fakealiyun.TwoCustomerGateways("vco-ktwo", 4)
	// A key the Cisco CLI cannot take: the error must not show it.
	leaky := fakealiyun.BGPKey("vco-kleaky", 5)
	const leakyKey = `LEAKY"bgp-key-77aa`
	leaky.Describe["VpnBgpConfig"].(map[string]any)["AuthKey"] = leakyKey
	keys := []string{fakealiyun.BGPKeyOf(bgp.ID, 1), fakealiyun.BGPKeyOf(two.ID, 1), fakealiyun.BGPKeyOf(two.ID, 2), rotated, leakyKey}

	noKey := func(t *testing.T, what, text string) {
		t.Helper()
		for _, k := range keys {
			if strings.Contains(text, k) {
				t.Errorf("%s reveals BGP key %q", what, k)
			}
		}
	}
	s := fakeEndpoint(t, fakealiyun.Options{})
	s.Add(bgp, two, leaky)
	a := t.TempDir()
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL, "--all", "-v", issue11Vendors, "-o", a, "--save-response")
	require.Error(t, err, "the leaky key fails on Cisco")
	noKey(t, "export stderr", stderr)
	assert.Contains(t, stderr, "the BGP password cannot be entered on Cisco")
	manifest, rerr := os.ReadFile(filepath.Join(a, export.ManifestName))
	require.NoError(t, rerr)
	noKey(t, "manifest", string(manifest))

	// Unredacted device files hold the keys; the summary never does.
	ios := readFile(t, filepath.Join(a, bgp.ID, "cisco-ios.txt"))
	assert.Contains(t, ios, "password "+keys[0], "the key reaches the device file")
	assert.Contains(t, readFile(t, filepath.Join(a, two.ID, "cgw-ktwob", "juniper-srx.set")), `authentication-key "FAKE-bgp-ktwo-2#!;$\\"`,
		"each device file carries its own gateway's key, escaped for Junos")
	for _, id := range []string{bgp.ID, two.ID} {
		noKey(t, id+" summary", readFile(t, filepath.Join(a, id, "summary.md")))
	}

	// --redact, summary and the saved-folder render paths.
	// Every registered vendor, one at a time (a vendor may refuse a
	// shape): never the key outside its configuration files.
	for _, v := range vendorNames() {
		for _, id := range []string{bgp.ID, two.ID} {
			for _, redact := range []bool{false, true} {
				args := []string{"render", "-i", filepath.Join(a, id), "-v", v}
				if redact {
					args = append(args, "--redact")
				}
				r := runCLI(t, nil, args...)
				noKey(t, v+" "+id+" stderr", r.stderr)
				if redact || v == "summary" {
					noKey(t, v+" "+id+" redacted stdout", r.stdout)
				}
			}
		}
	}
	for name, args := range map[string][]string{
		"render redact":  {"render", "-i", filepath.Join(a, two.ID), "-v", issue11Vendors, "--redact"},
		"render summary": {"render", "-i", filepath.Join(a, bgp.ID), "-v", "summary"},
		"render leaky":   {"render", "-i", filepath.Join(a, leaky.ID), "-v", "cisco-ios"},
	} {
		r := runCLI(t, nil, args...)
		noKey(t, name+" stdout", r.stdout)
		noKey(t, name+" stderr", r.stderr)
		if name == "render redact" {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, "<BGP-KEY-REDACTED:tunnel-2>")
		}
	}
	red := t.TempDir()
	_, stderr, err = runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL, "-c", bgp.ID, "-v", issue11Vendors, "-o", red, "--redact")
	require.NoError(t, err, stderr)
	noKey(t, "export --redact stderr", stderr)
	require.NoError(t, filepath.WalkDir(red, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			noKey(t, p, readFile(t, p))
		}
		return err
	}))

	// The key is rotated on Alibaba: --diff says so without showing either.
	bgp2 := fakealiyun.BGPKey("vco-kbgp", 3)
	bgp2.Describe["VpnBgpConfig"].(map[string]any)["AuthKey"] = rotated
	s2 := fakeEndpoint(t, fakealiyun.Options{})
	s2.Add(bgp2)
	out, stderr, err := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s2.URL, "-c", bgp.ID, "-v", issue11Vendors, "-o", a, "--diff")
	require.Error(t, err, "a changed key is a change (exit 3)")
	noKey(t, "export --diff stdout", out)
	noKey(t, "export --diff stderr", stderr)
	assert.Contains(t, out, "<BGP-KEY-CHANGED:tunnel-1>")
}

// TestShapesEveryVendor exports the fake's batch of every connection shape
// and checks what each vendor's files must say and do for each shape
// (issue 11): BGP passwords, one folder per customer gateway, no tunnel
// preference on a transit router, private networks, the health check's
// probes, the certificate refusal and IKEv2 with several subnets.
func TestShapesEveryVendor(t *testing.T) {
	dir, m, _ := exportShapes(t, issue11Vendors)
	entry := map[string]export.ManifestEntry{}
	for _, en := range m.Connections {
		entry[strings.TrimPrefix(en.ID, "vco-sh")] = en
	}
	file := func(shape, name string) string {
		t.Helper()
		return readFile(t, filepath.Join(dir, "vco-sh"+shape, filepath.FromSlash(name)))
	}
	vendorFiles := []string{"swanctl.conf", "cisco-ios.txt", "cisco-asa.txt", "juniper-srx.set", "fortigate.conf"}

	t.Run("bgpkey", func(t *testing.T) {
		key := fakealiyun.BGPKeyOf("vco-shbgpkey", 1)
		assert.Contains(t, file("bgpkey", "cisco-ios.txt"), " neighbor 169.254.20.13 password "+key+"\n")
		assert.Contains(t, file("bgpkey", "cisco-asa.txt"), "  neighbor 169.254.20.13 password "+key+"\n")
		escaped := `"` + strings.ReplaceAll(key, `\`, `\\`) + `"`
		assert.Contains(t, file("bgpkey", "juniper-srx.set"), "authentication-key "+escaped+"\n")
		assert.Contains(t, file("bgpkey", "fortigate.conf"), "set password "+escaped+"\n")
		assert.Contains(t, file("bgpkey", "swanctl.conf"), "The session has a password (TCP MD5)")
		sum := file("bgpkey", "summary.md")
		assert.Contains(t, sum, "**BGP password:** set")
		assert.NotContains(t, sum, key)
		for _, f := range vendorFiles {
			assert.Contains(t, file("bgpkey", f), "BGP password (TCP MD5) of tunnel 1: set", f)
			assert.NotContains(t, file("bgpkey", f), "orientation is undocumented", "%s: Describe settled the BGP orientation", f)
		}
	})

	t.Run("twocgw", func(t *testing.T) {
		en := entry["twocgw"]
		require.Equal(t, export.StatusOK, en.Status, en.Error)
		byGW := map[string][]string{}
		for _, f := range en.Files {
			if f.CustomerGateway != "" {
				byGW[f.CustomerGateway] = append(byGW[f.CustomerGateway], f.Path)
			}
		}
		require.Len(t, byGW, 2, "the manifest says which files are for which customer gateway")
		for gw, own := range map[string][2]string{
			"cgw-shtwocgwa": {"47.101.0.4", "47.102.0.4"},
			"cgw-shtwocgwb": {"47.102.0.4", "47.101.0.4"},
		} {
			assert.Len(t, byGW[gw], len(vendorFiles), gw)
			for _, f := range vendorFiles {
				data := file("twocgw", gw+"/"+f)
				assert.Contains(t, data, "This file is for customer gateway "+gw, f)
				assert.Contains(t, data, own[0], "%s/%s configures its own tunnel", gw, f)
				assert.NotContains(t, strings.SplitN(data, "\n", 2)[1], "remote_addrs = "+own[1], "%s/%s: not the other device's tunnel", gw, f)
			}
		}
		assert.NoFileExists(t, filepath.Join(dir, "vco-shtwocgw", "swanctl.conf"), "device files live in the gateways' folders")
		assert.Contains(t, file("twocgw", "summary.md"), "| On-prem devices | 2;")
		// Each device gets its own gateway's BGP key.
		assert.Contains(t, file("twocgw", "cgw-shtwocgwb/cisco-ios.txt"), "password "+fakealiyun.BGPKeyOf("vco-shtwocgw", 2))
		assert.NotContains(t, file("twocgw", "cgw-shtwocgwb/cisco-ios.txt"), fakealiyun.BGPKeyOf("vco-shtwocgw", 1))
	})

	t.Run("ecmp", func(t *testing.T) {
		for _, f := range vendorFiles {
			data := file("ecmp", f)
			assert.Contains(t, data, "Both tunnels active (ECMP)", f)
			for _, pref := range []string{"local-preference", "as-path prepend", "set weight", "preference 10", "(master", "(slave", "priority = 2000", "metric 200"} {
				assert.NotContains(t, configLines(data), pref, "%s prefers a tunnel", f)
			}
		}
		assert.Contains(t, file("ecmp", "cisco-asa.txt"), "zone-member")
		assert.Contains(t, file("ecmp", "fortigate.conf"), "set auxiliary-session enable")
		assert.Contains(t, file("ecmp", "juniper-srx.set"), "keep them in one zone")
		assert.Contains(t, file("ecmp", "swanctl.conf"), "rp_filter")
		// BGP keeps one best path unless multipath is on, which is
		// device-wide: named in a warning, never set by the file.
		for f, multipath := range map[string]string{
			"cisco-ios.txt":   "'maximum-paths 2'",
			"cisco-asa.txt":   "'maximum-paths 2'",
			"fortigate.conf":  "set ebgp-multipath enable",
			"juniper-srx.set": "set protocols bgp group <name> multipath",
		} {
			data := file("ecmp", f)
			assert.Contains(t, data, multipath, f)
			assert.NotContains(t, configLines(data), strings.Trim(multipath, "'"), "%s sets multipath for every route of the device", f)
		}
		assert.Contains(t, file("ecmp", "summary.md"), "both tunnels active (ECMP)")
		assert.NotContains(t, file("ecmp", "summary.md"), "assumed from API order")
	})

	t.Run("private", func(t *testing.T) {
		for _, f := range vendorFiles {
			data := file("private", f)
			assert.Contains(t, data, "Private network", f)
			assert.NotContains(t, data, "4500", "%s: no NAT-T advice on a private line", f)
			assert.NotContains(t, data, "nat keepalive", f)
		}
		assert.Contains(t, file("private", "summary.md"), "| Network | private")
	})

	t.Run("health", func(t *testing.T) {
		probe := map[string]string{
			"swanctl.conf":    "local_ts = 10.7.0.0/16,10.250.0.7/32",
			"cisco-ios.txt":   "permit ip 10.250.0.7 0.0.0.0 172.30.0.1 0.0.0.0",
			"cisco-asa.txt":   "permit ip 10.250.0.7 255.255.255.255 172.30.0.1 255.255.255.255",
			"juniper-srx.set": "local-ip 10.250.0.7/32 remote-ip 172.30.0.1/32",
			"fortigate.conf":  "set subnet 10.250.0.7 255.255.255.255",
		}
		for f, want := range probe {
			data := file("health", f)
			assert.Contains(t, data, want, "%s lets the probes through", f)
			assert.Contains(t, data, "Health check: Alibaba pings 10.250.0.7", f)
			assert.Contains(t, data, "allow ICMP echo from 172.30.0.1 to 10.250.0.7", f)
		}
		assert.Contains(t, file("health", "summary.md"), "| Health check | Alibaba pings 10.250.0.7")
		assert.Contains(t, file("health", "swanctl.conf"), "On-prem subnets (this device): 10.7.0.0/16\n", "the header lists Alibaba's subnets, not the probe")
	})

	t.Run("sm", func(t *testing.T) {
		en := entry["sm"]
		assert.Equal(t, export.StatusFailed, en.Status)
		assert.Contains(t, en.Error, "certificate (SM, 国密) connection")
		assert.Contains(t, en.Error, "Huawei USG")
		assert.NotContains(t, en.Error, "cannot be expressed", "one clear error, not one per algorithm")
	})

	t.Run("subnets", func(t *testing.T) {
		assert.Contains(t, file("subnets", "fortigate.conf"), "set src-addr-type name")
		assert.Equal(t, 1, strings.Count(file("subnets", "fortigate.conf"), "set phase1name"), "one phase 2")
		assert.Contains(t, file("subnets", "juniper-srx.set"), "traffic-selector ts1 term t4 ")
		assert.Contains(t, file("subnets", "swanctl.conf"), "remote_ts = 172.16.1.0/24,172.16.2.0/24")
		for _, f := range []string{"cisco-ios.txt", "cisco-asa.txt"} {
			assert.Contains(t, file("subnets", f), "only some pairs may pass", f)
		}
	})
}

// configLines drops comment lines ('#' and '!'): what a device executes.
func configLines(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "!") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCustomerGatewayForbidden: without vpc:DescribeCustomerGateway a
// dual-tunnel BGP connection still exports; the files say that the BGP
// passwords may be missing and stderr names the permission.
func TestCustomerGatewayForbidden(t *testing.T) {
	s := fakeEndpoint(t, fakealiyun.Options{})
	c := fakealiyun.TwoCustomerGateways("vco-fbd", 4)
	s.Add(c)
	s.Inject(fakealiyun.Fault{Action: "DescribeCustomerGateway", Kind: fakealiyun.Forbidden, Times: -1})
	dir := t.TempDir()
	_, stderr, err := runExportTest(t.Context(), testEnv(t, nil), "--region", testRegion, "--endpoint", s.URL, "-c", c.ID, "-v", "cisco-ios", "-o", dir)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "vpc:DescribeCustomerGateway")
	ios := readFile(t, filepath.Join(dir, c.ID, "cgw-fbdb", "cisco-ios.txt"))
	assert.Contains(t, ios, "customer gateway cgw-fbdb could not be read")
	assert.NotContains(t, configLines(ios), " password ", "no password is invented")
	assert.Contains(t, ios, "BGP password of tunnel 2: unknown")
	assert.NotContains(t, stderr, fakealiyun.BGPKeyOf(c.ID, 2))
}

// TestShapesEveryRegisteredVendor holds every vendor, the ones added after
// issue 11 included, to what the new connection shapes need, with --redact
// so no key is needed to check where keys go:
//   - a vendor that configures the BGP session (the Alibaba peer address on
//     a configuration line) also configures its password;
//   - a vendor whose configuration lines carry the on-prem subnets also
//     carries the health check's probed address;
//   - every file says when both tunnels are active and when the network is
//     private (the header lines shared by every vendor).
func TestShapesEveryRegisteredVendor(t *testing.T) {
	dir, m, _ := exportShapes(t, "all", "--redact")
	configLines := func(data string) []string {
		var out []string
		for _, l := range strings.Split(data, "\n") {
			if tl := strings.TrimSpace(l); tl != "" && !strings.HasPrefix(tl, "#") && !strings.HasPrefix(tl, "!") {
				out = append(out, l)
			}
		}
		return out
	}
	has := func(lines []string, s string) bool {
		for _, l := range lines {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	}
	seen := map[string]int{}
	for _, en := range m.Connections {
		shape := strings.TrimPrefix(en.ID, "vco-sh")
		for _, f := range en.Files {
			if strings.Contains(f.Path, "rollback") || strings.HasSuffix(f.Path, "summary.md") || strings.HasSuffix(f.Path, ".secrets") {
				continue
			}
			data := readFile(t, filepath.Join(dir, filepath.FromSlash(f.Path)))
			lines := configLines(data)
			switch shape {
			case "bgpkey":
				_, alibaba, _ := fakealiyun.BGPAddrs(20, 3)
				if has(lines, alibaba) {
					seen[shape]++
					assert.Contains(t, data, "<BGP-KEY-REDACTED:tunnel-1>", "%s configures the BGP session without its password", f.Path)
				}
			case "health":
				if has(lines, "10.7.0.0") {
					seen[shape]++
					assert.True(t, has(lines, "10.250.0.7"), "%s: the health check's probed address 10.250.0.7 is on no configuration line", f.Path)
				}
			case "ecmp":
				seen[shape]++
				assert.Contains(t, data, "Both tunnels active (ECMP)", f.Path)
			case "private":
				seen[shape]++
				assert.Contains(t, data, "Private network (leased line / Express Connect)", f.Path)
			}
		}
	}
	// Enough vendors took part for the checks to mean something.
	for shape, min := range map[string]int{"bgpkey": 5, "health": 8, "ecmp": 8, "private": 8} {
		assert.GreaterOrEqual(t, seen[shape], min, "vendors checked for %s", shape)
	}
}
