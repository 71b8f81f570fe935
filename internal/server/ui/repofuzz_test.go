package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRepoPages: any ?q=, ?why=, ?page=, snapshot names and package file
// name give 200, 400 or 404, never a 500 or a panic; each is tried as it
// is and behind a "<zq" marker that must never come back unescaped.
func FuzzRepoPages(f *testing.F) {
	for _, s := range []string{"", "libkiln", "<script>alert(1)</script>", "head~1", "../../etc/passwd", "a\x00b", "%", strings.Repeat("x", 300), `"><img src=x>`, "0", "-1", "99999999999"} {
		f.Add(s)
	}
	rs, _ := newPackagesServer(f)
	u := New(Options{Daemon: rs.d})
	mux := http.NewServeMux()
	for _, rt := range u.Routes() {
		mux.HandleFunc(rt.Pattern, rt.Handler)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, s := range []string{in, "<zq" + in} {
			checkPages(t, mux, s)
		}
	})
}

// checkPages requests each repository page with s in its parameters.
func checkPages(t *testing.T, mux *http.ServeMux, s string) {
	t.Helper()
	const base = "/targets/master/x86_64/"
	q := url.QueryEscape(s)
	for _, target := range []string{
		base + "packages?q=" + q, base + "packages?page=" + q, base + "plan?why=" + q,
		base + "snapshots/diff?from=" + q + "&to=head", base + "failures.atom?limit=" + q,
		base + "packages/" + url.PathEscape(s),
	} {
		w := httptest.NewRecorder()
		r, err := http.NewRequest("GET", target, nil)
		if err != nil {
			continue // not a request a client can send
		}
		mux.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 404, 301, 307, 308:
		default:
			t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "<zq") {
			t.Fatalf("GET %s: the input comes back unescaped", target)
		}
	}
}
