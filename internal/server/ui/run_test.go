package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/buildrun"
)

func TestRunsAndRunPage(t *testing.T) {
	s := newRanServer(t, map[string]string{"libkiln": "fail"})
	id := s.run.ID
	var failed, lost, ok []buildrun.Build
	for _, b := range s.builds {
		switch b.State {
		case buildrun.BuildFailed:
			failed = append(failed, b)
		case buildrun.BuildLost:
			lost = append(lost, b)
		case buildrun.BuildSucceeded:
			ok = append(ok, b)
		}
	}
	if len(failed) != 1 || len(lost) == 0 || len(ok) == 0 {
		t.Fatalf("fixture: %d failed, %d lost, %d succeeded builds", len(failed), len(lost), len(ok))
	}

	// The overview's recent failures link the failed build's log.
	f := failed[0]
	_, _, body := get(t, s.hs.URL+"/")
	mustContain(t, "overview", body, `<li><a href="/builds/`+id+`:`+itoa(f.Number)+`/log">`+f.Port.RevisionedName+`</a> <span class="state state-failed">failed</span> in run <a href="/runs/`+id+`">`)
	if strings.Contains(body, "No failed builds") {
		t.Error("the overview lists no failure")
	}

	code, _, body := get(t, s.hs.URL+"/runs")
	if code != http.StatusOK {
		t.Fatalf("/runs = %d", code)
	}
	mustContain(t, "/runs", body, `href="/runs/`+id+`"`, `state-`+string(s.run.State), `>Duration</th>`, `aria-current="page">Runs</a>`)
	for _, c := range []struct {
		query string
		code  int
		has   bool
	}{
		{"state=" + string(s.run.State), 200, true},
		{"state=running", 200, false},
		{"target=master/x86_64", 200, true},
		{"state=bogus", 400, false},
		{"target=no/such", 404, false},
		{"page=0", 400, false},
		{"page=2", 200, false},
		{"port=" + url.QueryEscape(strings.ToUpper(ok[0].Port.Name)), 200, true},
		{"port=" + url.QueryEscape(f.Port.RevisionedName), 200, true}, // failed
		{"port=" + url.QueryEscape(lost[0].Port.Name), 200, true},     // lost
		{"port=kilnsh", 200, true},                                    // not built (broken)
		{"port=no-such-port", 200, false},
		{"port=" + strings.Repeat("x", 201), 400, false},
	} {
		code, _, body := get(t, s.hs.URL+"/runs?"+c.query)
		if code != c.code || strings.Contains(body, `href="/runs/`+id+`"`) != c.has {
			t.Errorf("/runs?%s = %d (want %d), lists the run: %v (want %v)", c.query, code, c.code, !c.has, c.has)
		}
	}

	code, _, body = get(t, s.hs.URL+"/runs/"+id)
	if code != http.StatusOK {
		t.Fatalf("/runs/%s = %d\n%s", id, code, body)
	}
	mustContain(t, "run page", body,
		`<h2 id="builds-h">Builds</h2>`, `<th scope="row">`+f.Port.RevisionedName+`</th>`,
		`<a href="/builds/`+id+`:`+itoa(f.Number)+`/log">`+f.Port.RevisionedName+`</a> <span class="state state-failed">failed</span>`,
		`<label for="f-port">Port`,
		`<li class="state state-lost">`+itoa(int64(len(lost)))+` lost</li>`,
		`<li class="state state-failed">1 failed</li>`,
		`<li class="state state-blocked">0 blocked</li>`,
	)
	for _, b := range lost {
		mustContain(t, "run page", body, `<span class="state state-lost">lost</span> `+b.Port.RevisionedName+`: <span class="chain">`+f.Port.ID())
	}
	for _, b := range ok {
		mustContain(t, "run page", body, `<th scope="row">`+b.Port.RevisionedName+`</th>`)
	}

	// Filters, as plain query parameters.
	_, _, body = get(t, s.hs.URL+"/runs/"+id+"?state=lost")
	for _, b := range ok {
		if strings.Contains(body, `<th scope="row">`+b.Port.RevisionedName+`</th>`) {
			t.Errorf("?state=lost lists the succeeded %s", b.Port.RevisionedName)
		}
	}
	mustContain(t, "?state=lost", body, `<th scope="row">`+lost[0].Port.RevisionedName+`</th>`, `<option value="lost" selected>`)
	_, _, body = get(t, s.hs.URL+"/runs/"+id+"?port="+url.QueryEscape(strings.ToUpper(ok[0].Port.Name)))
	mustContain(t, "?port=", body, `<th scope="row">`+ok[0].Port.RevisionedName+`</th>`)
	if strings.Contains(body, `<th scope="row">`+f.Port.RevisionedName+`</th>`) && !strings.Contains(f.Port.RevisionedName, ok[0].Port.Name) {
		t.Errorf("?port=%s lists %s", ok[0].Port.Name, f.Port.RevisionedName)
	}

	for _, c := range []struct {
		path string
		code int
	}{
		{"/runs/" + id + "?state=bogus", 400},
		{"/runs/" + id + "?port=" + strings.Repeat("x", 201), 400},
		{"/runs/20990101T000000.000Z-000000", 404},
		{"/runs/%2e%2e", 400},
		{"/runs/bad%20id", 400},
		{"/runs/" + strings.Repeat("a", 65), 400},
	} {
		code, h, body := get(t, s.hs.URL+c.path)
		if code != c.code {
			t.Errorf("%s = %d, want %d", c.path, code, c.code)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<main id="main"`) {
			t.Errorf("%s: not an HTML page of the layout", c.path)
		}
	}
}

func itoa(n int64) string { return buildID("", n)[1:] }

// TestRunPageBounded: a run with more builds than buildsShown lists the
// first ones and links every one.
func TestRunPageBounded(t *testing.T) {
	d := newTestDaemon(t)
	u := New(Options{Daemon: d})
	var rows []buildRow
	for i := range buildsShown + 5 {
		rows = append(rows, buildRow{ID: buildID("r1", int64(i+1)), Build: buildrun.Build{Run: "r1", Number: int64(i + 1), State: buildrun.BuildSucceeded}})
	}
	for _, all := range []bool{false, true} {
		p := runPage{Run: &buildrun.Run{ID: "r1"}, States: buildStates, Builds: rows[:buildsShown], Matched: len(rows)}
		if all {
			p.Builds, p.All = rows, true
		} else {
			p.AllURL = "/runs/r1?all=1"
		}
		rec := httptest.NewRecorder()
		u.render(rec, httptest.NewRequest("GET", "/", nil), 200, "run.html", page{Data: p})
		body := rec.Body.String()
		n := strings.Count(body, `<tr id="build-`)
		if all && n != len(rows) || !all && n != buildsShown {
			t.Errorf("all=%v: %d rows", all, n)
		}
		if has := strings.Contains(body, `Showing the first 200 of 205 builds. <a href="/runs/r1?all=1">Show all 205</a>`); has == all {
			t.Errorf("all=%v: the show-all link shown: %v", all, has)
		}
	}
}
