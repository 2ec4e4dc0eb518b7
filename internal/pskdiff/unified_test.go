package pskdiff

import (
	"os"
	"strings"
	"testing"
)

// TestUnifiedDiff pins the diff format: git-style headers, @@ hunks with
// three lines of context, merged hunks, new and removed files, and a
// missing final newline.
func TestUnifiedDiff(t *testing.T) {
	lines := func(n int, change map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := change[i]; ok {
				b.WriteString(s + "\n")
				continue
			}
			b.WriteString("line " + string(rune('a'+i-1)) + "\n")
		}
		return b.String()
	}
	tests := map[string]struct {
		a, b, want string
	}{
		"equal": {a: "x\n", b: "x\n", want: ""},
		"one change": {a: lines(10, nil), b: lines(10, map[int]string{5: "five"}), want: `--- a/f
+++ b/f
@@ -2,7 +2,7 @@
 line b
 line c
 line d
-line e
+five
 line f
 line g
 line h
`},
		"two hunks": {a: lines(20, nil), b: lines(20, map[int]string{2: "two", 19: "nineteen"}), want: `--- a/f
+++ b/f
@@ -1,5 +1,5 @@
 line a
-line b
+two
 line c
 line d
 line e
@@ -16,5 +16,5 @@
 line p
 line q
 line r
-line s
+nineteen
 line t
`},
		"merged hunks": {a: lines(12, nil), b: lines(12, map[int]string{3: "three", 9: "nine"}), want: `--- a/f
+++ b/f
@@ -1,12 +1,12 @@
 line a
 line b
-line c
+three
 line d
 line e
 line f
 line g
 line h
-line i
+nine
 line j
 line k
 line l
`},
		"no newline at end": {a: "a\nb", b: "a\nb\n", want: `--- a/f
+++ b/f
@@ -1,2 +1,2 @@
 a
-b
\ No newline at end of file
+b
`},
		"insert only": {a: "a\nb\n", b: "a\nnew\nb\n", want: `--- a/f
+++ b/f
@@ -1,2 +1,3 @@
 a
+new
 b
`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Unified("a/f", "b/f", tc.a, tc.b)
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	if got := Unified("/dev/null", "b/f", "", "x\ny\n"); got != "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n" {
		t.Errorf("new file:\n%s", got)
	}
	if got := Unified("a/f", "/dev/null", "x\n", ""); got != "--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" {
		t.Errorf("removed file:\n%s", got)
	}
}

// TestDiffDeterministic: the same comparison twice gives the same diff
// (go-diff runs without its time limit).
func TestDiffDeterministic(t *testing.T) {
	a, _ := os.ReadFile("../../testdata/golden/ikev1-2x2-subnets/swanctl.conf")
	b, _ := os.ReadFile("../../testdata/golden/ikev2-2x2-subnets/swanctl.conf")
	first := Unified("a/x", "b/x", string(a), string(b))
	for i := 0; i < 3; i++ {
		if got := Unified("a/x", "b/x", string(a), string(b)); got != first {
			t.Fatal("diff differs between runs")
		}
	}
}
