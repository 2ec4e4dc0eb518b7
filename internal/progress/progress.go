// Package progress draws a batch's progress ("[####......] 12/100, 1
// failed") on a terminal, and nothing anywhere else: logs and tests get
// the summary only.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Bar counts finished items and redraws on w when w is a terminal.
type Bar struct {
	mu           sync.Mutex
	w            io.Writer
	on           bool
	total, n, nf int
}

// New returns a bar for total items. It draws only when enabled, w is a
// terminal and there is more than one item. A total of 0 means the items
// are announced as they are found (Expect).
func New(w io.Writer, total int, enabled bool) *Bar {
	return &Bar{w: w, total: total, on: enabled && IsTerminal(w) && total != 1}
}

// Expect adds n items to the total (a listing that goes on while items
// finish).
func (b *Bar) Expect(n int) {
	b.mu.Lock()
	b.total += n
	b.mu.Unlock()
}

// Print runs print between redraws, so that its lines do not mix with
// the bar.
func (b *Bar) Print(print func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.on && b.n > 0 {
		fmt.Fprint(b.w, "\r\033[K")
	}
	print()
}

// Done counts a finished item and redraws; print, run under the same
// lock, prints that item's messages first so lines written from parallel
// workers never interleave with each other or the bar.
func (b *Bar) Done(failed bool, print func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.on && b.n > 0 {
		fmt.Fprint(b.w, "\r\033[K") // clear the bar before other lines
	}
	print()
	b.n++
	if failed {
		b.nf++
	}
	if !b.on || b.total < 2 {
		return
	}
	const width = 30
	filled := width * min(b.n, b.total) / b.total
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), b.n, b.total)
	if b.nf > 0 {
		fmt.Fprintf(b.w, ", %d failed", b.nf)
	}
}

// Finish ends the bar's line.
func (b *Bar) Finish() {
	if b.on && b.n > 0 {
		fmt.Fprintln(b.w)
	}
}

// IsTerminal reports a character device (a terminal), without pulling in
// golang.org/x/term.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
