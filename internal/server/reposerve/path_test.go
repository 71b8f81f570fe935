package reposerve

import (
	"net/url"
	"strings"
	"testing"
)

// TestEscapeKey: the fast path (keys that need no escaping) gives what
// escaping each segment gives.
func TestEscapeKey(t *testing.T) {
	for _, k := range []string{
		"master/x86_64/current/packages/libc++-1.0-1-x86_64.hpkg",
		"master/x86_64/.kiln/snapshots/20261127T172953.424Z-c6592805/repo",
		"root dir/master/x86_64/current/packages/a~b_c.hpkg", "a;b/c,d/e?f/g%h/ü",
	} {
		segs := strings.Split(k, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		if got, want := escapeKey(k), strings.Join(segs, "/"); got != want {
			t.Errorf("escapeKey(%q) = %q, want %q", k, got, want)
		}
	}
}
