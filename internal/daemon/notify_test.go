package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/testenv"
)

// hookServer is a notify endpoint on 127.0.0.1 that answers 500 to its
// first fail requests, then 200, recording each request.
type hookServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func newHookServer(t *testing.T, fail int, hang bool) *hookServer {
	h := &hookServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.reqs = append(h.reqs, r)
		h.body = append(h.body, b)
		n := len(h.reqs)
		h.mu.Unlock()
		if hang {
			<-r.Context().Done() // never answers
			return
		}
		if n <= fail {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

func (h *hookServer) last(t *testing.T) (*http.Request, Notification) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var n Notification
	r, b := h.reqs[len(h.reqs)-1], h.body[len(h.body)-1]
	if r.Method == "POST" {
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatalf("notify body %s: %v", b, err)
		}
	}
	return r, n
}

func intp(i int) *int { return &i }

// TestNotify: after each publish every notify URL is called: a POST
// endpoint that fails twice gets the JSON notification on its third
// attempt, one that never answers is given up after its retries (each
// attempt cut by the timeout), a GET URL with a token in its query is
// called as it is; each outcome is recorded in the store without the
// token, counted, and the notification lists the packages added and
// removed.
func TestNotify(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree twice")
	}
	ctx := context.Background()
	flaky, hung, get := newHookServer(t, 2, false), newHookServer(t, 0, true), newHookServer(t, 0, false)
	u := startURLDaemon(t, 200*time.Millisecond, func(c *config.Config) {
		c.Notify = []config.Notify{
			{URL: config.Secret(flaky.URL + "/kiln"), Backoff: builder.Duration(50 * time.Millisecond)},
			{URL: config.Secret(hung.URL + "/kiln"), Timeout: builder.Duration(200 * time.Millisecond), Retries: intp(1), Backoff: builder.Duration(50 * time.Millisecond)},
			{URL: config.Secret(get.URL + "/__repository/haikuports/import?token=s3cret"), Method: "GET", Targets: []string{"master/x86_64"}},
		}
	})
	tg := u.d.Target("master/x86_64")
	u.waitProcessed(t, testenv.Git(t, u.remote, "rev-parse", "HEAD"))
	records := waitNotifications(t, tg, 3)

	if flaky.count() != 3 || hung.count() != 2 || get.count() != 1 {
		t.Fatalf("requests: flaky %d (want 3), hung %d (want 2), get %d (want 1)", flaky.count(), hung.count(), get.count())
	}
	h, err := tg.Repo().ReadHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, n := flaky.last(t)
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || n.Target != "master/x86_64" || n.Snapshot != h.Snapshot || len(n.Added) == 0 || len(n.Removed) != 0 {
		t.Errorf("POST notification: %s %+v (head %s)", r.Method, n, h.Snapshot)
	}
	if r, _ := get.last(t); r.Method != "GET" || r.URL.Query().Get("token") != "s3cret" || r.URL.Path != "/__repository/haikuports/import" {
		t.Errorf("GET notification: %s %s", r.Method, r.URL)
	}
	outcomes := map[string]NotifyRecord{}
	for _, rec := range records {
		if strings.Contains(rec.URL, "s3cret") || strings.Contains(rec.URL, "import") {
			t.Errorf("record shows the URL: %q", rec.URL)
		}
		outcomes[rec.URL] = rec
	}
	for url, want := range map[string]struct {
		outcome  string
		attempts int
	}{redactHost(flaky.URL): {"ok", 3}, redactHost(hung.URL): {"failed", 2}, redactHost(get.URL): {"ok", 1}} {
		rec := outcomes[url]
		if rec.Outcome != want.outcome || len(rec.Attempts) != want.attempts || rec.Snapshot != h.Snapshot {
			t.Errorf("%s: %+v, want %s after %d attempts", url, rec, want.outcome, want.attempts)
		}
	}
	if a := outcomes[redactHost(hung.URL)].Attempts; len(a) == 2 && !strings.Contains(a[0].Error, "no answer within") {
		t.Errorf("hung attempt error %q", a[0].Error)
	}
	counts := u.d.NotifyCounts()
	if counts[[2]string{"master/x86_64", "ok"}] != 2 || counts[[2]string{"master/x86_64", "failed"}] != 1 {
		t.Errorf("counts %v", counts)
	}

	// An update: libkiln's new revision added, the old one removed.
	last := u.bump(t, 77)
	if err := u.d.Wake(ctx, ""); err != nil {
		t.Fatal(err)
	}
	u.waitProcessed(t, last)
	waitNotifications(t, tg, 6)
	_, n = flaky.last(t)
	if len(n.Added) == 0 || len(n.Removed) == 0 || !strings.Contains(strings.Join(n.Added, " "), "-77-") || strings.Contains(strings.Join(n.Removed, " "), "-77-") {
		t.Errorf("update notification: added %v removed %v", n.Added, n.Removed)
	}
}

func waitNotifications(t *testing.T, tg *Target, n int) []NotifyRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		recs, err := tg.Notifications(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notify records, want %d", len(recs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
