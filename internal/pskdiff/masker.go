package pskdiff

import (
	"bytes"
	"encoding/json"
	"html"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/vpn"
)

// Package pskdiff compares rendered configurations with the files already
// on disk, as unified diffs in which every secret is masked on both sides.
//
// # Masking
//
// A diff must show that a pre-shared key changed without showing either
// key: the new one is known, but the file on disk may hold an older key in
// any encoding the vendor used then. Masking by value alone cannot find
// that older key, and a hand-written pattern per vendor would have to be
// kept in step with every template. So the masker learns, per vendor,
// which lines carry a PSK and where, by rendering the connection again
// with each tunnel's key replaced by probe keys and diffing the results:
//
//   - A line of the real rendering that differs from every probe rendering
//     carries the key (a line that differs from only some probes, such as
//     strongSwan's "0s = Base64" comment, depends on the key's encoding
//     class, not on the key).
//   - Pairing that line with its probe counterpart gives the common prefix
//     and suffix, cut back to whitespace so the key's span is whole
//     tokens. The surrounding fields become a skeleton; a field that does
//     not occur in the vendor's template text (an address, a name) is a
//     wildcard, so an old file whose peer address or name differs is still
//     recognised.
//   - Every line of both the old and the new text that matches a skeleton
//     gets its span replaced by <PSK-REDACTED:tunnel-N>. Lines are aligned
//     per skeleton in order of appearance; when the aligned old and new
//     spans differ, the new side says <PSK-CHANGED:tunnel-N>, so a key
//     change is a visible one-line change that reveals neither key.
//   - As a safety net the known secrets (each PSK and each encoded span of
//     the real rendering) are masked by value anywhere, and lines naming a
//     key with a keyword its vendor declares (render.Vendor.SecretKeywords) that no
//     skeleton matched have the rest of the line masked.
//
// Masking is applied to both sides alike, so an unchanged line stays equal.

// pskProbes replace a tunnel's key while learning. They share no first or
// last character with each other, use only letters and digits (every
// vendor accepts them) plus one with the characters that force encoding
// on vendors that encode, and cannot be a real Alibaba key by accident.
var pskProbes = []string{
	"Qv7probeXkeyZ1",
	"w3Probe9Jk",
	`0s"probe#;!key$`,
}

// skeleton is a PSK line with its key span cut out: prefix and suffix
// fields, "" standing for any field.
type skeleton struct {
	prefix, suffix []string
	// owners lists the secret of each line of the real rendering this
	// skeleton was learned from, in line order: the k-th matching line of
	// a text belongs to owners[k].
	owners []secretID
}

func (s *skeleton) key() string {
	return strings.Join(s.prefix, "\x00") + "\x01" + strings.Join(s.suffix, "\x00")
}

// Masker masks the secrets of one connection's files.
type Masker struct {
	files  map[string]*fileMasker // by output file name
	values []maskValue            // known secrets, longest first
}

// fileMasker holds the skeletons learned from one vendor's file.
type fileMasker struct {
	skeletons []*skeleton // in order of first appearance
}

type maskValue struct {
	text  string
	owner secretID
}

// secretID names one secret of a connection: a tunnel's pre-shared key
// or its BGP password.
type secretID struct {
	kind   vpn.SecretKind
	tunnel int
}

// secretsOf lists the secrets of c the masker learns, in tunnel order, each
// with its value.
func secretsOf(c vpn.Connection) (ids []secretID, values []string) {
	for _, sv := range c.Secrets() {
		ids = append(ids, secretID{sv.Kind, sv.Tunnel})
		values = append(values, sv.Value)
	}
	return ids, values
}

// secretKeywords are the words every registered vendor declares as
// introducing a secret (render.Vendor.SecretKeywords). Used only as a
// safety net for lines no skeleton matched; adding a vendor adds its
// words here without touching this package.
var secretKeywords = sync.OnceValue(func() map[string]bool {
	words := map[string]bool{}
	for _, v := range render.Vendors() {
		for _, w := range v.SecretKeywords {
			words[strings.ToLower(w)] = true
		}
	}
	return words
})

