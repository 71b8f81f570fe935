package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/hpkg"
)

// lockedBuffer is a bytes.Buffer safe for the serving goroutine and the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `kiln serve` in-process in demo mode on 127.0.0.1:0
// with its data under a temporary directory; it returns the base URL
// and a stop function that cancels it (SIGTERM's path) and returns how
// long the return took.
func startServe(t *testing.T, dataDir string) (string, func() (time.Duration, error)) {
	t.Helper()
	return startServeArgs(t, "--data", dataDir)
}

// startServeArgs is startServe with other arguments than --data.
func startServeArgs(t *testing.T, args ...string) (string, func() (time.Duration, error)) {
	t.Helper()
	return startServeCmd(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
}

// startServeCmd is startServeArgs with the whole command line (a listen
// address on 127.0.0.1 from elsewhere).
func startServeCmd(t *testing.T, args ...string) (string, func() (time.Duration, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			stopped := false
			stop := func() (time.Duration, error) {
				if stopped {
					return 0, nil
				}
				stopped = true
				start := time.Now()
				cancel()
				select {
				case err := <-done:
					return time.Since(start), err
				case <-time.After(30 * time.Second):
					t.Fatalf("kiln serve did not return within 30 s of the cancel\n%s", errOut.String())
					return 0, nil
				}
			}
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("log:\n%s", errOut.String())
				}
			})
			return m[1], stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("kiln serve returned at once: %v\n%s", err, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("kiln serve did not start\n%s", errOut.String())
		}
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, b)
		}
	}
	return resp.StatusCode
}

