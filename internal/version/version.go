// Package version formats the version line of `vpnexport version` from
// what the Go toolchain recorded in the binary (debug.ReadBuildInfo).
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// String is the version line of the running binary: ldflags (a version
// set with -ldflags "-X main.version=…") or the module version, then the
// VCS revision, whether the tree was modified, the commit time and the Go
// release, as far as the build recorded them.
func String(ldflags string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return Format(ldflags, bi)
}

// Format is String for given build information.
func Format(ldflags string, bi *debug.BuildInfo) string {
	v := ldflags
	if v == "" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	var about []string
	if rev := vcs["vcs.revision"]; rev != "" {
		about = append(about, "revision "+rev[:min(12, len(rev))])
		if vcs["vcs.modified"] == "true" {
			about = append(about, "modified")
		}
		if t := vcs["vcs.time"]; t != "" {
			about = append(about, "committed "+t)
		}
	}
	if bi.GoVersion != "" {
		about = append(about, bi.GoVersion+" "+runtime.GOOS+"/"+runtime.GOARCH)
	}
	if len(about) == 0 {
		return v
	}
	return v + " (" + strings.Join(about, ", ") + ")"
}
