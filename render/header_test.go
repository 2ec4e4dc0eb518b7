package render_test

import (
	"testing"

	"github.com/vpnexport/vpnexport/render"
	"github.com/vpnexport/vpnexport/templates"
)

// TestHeaderNameReadsEveryVendor: every file a vendor renders for a
// device gives its connection name back to HeaderName (--diff-against
// takes the default --name from it), with and without ID and region.
func TestHeaderNameReadsEveryVendor(t *testing.T) {
	checked := 0
	for _, tc := range loadAPICases(t) {
		c := tc.conn
		for i, name := range []string{tc.name, "vco.prod_2"} {
			c.Name = name
			if i == 1 {
				c.ID, c.Region = "vco-abc123", "cn-shanghai"
			}
			for _, v := range render.Vendors() {
				if v.Aggregate() {
					continue // the summary is a page, not a device file
				}
				files, _, err := render.Render(templates.FS, v.Name, c, render.Options{})
				if err != nil {
					continue // a refusal; the golden tests cover it
				}
				checked++
				if got, ok := render.HeaderName(files[0].Data); !ok || got != name {
					t.Errorf("%s/%s: HeaderName = %q, %v; want %q", tc.name, v.Name, got, ok, name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing rendered")
	}
	if _, ok := render.HeaderName([]byte("hostname r1\n! Connection: \n")); ok {
		t.Error("an empty name was accepted")
	}
}
