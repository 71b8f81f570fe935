package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/store"
)

// storeListing is every object of a store with its size and ETag, to
// compare before and after requests that must change nothing.
func storeListing(t *testing.T, st store.Store) string {
	t.Helper()
	var lines []string
	err := st.List(context.Background(), "", "", func(o store.ObjectInfo) error {
		lines = append(lines, fmt.Sprintf("%s %d %s", o.Key, o.Size, o.ETag))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

var pathParam = regexp.MustCompile(`\{[a-z]+\}`)

// routePath fills a route's path parameters: the demo's target and a
// run/build id of the right shape.
func routePath(pattern string, fill func(pattern, name string) string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = pathParam.ReplaceAllStringFunc(path, func(p string) string { return fill(pattern, p[1:len(p)-1]) })
	return method, path
}

func sampleParam(pattern, name string) string {
	switch name {
	case "branch":
		return "master"
	case "arch":
		return "x86_64"
	case "id":
		if strings.Contains(pattern, "/builds/") {
			return "20261203T075000.123Z-abcdef:1"
		}
		return "20261203T075000.123Z-abcdef"
	}
	return "x"
}

// noRedirects is a client that answers redirects instead of following
// them (the mux redirects paths with dot segments to their clean form).
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestWriteRoutesNeedTheirRole walks the route table: every route that
// needs a role refuses a request without a token, with a malformed or
// unknown token and with a token of a lower role, and none of them
// changes the store.
func TestWriteRoutesNeedTheirRole(t *testing.T) {
	e := newDockServer(t, Options{})
	s := New(Options{Daemon: e.d})
	defer s.Close()
	before := storeListing(t, e.st)
	unknown, _, _ := auth.Generate(nil)
	n := 0
	for _, rt := range s.apiRoutes() {
		if rt.role == 0 {
			continue
		}
		n++
		method, path := routePath(rt.pattern, sampleParam)
		type attempt struct {
			name, header string
			want         int
		}
		attempts := []attempt{
			{"no token", "", 401},
			{"not bearer", "Basic dXNlcjpwYXNz", 401},
			{"malformed token", "Bearer kiln_short", 401},
			{"unknown token", "Bearer " + unknown, 401},
			{"read token", "Bearer " + e.tokens["read"], 403},
		}
		if rt.role == auth.RoleAdmin {
			attempts = append(attempts, attempt{"trigger token", "Bearer " + e.tokens["trigger"], 403})
		}
		for _, a := range attempts {
			req, _ := http.NewRequest(method, e.hs.URL+path, strings.NewReader(`{"mode":"everything","snapshot":"x","name":"x","packages":["x"]}`))
			req.Header.Set("Content-Type", "application/json")
			if a.header != "" {
				req.Header.Set("Authorization", a.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != a.want || !bytes.Contains(b, []byte(`"code"`)) {
				t.Errorf("%s with %s: %d %s (want %d and a JSON error)", rt.pattern, a.name, resp.StatusCode, b, a.want)
			}
			if a.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %s: 401 without WWW-Authenticate", rt.pattern, a.name)
			}
		}
	}
	if n < 9 {
		t.Errorf("only %d routes need a role; the table lost some?", n)
	}
	if after := storeListing(t, e.st); after != before {
		t.Errorf("refused requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if id := e.d.Targets()[0].ActiveRun(); id != "" {
		t.Errorf("a refused request started run %s", id)
	}
}

// TestNoTokensRefusesWrites: without [auth] tokens every role route is
// refused with 403 and a message saying why.
func TestNoTokensRefusesWrites(t *testing.T) {
	e := newDockServer(t, Options{})
	s := New(Options{Daemon: e.d})
	defer s.Close()
	for _, rt := range s.apiRoutes() {
		if rt.role == 0 {
			continue
		}
		method, path := routePath(rt.pattern, sampleParam)
		req := newRequest(method, path, "{}")
		req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
		w := record(s, req)
		if w.Code != 403 || !strings.Contains(w.Body.String(), "no [auth] tokens") {
			t.Errorf("%s without tokens configured: %d %s", rt.pattern, w.Code, w.Body)
		}
	}
}

// TestHostileRouteInput sends path traversal, NUL, percent-encoded
// slashes, markup, CR LF and overlong names (1,000 and 8,000 bytes) in
// every path parameter of every route of a target with a head,
// and malformed and oversized bodies to every write route, with an admin
// token: each is answered 400, 404 or 413 with a JSON error, never 2xx or
// 5xx, and the store is unchanged.
func TestHostileRouteInput(t *testing.T) {
	e := newDockServer(t, Options{MaxUpload: 1 << 20, GitHubSecret: []byte(hookSecret)})
	s := New(Options{Daemon: e.d})
	defer s.Close()
	// A head, so the package and snapshot routes check their input past
	// "nothing published".
	if code, body := e.upload(t, "admin", upFile{"p.hpkg", testPkg(t, "hostileapi", "1-1", pkginfo.ArchX86_64, nil, nil)}); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	before := storeListing(t, e.st)
	hostile := []string{"..", "%2e%2e", "a%2fb", "%2f", "a%00b", "%00", strings.Repeat("a", 1000), strings.Repeat("b", 8000), "..%2f..%2fetc", "-", ".hidden", "a:b:c", "a%20b", "%ff%fe", "%3Cscript%3E", "x%0d%0ay"}
	do := func(method, path, ctype string, body io.Reader, what string, ok ...int) {
		t.Helper()
		if path == "/api/v1/hooks/github" {
			ok = append(ok, 401) // authenticated by its signature, checked before the body is read
		}
		req, err := http.NewRequest(method, e.hs.URL+path, body)
		if err != nil {
			return // not even a URL: the client refuses it
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, c := range ok {
			if resp.StatusCode == c {
				return
			}
		}
		// A redirect of the mux cleaning the path is fine too.
		if resp.StatusCode == 301 || resp.StatusCode == 307 || resp.StatusCode == 308 {
			return
		}
		t.Errorf("%s %s (%s): %d %.200s (want one of %v)", method, path, what, resp.StatusCode, b, ok)
	}
	for _, rt := range s.apiRoutes() {
		params := pathParam.FindAllString(rt.pattern, -1)
		for _, p := range params {
			for _, h := range hostile {
				method, path := routePath(rt.pattern, func(pattern, name string) string {
					if "{"+name+"}" == p {
						return h
					}
					return sampleParam(pattern, name)
				})
				if method == "GET" && strings.HasSuffix(path, "/log") {
					do(method, path, "", nil, p+"="+h, 400, 404)
					continue
				}
				do(method, path, "application/json", strings.NewReader("{}"), p+"="+h, 400, 404)
			}
		}
		method, path := routePath(rt.pattern, sampleParam)
		if method != "POST" {
			continue
		}
		do(method, path, "application/json", strings.NewReader(`{"mode":`), "malformed JSON", 400, 404)
		do(method, path, "application/json", strings.NewReader("\x00\xff"), "binary", 400, 404)
		big := bytes.Repeat([]byte("a"), 2<<20)
		ctype, open, end := "application/json", `{"reason":"`, `"}`
		if strings.HasSuffix(path, "/packages") { // the loading dock: multipart
			ctype = "multipart/form-data; boundary=b"
			open = "--b\r\nContent-Disposition: form-data; name=\"p\"; filename=\"a.hpkg\"\r\n\r\n"
			end = "\r\n--b--\r\n"
		}
		do(method, path, ctype, bytes.NewReader(big), "2 MiB body", 413, 404)
		chunked := io.MultiReader(strings.NewReader(open), bytes.NewReader(big), strings.NewReader(end))
		do(method, path, ctype, chunked, "2 MiB body of unknown length", 413, 404)
	}
	if after := storeListing(t, e.st); after != before {
		t.Errorf("hostile requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func newRequest(method, path, body string) *http.Request {
	return httptest.NewRequest(method, path, strings.NewReader(body))
}

func record(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
