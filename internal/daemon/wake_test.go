package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// urlDaemon is a daemon whose tree is cloned from the demo's git
// repository (the remote, committed to directly), with zero-duration mock
// builds. It runs until the test ends.
type urlDaemon struct {
	d      *Daemon
	remote string
	cfg    *config.Config
}

func startURLDaemon(t *testing.T, debounce time.Duration, edit ...func(*config.Config)) *urlDaemon {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg, info, err := demo.Setup(ctx, dir, "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	remote := cfg.Tree.Path
	cfg.Tree = config.Tree{URL: remote, CloneDir: filepath.Join(dir, "clone"), Poll: builder.Duration(time.Hour)}
	cfg.Builders.Mock = []mock.Settings{{Name: "mock", Count: 2, Seed: 1, Duration: "zero"}}
	for _, f := range edit {
		f(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(ctx, Options{Config: cfg, Store: st, Debounce: debounce, RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.TreeReady(); !errors.Is(err, ErrTreeNotReady) {
		t.Errorf("TreeReady before Run: %v", err)
	}
	runDaemon(t, d)
	return &urlDaemon{d: d, remote: remote, cfg: cfg}
}

// runDaemon runs d until the test ends, then stops and closes it.
func runDaemon(t *testing.T, d *Daemon) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; d.Close() })
}

// waitProcessed waits until the target processed commit.
func (u *urlDaemon) waitProcessed(t *testing.T, commit string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if s := u.d.State("master/x86_64"); s.Processed == commit && s.Run == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("commit %s not processed: state %+v", commit, u.d.State("master/x86_64"))
}

var revisionLine = regexp.MustCompile(`(?m)^REVISION=.*$`)

// bump commits a new revision of libkiln to the remote.
func (u *urlDaemon) bump(t *testing.T, rev int) string {
	t.Helper()
	f := filepath.Join(u.remote, "dev-libs/libkiln/libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b = revisionLine.ReplaceAll(b, fmt.Appendf(nil, `REVISION="%d"`, rev))
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, u.remote, "commit", "-qam", fmt.Sprintf("libkiln revision %d", rev))
	return testenv.Git(t, u.remote, "rev-parse", "HEAD")
}

func (u *urlDaemon) runs(t *testing.T) int {
	t.Helper()
	runs, err := u.d.Target("master/x86_64").Engine().Records().Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

// TestWakeDebounced: the daemon clones its URL tree and builds it; a
// burst of ten pushes (a commit and a Wake each) is one fetch and one
// update run of the burst's last commit; a Wake for another branch is
// refused and starts nothing.
func TestWakeDebounced(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree twice")
	}
	ctx := context.Background()
	u := startURLDaemon(t, time.Second)
	u.waitProcessed(t, testenv.Git(t, u.remote, "rev-parse", "HEAD"))
	if err := u.d.TreeReady(); err != nil {
		t.Fatal(err)
	}
	before := u.runs(t)

	if err := u.d.Wake(ctx, "other"); !errors.Is(err, ErrOtherBranch) {
		t.Fatalf("Wake(other): %v", err)
	}
	var last string
	for i := range 10 {
		last = u.bump(t, 10+i)
		if err := u.d.Wake(ctx, "master"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	u.waitProcessed(t, last)
	time.Sleep(500 * time.Millisecond) // a second run would have started by now
	runs, err := u.d.Target("master/x86_64").Engine().Records().Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != before+1 {
		for _, r := range runs {
			t.Logf("run %s %s %s→%s %s", r.ID, r.Trigger.Mode, r.Trigger.From, r.Tree.Commit, r.State)
		}
		t.Fatalf("%d runs after the burst, want 1", len(runs)-before)
	}
	r := runs[len(runs)-1]
	if r.Trigger.Mode != "update" || r.Tree.Commit != last {
		t.Errorf("the burst's run: mode %s commit %s, want update of %s", r.Trigger.Mode, r.Tree.Commit, last)
	}
}

// TestTriggerFetches: a requested update run of a URL tree fetches it
// first and builds the commit pushed a moment ago, no poll or Wake
// needed.
func TestTriggerFetches(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree twice")
	}
	ctx := context.Background()
	u := startURLDaemon(t, time.Hour)
	u.waitProcessed(t, testenv.Git(t, u.remote, "rev-parse", "HEAD"))
	c := u.bump(t, 42)
	h, err := u.d.Trigger(ctx, u.d.Target("master/x86_64"), Request{Mode: "update", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.Tree.Commit != c || run.Trigger.Mode != "update" {
		t.Errorf("triggered run: commit %s mode %s, want update of %s", run.Tree.Commit, run.Trigger.Mode, c)
	}
}
