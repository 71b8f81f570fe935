package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-03T12:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name                  string
		bi                    *debug.BuildInfo
		version, commit, date string
		want                  Info
		short                 string
	}{
		{"vcs", bi, "", "", "", Info{"devel", "0123456789abcdef0123456789abcdef01234567", "2026-12-03T12:00:00Z", true, "go1.99"}, "devel-0123456789ab-dirty"},
		{"ldflags win", bi, "v1.2.3", "abc", "2027-01-01T00:00:00Z", Info{"v1.2.3", "abc", "2027-01-01T00:00:00Z", false, "go1.99"}, "v1.2.3"},
		{"module version", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v0.4.0"}}, "", "", "", Info{"v0.4.0", "unknown", "unknown", false, "go1.99"}, "v0.4.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := get(tc.bi, tc.version, tc.commit, tc.date)
			if got != tc.want || got.Short() != tc.short {
				t.Errorf("get = %+v (%s), want %+v (%s)", got, got.Short(), tc.want, tc.short)
			}
		})
	}
}

// TestBinaryVersion builds kiln with the release target's -ldflags and
// runs `kiln --version`; then without them, with VCS stamping on, where
// the commit must be the checkout's HEAD.
func TestBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiln twice")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	flags := releaseLDFlags(t, root, "v9.8.7", "feedc0de", "2027-02-03T04:05:06Z")
	bin := filepath.Join(t.TempDir(), "kiln")
	build := func(args ...string) string {
		cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, args...), "./cmd/kiln")...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("kiln --version: %v\n%s", err, out)
		}
		return string(out)
	}
	out := build("-buildvcs=false", "-ldflags", flags)
	for _, w := range []string{"kiln v9.8.7\n", "commit: feedc0de\n", "built: 2027-02-03T04:05:06Z\n", "go: go1."} {
		if !strings.Contains(out, w) {
			t.Errorf("with the release ldflags: %q lacks %q", out, w)
		}
	}
	// Go stamps VCS information only in a checkout whose .git is a
	// directory (not in a git worktree), so the sources are committed to
	// a fresh repository, then one file is changed: vcs.modified.
	src := gitCopy(t, root)
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = src
	head, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	root = src
	if err := os.WriteFile(filepath.Join(src, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = build("-buildvcs=true")
	// The version is Go's pseudo-version of the commit (v0.0.0-<time>-<rev>+dirty).
	if !strings.Contains(out, "\ncommit: "+strings.TrimSpace(string(head))+" (modified)\nbuilt: 20") ||
		!strings.HasPrefix(out, "kiln v0.0.0-") || !strings.Contains(out, "+dirty\n") {
		t.Errorf("from VCS: %q, want commit %s (modified) and its date", out, head)
	}
}

// gitCopy commits the module's files (tracked and untracked, not
// ignored) to a new git repository and returns its directory.
func gitCopy(t *testing.T, root string) string {
	t.Helper()
	git := func(dir string, args ...string) []byte {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return out
	}
	dst := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(dst, "init", "-q")
	git(dst, "add", "-A")
	git(dst, "commit", "-q", "-m", "copy")
	return dst
}

// releaseLDFlags is what `make release` passes to -ldflags (make -n),
// so the Makefile's variable names are tested too.
func releaseLDFlags(t *testing.T, root, version, commit, date string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	cmd := exec.Command("make", "-n", "release", "VERSION="+version, "COMMIT="+commit, "DATE="+date)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make -n release: %v", err)
	}
	_, rest, ok := strings.Cut(string(out), `-ldflags "`)
	flags, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("make -n release: no -ldflags in\n%s", out)
	}
	return flags
}
