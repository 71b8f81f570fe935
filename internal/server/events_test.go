package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// newTestServer serves a daemon of the demo config (not running: the
// tests publish on its bus themselves).
func newTestServer(t *testing.T, o Options) (*httptest.Server, *buildrun.Bus) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg, info, err := demo.Setup(ctx, filepath.Join(dir, "data"), "http://127.0.0.1/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
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
	o.Daemon = d
	s := New(o)
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.Close() })
	return hs, d.Targets()[0].Engine().Bus()
}

func TestEventsKeepaliveAndEvents(t *testing.T) {
	hs, bus := newTestServer(t, Options{Keepalive: 50 * time.Millisecond})
	resp, err := http.Get(hs.URL + "/api/v1/events?kind=build")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	want := []string{": kiln events", ": ping"}
	for _, w := range want {
		for sc.Scan() && sc.Text() != w {
		}
	}
	for bus.Subscribers() < 2 { // the metrics' and ours
		time.Sleep(time.Millisecond)
	}
	bus.Publish(buildrun.Event{Kind: buildrun.EventLog, Line: "not selected"})
	bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r1", Build: 3, State: "running"})
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "not selected") {
			t.Fatal("a log event passed the kind filter")
		}
		if strings.HasPrefix(line, "data: ") {
			if !strings.Contains(line, `"target":"master/x86_64"`) || !strings.Contains(line, `"build":3`) {
				t.Fatalf("event %s", line)
			}
			return
		}
	}
	t.Fatalf("stream ended: %v", sc.Err())
}

// TestEventsSlowClientDropped: a client that does not read is dropped
// (its subscription closed, the handler gone) while the bus goes on.
func TestEventsSlowClientDropped(t *testing.T) {
	hs, bus := newTestServer(t, Options{EventBuffer: 4, EventWriteTimeout: 200 * time.Millisecond})
	base := bus.Subscribers() // the metrics' own subscription
	c, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /api/v1/events?kind=log HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for bus.Subscribers() == base {
		if time.Now().After(deadline) {
			t.Fatal("no subscription")
		}
		time.Sleep(time.Millisecond)
	}
	line := strings.Repeat("x", 64<<10)
	start := time.Now()
	for i := 0; bus.Subscribers() > base; i++ {
		bus.Publish(buildrun.Event{Kind: buildrun.EventLog, Line: line}) // never blocks
		if time.Now().After(deadline) {
			t.Fatalf("slow client still subscribed after %d events", i)
		}
		if i%16 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("dropped after %s", time.Since(start))
}

func TestAPIBadParameters(t *testing.T) {
	hs, _ := newTestServer(t, Options{})
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/targets/master/x86_64", 200, `"head": null`},
		{"/api/v1/targets/" + strings.Repeat("a", 65) + "/x86_64", 400, "bad_target"},
		{"/api/v1/targets/.git/x86_64", 400, "bad_target"},
		{"/api/v1/targets/master/x86", 404, "target_not_found"},
		{"/api/v1/runs", 200, "[]"},
		{"/api/v1/runs?state=weird", 400, "bad_state"},
		{"/api/v1/runs?target=no/such", 404, "target_not_found"},
		{"/api/v1/runs/" + strings.Repeat("1", 200), 400, "bad_run_id"},
		{"/api/v1/runs/20261203T075523.737Z-77298d", 404, "run_not_found"},
		{"/api/v1/builds/:1/log", 400, "bad_build_id"},
		{"/api/v1/builds/20261203T075523.737Z-77298d:1/log", 404, "run_not_found"},
		{"/api/v1/builds/20261203T075523.737Z-77298d:99999999999999999999/log", 400, "bad_build_id"},
		{"/api/v1/events?target=nope", 404, "target_not_found"},
	} {
		resp, err := http.Get(hs.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(b.String(), tc.want) {
			t.Errorf("GET %s: %d %q, want %d with %q", tc.path, resp.StatusCode, b.String(), tc.code, tc.want)
		}
	}
}

// readEvents reads n events (id, event, data) from an SSE stream.
func readEvents(t *testing.T, sc *bufio.Scanner, n int) [][3]string {
	t.Helper()
	var out [][3]string
	var cur [3]string
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur[1] != "" {
				out = append(out, cur)
			}
			cur = [3]string{}
		case strings.HasPrefix(line, "id: "):
			cur[0] = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur[1] = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur[2] = line[6:]
		}
	}
	if len(out) < n {
		t.Fatalf("stream ended after %d of %d events: %v", len(out), n, sc.Err())
	}
	return out
}

