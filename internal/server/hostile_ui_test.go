package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestHostileUIRouteInput walks the web UI's route table as
// TestHostileRouteInput walks the API's: path traversal, NUL,
// percent-encoded slashes, markup and overlong names in every path
// parameter of every page answer 400 or 404 (or the mux's redirect to the
// cleaned path), never 2xx or 5xx, never with the raw markup reflected,
// and the store is unchanged. The target has a head (an uploaded
// package), so the repository pages check their input past it.
func TestHostileUIRouteInput(t *testing.T) {
	e := newDockServer(t, Options{})
	// A head, so the package and snapshot pages get past "nothing published".
	if code, body := e.upload(t, "admin", upFile{"p.hpkg", testPkg(t, "hostileui", "1-1", pkginfo.ArchX86_64, nil, nil)}); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	before := storeListing(t, e.st)
	hostile := []string{"..", "%2e%2e", "a%2fb", "%2f", "a%00b", "%00", strings.Repeat("a", 1000), strings.Repeat("b", 8000),
		"..%2f..%2fetc%2fpasswd", "-", ".hidden", "a:b:c", "a%20b", "%ff%fe", "%3Cscript%3Ex%3C%2Fscript%3E", "x%0d%0aSet-Cookie:%20a=b"}
	n := 0
	for _, rt := range e.srv().ui.Routes() {
		for _, p := range pathParam.FindAllString(rt.Pattern, -1) {
			for _, h := range hostile {
				method, path := routePath(rt.Pattern, func(pattern, name string) string {
					if "{"+name+"}" == p {
						return h
					}
					return sampleParam(pattern, name)
				})
				n++
				req, err := http.NewRequest(method, e.hs.URL+path, nil)
				if err != nil {
					continue // not even a URL: the client refuses it
				}
				resp, err := noRedirects.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch c := resp.StatusCode; {
				case c == 400 || c == 404:
				case c == 301 || c == 307 || c == 308:
				default:
					t.Errorf("%s %.120s (%s): %d %.200s (want 400 or 404)", method, path, p, c, b)
				}
				if strings.Contains(string(b), "<script>x") || resp.Header.Get("Set-Cookie") != "" {
					t.Errorf("%s %.120s: hostile input reflected", method, path)
				}
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d hostile page requests: the UI's table lost its parameters?", n)
	}
	if after := storeListing(t, e.st); after != before {
		t.Errorf("hostile page requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
