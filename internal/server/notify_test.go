package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestNotificationsAPI: a publish calls the notify URL; its record is
// listed by GET …/notifications without the URL's token and counted in
// kiln_notify_total; bad limits and targets are refused.
func TestNotificationsAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree")
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer hook.Close()
	e := newHookEnv(t, func(c *config.Config) {
		c.Notify = []config.Notify{{URL: config.Secret(hook.URL + "/import?token=s3cret"), Method: "GET"}}
	})
	e.waitProcessed(t, testenv.Git(t, e.remote, "rev-parse", "HEAD"))
	var recs []daemon.NotifyRecord
	deadline := time.Now().Add(30 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		code, b := e.get(t, "/api/v1/targets/master/x86_64/notifications?limit=10")
		if code != 200 {
			t.Fatalf("notifications: %d %s", code, b)
		}
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "s3cret") {
			t.Fatalf("the token is in the answer: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(recs) != 1 || recs[0].Outcome != "ok" || recs[0].Method != "GET" || len(recs[0].Attempts) != 1 {
		t.Fatalf("records %+v", recs)
	}
	code, b := e.get(t, "/metrics")
	if code != 200 || !strings.Contains(string(b), `kiln_notify_total{outcome="ok",target="master/x86_64"} 1`) {
		t.Errorf("metrics: %d, no kiln_notify_total line", code)
	}
	for path, want := range map[string]int{
		"/api/v1/targets/master/x86_64/notifications?limit=0":   400,
		"/api/v1/targets/master/x86_64/notifications?limit=abc": 400,
		"/api/v1/targets/master/sparc/notifications":            404,
	} {
		if code, b := e.get(t, path); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, b, want)
		}
	}
}

// postHook is a notify endpoint on 127.0.0.1 keeping the notifications
// it is POSTed.
type postHook struct {
	*httptest.Server
	mu  sync.Mutex
	got []daemon.Notification
}

func newPostHook(t *testing.T) *postHook {
	h := &postHook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n daemon.Notification
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.got = append(h.got, n)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// wait returns the notification about snapshot once it came.
func (h *postHook) wait(t *testing.T, snapshot string) daemon.Notification {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, n := range h.got {
			if n.Snapshot == snapshot {
				h.mu.Unlock()
				return n
			}
		}
		h.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no notification about snapshot %s (got %+v)", snapshot, h.all())
	return daemon.Notification{}
}

func (h *postHook) all() []daemon.Notification {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// TestNotifyAfterUploadAndRollback: the notify URLs are called after a
// loading-dock upload and after a rollback (not only after runs), with
// what each snapshot added and removed; a rollback that changes nothing
// calls nobody. Every publish is timed in kiln_publish_duration_seconds.
func TestNotifyAfterUploadAndRollback(t *testing.T) {
	hook := newPostHook(t)
	reg := prometheus.NewRegistry()
	e := newDockServer(t, Options{Registry: reg}, func(c *config.Config) {
		c.Notify = []config.Notify{{URL: config.Secret(hook.URL + "/kiln")}}
	})
	a := upFile{"ntapp.hpkg", testPkg(t, "ntapp", "1-1", pkginfo.ArchX86_64, nil, nil)}
	b := upFile{"ntlib.hpkg", testPkg(t, "ntlib", "1-1", pkginfo.ArchX86_64, nil, nil)}
	if code, body := e.upload(t, "admin", a); code != 201 {
		t.Fatalf("upload ntapp: %d %s", code, body)
	}
	first := e.head(t)
	if n := hook.wait(t, first); !slices.Equal(n.Added, []string{"ntapp-1-1-x86_64.hpkg"}) || len(n.Removed) != 0 || n.Run != "" || n.Target != "master/x86_64" {
		t.Errorf("after the first upload: %+v", n)
	}
	if code, body := e.upload(t, "admin", b); code != 201 {
		t.Fatalf("upload ntlib: %d %s", code, body)
	}
	second := e.head(t)
	if n := hook.wait(t, second); !slices.Equal(n.Added, []string{"ntlib-1-1-x86_64.hpkg"}) || len(n.Removed) != 0 {
		t.Errorf("after the second upload: %+v", n)
	}
	const path = "/api/v1/targets/master/x86_64/rollback"
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"`+first+`"}`)); code != 201 {
		t.Fatalf("rollback: %d %s", code, body)
	}
	back := e.head(t)
	if n := hook.wait(t, back); len(n.Added) != 0 || !slices.Equal(n.Removed, []string{"ntlib-1-1-x86_64.hpkg"}) {
		t.Errorf("after the rollback: %+v", n)
	}
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"`+first+`"}`)); code != 200 {
		t.Fatalf("repeated rollback: %d %s", code, body)
	}
	// A last upload: its notification comes after any the unchanged
	// rollback would have sent (calls start in order, each one answered
	// at once).
	if code, body := e.upload(t, "admin", upFile{"ntdoc.hpkg", testPkg(t, "ntdoc", "1-1", pkginfo.ArchAny, nil, nil)}); code != 201 {
		t.Fatalf("upload ntdoc: %d %s", code, body)
	}
	hook.wait(t, e.head(t))
	time.Sleep(100 * time.Millisecond)
	if got := hook.all(); len(got) != 4 {
		t.Errorf("%d notifications, want 4 (3 uploads, 1 rollback): %+v", len(got), got)
	}
	recs := waitRecords(t, e, 4)
	for _, r := range recs {
		if r.Outcome != "ok" || r.Run != "" {
			t.Errorf("record %+v", r)
		}
	}
	_, m := e.get(t, "/metrics")
	for _, want := range []string{
		`kiln_publish_duration_seconds_count{outcome="ok",target="master/x86_64"} 4`,
		`kiln_publish_duration_seconds_count{outcome="unchanged",target="master/x86_64"} 1`,
		`kiln_notify_total{outcome="ok",target="master/x86_64"} 4`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// waitRecords waits for n notify records of master/x86_64.
func waitRecords(t *testing.T, e *dockEnv, n int) []daemon.NotifyRecord {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := e.d.Targets()[0].Notifications(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) >= n || time.Now().After(deadline) {
			return recs
		}
		time.Sleep(10 * time.Millisecond)
	}
}