// Learn builds the masker for c over the plan's vendors, with the plan's
// templates and parameters. Rendering failures of a probe (a vendor
// refusing a probe's characters) only make that probe unavailable.
func Learn(p *render.Plan, c vpn.Connection) *Masker {
	m := &Masker{files: map[string]*fileMasker{}}
	ids, values := secretsOf(c)
	for i, id := range ids {
		if len(values[i]) < vpn.MinMaskedSecret {
			continue // too short to find by value without masking noise
		}
		for _, form := range escapedForms(values[i]) {
			m.values = append(m.values, maskValue{form, id})
		}
	}
	for _, v := range p.Vendors() {
		// Never redacted: old files may hold keys. The rollback file is
		// learned too, in case a vendor's removal commands name a key.
		opts := render.Options{Rollback: true}
		real, _, err := p.RenderLayout(v, c, opts)
		if err != nil {
			continue
		}
		tmplText := templateText(p.FS(), v.Name)
		// probes[s][k] are secret s's probe renderings (nil when the
		// vendor refused the probe key).
		probes := map[secretID][][]render.File{}
		for i, id := range ids {
			for _, probe := range pskProbes {
				if probe == values[i] {
					continue
				}
				pf, _, err := p.RenderLayout(v, withSecret(c, id, probe), opts)
				if err != nil {
					continue
				}
				probes[id] = append(probes[id], pf)
			}
		}
		for fi, f := range real {
			fm := &fileMasker{}
			m.files[f.Name] = fm
			m.learnFile(fm, ids, f, fi, probes, tmplText)
		}
	}
	sort.SliceStable(m.values, func(i, j int) bool { return len(m.values[i].text) > len(m.values[j].text) })
	return m
}

// learnFile learns the key lines of one rendered file (index fi of the
// vendor's files) from the probe renderings.
func (m *Masker) learnFile(fm *fileMasker, ids []secretID, real render.File, fi int, probes map[secretID][][]render.File, tmplText string) {
	realLines, _ := splitLines(string(real.Data))
	// owner[i] is the secret whose key line i carries; spans[i] the
	// skeletons learned for it.
	owner := map[int]secretID{}
	spans := map[int][]skeleton{}
	for _, id := range ids {
		hits := map[int]int{}
		pairs := map[int][]skeleton{}
		n := 0
		for _, pf := range probes[id] {
			if fi >= len(pf) || pf[fi].Name != real.Name {
				continue
			}
			n++
			probeLines, _ := splitLines(string(pf[fi].Data))
			for _, pr := range changedLines(realLines, probeLines) {
				hits[pr.a]++
				if pr.b >= 0 {
					if sk, ok := pairSkeleton(realLines[pr.a], probeLines[pr.b], tmplText); ok {
						pairs[pr.a] = append(pairs[pr.a], sk)
					}
				}
			}
		}
		for i, h := range hits {
			if h == n {
				owner[i] = id
				spans[i] = pairs[i]
			}
		}
	}
	lines := make([]int, 0, len(owner))
	for i := range owner {
		lines = append(lines, i)
	}
	sort.Ints(lines)
	byKey := map[string]*skeleton{}
	for _, i := range lines {
		seen := map[string]bool{}
		for _, sk := range spans[i] {
			k := sk.key()
			if seen[k] {
				continue
			}
			seen[k] = true
			if sp, ok := matchSkeleton(realLines[i], &sk); ok && sp.start < sp.end {
				m.values = append(m.values, maskValue{realLines[i][sp.start:sp.end], owner[i]})
			}
			if byKey[k] == nil {
				byKey[k] = &skeleton{prefix: sk.prefix, suffix: sk.suffix}
				fm.skeletons = append(fm.skeletons, byKey[k])
			}
			byKey[k].owners = append(byKey[k].owners, owner[i])
		}
		if len(spans[i]) == 0 {
			// Not pairable with any probe: the whole line is secret
			// material, masked by value.
			if s := strings.TrimSpace(realLines[i]); len(s) >= vpn.MinMaskedSecret {
				m.values = append(m.values, maskValue{s, owner[i]})
			}
		}
	}
}

