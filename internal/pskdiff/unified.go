package pskdiff

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// lineOp is one run of a line diff: equal, deleted (from a) or inserted
// (into b), with the lines it covers.
type lineOp struct {
	op    diffmatchpatch.Operation
	lines []string // without their "\n"
}

// splitLines splits text into lines without their "\n"; noEOL reports a
// last line that lacks one.
func splitLines(text string) (lines []string, noEOL bool) {
	if text == "" {
		return nil, false
	}
	lines = strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1], false
	}
	return lines, true
}

// diffLines diffs two texts line by line with sergi/go-diff. The diff has
// no time limit: go-diff's default one-second deadline would make the
// result depend on the machine's speed, and the same input must always
// give the same diff. Inputs are bounded config files, so it stays fast.
func diffLines(a, b []string) []lineOp {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	// A unique terminator per line keeps a last line without "\n" distinct
	// from the same text with one, and lets go-diff hash whole lines.
	ja := joinLines(a)
	jb := joinLines(b)
	ca, cb, table := dmp.DiffLinesToChars(ja, jb)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), table)
	var ops []lineOp
	for _, d := range diffs {
		ls, _ := splitLines(d.Text)
		if len(ls) == 0 {
			continue
		}
		if n := len(ops); n > 0 && ops[n-1].op == d.Type {
			ops[n-1].lines = append(ops[n-1].lines, ls...)
			continue
		}
		ops = append(ops, lineOp{op: d.Type, lines: ls})
	}
	return ops
}

func joinLines(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// Unified renders a unified diff (diff -u / git style, no colours)
// between a and b. aName or bName "/dev/null" marks a new or removed
// file. It returns "" when the texts are equal.
func Unified(aName, bName, a, b string) string {
	al, aNoEOL := splitLines(a)
	bl, bNoEOL := splitLines(b)
	if a == b {
		return ""
	}
	// Mark a missing final newline on the last line itself, so a change
	// of only that shows up, as GNU diff does.
	const noEOLMark = "\x00noeol"
	if aNoEOL {
		al[len(al)-1] += noEOLMark
	}
	if bNoEOL {
		bl[len(bl)-1] += noEOLMark
	}

	// Flatten into one line per entry with its kind and positions.
	type entry struct {
		op         diffmatchpatch.Operation
		text       string
		aIdx, bIdx int // 0-based line numbers before this entry
	}
	var ents []entry
	ai, bi := 0, 0
	for _, o := range diffLines(al, bl) {
		for _, l := range o.lines {
			ents = append(ents, entry{o.op, l, ai, bi})
			switch o.op {
			case diffmatchpatch.DiffEqual:
				ai++
				bi++
			case diffmatchpatch.DiffDelete:
				ai++
			case diffmatchpatch.DiffInsert:
				bi++
			}
		}
	}

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	i := 0
	for i < len(ents) {
		// Find the next change.
		for i < len(ents) && ents[i].op == diffmatchpatch.DiffEqual {
			i++
		}
		if i == len(ents) {
			break
		}
		start := max(i-diffContext, 0)
		// Extend the hunk while changes are at most 2*context apart.
		end := i
		for {
			for end < len(ents) && ents[end].op != diffmatchpatch.DiffEqual {
				end++
			}
			eq := end
			for eq < len(ents) && ents[eq].op == diffmatchpatch.DiffEqual {
				eq++
			}
			if eq < len(ents) && eq-end <= 2*diffContext {
				end = eq
				continue
			}
			end = min(end+diffContext, len(ents))
			break
		}
		aStart, bStart := ents[start].aIdx, ents[start].bIdx
		aLen, bLen := 0, 0
		for _, e := range ents[start:end] {
			if e.op != diffmatchpatch.DiffInsert {
				aLen++
			}
			if e.op != diffmatchpatch.DiffDelete {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, e := range ents[start:end] {
			prefix := " "
			switch e.op {
			case diffmatchpatch.DiffDelete:
				prefix = "-"
			case diffmatchpatch.DiffInsert:
				prefix = "+"
			}
			text, noEOL := strings.CutSuffix(e.text, noEOLMark)
			out.WriteString(prefix + text + "\n")
			if noEOL {
				out.WriteString("\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

// hunkRange formats a hunk's "start,count" the way diff -u does: 1-based,
// and for an empty range the line before it.
func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
