package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/store"
)

// addLogSegment appends a segment to the stored log of build n of the
// fixture's run, as the engine's log writer would.
func addLogSegment(t *testing.T, s *ranServer, n int64, text string) {
	t.Helper()
	ctx := context.Background()
	suffix := "/buildruns/" + s.run.ID + "/logs/" + itoa(n) + "/"
	var prefix string
	if err := s.store.List(ctx, "", "", func(oi store.ObjectInfo) error {
		if i := strings.Index(oi.Key, suffix); i >= 0 && prefix == "" {
			prefix = oi.Key[:i+len(suffix)]
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if prefix == "" {
		t.Fatalf("no log segments of build %d", n)
	}
	if _, err := s.store.Put(ctx, prefix+"00000099.log", strings.NewReader(text), int64(len(text)), store.PutOptions{IfNoneMatch: true}); err != nil {
		t.Fatal(err)
	}
}

func TestBuildLogPage(t *testing.T) {
	s := newRanServer(t, map[string]string{"libkiln": "fail"})
	var b buildrun.Build
	for _, x := range s.builds {
		if x.State == buildrun.BuildFailed {
			b = x
		}
	}
	id := buildID(s.run.ID, b.Number)
	addLogSegment(t, s, b.Number, "\x1b[31merror:\x1b[0m <script>alert('log')</script> & \x1b]0;<title>\x07done\n")

	code, h, body := get(t, s.hs.URL+"/builds/"+id+"/log")
	if code != http.StatusOK {
		t.Fatalf("log page = %d\n%s", code, body)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	mustContain(t, "log page", body,
		`<h1>Log of build `+itoa(b.Number)+`, `+b.Port.RevisionedName+`</h1>`,
		`<a href="#log-end">Jump to end</a>`, `<p id="log-end">`,
		`<a href="/api/v1/builds/`+s.run.ID+`:`+itoa(b.Number)+`/log">Raw log</a>`,
		`class="state state-failed">failed</span>`,
		"haikuporter exited with status 1", // the mock's log, from the store
		`<span class="fg-1">error:</span> &lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt; &amp; done`,
		assetURL("log.js"),
	)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<title>") && strings.Count(body, "<title>") > 1 {
		t.Error("a log line's markup reached the page")
	}
	// A finished build is not followed: no event stream, no refresh.
	if strings.Contains(body, "data-events=") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a finished build's log page follows it")
	}

	for _, c := range []struct {
		path string
		code int
	}{
		{"/builds/" + s.run.ID + ":999/log", 404},
		{"/builds/20990101T000000.000Z-000000:1/log", 404},
		{"/builds/" + s.run.ID + "/log", 400},
		{"/builds/" + s.run.ID + ":0/log", 400},
		{"/builds/" + s.run.ID + ":-1/log", 400},
		{"/builds/%2e%2e:1/log", 400},
		{"/builds/" + s.run.ID + ":1x/log", 400},
		{"/builds/" + strings.Repeat("a", 65) + ":1/log", 400},
	} {
		code, _, body := get(t, s.hs.URL+c.path)
		if code != c.code || !strings.Contains(body, `<main id="main"`) {
			t.Errorf("%s = %d, want %d (an HTML page)", c.path, code, c.code)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 10}
	for _, s := range []string{"line 1\n", "line 2\n", "line 3\n", "line 4\n"} {
		tb.Write([]byte(s))
	}
	if got := string(tb.lines()); got != "line 4\n" || tb.total != 28 {
		t.Errorf("tail %q of %d bytes", got, tb.total)
	}
	small := &tailBuffer{max: 100}
	small.Write([]byte("a\nb\n"))
	if got := string(small.lines()); got != "a\nb\n" {
		t.Errorf("untrimmed tail %q", got)
	}
}

// TestTemplatesEscape: hostile port names, reasons and chains in the run
// page and the overview are escaped by the templates.
func TestTemplatesEscape(t *testing.T) {
	d := newTestDaemon(t)
	u := New(Options{Daemon: d})
	evil := `<img src=x onerror=alert(1)>"'`
	b := buildrun.Build{Run: "r1", Number: 1, Port: buildrun.PortRef{Name: evil, RevisionedName: evil}, State: buildrun.BuildLost,
		Reason: evil, LostChain: []string{evil, evil}, Waiting: []string{evil}, Builder: evil,
		Attempts: []buildrun.Attempt{{Builder: evil, Result: evil, Error: evil}}}
	row := buildRow{ID: "r1:1", Build: b}
	run := &buildrun.Run{ID: "r1", Target: evil, State: buildrun.RunFailed, Reason: evil, Trigger: buildrun.Trigger{Mode: evil, By: evil, Ports: []string{evil}},
		Skipped: []buildrun.Skipped{{Port: b.Port, State: evil, Reason: evil}}, Held: []buildrun.Held{{File: evil, Port: evil, Reason: evil}}}
	for name, data := range map[string]any{
		"run.html":      runPage{Run: run, State: evil, Port: evil, States: buildStates, Builds: []buildRow{row}, Chains: []chain{{Failed: row, Lost: []buildRow{row}}}, BlockedBuilds: []buildRow{row}},
		"overview.html": []overviewTarget{{Name: evil, Branch: evil, Arch: evil, Builders: []builderView{{Name: evil, State: evil, Reason: evil, Build: &b}}, Failures: []failureView{{ID: evil, Port: evil, Reason: evil, Run: evil}}, Run: &runProgress{ID: evil}}},
		"runs.html":     runsPage{Target: evil, State: evil, Port: evil, TargetNames: []string{evil}, Runs: []runRow{{Run: run}}},
		"log.html":      logPage{ID: evil, Target: evil, Build: b, Raw: evil, Events: evil, Follow: true},
	} {
		rec := httptest.NewRecorder()
		u.render(rec, httptest.NewRequest("GET", "/", nil), 200, name, page{Title: evil, Data: data})
		out := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: %d, the hostile name not shown escaped", name, rec.Code)
		}
		if strings.Contains(out, "<img") {
			t.Errorf("%s: unescaped markup: %s", name, out)
		}
	}
}
