package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestOnlyOnTerminals: buffers, files and pipes get no progress.
func TestOnlyOnTerminals(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, out := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "file": f, "pipe": w} {
		if IsTerminal(out) {
			t.Errorf("%s taken for a terminal", name)
		}
		b := New(out, 10, true)
		b.Done(false, func() {})
		b.Finish()
	}
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Errorf("progress written to a file")
	}
}

// TestDraws: on a terminal the bar counts items and failures.
func TestDraws(t *testing.T) {
	var buf bytes.Buffer
	b := &Bar{w: &buf, total: 4, on: true}
	b.Done(false, func() { buf.WriteString("line\n") })
	b.Done(true, func() {})
	b.Finish()
	want := "line\n\r[#######.......................] 1/4\r\033[K\r[###############...............] 2/4, 1 failed\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
}