// waitRuns polls /api/v1/runs until cond holds.
func waitRuns(t *testing.T, base string, limit time.Duration, what string, cond func([]buildrun.Run) bool) []buildrun.Run {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var runs []buildrun.Run
		getJSON(t, base+"/api/v1/runs", &runs)
		if cond(runs) {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; runs: %+v", what, limit, runs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeDemo runs the demo end to end: the first run (everything)
// completes and publishes the demo's packages, the API, health and SSE
// answer, a commit to the demo tree starts an update run, and a cancel
// (SIGTERM's path) returns promptly without leaking goroutines.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo (about 10 s)")
	}
	before := runtime.NumGoroutine()
	data := filepath.Join(t.TempDir(), "kiln-data")
	base, stop := startServe(t, data)

	// Events: subscribe at once, so the first run's builds are seen.
	resp, err := http.Get(base + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	gotBuild := make(chan buildrun.Event, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e buildrun.Event
				if json.Unmarshal([]byte(d), &e) == nil && e.Kind == buildrun.EventBuild && e.State == "succeeded" {
					gotBuild <- e
					return
				}
			}
		}
	}()

	runs := waitRuns(t, base, 90*time.Second, "first run complete", func(r []buildrun.Run) bool {
		return len(r) == 1 && r[0].State.Final()
	})
	first := runs[0]
	if first.State != buildrun.RunComplete || first.Trigger.Mode != "everything" {
		t.Fatalf("first run: %s, mode %s (%s)", first.State, first.Trigger.Mode, first.Reason)
	}
	// The daemon records the commit the run processed once it ended.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var tg struct{ Loop struct{ Processed string } }
		getJSON(t, base+"/api/v1/targets/master/x86_64", &tg)
		if tg.Loop.Processed == first.Tree.Commit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processed commit %q, want %s", tg.Loop.Processed, first.Tree.Commit)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case e := <-gotBuild:
		if e.Run != first.ID || e.Port == "" {
			t.Errorf("event %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no build event on /api/v1/events")
	}

	// The published repository lists the demo's built packages.
	// (served by reposerve, refreshed by the daemon after the run).
	repoPath := filepath.Join(data, "store", "master", "x86_64", "current", "repo")
	rb, err := os.ReadFile(repoPath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.Get(base + "/repo/master/x86_64/current/repo")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !bytes.Equal(served, rb) {
		t.Fatalf("/repo/master/x86_64/current/repo: %d, %d bytes, want the store's %d", r.StatusCode, len(served), len(rb))
	}
	repo, err := hpkg.ReadRepository(bytes.NewReader(served), int64(len(served)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range repo.Packages {
		names = append(names, p.Name+"-"+p.Version.String())
	}
	for _, want := range []string{"libkiln-1.2.0", "tilecraft-3.0.2", "kilnpaint-0.4", "glazedoc-1.0"} {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, want) }) {
			t.Errorf("repo lacks %s: %v", want, names)
		}
	}
	if repo.Info.BaseURL != base+"/repo/master/x86_64/current" {
		t.Errorf("repo.info base URL %q", repo.Info.BaseURL)
	}

	// Health, API, errors.
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, "ready"},
		{"/api/v1/targets", 200, `"packages": 8`},
		{"/api/v1/targets/master/x86_64", 200, `"processed": "` + first.Tree.Commit},
		{"/api/v1/targets/master/riscv64", 404, `"target_not_found"`},
		{"/api/v1/targets/ma%20ster/x86_64", 400, `"bad_target"`},
		{"/api/v1/runs/" + first.ID, 200, `"libkiln-1.2.0`},
		{"/api/v1/runs/nosuchrun", 404, `"run_not_found"`},
		{"/api/v1/runs/..%2F..%2Fetc", 400, `"bad_run_id"`},
		{"/api/v1/builds/" + first.ID + ":1/log", 200, "building port"},
		{"/api/v1/builds/" + first.ID + ":999/log", 404, `"build_not_found"`},
		{"/api/v1/builds/" + first.ID + "/log", 400, `"bad_build_id"`},
		{"/api/v1/builds/x:-1/log", 400, `"bad_build_id"`},
		{"/api/v1/builders", 200, `"mock-2"`},
		{"/api/v1/nothing", 404, `"not_found"`},
		{"/api/v1/events?kind=gossip", 400, `"bad_kind"`},
		{"/metrics", 200, `kiln_builds_total{state="succeeded",target="master/x86_64"}`},
		{"/metrics", 200, `kiln_store_operations_total{op="put",outcome="ok",store="`},
		{"/metrics", 200, `kiln_publish_duration_seconds_count{outcome="ok",target="master/x86_64"}`},
		{"/", 200, "master/x86_64"},
		{"/repo/master/x86_64", 200, "master"},
	} {
		r, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != tc.code || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: %d, want %d with %q\n%.600s", tc.path, r.StatusCode, tc.code, tc.want, b)
		}
	}

	// A commit to the demo tree starts an update run of what it touched.
	recipe := filepath.Join(data, "tree", "dev-libs", "libkiln", "libkiln-1.2.0.recipe")
	b, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`(?m)^REVISION="\d+"`).ReplaceAll(b, []byte(`REVISION="7"`))
	if err := os.WriteFile(recipe, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "libkiln: revision 7"}} {
		c := exec.Command("git", args...)
		c.Dir = filepath.Join(data, "tree")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	runs = waitRuns(t, base, time.Duration(demo.Poll)+60*time.Second, "update run complete", func(r []buildrun.Run) bool {
		return len(r) == 2 && r[0].State.Final()
	})
	up := runs[0] // newest first
	if up.State != buildrun.RunComplete || up.Trigger.Mode != "update" || up.Trigger.From != first.Tree.Commit || up.Tree.Commit == first.Tree.Commit {
		t.Fatalf("update run: %+v", up)
	}
	var run struct{ Builds []buildrun.Build }
	getJSON(t, base+"/api/v1/runs/"+up.ID, &run)
	if len(run.Builds) == 0 || !slices.ContainsFunc(run.Builds, func(b buildrun.Build) bool { return strings.HasPrefix(b.Port.ID(), "libkiln-1.2.0") }) {
		t.Errorf("update run builds %+v, want libkiln", run.Builds)
	}

	resp.Body.Close()
	took, err := stop()
	if err != nil {
		t.Fatalf("serve returned %v", err)
	}
	t.Logf("shutdown took %s", took)
	if took > 10*time.Second {
		t.Errorf("shutdown took %s", took)
	}
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after shutdown, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestServeResume stops kiln serve (SIGTERM's path) while the demo's
// first run builds and starts it again on the same data: once the run's
// heartbeat aged (demo.HeartbeatTTL) the run is resumed and completes,
// and no second run is started meanwhile.
func TestServeResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo")
	}
	data := filepath.Join(t.TempDir(), "kiln-data")
	base, stop := startServe(t, data)
	waitRuns(t, base, 60*time.Second, "first run running with a finished build", func(r []buildrun.Run) bool {
		if len(r) != 1 || r[0].State != buildrun.RunRunning {
			return false
		}
		var run struct{ Builds []buildrun.Build }
		getJSON(t, base+"/api/v1/runs/"+r[0].ID, &run)
		return slices.ContainsFunc(run.Builds, func(b buildrun.Build) bool { return b.State == buildrun.BuildSucceeded })
	})
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
	base, _ = startServe(t, data)
	runs := waitRuns(t, base, demo.HeartbeatTTL+90*time.Second, "resumed run complete", func(r []buildrun.Run) bool {
		return len(r) >= 1 && r[0].State.Final()
	})
	if len(runs) != 1 || runs[0].State != buildrun.RunComplete {
		t.Fatalf("after the restart: %+v", runs)
	}
	var run struct{ Builds []buildrun.Build }
	getJSON(t, base+"/api/v1/runs/"+runs[0].ID, &run)
	for _, b := range run.Builds {
		if b.State != buildrun.BuildSucceeded {
			t.Errorf("build %d %s: %s", b.Number, b.Port.ID(), b.State)
		}
	}
}
