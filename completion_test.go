package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/render"
)

// completionScript writes `vpnexport completion <shell>` to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	got := runCLI(t, nil, "completion", shell)
	if got.code != 0 || got.stderr != "" {
		t.Fatalf("completion %s: code %d\n%s", shell, got.code, got.stderr)
	}
	for _, v := range render.Vendors() {
		if !strings.Contains(got.stdout, v.Name) {
			t.Errorf("%s script lacks vendor %s", shell, v.Name)
		}
		for _, p := range v.Params {
			if !strings.Contains(got.stdout, p.Key+"=") {
				t.Errorf("%s script lacks --set %s=", shell, p.Key)
			}
		}
	}
	for _, w := range []string{"render", "export", "vendors", "completion", "version", "diff-against", "rollback", "quiet"} {
		if !strings.Contains(got.stdout, w) {
			t.Errorf("%s script lacks %q", shell, w)
		}
	}
	path := filepath.Join(t.TempDir(), "vpnexport."+shell)
	if err := os.WriteFile(path, []byte(got.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func needShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Skipf("%s not installed", shell)
	}
	return path
}

func shellLines(t *testing.T, shell string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(shell, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", shell, args, err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// fish prints "candidate<TAB>description".
		l, _, _ = strings.Cut(l, "\t")
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}

// keysOf lists a vendor's --set keys as completions ("key=").
func keysOf(t *testing.T, vendor string) []string {
	t.Helper()
	v, ok := render.Lookup(vendor)
	if !ok || len(v.Params) == 0 {
		t.Fatalf("vendor %s has no parameters", vendor)
	}
	var keys []string
	for _, p := range v.Params {
		keys = append(keys, p.Key+"=")
	}
	return keys
}

func wantAll(t *testing.T, what string, got, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: %q missing from %q", what, w, got)
		}
	}
}

func TestCompletionBash(t *testing.T) {
	bash := needShell(t, "bash")
	script := completionScript(t, "bash")
	shellLines(t, bash, "-n", script)
	// complete: run the completion function as bash would for the
	// words typed so far (the last one is the word being completed).
	complete := func(words ...string) []string {
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		return shellLines(t, bash, "-c", `source "$1"; COMP_WORDS=(`+strings.Join(quoted, " ")+`); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; _vpnexport vpnexport; printf '%s\n' "${COMPREPLY[@]}"`, "bash", script)
	}
	wantAll(t, "commands", complete("vpnexport", ""), []string{"render", "export", "vendors", "completion", "version", "help"})
	vendors := append(render.Names(), "all")
	wantAll(t, "--vendor", complete("vpnexport", "render", "--vendor", ""), vendors)
	wantAll(t, "-v a,", complete("vpnexport", "export", "-v", "strongswan,cisco-a"), []string{"strongswan,cisco-asa"})
	wantAll(t, "render flags", complete("vpnexport", "render", "--"), []string{"--input", "--diff-against", "--quiet", "--rollback", "--set"})
	wantAll(t, "export flags", complete("vpnexport", "export", "--c"), []string{"--connection", "--concurrency"})
	ios := complete("vpnexport", "render", "-v", "cisco-ios", "--set", "")
	wantAll(t, "--set for cisco-ios", ios, keysOf(t, "cisco-ios"))
	if slices.Contains(ios, "if-id=") {
		t.Errorf("--set for cisco-ios offers strongswan's if-id: %q", ios)
	}
	wantAll(t, "--set default vendor", complete("vpnexport", "render", "--set", ""), keysOf(t, render.DefaultVendor))
	wantAll(t, "completion shells", complete("vpnexport", "completion", ""), []string{"bash", "zsh", "fish"})
	wantAll(t, "--describe", complete("vpnexport", "vendors", "--describe", ""), render.Names())
}

func TestCompletionZsh(t *testing.T) {
	zsh := needShell(t, "zsh")
	script := completionScript(t, "zsh")
	shellLines(t, zsh, "-n", script)
	// Loaded into a real completion system, it registers for vpnexport.
	out := shellLines(t, zsh, "-f", "-c", `autoload -U compinit && compinit -u -D && source "$1" && print -r -- ${_comps[vpnexport]}`, "zsh", script)
	if len(out) != 1 || out[0] != "_vpnexport" {
		t.Errorf("_comps[vpnexport] = %q", out)
	}
	if exec.Command(zsh, "-f", "-c", "zmodload zsh/zpty").Run() != nil {
		t.Skip("zsh without zsh/zpty: cannot drive an interactive completion")
	}
	// Type a line and Tab in an interactive zsh on a pseudo-terminal and
	// read the listing it prints.
	complete := func(line, expect string) string {
		t.Helper()
		driver := filepath.Join(t.TempDir(), "drive.zsh")
		os.WriteFile(driver, []byte(`zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -D; source '${(q)1}'; zstyle ":completion:*" list-prompt ""; LISTMAX=10000; COLUMNS=300'
zpty -n -w z "$2"$'\t'
out=""
for i in {1..100}; do
  while zpty -r -t z chunk; do out+=$chunk; done
  [[ $out == *$3* ]] && break
  sleep 0.1
done
sleep 0.3
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- $out
zpty -d z
`), 0o600)
		raw, _ := exec.Command(zsh, "-f", driver, script, line, expect).CombinedOutput()
		return strings.ReplaceAll(string(raw), "\r", "")
	}
	// The listing's words, terminal escape sequences removed.
	escape := regexp.MustCompile(`\x1b(\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z])|[\x07\x08]`)
	words := func(s string) []string { return strings.Fields(escape.ReplaceAllString(s, " ")) }
	got := complete("vpnexport render -v cisco-ios --set ", "tunnel-number=")
	wantAll(t, "zsh --set for cisco-ios", words(got), keysOf(t, "cisco-ios"))
	if strings.Contains(got, "if-id=") {
		t.Errorf("zsh --set for cisco-ios offers strongswan's if-id:\n%s", got)
	}
	wantAll(t, "zsh --vendor", words(complete("vpnexport export --vendor ", "juniper-srx")), render.Names())
}

func TestCompletionFish(t *testing.T) {
	fish := needShell(t, "fish")
	script := completionScript(t, "fish")
	shellLines(t, fish, "--no-execute", script)
	complete := func(line string) []string {
		return shellLines(t, fish, "--no-config", "-c", `source $argv[1]; complete --do-complete="`+line+`"`, script)
	}
	wantAll(t, "commands", complete("vpnexport "), []string{"render", "export", "vendors", "completion", "version", "help"})
	wantAll(t, "--vendor", complete("vpnexport render --vendor "), append(render.Names(), "all"))
	ios := complete("vpnexport render -v cisco-ios --set ")
	wantAll(t, "--set for cisco-ios", ios, keysOf(t, "cisco-ios"))
	if slices.Contains(ios, "if-id=") {
		t.Errorf("--set for cisco-ios offers strongswan's if-id: %q", ios)
	}
	wantAll(t, "render flags", complete("vpnexport render --"), []string{"--input", "--diff-against", "--quiet", "--rollback"})
}

func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if got := runCLI(t, nil, args...); got.code != 2 || !strings.Contains(got.stderr, "bash, zsh or fish") {
			t.Errorf("%v: code %d\n%s", args, got.code, got.stderr)
		}
	}
}
