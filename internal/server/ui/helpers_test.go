package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// newTestDaemon is a daemon of the demo config under t.TempDir(), not
// running: the tests start runs on its target themselves.
func newTestDaemon(t *testing.T) *daemon.Daemon {
	t.Helper()
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, filepath.Join(t.TempDir(), "data"), "http://127.0.0.1/repo/master/x86_64/current")
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
	return d
}

// newTestServer serves the UI's routes of d on a loopback httptest server.
func newTestServer(t testing.TB, d *daemon.Daemon) *httptest.Server {
	t.Helper()
	u := New(Options{Daemon: d})
	mux := http.NewServeMux()
	for _, rt := range u.Routes() {
		mux.HandleFunc(rt.Pattern, rt.Handler)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs
}

// get fetches url and returns the status, header and body.
func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func mustContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s does not contain %q", what, s)
		}
	}
}
