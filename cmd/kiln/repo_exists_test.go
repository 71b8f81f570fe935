package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestRepoReadersCreateNoStore: every command that does not publish fails
// with "no kiln store at …" on a location that holds none, creating
// nothing; a malformed URL is an error, not a directory; a mistyped target
// names the targets the store holds.
func TestRepoReadersCreateNoStore(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	readers := [][]string{{"repo", "list"}, {"repo", "diff", "head~1"}, {"repo", "snapshots"}, {"repo", "verify"},
		{"repo", "verify", "--repair"}, {"repo", "rollback", "head~1"}, {"repo", "prune"},
		{"repo", "build-packages", "r1", "tipster"}}
	for _, where := range []string{filepath.Join(dir, "typo-store"), filepath.Join(dir, "nonexistent/dir"), "file://" + filepath.Join(dir, "x"), empty} {
		for _, args := range readers {
			_, err := runRepoStore(t, append(args, "--store", where)...)
			if !errors.Is(err, store.ErrNoStore) || !strings.Contains(err.Error(), "no kiln store at file://"+strings.TrimPrefix(where, "file://")) {
				t.Errorf("%v --store %s: %v", args, where, err)
			}
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("reading commands created %v", ents)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Fatalf("reading commands wrote into an empty directory: %v", ents)
	}
	for _, bad := range []string{"s3:/bucket", "s3:bucket"} {
		for _, args := range [][]string{{"repo", "list"}, {"repo", "publish", "--remove", "x"}} {
			if _, err := runRepoStore(t, append(args, "--store", bad)...); err == nil || !strings.Contains(err.Error(), "malformed store URL") {
				t.Errorf("%v --store %s: %v", args, bad, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "s3:")); !os.IsNotExist(err) {
		t.Fatalf("s3:/bucket became a directory: %v", err)
	}

	// A store with a target: a mistyped target is named with those it holds.
	st := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	mustRun(t, "repo", "publish", "--store", st, "--info", info, testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	_, err := runRepoStore(t, "repo", "list", "--store", st, "--target", "r1beta5/x86_64")
	if err == nil || !strings.Contains(err.Error(), "no target r1beta5/x86_64 in file://"+st+" (it holds master/x86_64)") {
		t.Fatalf("mistyped target: %v", err)
	}
	if _, err := os.Stat(filepath.Join(st, "r1beta5")); !os.IsNotExist(err) {
		t.Fatalf("a reading command created the target: %v", err)
	}
	// An unreadable head is there: verify reports it (exit 1) rather than
	// calling the store empty.
	os.WriteFile(filepath.Join(st, "master/x86_64/.kiln/head.json"), []byte("{garbage"), 0o644)
	out, err := runRepoStore(t, "repo", "verify", "--store", st)
	var ec *errExitCode
	if !errors.As(err, &ec) || ec.code != 1 || !strings.Contains(out, "FAIL head: master/x86_64/.kiln/head.json") {
		t.Fatalf("verify of an unreadable head: %v, %q", err, out)
	}
	// A HaikuPorter bucket (current/repo, no kiln head) is a store to import.
	hp := filepath.Join(dir, "haikuporter")
	testenv.WriteFile(t, hp, "master/x86_gcc2/current/repo", "hpkr")
	if _, err := runRepoStore(t, "repo", "verify", "--store", hp, "--target", "master/x86_gcc2"); err == nil || !strings.Contains(err.Error(), "import it first") {
		t.Fatalf("verify of a HaikuPorter bucket: %v", err)
	}
}

// TestRepoCleansTempFiles: the temp files a publisher killed mid-upload
// leaves in current/packages/ are reported by verify and removed by prune
// once stale; a fresh one (a running publisher's) survives.
func TestRepoCleansTempFiles(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	mustRun(t, "repo", "publish", "--store", st, "--info", info, testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	pk := filepath.Join(st, "master/x86_64/current/packages")
	stale, fresh := filepath.Join(pk, ".~kiln-tmp-123456"), filepath.Join(pk, ".~kiln-tmp-654321")
	os.WriteFile(stale, make([]byte, 1<<20), 0o600)
	os.WriteFile(fresh, make([]byte, 100), 0o600)
	old := time.Now().Add(-3 * time.Hour)
	os.Chtimes(stale, old, old)
	out := mustRun(t, "repo", "verify", "--deep", "--store", st)
	if !strings.Contains(out, "note master/x86_64/current/packages/.~kiln-tmp-123456: temp file of an interrupted write (1048576 bytes") || strings.Contains(out, "654321") {
		t.Fatalf("verify: %q", out)
	}
	if out := mustRun(t, "repo", "prune", "--dry-run", "--store", st); !strings.Contains(out, ".~kiln-tmp-123456 would be deleted") {
		t.Fatalf("prune --dry-run: %q", out)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Fatal("a dry run deleted the temp file")
	}
	if out := mustRun(t, "repo", "prune", "--store", st); !strings.Contains(out, ".~kiln-tmp-123456 deleted") {
		t.Fatalf("prune: %q", out)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("a running writer's temp file was removed: %v", err)
	}
}

// TestRepoLeaseWaitNotice: a command waiting for another publisher's lease
// says who holds it until when; --lease-wait exists only on commands that
// take the lease, and retention flags take days.
func TestRepoLeaseWaitNotice(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	mustRun(t, "repo", "publish", "--store", st, "--info", info, tip)
	fs, err := store.OpenFile(st)
	if err != nil {
		t.Fatal(err)
	}
	lease := `{"holder":"builder-7:4242:ab","token":"00","acquired":"2026-01-01T00:00:00Z","expires":"` +
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `","purpose":"publish"}`
	if _, err := fs.Put(t.Context(), "master/x86_64/.kiln/lease.json", strings.NewReader(lease), int64(len(lease)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runKiln(t, "repo", "publish", "--store", st, "--remove", "tipster", "--lease-wait", "300ms")
	if err == nil || !strings.Contains(err.Error(), "lease held") || strings.Count(stderr, "waiting for lease held by builder-7:4242:ab until ") != 1 {
		t.Fatalf("publish under a held lease: %v; stderr %q", err, stderr)
	}
	for _, args := range [][]string{{"repo", "list"}, {"repo", "diff", "head"}, {"repo", "snapshots"}} {
		if _, err := runRepoStore(t, append(args, "--store", st, "--lease-wait", "1s")...); err == nil || !strings.Contains(err.Error(), "lease-wait") {
			t.Errorf("%v --lease-wait: %v", args, err)
		}
	}
	fs.Delete(t.Context(), "master/x86_64/.kiln/lease.json")
	if out := mustRun(t, "repo", "prune", "--store", st, "--keep-age", "7d", "--grace", "1d12h", "--obsolete-retention", "30d", "--dry-run"); !strings.Contains(out, "1 snapshot kept") {
		t.Fatalf("prune with days: %q", out)
	}
	if _, err := runRepoStore(t, "repo", "prune", "--store", st, "--keep-age", "7days"); err == nil || !strings.Contains(err.Error(), `invalid duration "7days"`) {
		t.Fatalf("--keep-age 7days: %v", err)
	}
}
