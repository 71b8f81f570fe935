package ui

import (
	"net/http"
	"strings"
	"testing"
)

func TestLayoutAndStatic(t *testing.T) {
	hs := newTestServer(t, newTestDaemon(t))
	code, h, body := get(t, hs.URL+"/")
	if code != http.StatusOK {
		t.Fatalf("/ = %d\n%s", code, body)
	}
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	mustContain(t, "/", body,
		`<html lang="en">`, `<nav aria-label="Main">`, `<main id="main"`, `<footer`,
		`href="/" aria-current="page">Overview</a>`, `href="/runs"`,
		`href="/targets/master/x86_64/packages"`, `href="/targets/master/x86_64/plan"`,
		`<noscript><meta http-equiv="refresh" content="10"></noscript>`,
		`<h2 id="target-0-h">master/x86_64</h2>`, `nothing published yet`,
		`<th scope="col">Builder</th>`, `<th scope="row">mock-1</th>`,
	)
	for _, name := range []string{"kiln.css", "live.js"} {
		u := assetURL(name)
		mustContain(t, "/", body, u)
		code, h, b := get(t, hs.URL+u)
		if code != http.StatusOK || b != string(assets[name].body) {
			t.Fatalf("%s = %d", u, code)
		}
		if cc := h.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control %q", u, cc)
		}
		// Without the current hash: revalidated, never kept stale.
		if _, h, _ := get(t, hs.URL+"/static/"+name+"?v=old"); h.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s?v=old Cache-Control %q", name, h.Get("Cache-Control"))
		}
	}
	if ct := func() string { _, h, _ := get(t, hs.URL+assetURL("kiln.css")); return h.Get("Content-Type") }(); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("kiln.css Content-Type %q", ct)
	}
	for _, p := range []string{"/static/nope.css", "/static/..%2fui.go", "/static/"} {
		if code, _, _ := get(t, hs.URL+p); code != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", p, code)
		}
	}
}

// TestTemplatesParsed: every page parses with the layout (parsePages
// panics otherwise) and the error page renders.
func TestTemplatesParsed(t *testing.T) {
	for _, name := range []string{"overview.html", "error.html"} {
		if pages[name] == nil {
			t.Errorf("no page %s", name)
		}
	}
}
