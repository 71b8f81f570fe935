package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/testenv"
)

// apiState is what a write could change: every stored object (key,
// size, ETag; but status.json and a running run's logs), the head, the run records and the run in progress with
// its builds' states, the pause and the builders as the API shows them.
type apiState struct {
	store, head, runs, active, paused, builders string
}

func (e *dockEnv) state(t *testing.T) apiState {
	t.Helper()
	ctx := context.Background()
	tg := e.d.Targets()[0]
	var s apiState
	// status.json and a running run's log segments are written on the
	// engine's own schedule (status at most every StatusInterval, logs
	// when a segment is flushed; later under load): what they show is in
	// active, the builds' states.
	running := "/buildruns/" + tg.ActiveRun() + "/"
	for _, l := range strings.Split(storeListing(t, e.st), "\n") {
		key, _, _ := strings.Cut(l, " ")
		if strings.HasSuffix(key, "/status.json") || strings.Contains(key, running) && strings.HasSuffix(key, ".log") {
			continue
		}
		s.store += l + "\n"
	}
	s.head = e.head(t)
	runs, err := tg.Engine().Records().Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		s.runs += fmt.Sprintf("%s %s\n", r.ID, r.State)
	}
	if id := tg.ActiveRun(); id != "" {
		_, b := e.get(t, "/api/v1/runs/"+id)
		var run struct{ Builds []buildrun.Build }
		json.Unmarshal(b, &run)
		s.active = id
		for _, b := range run.Builds {
			s.active += fmt.Sprintf(" %d=%s", b.Number, b.State)
		}
	}
	p, err := tg.Pause(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.paused = fmt.Sprintf("%v %s", p.Paused, p.Reason)
	_, b := e.get(t, "/api/v1/builders")
	var bs []struct{ Name, State, Reason string }
	json.Unmarshal(b, &bs)
	s.builders = fmt.Sprint(bs)
	return s
}

// settled waits until two states 200 ms apart are equal and returns it.
func (e *dockEnv) settled(t *testing.T) apiState {
	t.Helper()
	prev := e.state(t)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		s := e.state(t)
		if s == prev {
			return s
		}
		prev = s
	}
	t.Fatalf("the state does not settle: %+v", prev)
	return prev
}

func (s apiState) diff(o apiState) string {
	var d []string
	for _, f := range []struct{ name, a, b string }{
		{"store", s.store, o.store}, {"head", s.head, o.head}, {"runs", s.runs, o.runs},
		{"active run", s.active, o.active}, {"pause", s.paused, o.paused}, {"builders", s.builders, o.builders},
	} {
		if f.a == f.b {
			continue
		}
		if f.name != "store" {
			d = append(d, fmt.Sprintf("%s: %q, then %q", f.name, f.a, f.b))
			continue
		}
		// The objects that differ.
		a, b := strings.Split(f.a, "\n"), strings.Split(f.b, "\n")
		for _, l := range a {
			if !slices.Contains(b, l) {
				d = append(d, "store: - "+l)
			}
		}
		for _, l := range b {
			if !slices.Contains(a, l) {
				d = append(d, "store: + "+l)
			}
		}
	}
	return strings.Join(d, "\n")
}

// writeCase is a write route's request that changes something.
type writeCase struct {
	pattern string
	path    func() string
	body    func() (ctype string, body io.Reader)
	setup   func()                            // before the refused attempts
	want    int                               // the status with the route's role
	changed func(before, after apiState) bool // what that request must have changed
	after   func() string                     // waits for its effect; returns a problem
}

