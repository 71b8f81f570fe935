package reposerve

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/repo"
)

// rawGet sends path exactly as given (no client-side cleaning or
// escaping) and returns the status code.
func rawGet(t testing.TB, addr, method, path string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, path)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestHostilePaths: traversal (plain and encoded), encoded slashes,
// unknown targets, bad snapshot ids and names outside the package-name
// rules are 400 or 404, and none of them touches the store.
func TestHostilePaths(t *testing.T) {
	rs := &recordingStore{Store: newFileStore(t)}
	r := repo.New(rs, testTarget, repo.Options{})
	res := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	for _, prefix := range []string{"/repo", "/"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			h := newHandler(t, Options{Prefix: prefix}, r)
			ts := serve(t, h)
			addr := strings.TrimPrefix(ts.URL, "http://")
			p := strings.TrimSuffix(prefix, "/")
			rs.take()
			cases := []struct {
				path string
				code int
			}{
				{"/master/x86_64/current/../../../etc/passwd", 400},
				{"/master/x86_64/current/packages/../repo", 400},
				{"/master/x86_64/current/packages/..%2f..%2frepo", 400},
				{"/master/x86_64/current/%2e%2e/head.json", 400},
				{"/master/x86_64/%2e%2e/.kiln/head.json", 400},
				{"/master/x86_64/.kiln/head.json", 400},
				{"/master/x86_64/current/packages/%2e%2e", 400},
				{"/master/x86_64/current/packages/foo%2f..%2f..%2frepo", 400},
				{"/master/x86_64/current/packages/foo%5c..%5crepo.hpkg", 400},
				{"/master/x86_64/current/packages/foo%00.hpkg", 400},
				{"/master/x86_64/current/packages/a%252f..%252frepo.hpkg", 400},
				{"/master/x86_64/%252e%252e/repo", 400},
				{"/master/x86_64/current/packages/.obsolete/foo-1.0-1-x86_64.hpkg", 404},
				{"/master/x86_64/current/packages/.hidden.hpkg", 400},
				{"/master/x86_64/current/packages/foo-1.0-1-x86_64.zip", 400},
				{"/master/x86_64/current/packages/foo%20bar.hpkg", 400},
				{"/master/x86_64/current/packages/foo-1.0-1-x86_64.hpkg%3f", 400},
				{"/master/x86_64/current/packages/" + strings.Repeat("a", 300) + ".hpkg", 400},
				{"/master/x86_64/current/packages/foo-1.0-1-x86_64.hpkg/x", 404},
				{"/master/x86_64/current/manifest.json", 404},
				{"/master/x86_64/current/head.json", 404},
				{"/master/x86_64/current/", 400},
				{"/master/x86_64/current", 404},
				{"/master//x86_64/current/repo", 400},
				{"/master/x86_64//current/repo", 400},
				{"/master/x86_64/current//repo", 400},
				{"/master/x86_64/current/repo/", 400},
				{"/master/x86_64/current/%zz", 400},
				{"/master/x86_64/bad%20id/repo", 400},
				{"/master/x86_64/.hidden/repo", 400},
				{"/master/x86_64/" + strings.Repeat("1", 200) + "/repo", 400},
				{"/master/x86_64/20200101T000000.000Z-00000000/repo", 404},
				{"/master/x86_64/20200101T000000.000Z-00000000/packages/foo-1.0-1-x86_64.hpkg", 404},
				{"/master/x86_gcc2/current/repo", 404},
				{"/r1beta4/x86_64/current/repo", 404},
				{"/..%2f..%2fetc/x86_64/current/repo", 400},
				{"/master/x86_64%2f..%2f..%2f/current/repo", 400},
				{"/nobranch", 404},
				{"/master/x86_gcc2", 404},
				{"/" + strings.Repeat("a/", 600), 400},
			}
			for _, c := range cases {
				if got := rawGet(t, addr, "GET", p+c.path); got != c.code {
					t.Errorf("GET %s: %d, want %d", p+c.path, got, c.code)
				}
			}
			if keys := rs.take(); len(keys) != 0 {
				t.Errorf("hostile paths reached the store: %q", keys)
			}
			if got := rawGet(t, addr, "GET", p+"/master/x86_64/"+res.Snapshot+"/packages/foo-1.0-1-x86_64.hpkg"); got != 200 {
				t.Errorf("the good path: %d", got)
			}
			for _, m := range []string{"POST", "PUT", "DELETE"} {
				if got := rawGet(t, addr, m, p+"/master/x86_64/current/repo"); got != 405 {
					t.Errorf("%s: %d, want 405", m, got)
				}
			}
			if prefix == "/repo" {
				for _, q := range []string{"/repository/master", "/rep", "/master/x86_64/current/repo"} {
					if got := rawGet(t, addr, "GET", q); got != 404 {
						t.Errorf("outside the prefix %s: %d", q, got)
					}
				}
			}
		})
	}
}

// TestNotLoaded: before the first refresh, file routes are 503.
func TestNotLoaded(t *testing.T) {
	r := repo.New(newFileStore(t), testTarget, repo.Options{})
	h, err := New([]*repo.Repo{r}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, h)
	if c := get(t, ts.URL+"/repo/master/x86_64/current/repo").code; c != 503 {
		t.Fatalf("not loaded: %d", c)
	}
	if h.Ready() {
		t.Fatal("ready before the first refresh")
	}
	// An empty target after a refresh: 404, and the listing says so.
	if err := h.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := get(t, ts.URL+"/repo/master/x86_64/current/repo").code; c != 404 {
		t.Fatalf("empty target: %d", c)
	}
	if !h.Ready() {
		t.Fatal("not ready after a refresh")
	}
	var ti TargetInfo
	decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64/").body, &ti)
	if !ti.Loaded || ti.Head != "" || ti.Packages != 0 {
		t.Fatalf("%+v", ti)
	}
}

func TestNewErrors(t *testing.T) {
	r := repo.New(newFileStore(t), testTarget, repo.Options{})
	for _, c := range []struct {
		repos []*repo.Repo
		opts  Options
		want  string
	}{
		{[]*repo.Repo{r, r}, Options{}, "given twice"},
		{[]*repo.Repo{r}, Options{Prefix: "repo"}, "bad prefix"},
		{[]*repo.Repo{r}, Options{Prefix: "/a%2f"}, "bad prefix"},
		{[]*repo.Repo{r}, Options{PublicBaseURL: "ftp://x"}, "bad public base URL"},
		{[]*repo.Repo{r}, Options{PublicBaseURL: "https://cdn.example.org/hp"}, "streamed"},
	} {
		if _, err := New(c.repos, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}