// escapedForms is the key as written by the vendors and as JSON and XML
// encoders escape it, with and without HTML-safe escaping: export
// --save-response keeps the raw API responses next to the configs.
func escapedForms(psk string) []string {
	forms := []string{psk, html.EscapeString(psk), strings.ReplaceAll(html.EscapeString(psk), "&#34;", "&quot;"),
		// a RouterOS string constant (render/mikrotik.go)
		strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, `?`, `\?`).Replace(psk)}
	for _, escHTML := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escHTML)
		_ = enc.Encode(psk)
		forms = append(forms, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(b.String()), `"`), `"`))
	}
	sort.Strings(forms)
	return slices.Compact(forms)
}

// forFile returns the masker of a file name, or one that knows every
// vendor's skeletons for a file no planned vendor writes.
func (m *Masker) forFile(name string) *fileMasker {
	if fm, ok := m.files[name]; ok {
		return fm
	}
	all := &fileMasker{}
	names := make([]string, 0, len(m.files))
	for n := range m.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		all.skeletons = append(all.skeletons, m.files[n].skeletons...)
	}
	return all
}

// withSecret returns a copy of c whose secret id has the given value;
// the tunnels (and their BGP sessions) are copied so c is unchanged.
func withSecret(c vpn.Connection, id secretID, value string) vpn.Connection {
	ts := make([]vpn.Tunnel, len(c.Tunnels))
	copy(ts, c.Tunnels)
	for i := range ts {
		if ts[i].Index != id.tunnel {
			continue
		}
		switch id.kind {
		case vpn.KindPSK:
			ts[i].PSK = vpn.NewSecret(value)
		case vpn.KindBGPKey:
			if ts[i].BGP != nil {
				b := *ts[i].BGP
				b.AuthKey = vpn.NewSecret(value)
				ts[i].BGP = &b
			}
		}
	}
	c.Tunnels = ts
	return c
}

// templateText returns the concatenated templates of a vendor, to tell
// keywords (in the template) from values (not in it).
func templateText(fsys fs.FS, vendor string) string {
	names, _ := fs.Glob(fsys, vendor+"/*.tmpl")
	var b strings.Builder
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err == nil {
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// linePair is a changed line of a (index a) and its counterpart in b
// (index b, -1 when unpaired).
type linePair struct{ a, b int }

// changedLines returns the lines of a that are not equal in b, each
// paired with the most similar line of b in the same change block (the
// longest common prefix plus suffix), so an inserted comment line is not
// mistaken for the changed line's counterpart.
func changedLines(a, b []string) []linePair {
	var out []linePair
	ai, bi := 0, 0
	ops := diffLines(a, b)
	for k := 0; k < len(ops); k++ {
		o := ops[k]
		switch o.op {
		case diffmatchpatch.DiffEqual:
			ai += len(o.lines)
			bi += len(o.lines)
		case diffmatchpatch.DiffInsert:
			bi += len(o.lines)
		case diffmatchpatch.DiffDelete:
			var ins []string
			if k+1 < len(ops) && ops[k+1].op == diffmatchpatch.DiffInsert {
				ins = ops[k+1].lines
			}
			for j, pb := range pairBlock(o.lines, ins) {
				if pb >= 0 {
					pb += bi
				}
				out = append(out, linePair{ai + j, pb})
			}
			ai += len(o.lines)
			if ins != nil {
				bi += len(ins)
				k++
			}
		}
	}
	return out
}

// pairBlock pairs the deleted and inserted lines of one change block one
// to one, most similar first; it returns each deleted line's partner
// index in ins, or -1.
func pairBlock(del, ins []string) []int {
	type cand struct{ d, i, score int }
	var cands []cand
	for d, a := range del {
		for i, b := range ins {
			if sc := similarity(a, b); sc > 0 {
				cands = append(cands, cand{d, i, sc})
			}
		}
	}
	sort.SliceStable(cands, func(x, y int) bool { return cands[x].score > cands[y].score })
	out := make([]int, len(del))
	for i := range out {
		out[i] = -1
	}
	used := make([]bool, len(ins))
	for _, c := range cands {
		if out[c.d] < 0 && !used[c.i] {
			out[c.d] = c.i
			used[c.i] = true
		}
	}
	return out
}

// similarity counts the non-blank bytes the two lines share at their
// start and end (cut back to whitespace): indentation alone does not make
// two lines counterparts.
func similarity(a, b string) int {
	n, m := commonEnds(a, b)
	return len(strings.Join(strings.Fields(a[:n]), "")) + len(strings.Join(strings.Fields(a[len(a)-m:]), ""))
}

// commonEnds returns the common prefix and suffix lengths of a and b,
// each cut back to a whitespace boundary so the rest is whole fields.
func commonEnds(a, b string) (n, m int) {
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	for n > 0 && !isSpace(a[n-1]) {
		n--
	}
	for m < len(a)-n && m < len(b)-n && a[len(a)-1-m] == b[len(b)-1-m] {
		m++
	}
	for m > 0 && !isSpace(a[len(a)-m]) {
		m--
	}
	return n, m
}

// pairSkeleton cuts the common prefix and suffix of two versions of a
// line back to whitespace and returns the skeleton around the span.
func pairSkeleton(a, b, tmplText string) (skeleton, bool) {
	n, m := commonEnds(a, b)
	if strings.TrimSpace(a[n:len(a)-m]) == "" {
		return skeleton{}, false
	}
	wild := func(fs []string) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			if strings.Contains(tmplText, f) {
				out[i] = f
			}
		}
		return out
	}
	sk := skeleton{prefix: wild(strings.Fields(a[:n])), suffix: wild(strings.Fields(a[len(a)-m:]))}
	// A skeleton needs a keyword to anchor it; without one it would match
	// unrelated lines, and the line is masked by value instead.
	for _, f := range append(append([]string{}, sk.prefix...), sk.suffix...) {
		if f != "" {
			return sk, true
		}
	}
	return skeleton{}, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// span is a byte range of a line.
type span struct{ start, end int }

// fieldSpans returns the byte ranges of a line's whitespace-separated
// fields.
func fieldSpans(line string) []span {
	var out []span
	start := -1
	for i, r := range line {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, span{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(line)})
	}
	return out
}

