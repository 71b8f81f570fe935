package ui

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
)

// hostile is text a recipe can carry into a package's summary: the pages
// must show it as text.
const hostile = `<script>alert("x")</script> & <b>bold</b>`

// newPackagesServer: the demo published by a real run, libkiln's summary
// made hostile.
func newPackagesServer(t testing.TB) (*ranServer, *repo.Manifest) {
	t.Helper()
	rs := newRanServerEdited(t, nil, func(tree string) {
		f := filepath.Join(tree, "dev-libs/libkiln/libkiln-1.2.0.recipe")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), `SUMMARY="A tiny library the demo ports link against"`, "SUMMARY='"+hostile+"'", 1))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	_, m, err := rs.target.Repo().Current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rs, m
}

func TestPackagesPages(t *testing.T) {
	rs, m := newPackagesServer(t)
	base := rs.hs.URL + "/targets/master/x86_64/packages"
	lib, ok := m.ByName("libkiln")
	if !ok || lib.Info.Summary != hostile {
		t.Fatalf("libkiln not published with the hostile summary: %+v", lib.Info)
	}

	code, hdr, body := get(t, base)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("packages: %d %s", code, hdr.Get("Content-Type"))
	}
	mustContain(t, "packages page", body, `role="search"`, `name="q"`, fmt.Sprintf("%d packages", len(m.Packages)), "/targets/master/x86_64/packages/"+lib.File)
	for _, p := range m.Packages {
		mustContain(t, "packages page", body, ">"+p.Info.Name+"<")
	}
	noRaw(t, "packages page", body)

	// Search: by name part, by a provided resolvable, none, hostile input.
	_, _, body = get(t, base+"?q=GLAZE")
	mustContain(t, "search glaze", body, ">libglaze<", ">glazedoc<")
	if strings.Contains(body, ">libkiln<") {
		t.Error("search glaze lists libkiln")
	}
	_, _, body = get(t, base+"?q=lib:libkiln")
	mustContain(t, "search lib:libkiln", body, ">libkiln<", "1 of ")
	_, _, body = get(t, base+"?q=nosuchthing")
	mustContain(t, "search nosuchthing", body, "No package matches")
	code, _, body = get(t, base+"?q=%3Cscript%3Ealert(1)%3C/script%3E")
	if code != 200 || strings.Contains(body, "<script>alert(1)") {
		t.Errorf("hostile search: %d, reflected unescaped", code)
	}
	mustContain(t, "hostile search", body, "&lt;script&gt;alert(1)&lt;/script&gt;")

	// Pagination: 3 a page.
	old := perPage
	perPage = 3
	t.Cleanup(func() { perPage = old })
	pages := (len(m.Packages) + 2) / 3
	seen := map[string]bool{}
	for pg := 1; pg <= pages; pg++ {
		code, _, body := get(t, fmt.Sprintf("%s?page=%d", base, pg))
		if code != 200 {
			t.Fatalf("page %d: %d", pg, code)
		}
		for _, p := range m.Packages {
			if strings.Contains(body, "/packages/"+p.File+`"`) {
				if seen[p.File] {
					t.Errorf("%s on two pages", p.File)
				}
				seen[p.File] = true
			}
		}
		if (pg > 1) != strings.Contains(body, `rel="prev"`) || (pg < pages) != strings.Contains(body, `rel="next"`) {
			t.Errorf("page %d of %d: prev/next links wrong", pg, pages)
		}
	}
	if len(seen) != len(m.Packages) {
		t.Errorf("the pages list %d of %d packages", len(seen), len(m.Packages))
	}
	_, _, body = get(t, base+"?q=glaze&page=1")
	if strings.Contains(body, `rel="next"`) {
		t.Error("a search with 2 matches has a next page of 3")
	}

	// Details.
	code, _, body = get(t, base+"/"+lib.File)
	if code != 200 {
		t.Fatalf("details: %d", code)
	}
	run, n, _ := strings.Cut(lib.Source.BuildID, "/")
	mustContain(t, "details", body, lib.SHA256, fmt.Sprintf("%d bytes", lib.Size), lib.Info.Version.String(),
		`href="/runs/`+run+`"`, `href="/builds/`+run+":"+n+`/log"`, "/repo/master/x86_64/current/packages/"+lib.File)
	for _, p := range lib.Info.Provides {
		mustContain(t, "details provides", body, html.EscapeString(p.String()))
	}
	for _, r := range lib.Info.Requires {
		mustContain(t, "details requires", body, html.EscapeString(r.String()))
	}
	noRaw(t, "details", body)
	mustContain(t, "details", body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;")

	for _, c := range []struct {
		path string
		code int
	}{
		{"?page=0", 400},
		{"?page=-1", 400},
		{"?page=x", 400},
		{fmt.Sprintf("?page=%d", pages+1), 404},
		{"?q=" + strings.Repeat("a", 201), 400},
		{"/nosuch-1-1-x86_64.hpkg", 404},
		{"/..hpkg", 400},
		{"/a%3Cb%3E.hpkg", 400},
		{"/" + strings.Repeat("a", 256), 400},
	} {
		code, _, body := get(t, base+c.path)
		if code != c.code {
			t.Errorf("GET packages%s: %d, want %d", c.path, code, c.code)
		}
		if strings.Contains(body, "<b>") {
			t.Errorf("GET packages%s: a path value reflected unescaped", c.path)
		}
	}
	for _, p := range []string{"/targets/master/nosuch/packages", "/targets/nosuch/x86_64/packages/" + lib.File} {
		if code, _, _ := get(t, rs.hs.URL+p); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code, _, _ := get(t, rs.hs.URL+"/targets/ma%3Cb%3Ester/x86_64/packages"); code != 400 {
		t.Errorf("hostile branch: %d, want 400", code)
	}
}

// noRaw fails if the hostile summary appears unescaped.
func noRaw(t *testing.T, what, body string) {
	t.Helper()
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>bold") {
		t.Errorf("%s shows hostile text unescaped", what)
	}
}
