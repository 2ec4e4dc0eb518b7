package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/vpnexport/vpnexport", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2025-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := Format("", bi)
	for _, want := range []string{"v1.2.3 (", "revision 0123456789ab,", "modified", "committed 2025-01-02T03:04:05Z", "go1.26.8 "} {
		if !strings.Contains(got, want) {
			t.Errorf("Format = %q, lacks %q", got, want)
		}
	}
	bi.Settings[3].Value = "false"
	if got := Format("", bi); strings.Contains(got, "modified") {
		t.Errorf("clean tree: %q", got)
	}
	if got := Format("v9.9.9", bi); !strings.HasPrefix(got, "v9.9.9 (") {
		t.Errorf("ldflags version: %q", got)
	}
	if got := Format("", &debug.BuildInfo{}); got != "(devel)" {
		t.Errorf("no build info: %q", got)
	}
}
