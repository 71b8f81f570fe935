// Package buildinfo says which kiln this is: version, commit, build date
// and Go version, from the build's debug.ReadBuildInfo (the module version
// and vcs.revision, vcs.time, vcs.modified that `go build` records in a
// git checkout), overridden for releases at link time:
//
//	go build -ldflags "-X github.com/haikuports/kiln/internal/buildinfo.Version=v1.2.3 \
//	  -X github.com/haikuports/kiln/internal/buildinfo.Commit=$(git rev-parse HEAD) \
//	  -X github.com/haikuports/kiln/internal/buildinfo.Date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
//
// (the Makefile's release target does this).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at link time with -ldflags -X (empty: from the build info).
var (
	Version string
	Commit  string
	Date    string
)

// Info is one build's identity.
type Info struct {
	Version  string `json:"version"`  // v1.2.3, or "devel"
	Commit   string `json:"commit"`   // the VCS revision ("unknown" if not recorded)
	Date     string `json:"date"`     // when the commit was made or the release built (RFC 3339)
	Modified bool   `json:"modified"` // built from a checkout with uncommitted changes
	Go       string `json:"go"`       // the Go toolchain, e.g. go1.24.1
}

// Get returns this binary's Info.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(bi, Version, Commit, Date)
}

// get merges the build info with the link-time values (which win).
func get(bi *debug.BuildInfo, version, commit, date string) Info {
	in := Info{Version: "devel", Commit: "unknown", Date: "unknown", Go: runtime.Version()}
	if bi != nil {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			in.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			in.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.time":
				in.Date = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		in.Version = version
	}
	if commit != "" {
		in.Commit, in.Modified = commit, false
	}
	if date != "" {
		in.Date = date
	}
	return in
}

// Short is the version with the commit for development builds
// ("devel-0123abcd", "devel-0123abcd-dirty"), the version for releases.
func (in Info) Short() string {
	if in.Version != "devel" || in.Commit == "unknown" {
		return in.Version
	}
	c := in.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if in.Modified {
		c += "-dirty"
	}
	return "devel-" + c
}

// String is the text of `kiln --version`.
func (in Info) String() string {
	mod := ""
	if in.Modified {
		mod = " (modified)"
	}
	return fmt.Sprintf("kiln %s\ncommit: %s%s\nbuilt: %s\ngo: %s %s/%s\n",
		in.Version, in.Commit, mod, in.Date, in.Go, runtime.GOOS, runtime.GOARCH)
}
