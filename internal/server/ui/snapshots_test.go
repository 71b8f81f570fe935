package ui

import (
	"html"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
)

// TestSnapshotsPages: after a real run and a removal publish, the
// snapshots page lists both snapshots with the head marked, a diff form
// and the rollback form (hidden without JavaScript, with curl and CLI
// instructions); the diff page shows the removed package; unknown and
// malformed snapshots are 404 and 400.
func TestSnapshotsPages(t *testing.T) {
	rs, before := newPackagesServer(t)
	res, err := rs.target.Repo().Publish(t.Context(), repo.Change{Remove: []string{"glazedoc"}, Reason: "drop <glazedoc>"})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := before.ByName("glazedoc")
	base := rs.hs.URL + "/targets/master/x86_64/snapshots"
	code, _, body := get(t, base)
	if code != 200 {
		t.Fatalf("snapshots: %d", code)
	}
	ss, err := rs.target.Repo().Snapshots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 2 {
		t.Fatalf("%d snapshots", len(ss))
	}
	for _, s := range ss {
		mustContain(t, "snapshots", body, ">"+s.ID)
	}
	mustContain(t, "snapshots", body, res.Snapshot+" <strong>(head)</strong>", "drop &lt;glazedoc&gt;",
		`action="/targets/master/x86_64/snapshots/diff"`, `<option value="`+before.ID+`" selected>`,
		`action="/api/v1/targets/master/x86_64/rollback"`, `data-rollback`, ` hidden>`, `type="password"`,
		"kiln repo rollback --store STORE --target master/x86_64 SNAPSHOT", "Authorization: Bearer", "/static/rollback.js?v=")
	if strings.Contains(body, "<glazedoc>") {
		t.Error("a snapshot reason is shown unescaped")
	}
	// The rollback choices leave out the head.
	form := body[strings.Index(body, `id="rollback"`):]
	form = form[:strings.Index(form, "</form>")]
	if strings.Contains(form, `value="`+res.Snapshot+`"`) || !strings.Contains(form, `value="`+before.ID+`"`) {
		t.Errorf("rollback choices: %s", form)
	}

	code, _, body = get(t, base+"/diff?from="+before.ID+"&to="+res.Snapshot)
	if code != 200 {
		t.Fatalf("diff: %d %s", code, body)
	}
	mustContain(t, "diff", body, "0 added, 1 removed, 0 changed", html.EscapeString(gone.File))
	// The removed package links its page in the older snapshot.
	link := "/targets/master/x86_64/packages/" + gone.File + "?snapshot=" + before.ID
	mustContain(t, "diff", body, `href="`+html.EscapeString(link)+`"`)
	code, _, old := get(t, rs.hs.URL+link)
	if code != 200 {
		t.Fatalf("removed package in its snapshot: %d", code)
	}
	mustContain(t, "removed package", old, "listed in snapshot <span class=\"mono\">"+before.ID, gone.SHA256,
		"/repo/master/x86_64/"+before.ID+"/packages/"+gone.File)
	pkgs := rs.hs.URL + "/targets/master/x86_64/packages/" + gone.File
	for q, want := range map[string]int{"": 404, "?snapshot=nosuch": 404, "?snapshot=%3Cb%3E": 400, "?snapshot=head~1": 200, "?snapshot=head": 404} {
		if code, _, _ := get(t, pkgs+q); code != want {
			t.Errorf("GET %s%s: %d, want %d", gone.File, q, code, want)
		}
	}
	code, _, body2 := get(t, base+"/diff?from=head~1&to=head")
	if code != 200 || body2 != body {
		t.Errorf("diff head~1..head: %d, differs from the ids' diff", code)
	}
	for _, c := range []struct {
		q    string
		code int
	}{
		{"?from=" + before.ID, 400},
		{"?from=" + before.ID + "&to=nosuch", 404},
		{"?from=head~99&to=head", 404},
		{"?from=head~x&to=head", 400},
		{"?from=..%2F..%2Fetc&to=head", 400},
		{"?from=%3Cb%3E&to=head", 400},
		{"?from=" + strings.Repeat("a", 65) + "&to=head", 400},
	} {
		code, _, body := get(t, base+"/diff"+c.q)
		if code != c.code || strings.Contains(body, "<b>") {
			t.Errorf("diff%s: %d, want %d", c.q, code, c.code)
		}
	}
	if code, _, _ := get(t, rs.hs.URL+"/targets/master/nosuch/snapshots"); code != 404 {
		t.Errorf("unknown target: %d", code)
	}
}

// TestSnapshotsEmpty: a target that never published.
func TestSnapshotsEmpty(t *testing.T) {
	hs := newTestServer(t, newTestDaemon(t))
	code, _, body := get(t, hs.URL+"/targets/master/x86_64/snapshots")
	if code != 200 || !strings.Contains(body, "Nothing is published yet") {
		t.Errorf("snapshots: %d", code)
	}
	if code, _, _ := get(t, hs.URL+"/targets/master/x86_64/snapshots/diff?from=head~1&to=head"); code != 404 {
		t.Errorf("diff without a head: %d", code)
	}
	code, _, body = get(t, hs.URL+"/targets/master/x86_64/packages")
	if code != 200 || !strings.Contains(body, "Nothing is published yet") {
		t.Errorf("packages: %d", code)
	}
	if code, _, _ := get(t, hs.URL+"/targets/master/x86_64/packages?page=2"); code != 404 {
		t.Errorf("page 2 of nothing: %d", code)
	}
	if code, _, _ := get(t, hs.URL+"/targets/master/x86_64/packages/libkiln-1.2.0-1-x86_64.hpkg"); code != 404 {
		t.Errorf("package of nothing: %d", code)
	}
}
