package names

import (
	"strings"
	"testing"
)

func TestSanitizePassesCheck(t *testing.T) {
	for in, want := range map[string]string{
		"vco prod (1)":           "vco-prod-1",
		"vco-prod":               "vco-prod",
		".hidden":                "hidden",
		"--lead":                 "lead",
		"上海 站点":                  "connection",
		"a//b\\c":                "a-b-c",
		"site_1.v2":              "site_1.v2",
		strings.Repeat("x", 300): strings.Repeat("x", Max),
	} {
		got := Sanitize(in)
		if got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
		if err := Check(got); err != nil {
			t.Errorf("Sanitize(%q) = %q fails Check: %v", in, got, err)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("vco prod (1)")
	f.Add("-.-")
	f.Fuzz(func(t *testing.T, s string) {
		if err := Check(Sanitize(s)); err != nil {
			t.Errorf("Sanitize(%q) = %q: %v", s, Sanitize(s), err)
		}
		if Check(s) == nil && Sanitize(s) != s {
			t.Errorf("valid name %q changed to %q", s, Sanitize(s))
		}
	})
}
