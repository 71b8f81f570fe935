package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/haikuports/kiln/internal/server/openapi"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesRoutes: every route of the table is documented with
// its role, and every documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s := New(Options{})
	defer s.Close()
	routed := map[string]route{}
	for _, rt := range s.apiRoutes() {
		routed[rt.pattern] = rt
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented[key] = true
			rt, ok := routed[key]
			if !ok {
				t.Errorf("openapi.json documents %s, which is not in the route table (internal/server/routes.go)", key)
				continue
			}
			role, _ := op.Extensions["x-kiln-role"].(string)
			if want := rt.role.String(); rt.role == 0 && role != "" || rt.role != 0 && role != want {
				t.Errorf("%s: openapi.json says role %q, the route table %q", key, role, want)
			}
			if rt.role != 0 && (op.Security == nil || len(*op.Security) == 0) {
				t.Errorf("%s needs a token but openapi.json gives it no security", key)
			}
			for _, code := range []string{"400", "404"} {
				if strings.Contains(path, "{") && op.Responses.Value(code) == nil {
					t.Errorf("%s: openapi.json has no %s answer for its path parameters", key, code)
				}
			}
		}
	}
	var missing []string
	for key := range routed {
		if !documented[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	for _, key := range missing {
		t.Errorf("route %s is not in internal/server/openapi/openapi.json: document it", key)
	}
}

// TestOpenAPIServed: the document is at /api/openapi.json.
func TestOpenAPIServed(t *testing.T) {
	e := newDockServer(t, Options{})
	code, b := e.get(t, "/api/openapi.json")
	if code != 200 || !bytes.Equal(b, openapi.Document) {
		t.Fatalf("GET /api/openapi.json: %d, %d bytes", code, len(b))
	}
}

// TestOpenAPIAnswers validates real answers of a running daemon against
// the document's schemas: reads of targets, runs, a run, a build, the
// builders, a started run and errors.
func TestOpenAPIAnswers(t *testing.T) {
	doc := loadOpenAPI(t)
	doc.Servers = nil // match any host: the test server's port is random
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := newControlServer(t, 20*time.Millisecond, map[string]string{"tilecraft": "fail"})
	run := e.waitEnded(t, e.activeRun(t))
	check := func(method, path, role, body string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, e.hs.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if role != "" {
			req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s %s: %d %s (want %d)", method, path, resp.StatusCode, b, want)
			return
		}
		validateAnswer(t, router, req, resp, b)
	}
	check("GET", "/api/v1/targets", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64", "", "", 200)
	check("GET", "/api/v1/targets/master/nope", "", "", 404)
	check("GET", "/api/v1/runs", "", "", 200)
	check("GET", "/api/v1/runs?state=failed", "", "", 200)
	check("GET", "/api/v1/runs/"+run.ID, "", "", 200)
	check("GET", "/api/v1/builds/"+run.ID+":1", "", "", 200)
	check("GET", "/api/v1/builds/"+run.ID+":1/log", "", "", 200)
	check("GET", "/api/v1/builds/"+run.ID+":9999", "", "", 404)
	check("GET", "/api/v1/builders", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/packages?q=glaze&limit=5", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/packages/libglaze", "", "", 200)
	if _, b := e.get(t, "/api/v1/targets/master/x86_64/packages?q=GLAZE"); !strings.Contains(string(b), `"file": "libglaze-`) || strings.Contains(string(b), `"file": "kilnpaint-`) {
		t.Errorf("package search for GLAZE: %.300s", b)
	}
	check("GET", "/api/v1/targets/master/x86_64/packages/nosuchthing", "", "", 404)
	check("GET", "/api/v1/targets/master/x86_64/snapshots", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/snapshots/diff?from=head&to=head", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/snapshots/diff?from=head~5&to=head", "", "", 404)
	check("GET", "/api/v1/targets/master/x86_64/plan", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/why/kilnsh", "", "", 200)
	check("GET", "/api/v1/targets/master/x86_64/why/nosuchport", "", "", 404)
	check("POST", "/api/v1/builders/mock-2/disable", "admin", `{"reason":"schema"}`, 200)
	check("GET", "/api/v1/builders", "", "", 200) // with the disabled one
	check("POST", "/api/v1/builders/mock-2/enable", "admin", ``, 200)
	check("POST", "/api/v1/builders/nosuch/disable", "admin", ``, 404)
	check("POST", "/api/v1/builders/mock-2/disable", "admin", `{"reasn":"x"}`, 400)
	check("POST", "/api/v1/targets/master/x86_64/pause", "admin", `{"reason":"schema"}`, 200)
	check("POST", "/api/v1/targets/master/x86_64/resume", "admin", ``, 200)
	check("POST", "/api/v1/targets/master/x86_64/runs", "read", `{"mode":"everything"}`, 403)
	check("POST", "/api/v1/targets/master/x86_64/runs", "trigger", `{"mode":"everything"}`, 202)
}

func validateAnswer(t *testing.T, router routers.Router, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in openapi.json: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
}