// matchSkeleton reports whether line has the skeleton's shape and returns
// the byte range of its key span.
func matchSkeleton(line string, s *skeleton) (span, bool) {
	fs := fieldSpans(line)
	np, ns := len(s.prefix), len(s.suffix)
	if len(fs) < np+ns+1 {
		return span{}, false
	}
	for i, want := range s.prefix {
		if want != "" && line[fs[i].start:fs[i].end] != want {
			return span{}, false
		}
	}
	for i, want := range s.suffix {
		f := fs[len(fs)-ns+i]
		if want != "" && line[f.start:f.end] != want {
			return span{}, false
		}
	}
	return span{fs[np].start, fs[len(fs)-ns-1].end}, true
}

// MaskPair masks the PSKs of an old and a new version of one file.
func (m *Masker) MaskPair(file, old, new string) (string, string) {
	fm := m.forFile(file)
	oldLines, oldNoEOL := splitLines(old)
	newLines, newNoEOL := splitLines(new)
	oldHits := fm.scan(oldLines)
	newHits := fm.scan(newLines)

	// Align hits per skeleton, in order, to name the tunnel and to tell
	// a changed key from an unchanged one. Keyword hits (no skeleton)
	// align among themselves under the nil key.
	oldSpans := map[*skeleton][]string{}
	placeholderOld := map[int]string{}
	for _, h := range oldHits {
		k := len(oldSpans[h.sk])
		oldSpans[h.sk] = append(oldSpans[h.sk], oldLines[h.line][h.sp.start:h.sp.end])
		placeholderOld[h.line] = redactedMark(h.sk.ownerAt(k))
	}
	counts := map[*skeleton]int{}
	placeholderNew := map[int]string{}
	for _, h := range newHits {
		k := counts[h.sk]
		counts[h.sk]++
		tunnel := h.sk.ownerAt(k)
		ph := redactedMark(tunnel)
		if k < len(oldSpans[h.sk]) && oldSpans[h.sk][k] != newLines[h.line][h.sp.start:h.sp.end] {
			ph = changedMark(tunnel)
		}
		placeholderNew[h.line] = ph
	}
	return m.apply(oldLines, oldHits, placeholderOld, oldNoEOL), m.apply(newLines, newHits, placeholderNew, newNoEOL)
}

