package render

import (
	"bufio"
	"bytes"
	"regexp"
)

// headerName matches the "Connection: <name>" line headerLines writes,
// behind the vendor's comment marker: the name, then " (<id>)", ", region
// …" or the end of the line.
var headerName = regexp.MustCompile(`^\W{0,4}\s*Connection: ([A-Za-z0-9][A-Za-z0-9._-]*)(?: \(|,|$)`)

// headerLinesScanned bounds the search: the header is the top of the file.
const headerLinesScanned = 40

// HeaderName returns the connection name recorded in the header of a
// file rendered by vpnexport (the "Connection:" line of headerLines), so
// that comparing a new rendering with it can reuse the object names it
// was made with. ok is false when the file has no such line near its top.
func HeaderName(data []byte) (name string, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for i := 0; i < headerLinesScanned && sc.Scan(); i++ {
		if m := headerName.FindSubmatch(bytes.TrimRight(sc.Bytes(), "\r")); m != nil {
			return string(m[1]), true
		}
	}
	return "", false
}
