package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haikuports/kiln/internal/browsertest"
	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// liveServer is kiln serve's whole handler over a demo daemon whose mock
// builders take buildTime per build, printing their log lines evenly
// over it (the daemon's loop is not started: the test starts the run).
type liveServer struct {
	hs     *httptest.Server
	target *daemon.Target
}

func newLiveServer(t *testing.T, buildTime time.Duration, logLines int) *liveServer {
	t.Helper()
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, filepath.Join(t.TempDir(), "data"), "http://127.0.0.1/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	m := &cfg.Builders.Mock[0]
	m.Duration, m.Median, m.Max, m.LogLines = "fixed", builder.Duration(buildTime), 0, logLines
	if buildTime == 0 {
		m.Duration = "zero"
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(ctx, daemon.Options{Config: cfg, Store: st, RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	s := New(Options{Daemon: d, Keepalive: time.Second})
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.CloseClientConnections(); hs.Close() })
	return &liveServer{hs: hs, target: d.Targets()[0]}
}

// start starts an everything run; it is cancelled and waited for when
// the test ends.
func (l *liveServer) start(t *testing.T) *buildrun.Handle {
	t.Helper()
	ctx := context.Background()
	p, err := l.target.Plan(ctx, daemon.Request{Mode: "everything", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := l.target.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Cancel("test over")
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, _ = h.Wait(wctx)
	})
	return h
}

// running waits until a build of h (not in skip) runs and has logged at
// least lines lines (as the stored log shows), and returns it.
func (l *liveServer) running(t *testing.T, h *buildrun.Handle, lines int, skip map[int64]bool) buildrun.Build {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, b := range h.Builds() {
			if b.State == buildrun.BuildRunning && !skip[b.Number] && strings.Count(l.rawLog(t, b), "\n") >= lines {
				return b
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no build ran within 60 s")
	return buildrun.Build{}
}

func (l *liveServer) rawLog(t *testing.T, b buildrun.Build) string {
	t.Helper()
	resp, err := http.Get(l.hs.URL + "/api/v1/builds/" + b.Run + ":" + fmt.Sprint(b.Number) + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(body)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func poll(t *testing.T, ctx context.Context, what, js string, limit time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(limit))); err != nil {
		t.Fatalf("%s (waited %v for %s): %v", what, limit, js, err)
	}
}

// TestBrowserOverviewShowsRunningBuild: the overview, open before the
// run starts, shows the running builds and the run's progress without a
// reload (live.js over the event stream).
func TestBrowserOverviewShowsRunningBuild(t *testing.T) {
	l := newLiveServer(t, 8*time.Second, 16)
	ctx := browsertest.Start(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(l.hs.URL+"/"), chromedp.WaitVisible("section.target")); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.querySelector("section.target h3 + p").textContent`); !strings.Contains(got, "No run in progress") {
		t.Fatalf("before the run: %q", got)
	}
	browsertest.Screenshot(t, ctx, "overview-idle")
	eval[bool](t, ctx, `window.kilnMarker = true`) // gone if the page reloads
	h := l.start(t)
	poll(t, ctx, "the overview shows a running build", `window.kilnMarker === true && document.querySelector("section.target td a[href$='/log']") !== null`, 30*time.Second)
	links := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("section.target td a[href$='/log']")).map(a => a.getAttribute("href") + " " + a.textContent)`)
	running := map[string]bool{}
	for _, b := range h.Builds() {
		if b.State == buildrun.BuildRunning || b.State.Final() {
			running[fmt.Sprintf("/builds/%s:%d/log #%d %s", b.Run, b.Number, b.Number, b.Port.RevisionedName)] = true
		}
	}
	for _, ln := range links {
		if !running[ln] {
			t.Errorf("the overview shows %q, not a build of the run (%v)", ln, running)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector("section.target a[href^='/runs/']").textContent`); got != h.ID() {
		t.Errorf("current run %q, want %s", got, h.ID())
	}
	// A connected builder with a build says so (its connection state is
	// "available").
	states := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("section.target tr")).filter(r => r.querySelector("a[href$='/log']")).map(r => r.querySelector(".state").textContent)`)
	for _, st := range states {
		if st != "building" {
			t.Errorf("a builder with a build shows state %q, want building", st)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("progress.run-progress").length`); n != 1 {
		t.Errorf("%d progress bars", n)
	}
	browsertest.Screenshot(t, ctx, "overview-running")
}

// TestBrowserLiveLog: the log page of a running build receives new lines
// while the build runs, and at the end shows exactly the stored log: no
// line lost or shown twice. The browser starts before the run, so its
// start-up does not eat into the build's 10 s; should the page still
// get its five new lines only after the build ended (a machine loaded
// by the rest of the suite), the test tries the next running build, up
// to three.
func TestBrowserLiveLog(t *testing.T) {
	l := newLiveServer(t, 10*time.Second, 30) // a line every ~0.3 s
	ctx := browsertest.Start(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(l.hs.URL+"/runs"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	h := l.start(t)
	lines := `document.getElementById("log").textContent.split("\n").length - 1`
	var b buildrun.Build
	tried := map[int64]bool{}
	for {
		b = l.running(t, h, 3, tried)
		tried[b.Number] = true
		url := fmt.Sprintf("%s/builds/%s:%d/log", l.hs.URL, b.Run, b.Number)
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#log")); err != nil {
			t.Fatal(err)
		}
		first := eval[int](t, ctx, lines)
		poll(t, ctx, "the log follows", `document.getElementById("log").getAttribute("data-following") === "true"`, 10*time.Second)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`%s >= %d`, lines, first+5), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Logf("state %q status %q lines %d builds %+v", eval[string](t, ctx, `document.getElementById("build-state").textContent`), eval[string](t, ctx, `document.getElementById("log-status").textContent`), eval[int](t, ctx, lines), h.Builds()[b.Number-1].State)
			browsertest.Screenshot(t, ctx, "log-debug")
			t.Fatal(err)
		}
		// They arrived while the build ran.
		state := h.Builds()[b.Number-1].State
		if state == buildrun.BuildRunning {
			t.Logf("build %d: the page rendered %d lines, then followed", b.Number, first)
			break
		}
		if len(tried) == 3 {
			t.Fatalf("builds %v were %s before their pages showed five new lines: the log is not live", tried, state)
		}
		t.Logf("build %d was %s before its page showed five new lines (the machine is slow?): the next one", b.Number, state)
	}
	if s := eval[string](t, ctx, `document.getElementById("build-state").textContent`); s != "running" {
		t.Errorf("state shown %q", s)
	}
	browsertest.Screenshot(t, ctx, "log-following")

	poll(t, ctx, "the page sees the build end", `document.getElementById("build-state").textContent === "succeeded"`, 30*time.Second)
	deadline := time.Now().Add(15 * time.Second)
	var shown, stored string
	for time.Now().Before(deadline) {
		shown, stored = eval[string](t, ctx, `document.getElementById("log").textContent`), l.rawLog(t, b)
		if shown == stored {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if shown != stored {
		t.Errorf("the page's log differs from the stored log\npage:\n%s\nstored:\n%s", shown, stored)
	}
	browsertest.Screenshot(t, ctx, "log-complete")
}

// TestBrowserPhoneWidth: on a phone-width screen no page is wider than
// the screen (tables scroll inside their box), the navigation wraps.
func TestBrowserPhoneWidth(t *testing.T) {
	l := newLiveServer(t, 0, 20)
	h := l.start(t)
	wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := h.Wait(wctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.Start(t, browsertest.Options{Width: 390, Height: 844})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"phone-overview", "/"},
		{"phone-runs", "/runs"},
		{"phone-run", "/runs/" + run.ID},
		{"phone-log", fmt.Sprintf("/builds/%s:%d/log", run.ID, run.Builds[0])},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(l.hs.URL+p.path), chromedp.WaitVisible("main h1")); err != nil {
			t.Fatal(err)
		}
		if w := eval[int](t, ctx, `window.innerWidth`); w != 390 {
			t.Fatalf("viewport %d wide", w)
		}
		if over := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("%s: the page is %d px wider than the screen", p.path, over)
		}
		browsertest.Screenshot(t, ctx, p.name)
	}
}
