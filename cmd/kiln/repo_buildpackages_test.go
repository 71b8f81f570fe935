package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRepoBuildPackages: kiln repo build-packages makes a repository that
// kiln repo inspect (the HPKR reader) lists with exactly the package
// asked for (from an older snapshot, by file name), is idempotent, and
// names unknown packages with exit status 1.
func TestRepoBuildPackages(t *testing.T) {
	_, f := storeFixture(t) // tipster published, then removed
	out := mustRun(t, append([]string{"repo", "build-packages", "r1", "tipster-1.1.1-1-x86_64.hpkg"}, f...)...)
	if !strings.Contains(out, "build-packages r1 made (1 package") {
		t.Fatalf("output %q", out)
	}
	repoFile := filepath.Join(f[1], "master", "x86_64", ".kiln", "build-packages", "r1", "repo")
	if got := mustRun(t, "repo", "inspect", repoFile); !strings.Contains(got, "packages:     1\n") || !strings.Contains(got, "tipster  1.1.1-1  x86_64  549f8cb55b66da092e99c07bdd0d1ebb8d1d945169c4390ca0135807b3cbffc1") {
		t.Fatalf("inspect:\n%s", got)
	}
	if out := mustRun(t, append([]string{"repo", "build-packages", "r1", "tipster-1.1.1-1-x86_64.hpkg"}, f...)...); !strings.Contains(out, "unchanged") {
		t.Fatalf("again: %q", out)
	}
	_, stderr, code := runMain(t, append([]string{"repo", "build-packages", "r2", "tipster", "nosuch-1-1-x86_64.hpkg"}, f...)...)
	if code != 1 || !strings.Contains(stderr, `"tipster", "nosuch-1-1-x86_64.hpkg"`) {
		t.Fatalf("unknown: exit %d, %s", code, stderr)
	}
	if _, _, code := runMain(t, append([]string{"repo", "build-packages", "r3"}, f...)...); code != 2 {
		t.Fatalf("no package: exit %d", code)
	}
}