func openEvents(t *testing.T, url, lastID string) (*bufio.Scanner, func()) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return bufio.NewScanner(resp.Body), func() { resp.Body.Close() }
}

// TestEventsResume: a client that reconnects with the last id it got
// receives exactly what it missed, then live events; one from too long
// ago gets a gap event; the run and build filters select.
func TestEventsResume(t *testing.T) {
	hs, bus := newTestServer(t, Options{})
	sc, done := openEvents(t, hs.URL+"/api/v1/events?kind=build,log&run=r1", "")
	for bus.Subscribers() < 2 {
		time.Sleep(time.Millisecond)
	}
	bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r0", Build: 1, State: "running"}) // other run
	for i := 1; i <= 3; i++ {
		bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r1", Build: int64(i), State: "running"})
	}
	got := readEvents(t, sc, 3)
	done()
	if got[0][0] != "master/x86_64=2" || got[2][0] != "master/x86_64=4" || strings.Contains(got[0][2], `"run":"r0"`) {
		t.Fatalf("events %v", got)
	}
	// Missed while away: two of r1 (one a log line of build 2), one of r0.
	bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r1", Build: 4, State: "running"})
	bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r0", Build: 2, State: "running"})
	bus.Publish(buildrun.Event{Kind: buildrun.EventLog, Run: "r1", Build: 2, Line: "compiling"})

	sc, done = openEvents(t, hs.URL+"/api/v1/events?kind=build,log&run=r1", got[2][0])
	defer done()
	for bus.Subscribers() < 2 {
		time.Sleep(time.Millisecond)
	}
	bus.Publish(buildrun.Event{Kind: buildrun.EventBuild, Run: "r1", Build: 5, State: "running"})
	again := readEvents(t, sc, 3)
	if !strings.Contains(again[0][2], `"build":4`) || !strings.Contains(again[1][2], `"compiling"`) || !strings.Contains(again[2][2], `"build":5`) {
		t.Errorf("after resume: %v", again)
	}
	if again[2][0] != "master/x86_64=8" {
		t.Errorf("last id %q", again[2][0])
	}

	// One build's log lines only.
	sc2, done2 := openEvents(t, hs.URL+"/api/v1/events?kind=log&build=r1:2", "master/x86_64=0")
	defer done2()
	if ev := readEvents(t, sc2, 1); !strings.Contains(ev[0][2], `"compiling"`) {
		t.Errorf("build filter: %v", ev)
	}

	// From before a restart (ahead of the bus): a gap, then what is kept.
	sc3, done3 := openEvents(t, hs.URL+"/api/v1/events?kind=build&run=r1", "master/x86_64=999999")
	defer done3()
	ev := readEvents(t, sc3, 2)
	if ev[0][1] != "gap" || ev[1][1] != "build" || !strings.Contains(ev[1][2], `"build":1`) {
		t.Errorf("resume from ahead: %v", ev)
	}

	for _, bad := range []string{"x", "master/x86_64=-1", "=3", strings.Repeat("a=1,", 2000)} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/events", nil)
		req.Header.Set("Last-Event-ID", bad)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("Last-Event-ID %.20q: %d", bad, resp.StatusCode)
		}
	}
	for _, q := range []string{"run=../x", "build=r1", "build=r1:0", "run=r2&build=r1:1"} {
		resp, _ := http.Get(hs.URL + "/api/v1/events?" + q)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("?%s: %d", q, resp.StatusCode)
		}
	}
}
