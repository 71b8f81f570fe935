package docs

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/server/openapi"
)

// curlURL finds the path of a kiln URL in a curl command line: after
// $K, the demo's address or any https://host.
var curlURL = regexp.MustCompile(`(?:\$K|http://127\.0\.0\.1:8080|https://[a-z0-9.-]+)(/[^\s"'?\\]*)`)

// curlCalls are the method and path of every curl command in the shell
// blocks (run or not) of a page. The method is -X's, else POST with a
// body (-d, -F), else GET.
func curlCalls(bs []block) [][2]string {
	var calls [][2]string
	for _, b := range bs {
		if b.lang != "sh" {
			continue
		}
		// Join continued lines, so a command is one line.
		text := strings.ReplaceAll(b.text, "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			if !strings.Contains(line, "curl ") {
				continue
			}
			method := "GET"
			switch {
			case strings.Contains(line, "-X POST"):
				method = "POST"
			case strings.Contains(line, " -d ") || strings.Contains(line, " -F "):
				method = "POST"
			}
			for _, m := range curlURL.FindAllStringSubmatch(line, -1) {
				calls = append(calls, [2]string{method, m[1]})
			}
		}
	}
	return calls
}

// TestAPIExamplesCoverRoutes: api.md shows a curl example of every
// operation of the OpenAPI document (which the server's tests keep equal
// to its route table), and none of a route that does not exist.
func TestAPIExamplesCoverRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	type op struct {
		method, path string
		re           *regexp.Regexp
	}
	var ops []op
	param := regexp.MustCompile(`\\\{[^}]*\\\}`)
	for path, methods := range doc.Paths {
		for m := range methods {
			m = strings.ToUpper(m)
			if m != "GET" && m != "POST" {
				continue // not an operation (parameters, …)
			}
			re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
			ops = append(ops, op{m, path, re})
		}
	}
	if len(ops) < 20 {
		t.Fatalf("the OpenAPI document has %d operations: the parse is wrong", len(ops))
	}
	bs, err := readBlocks("api.md", "api.md")
	if err != nil {
		t.Fatal(err)
	}
	calls := curlCalls(bs)
	shown := map[string]bool{}
	for _, c := range calls {
		if !strings.HasPrefix(c[1], "/api/") || c[1] == "/api/openapi.json" {
			continue // /repo/…, /healthz, /metrics and the document itself are not in it
		}
		found := false
		for _, o := range ops {
			if o.method == c[0] && o.re.MatchString(c[1]) {
				shown[o.method+" "+o.path] = true
				found = true
			}
		}
		if !found {
			t.Errorf("api.md calls %s %s, which is no operation of the API", c[0], c[1])
		}
	}
	var missing []string
	for _, o := range ops {
		if !shown[o.method+" "+o.path] {
			missing = append(missing, o.method+" "+o.path)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("api.md has no curl example of %s", m)
	}
	t.Logf("%d operations, %d curl calls in api.md", len(ops), len(calls))
}
