package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server/ui"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// TestServerPathsComplete: config.ServerPaths, the first segments a
// repo_prefix may not take, are those of every route of the server.
func TestServerPathsComplete(t *testing.T) {
	want := map[string]bool{}
	for _, p := range config.ServerPaths {
		want[p] = true
	}
	patterns := []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/openapi.json", "/api/"}
	for _, rt := range (&Server{}).apiRoutes() {
		patterns = append(patterns, rt.pattern)
	}
	for _, rt := range ui.New(ui.Options{}).Routes() {
		patterns = append(patterns, rt.Pattern)
	}
	for _, p := range patterns {
		_, path, _ := strings.Cut(p, " ")
		if path == "" {
			path = p
		}
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if seg != "{$}" && !want[seg] {
			t.Errorf("route %q: /%s is not in config.ServerPaths", p, seg)
		}
	}
}

// publishInfo publishes the target's first snapshot (its repo.info, no
// package) and refreshes the served view.
func publishInfo(t *testing.T, e *dockEnv) {
	t.Helper()
	ctx := context.Background()
	tg := e.d.Targets()[0]
	info := demo.RepoInfo(pkginfo.ArchX86_64, "http://127.0.0.1/repo/master/x86_64/current")
	if _, err := tg.Repo().Publish(ctx, repo.Change{Info: &info, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := e.rs.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
}

func fetch(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestRepoPrefix: with [http] repo_prefix the repositories answer below
// it, "/" at the root next to the UI; the overview and the API keep their
// paths, current/ answers carry current_max_age and the UI links to the
// prefix.
func TestRepoPrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix, base, link string // link: the UI footer's, "" none
		maxAge             string
	}{
		{"", "/repo", `href="/repo/"`, "current_max_age = 60s"},
		{"/haikuports", "/haikuports", `href="/haikuports/"`, "30s"},
		{"/haikuports/", "/haikuports", `href="/haikuports/"`, "0s"},
		{"/", "", "", "2m"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			file := "[http]\nrepo_prefix = \"" + tc.prefix + "\"\ncurrent_max_age = \"" + tc.maxAge + "\"\n"
			wantCC := map[string]string{"30s": "public, max-age=30", "0s": "no-cache", "2m": "public, max-age=120"}[tc.maxAge]
			if tc.prefix == "" {
				file, wantCC = "", "public, max-age=60"
			}
			e := newDockServer(t, Options{}, func(c *config.Config) {
				h, err := config.Parse("kiln.toml", []byte("[store]\nurl = \"s\"\n[tree]\npath = \"t\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\nname = \"m\"\n"+file))
				if err != nil {
					t.Fatal(err)
				}
				c.HTTP = h.HTTP
			})
			publishInfo(t, e)
			c := e.hs.Client()
			resp, body := fetch(t, c, e.hs.URL+tc.base+"/master/x86_64/current/repo.info")
			if resp.StatusCode != 200 || !strings.Contains(body, "x86_64") {
				t.Fatalf("repo.info: %d %q", resp.StatusCode, body)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != wantCC {
				t.Errorf("Cache-Control %q, want %q", cc, wantCC)
			}
			if resp, body := fetch(t, c, e.hs.URL+tc.base+"/master/x86_64"); resp.StatusCode != 200 || !strings.Contains(body, `"loaded": true`) {
				t.Errorf("target listing: %d %q", resp.StatusCode, body)
			}
			resp, body = fetch(t, c, e.hs.URL+"/")
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "master/x86_64") {
				t.Fatalf("overview: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if tc.link != "" && !strings.Contains(body, tc.link) || tc.link == "" && strings.Contains(body, ">repositories<") {
				t.Errorf("overview's repositories link: want %q", tc.link)
			}
			for _, p := range []string{"/runs", "/api/v1/targets", "/healthz", "/targets/master/x86_64/packages"} {
				if resp, _ := fetch(t, c, e.hs.URL+p); resp.StatusCode != 200 || strings.Contains(resp.Header.Get("Content-Type"), "octet") {
					t.Errorf("%s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			if tc.base != "/repo" {
				if resp, _ := fetch(t, c, e.hs.URL+"/repo/master/x86_64/current/repo.info"); resp.StatusCode != 404 {
					t.Errorf("/repo/… still answers %d below prefix %q", resp.StatusCode, tc.prefix)
				}
			}
			if resp, _ := fetch(t, c, e.hs.URL+tc.base+"/master/riscv64/current/repo.info"); resp.StatusCode != 404 {
				t.Errorf("unknown target: %d", resp.StatusCode)
			}
		})
	}
}

// TestRepoPublicBaseURL: with public_base_url (an S3 store) a file below
// the prefix answers a 302 to <public_base_url>/<key>, current/ with
// current_max_age.
func TestRepoPublicBaseURL(t *testing.T) {
	srv := s3test.StartFake(t)
	st := srv.Store(t, "hp")
	e := newDockServerOn(t, st, Options{}, func(c *config.Config) {
		h, err := config.Parse("kiln.toml", []byte("[store]\nurl = \"s3://hp/?region=x\"\n[tree]\npath = \"t\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\nname = \"m\"\n"+
			"[http]\nrepo_prefix = \"/\"\npublic_base_url = \"https://cdn.example.org/hp/\"\ncurrent_max_age = \"45s\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		c.HTTP = h.HTTP
	})
	publishInfo(t, e)
	noRedirect := *e.hs.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := fetch(t, &noRedirect, e.hs.URL+"/master/x86_64/current/repo.info")
	head, err := e.d.Targets()[0].Repo().ReadHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "https://cdn.example.org/hp/" + e.d.Targets()[0].Repo().SnapshotKey(head.Snapshot, "repo.info")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("%d Location %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=45" {
		t.Errorf("Cache-Control %q", cc)
	}
}
