package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnexport/vpnexport/internal/export"
	"github.com/vpnexport/vpnexport/render"
)

// docCommand is one vpnexport command line found in the documentation.
type docCommand struct {
	line string
	args []string
}

// commandStart finds where a vpnexport command begins on a shell line:
// at the start, or after a pipe, a ;, && or an opening parenthesis
// (process or command substitution). "go run ." counts as vpnexport.
var commandStart = regexp.MustCompile(`(?:^|[|;(]|&&)\s*(?:vpnexport|go run \.)\s`)

// docCommands returns every vpnexport command in the shell lines given,
// continuation lines joined, up to a shell operator or a comment.
func docCommands(t *testing.T, lines []string) []docCommand {
	t.Helper()
	var out []docCommand
	joined := strings.ReplaceAll(strings.Join(lines, "\n"), "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		for _, loc := range commandStart.FindAllStringIndex(line, -1) {
			rest := line[loc[1]:]
			args, ok := shellWords(rest)
			if !ok {
				t.Errorf("cannot split %q", line)
				continue
			}
			out = append(out, docCommand{line: strings.TrimSpace(line), args: args})
		}
	}
	return out
}

// shellWords splits a command the way sh would, for the simple quoting
// documentation uses, stopping at an operator or a comment.
func shellWords(s string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case !inWord && r == '#', strings.ContainsRune("|;&<>()", r):
			if inWord {
				words = append(words, cur.String())
			}
			return words, quote == 0
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, quote == 0
}

// readmeShellLines returns the lines of README.md's ```sh blocks.
func readmeShellLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case !in && (l == "```sh" || l == "```bash"):
			in = true
		case in && l == "```":
			in = false
		case in:
			lines = append(lines, l)
		}
	}
	return lines
}

// docFixtures makes the files the documentation's examples name, in a
// fresh working folder: the saved responses vco-prod.json (a connection
// every vendor renders, so -v all exits 0) and conn.json (a dual-tunnel
// BGP connection, for the Linux gateway example), a template folder, and
// device.conf, the strongSwan file "copied from the device".
func docFixtures(t *testing.T) {
	t.Helper()
	inputs := map[string][]byte{}
	for name, src := range map[string]string{"vco-prod.json": docInput, "conn.json": "testdata/api/dual-tunnel-bgp.json"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = data
	}
	t.Chdir(t.TempDir())
	for name, data := range inputs {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll("my-templates/strongswan", 0o700); err != nil {
		t.Fatal(err)
	}
	// A folder as 'export --save-response' leaves it (the download alone:
	// an older export, or a connection without a description).
	if err := os.MkdirAll("configs/vco-bp1xxxx", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("configs/vco-bp1xxxx/"+export.SavedDownload, inputs["conn.json"], 0o600); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, nil, "render", "-i", "vco-prod.json", "-v", "strongswan")
	if got.code != 0 {
		t.Fatal(got.stderr)
	}
	if err := os.WriteFile("device.conf", []byte(got.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
}

// docInput is the saved response the documentation calls vco-prod.json.
const docInput = "testdata/api/ikev2-aes256-sha256-g14.json"

// runDocCommands runs every command that needs no network (export
// talks to Alibaba Cloud) in order, so a command can use the files an
// earlier one wrote, and wants exit status 0 from each. It returns the
// commands it ran.
func runDocCommands(t *testing.T, where string, cmds []docCommand) []docCommand {
	t.Helper()
	var ran []docCommand
	for _, c := range cmds {
		if len(c.args) > 0 && c.args[0] == "export" {
			continue
		}
		ran = append(ran, c)
		got := runCLI(t, nil, c.args...)
		if got.code != 0 {
			t.Errorf("%s: %s: exit %d\n%s", where, c.line, got.code, got.stderr)
		}
	}
	return ran
}

// TestREADMEExamples runs the README's examples, so they cannot drift
// from the program, and checks that the features a user looks for there
// are shown.
func TestREADMEExamples(t *testing.T) {
	if _, refused := outcomes(t, docInput); len(refused) > 0 {
		t.Fatalf("%s: pick a case every vendor renders (refused: %d)", docInput, len(refused))
	}
	lines := readmeShellLines(t)
	docFixtures(t)
	ran := runDocCommands(t, "README.md", docCommands(t, lines))
	var all []string
	for _, c := range ran {
		all = append(all, strings.Join(c.args, " "))
	}
	text := " " + strings.Join(all, " \n ") + " "
	var missing []string
	for _, want := range []string{" render ", " vendors", " completion bash", " --version", " -q ", " --rollback", " --diff ", " --diff-against ", " --redact", " --templates "} {
		if !strings.Contains(text, want) {
			missing = append(missing, strings.TrimSpace(want))
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md has no runnable example with %q; ran:\n%s", missing, text)
	}
}

// TestREADMEVendorTable: every registered vendor has exactly one row.
func TestREADMEVendorTable(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z][a-z0-9-]*)` \\|").FindAllStringSubmatch(string(data), -1) {
		rows[m[1]]++
	}
	for _, v := range render.Vendors() {
		if rows[v.Name] != 1 {
			t.Errorf("vendor %s has %d rows in README.md's vendor table", v.Name, rows[v.Name])
		}
		delete(rows, v.Name)
	}
	for name := range rows {
		t.Errorf("README.md's vendor table lists %s, which is not a vendor", name)
	}
}

// TestHelpExamples runs the examples each command's help shows.
func TestHelpExamples(t *testing.T) {
	docFixtures(t)
	for _, cmd := range []string{"", "render", "vendors", "completion", "version"} {
		args := []string{"help"}
		if cmd != "" {
			args = append(args, cmd)
		}
		got := runCLI(t, nil, args...)
		if got.code != 0 {
			t.Fatalf("help %s: %d", cmd, got.code)
		}
		_, examples, _ := strings.Cut(got.stdout, "Examples:\n")
		examples, _, _ = strings.Cut(examples, "\n\n"+"Flags:")
		var lines []string
		for _, l := range strings.Split(examples, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		runDocCommands(t, "help "+cmd, docCommands(t, lines))
	}
}