// TestRefusedWritesChangeNothing sends every write route a request that
// would change something — real run and build ids, a failed build, a
// snapshot to roll back to, a real package, a tree that moved, a run
// with two builds running — without a token, with a malformed, an
// unknown and a non-bearer token, with a read token and (admin routes)
// a trigger token: each is refused (401/403) and the store, head, runs,
// the running run's builds, the pause and the builders are unchanged,
// also after the debounce window. Then the same request with the
// route's role does change what it should, so the refusals were not
// refused for another reason. A role route without a case here fails.
func TestRefusedWritesChangeNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("three build runs")
	}
	var tree string
	e := newDockServer(t, Options{}, func(c *config.Config) {
		tree = c.Tree.Path
		c.Tree.Poll = builder.Duration(time.Hour)
		c.Tree.Debounce = builder.Duration(50 * time.Millisecond)
		// No heartbeat or scheduling lease renewal during the checks.
		c.Build.HeartbeatTTL, c.Build.LeaseTTL = builder.Duration(time.Hour), builder.Duration(time.Hour)
		m := &c.Builders.Mock[0]
		m.Duration, m.Ports = "zero", map[string]string{"tilecraft": "fail"}
	})
	e.d.SetRefresher(e.rs)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { e.d.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	tg := e.d.Targets()[0]

	// The first run (everything): tilecraft fails, the rest is published.
	first := e.waitEnded(t, e.activeRun(t))
	var failed string
	for _, n := range first.Builds {
		b, err := tg.Engine().Records().Build(context.Background(), first.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		if b.Port.Name == "tilecraft" && b.State == buildrun.BuildFailed {
			failed = fmt.Sprintf("%s:%d", first.ID, n)
		}
	}
	if failed == "" || e.head(t) == "" {
		t.Fatalf("the first run: no failed tilecraft build or no head (%s)", first.State)
	}
	unknown, _, _ := auth.Generate(nil)
	pkg := testPkg(t, "refusedpkg", "1.0-1", pkginfo.ArchX86_64, nil, nil)
	upload := func() (string, io.Reader) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		w, _ := mw.CreateFormFile("package", "refusedpkg-1.0-1-x86_64.hpkg")
		w.Write(pkg)
		mw.Close()
		return mw.FormDataContentType(), &b
	}
	jsonBody := func(s string) func() (string, io.Reader) {
		return func() (string, io.Reader) { return "application/json", strings.NewReader(s) }
	}
	var hanging []string // build ids of the update run's two hanging builds
	var hangRun string

	cases := []writeCase{
		{pattern: "POST /api/v1/targets/{branch}/{arch}/pause", path: func() string { return targetAPI + "/pause" },
			body: jsonBody(`{"reason":"refused test"}`), want: 200,
			changed: func(b, a apiState) bool { return a.paused == "true refused test" }},
		{pattern: "POST /api/v1/targets/{branch}/{arch}/resume", path: func() string { return targetAPI + "/resume" },
			body: jsonBody(`{}`), want: 200,
			changed: func(b, a apiState) bool { return strings.HasPrefix(a.paused, "false ") && a.store != b.store }},
		{pattern: "POST /api/v1/targets/{branch}/{arch}/runs", path: func() string { return targetAPI + "/runs" },
			body: jsonBody(`{"mode":"ports","ports":["tilecraft"]}`), want: 202,
			changed: func(b, a apiState) bool { return a.runs != b.runs || a.active != "" }},
		{pattern: "POST /api/v1/builds/{id}/retry", path: func() string { return "/api/v1/builds/" + failed + "/retry" },
			body: jsonBody(`{}`), want: 202,
			changed: func(b, a apiState) bool { return a.runs != b.runs || a.active != "" }},
		{pattern: "POST /api/v1/targets/{branch}/{arch}/packages", path: func() string { return targetAPI + "/packages" },
			body: upload, want: 201,
			changed: func(b, a apiState) bool { return a.head != b.head }},
		{pattern: "POST /api/v1/targets/{branch}/{arch}/rollback", path: func() string { return targetAPI + "/rollback" },
			body: jsonBody(`{"snapshot":"head~1"}`), want: 201,
			changed: func(b, a apiState) bool { return a.head != b.head }},
		{pattern: "POST /api/v1/targets/{branch}/{arch}/build-packages", path: func() string { return targetAPI + "/build-packages" },
			body: jsonBody(`{"name":"refused","packages":["libkiln"]}`), want: 201,
			changed: func(b, a apiState) bool { return a.store != b.store }},
		{pattern: "POST /api/v1/hooks/trigger", path: func() string { return "/api/v1/hooks/trigger" },
			body: jsonBody(`{"branch":"master"}`), want: 202,
			setup: func() {
				// Two ports of the tree change and will hang when built.
				for _, b := range tg.Builders() {
					for { // below decorators such as toggle.Builder
						in, ok := b.(interface{ Inner() builder.Builder })
						if !ok {
							break
						}
						b = in.Inner()
					}
					m, ok := b.(*mock.Builder)
					if !ok {
						t.Fatalf("builder %s is a %T, not a mock", b.Name(), b)
					}
					for _, p := range []string{"glazedoc", "kilnpaint"} {
						if err := m.Set(p, mock.Override{Result: mock.ResultHang}); err != nil {
							t.Fatal(err)
						}
					}
				}
				for _, f := range []string{"app-text/glazedoc/glazedoc-1.0.recipe", "media-gfx/kilnpaint/kilnpaint-0.4.recipe"} {
					p := filepath.Join(tree, f)
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, revLine.ReplaceAll(b, []byte(`REVISION="5"`)), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				testenv.Git(t, tree, "commit", "-qam", "glazedoc, kilnpaint: revision 5")
			},
			changed: func(b, a apiState) bool { return a.active != "" },
			after: func() string {
				// Wait until both builds run; later cases cancel them.
				for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					hangRun = tg.ActiveRun()
					if hangRun == "" {
						continue
					}
					_, b := e.get(t, "/api/v1/runs/"+hangRun)
					var run struct{ Builds []buildrun.Build }
					json.Unmarshal(b, &run)
					hanging = hanging[:0]
					for _, b := range run.Builds {
						if b.State == buildrun.BuildRunning {
							hanging = append(hanging, fmt.Sprintf("%s:%d", hangRun, b.Number))
						}
					}
					if len(hanging) == 2 {
						return ""
					}
				}
				return fmt.Sprintf("the update run %q does not run two builds: %v", hangRun, hanging)
			}},
		{pattern: "POST /api/v1/builds/{id}/cancel", path: func() string { return "/api/v1/builds/" + hanging[0] + "/cancel" },
			body: jsonBody(`{"reason":"refused test"}`), want: 202,
			changed: func(b, a apiState) bool { return a.active != b.active && strings.HasPrefix(a.active, hangRun) }},
		{pattern: "POST /api/v1/runs/{id}/cancel", path: func() string { return "/api/v1/runs/" + hangRun + "/cancel" },
			body: jsonBody(`{"reason":"refused test"}`), want: 202,
			changed: func(b, a apiState) bool { return a.active == "" && strings.Contains(a.runs, hangRun+" cancelled") }},
		{pattern: "POST /api/v1/builders/{name}/disable", path: func() string { return "/api/v1/builders/mock-1/disable" },
			body: jsonBody(`{"reason":"refused test"}`), want: 200,
			changed: func(b, a apiState) bool { return a.builders != b.builders }},
		{pattern: "POST /api/v1/builders/{name}/enable", path: func() string { return "/api/v1/builders/mock-1/enable" },
			body: jsonBody(`{}`), want: 200,
			changed: func(b, a apiState) bool { return a.builders != b.builders }},
	}

	roles := map[string]auth.Role{}
	for _, rt := range e.srv().apiRoutes() {
		if rt.role != 0 {
			roles[rt.pattern] = rt.role
		}
	}
	for pattern := range roles {
		if !slices.ContainsFunc(cases, func(c writeCase) bool { return c.pattern == pattern }) {
			t.Errorf("%s needs a role but has no case in TestRefusedWritesChangeNothing: add one", pattern)
		}
	}
	send := func(header, path string, body func() (string, io.Reader)) (int, string) {
		ctype, r := body()
		req, _ := http.NewRequest("POST", e.hs.URL+path, r)
		req.Header.Set("Content-Type", ctype)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range cases {
		role, ok := roles[c.pattern]
		if !ok {
			continue // a route of another branch, not routed here
		}
		if c.setup != nil {
			c.setup()
		}
		before := e.settled(t)
		attempts := []struct{ name, header string }{
			{"no token", ""},
			{"not bearer", "Basic dXNlcjpwYXNz"},
			{"malformed token", "Bearer kiln_short"},
			{"unknown token", "Bearer " + unknown},
			{"read token", "Bearer " + e.tokens["read"]},
		}
		if role == auth.RoleAdmin {
			attempts = append(attempts, struct{ name, header string }{"trigger token", "Bearer " + e.tokens["trigger"]})
		}
		for _, a := range attempts {
			code, body := send(a.header, c.path(), c.body)
			want := 401
			if a.name == "read token" || a.name == "trigger token" {
				want = 403
			}
			if code != want {
				t.Errorf("%s with %s: %d %s, want %d", c.pattern, a.name, code, body, want)
			}
			if s := e.state(t); s != before {
				t.Errorf("%s with %s changed:\n%s", c.pattern, a.name, before.diff(s))
			}
		}
		time.Sleep(250 * time.Millisecond) // five debounce windows
		if s := e.state(t); s != before {
			t.Fatalf("%s: refused requests changed, later:\n%s", c.pattern, before.diff(s))
		}

		// The route's own role: the same request takes effect.
		code, body := send("Bearer "+e.tokens[role.String()], c.path(), c.body)
		if code != c.want {
			t.Fatalf("%s with a %s token: %d %s, want %d", c.pattern, role, code, body, c.want)
		}
		if c.after != nil {
			if p := c.after(); p != "" {
				t.Fatalf("%s: %s", c.pattern, p)
			}
		} else if id := tg.ActiveRun(); id != "" && c.pattern != "POST /api/v1/builds/{id}/cancel" {
			e.waitEnded(t, id)
		}
		if after := e.settled(t); !c.changed(before, after) {
			t.Errorf("%s with a %s token (%d) did not change what it should:\n%s", c.pattern, role, code, before.diff(after))
		}
		t.Logf("%s: %d refusals changed nothing; with a %s token %d", c.pattern, len(attempts), role, code)
	}
}

// srv is a Server of the env's daemon, for its route table.
func (e *dockEnv) srv() *Server {
	s := New(Options{Daemon: e.d})
	s.Close()
	return s
}
