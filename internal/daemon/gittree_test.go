package daemon

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/testenv"
)

// bareRemote makes a bare repository with one commit on master (and one
// on branch other) and a working clone to push from.
func bareRemote(t *testing.T) (bare, work string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	bare, work = filepath.Join(dir, "remote.git"), filepath.Join(dir, "work")
	testenv.Git(t, dir, "init", "-q", "--bare", "-b", "master", bare)
	testenv.Git(t, dir, "init", "-q", "-b", "master", work)
	testenv.WriteFile(t, work, "README", "one\n")
	testenv.Git(t, work, "add", "-A")
	testenv.Git(t, work, "commit", "-qm", "one")
	testenv.Git(t, work, "push", "-q", bare, "master")
	testenv.Git(t, work, "push", "-q", bare, "master:other")
	return bare, work
}

func commitPush(t *testing.T, work, bare, file, content, branch string) string {
	t.Helper()
	testenv.WriteFile(t, work, file, content)
	testenv.Git(t, work, "add", "-A")
	testenv.Git(t, work, "commit", "-qm", "change "+file)
	testenv.Git(t, work, "push", "-q", bare, "HEAD:"+branch)
	return testenv.Git(t, work, "rev-parse", "HEAD")
}

// TestGitTreeSync: a URL tree is not ready until cloned; Sync clones a
// missing directory, fetches the branch's new HEAD into the working copy
// (not another branch's), recreates a broken clone, and refuses, without
// deleting them, a directory that is not a clone and a clone of another
// repository.
func TestGitTreeSync(t *testing.T) {
	ctx := context.Background()
	bare, work := bareRemote(t)
	clone := filepath.Join(t.TempDir(), "cache", "tree")
	g := newGitTree(config.Tree{URL: bare, CloneDir: clone}, discard())
	if err := g.Ready(); !errors.Is(err, ErrTreeNotReady) {
		t.Fatalf("Ready before the clone: %v", err)
	}
	if _, err := g.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.Ready(); err != nil {
		t.Fatal(err)
	}
	head := func() string { return testenv.Git(t, clone, "rev-parse", "HEAD") }
	if got, want := head(), testenv.Git(t, work, "rev-parse", "HEAD"); got != want {
		t.Fatalf("clone HEAD %s, want %s", got, want)
	}
	if moved, err := g.Sync(ctx); err != nil || moved {
		t.Fatalf("Sync without a change: moved %v, %v", moved, err)
	}

	// Another branch moves: master's working copy does not.
	before := head()
	testenv.Git(t, work, "checkout", "-q", "-b", "other")
	commitPush(t, work, bare, "OTHER", "x\n", "other")
	testenv.Git(t, work, "checkout", "-q", "master")
	if moved, err := g.Sync(ctx); err != nil || moved || head() != before {
		t.Fatalf("a push to other: moved %v, %v, head %s", moved, err, head())
	}
	if _, err := os.Stat(filepath.Join(clone, "OTHER")); err == nil {
		t.Fatal("other's file in master's working copy")
	}

	// master moves: Sync checks it out.
	c2 := commitPush(t, work, bare, "README", "two\n", "master")
	if moved, err := g.Sync(ctx); err != nil || !moved || head() != c2 {
		t.Fatalf("a push to master: moved %v, %v, head %s want %s", moved, err, head(), c2)
	}
	if b, _ := os.ReadFile(filepath.Join(clone, "README")); string(b) != "two\n" {
		t.Fatalf("README %q", b)
	}

	// A broken clone is cloned again.
	if err := os.Remove(filepath.Join(clone, ".git", "HEAD")); err != nil {
		t.Fatal(err)
	}
	c3 := commitPush(t, work, bare, "README", "three\n", "master")
	if _, err := g.Sync(ctx); err != nil || head() != c3 {
		t.Fatalf("broken clone: %v, head %s want %s", err, head(), c3)
	}

	// A directory that is not a clone is refused and kept.
	other := filepath.Join(t.TempDir(), "mine")
	testenv.WriteFile(t, other, "precious", "data\n")
	g2 := newGitTree(config.Tree{URL: bare, CloneDir: other}, discard())
	if _, err := g2.Sync(ctx); err == nil || !strings.Contains(err.Error(), "does not delete") {
		t.Fatalf("non-clone directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "precious")); err != nil {
		t.Fatal("non-clone directory touched:", err)
	}
	// A clone of another repository is refused and kept.
	g3 := newGitTree(config.Tree{URL: bare + "-elsewhere", CloneDir: clone}, discard())
	if _, err := g3.Sync(ctx); err == nil || !strings.Contains(err.Error(), "another repository") || head() != c3 {
		t.Fatalf("clone of another repository: %v", err)
	}
	// An unreachable remote is an error; the clone stays as it was.
	if err := os.Rename(bare, bare+".gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Sync(ctx); err == nil || head() != c3 || g.Ready() != nil {
		t.Fatalf("unreachable remote: %v, head %s, ready %v", err, head(), g.Ready())
	}
}

// TestRedact: user info and queries never reach logs or errors.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@example.org/haikuports.git": "https://example.org/haikuports.git",
		"https://example.org/hook?token=s3cret":      "https://example.org/hook?[redacted]",
		"git@github.com:haikuports/haikuports.git":   "git@github.com:haikuports/haikuports.git",
		"/srv/git/haikuports.git":                    "/srv/git/haikuports.git",
	} {
		if got := redactURL(in); got != want || strings.Contains(got, "pw") || strings.Contains(got, "s3cret") {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := redactHost("https://hds.example.org/__repository/haikuports/import?token=s3cret"); strings.Contains(got, "s3cret") || !strings.Contains(got, "hds.example.org") {
		t.Errorf("redactHost: %q", got)
	}
	if got := redactText("fatal: unable to access 'https://bob:tok@example.org/x.git/'"); strings.Contains(got, "tok") {
		t.Errorf("redactText: %q", got)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