// Mask masks one text on its own (a removed file).
func (m *Masker) Mask(file, text string) string {
	fm := m.forFile(file)
	lines, noEOL := splitLines(text)
	hits := fm.scan(lines)
	ph := map[int]string{}
	seen := map[*skeleton]int{}
	for _, h := range hits {
		ph[h.line] = redactedMark(h.sk.ownerAt(seen[h.sk]))
		seen[h.sk]++
	}
	return m.apply(lines, hits, ph, noEOL)
}

func redactedMark(id secretID) string { return vpn.Placeholder(id.kind, id.tunnel) }

func changedMark(id secretID) string { return vpn.ChangedPlaceholder(id.kind, id.tunnel) }

// ownerAt names the secret of the k-th line matching s; a pre-shared key
// of an unknown tunnel when unknown (s is nil for keyword matches).
func (s *skeleton) ownerAt(k int) secretID {
	if s == nil || len(s.owners) == 0 {
		return secretID{kind: vpn.KindPSK}
	}
	return s.owners[min(k, len(s.owners)-1)]
}

// hit is a line with a key span: matched by a skeleton (sk set) or by a
// secret keyword (sk nil).
type hit struct {
	line int
	sp   span
	sk   *skeleton
}

// scan finds the key span of every line: the matching skeleton with the
// widest span wins; lines no skeleton matches fall back to keywords.
func (m *fileMasker) scan(lines []string) []hit {
	var hits []hit
	for i, l := range lines {
		var best *skeleton
		var bestSpan span
		for _, s := range m.skeletons {
			sp, ok := matchSkeleton(l, s)
			if ok && (best == nil || sp.end-sp.start > bestSpan.end-bestSpan.start) {
				best, bestSpan = s, sp
			}
		}
		if best != nil {
			hits = append(hits, hit{i, bestSpan, best})
			continue
		}
		if sp, ok := keywordSpan(l); ok {
			hits = append(hits, hit{i, sp, nil})
		}
	}
	return hits
}

// keywordSpan finds "… <keyword> <value…>" and returns the value's range,
// skipping "=" and ":" separators and leaving block openers alone.
func keywordSpan(line string) (span, bool) {
	if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") || strings.HasPrefix(t, "!") || strings.HasPrefix(t, "//") {
		return span{}, false // a comment configures nothing
	}
	fs := fieldSpans(line)
	for i, f := range fs {
		field := line[f.start:f.end]
		// RouterOS writes name=value as one field (secret="…"): the value
		// is the rest of the line after the '='.
		if name, _, ok := strings.Cut(field, "="); ok && name != "" && secretKeywords()[strings.ToLower(name)] && len(field) > len(name)+1 {
			return span{f.start + len(name) + 1, fs[len(fs)-1].end}, true
		}
		word := strings.Trim(field, `:=;"'`)
		if !secretKeywords()[strings.ToLower(word)] {
			continue
		}
		j := i + 1
		for j < len(fs) && (line[fs[j].start:fs[j].end] == "=" || line[fs[j].start:fs[j].end] == ":") {
			j++
		}
		if j >= len(fs) {
			return span{}, false
		}
		v := line[fs[j].start:fs[j].end]
		if v == "{" || v == "}" || v == "(" {
			return span{}, false
		}
		return span{fs[j].start, fs[len(fs)-1].end}, true
	}
	return span{}, false
}

// apply replaces the spans and then every known secret value.
func (m *Masker) apply(lines []string, hits []hit, ph map[int]string, noEOL bool) string {
	out := append([]string{}, lines...)
	for _, h := range hits {
		l := out[h.line]
		out[h.line] = l[:h.sp.start] + ph[h.line] + l[h.sp.end:]
	}
	for i, l := range out {
		for _, v := range m.values {
			if strings.Contains(l, v.text) {
				l = strings.ReplaceAll(l, v.text, redactedMark(v.owner))
			}
		}
		out[i] = l
	}
	text := strings.Join(out, "\n")
	if len(out) > 0 && !noEOL {
		text += "\n"
	}
	return text
}
