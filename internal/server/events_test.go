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
