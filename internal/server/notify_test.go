package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
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
