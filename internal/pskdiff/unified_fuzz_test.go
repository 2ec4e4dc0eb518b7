package pskdiff

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// applyUnified applies a diff made by Unified to a, so the fuzz
// target can check that the hunks say exactly how to get b.
func applyUnified(a, diff string) (string, error) {
	if diff == "" {
		return a, nil
	}
	al, aNoEOL := splitLines(a)
	lines := strings.Split(strings.TrimSuffix(diff, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no headers")
	}
	var out []string
	pos := 0 // next line of a to copy
	outNoEOL := aNoEOL
	var last *string
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "@@ -"):
			f := strings.Fields(l)
			start, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(f[1], "-"), ",")[0])
			if strings.HasSuffix(f[1], ",0") {
				start++ // an empty range names the line before it
			}
			for pos < start-1 {
				out = append(out, al[pos])
				pos++
			}
		case l == `\ No newline at end of file`:
			if last == nil {
				return "", fmt.Errorf("marker without a line")
			}
			if *last == "+" || *last == " " {
				outNoEOL = true
			}
		case strings.HasPrefix(l, " "), strings.HasPrefix(l, "-"):
			if pos >= len(al) || al[pos] != l[1:] {
				return "", fmt.Errorf("line %d: context %q does not match", pos+1, l)
			}
			if l[0] == ' ' {
				out = append(out, al[pos])
			}
			pos++
			p := l[:1]
			last = &p
			if l[0] == ' ' {
				outNoEOL = false
			}
		case strings.HasPrefix(l, "+"):
			out = append(out, l[1:])
			p := "+"
			last = &p
			outNoEOL = false
		default:
			return "", fmt.Errorf("unexpected diff line %q", l)
		}
	}
	if pos < len(al) {
		out = append(out, al[pos:]...)
		outNoEOL = aNoEOL
	}
	text := strings.Join(out, "\n")
	if len(out) > 0 && !outNoEOL {
		text += "\n"
	}
	return text, nil
}

// FuzzUnifiedDiff checks that every diff is well formed and exact:
// applying it to the old text gives the new one.
func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n")
	f.Add("a\nb", "a\nb\n")
	f.Add("", "x\n")
	f.Add("x\n", "")
	f.Add("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nthree\n4\n5\n6\n7\n8\nnine\n10\n11\n12\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a+b, '\r') || strings.Contains(a+b, "\x00") {
			return // the diff is line based on LF; NUL is its internal marker
		}
		d := Unified("a/f", "b/f", a, b)
		if (d == "") != (a == b) {
			t.Fatalf("empty diff for different texts, or the reverse")
		}
		got, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("%v\ndiff:\n%s", err, d)
		}
		if got != b {
			t.Fatalf("applying the diff gives %q, want %q\ndiff:\n%s", got, b, d)
		}
	})
}
