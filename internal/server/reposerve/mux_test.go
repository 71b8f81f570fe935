package reposerve

import (
	"net/http"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
)

// TestUnderServeMux: mounted in an http.ServeMux (as the daemon will),
// dot segments and empty segments are cleaned by the mux first (307 to
// the cleaned path) or
// refused by the handler (400); no hostile path reaches the store, and
// the good paths work.
func TestUnderServeMux(t *testing.T) {
	rs := &recordingStore{Store: newFileStore(t)}
	r := repo.New(rs, testTarget, repo.Options{})
	publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	h := newHandler(t, Options{}, r)
	mux := http.NewServeMux()
	mux.Handle("GET /repo/", h)
	mux.Handle("GET /repo", h)
	ts := serve(t, mux)
	addr := strings.TrimPrefix(ts.URL, "http://")
	rs.take()
	for _, p := range []string{
		"/repo/master/x86_64/current/../../../etc/passwd",
		"/repo/master/x86_64/current/%2e%2e/%2e%2e/.kiln/head.json",
		"/repo/master/x86_64/current/packages/..%2f..%2frepo",
		"/repo/master/x86_64/current/packages/foo%5c..%5crepo.hpkg",
		"/repo/master//x86_64/current/repo",
	} {
		if c := rawGet(t, addr, "GET", p); c != 307 && c != 400 && c != 404 {
			t.Errorf("%s: %d", p, c)
		}
	}
	if keys := rs.take(); len(keys) != 0 {
		t.Errorf("hostile paths reached the store: %q", keys)
	}
	for _, p := range []string{"/repo", "/repo/", "/repo/master/x86_64", "/repo/master/x86_64/current/repo", "/repo/master/x86_64/current/packages/foo-1.0-1-x86_64.hpkg"} {
		if c := rawGet(t, addr, "GET", p); c != 200 {
			t.Errorf("%s: %d", p, c)
		}
	}
	if c := rawGet(t, addr, "HEAD", "/repo/master/x86_64/current/repo"); c != 200 {
		t.Errorf("HEAD through the mux: %d", c)
	}
}
