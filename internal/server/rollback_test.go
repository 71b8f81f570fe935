package server

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

// TestRollbackAPI: POST …/rollback over HTTP with real tokens: refusals
// change nothing; a rollback that leaves an installed package without
// what it requires is refused by the guard unless forced; the served
// repository follows the rollback at once; a repeated rollback is
// unchanged.
func TestRollbackAPI(t *testing.T) {
	e := newDockServer(t, Options{})
	const path = "/api/v1/targets/master/x86_64/rollback"
	// The first snapshot: rbapp, which needs lib:rblib that nothing
	// provides yet; the second adds rblib, so rbapp is installable.
	a := upFile{"rbapp.hpkg", testPkg(t, "rbapp", "1-1", pkginfo.ArchX86_64, nil, []string{"lib:rblib"})}
	b := upFile{"rblib.hpkg", testPkg(t, "rblib", "1-1", pkginfo.ArchX86_64, []string{"lib:rblib = 1"}, nil)}
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"head~1"}`)); code != 409 || !strings.Contains(body, "no_head") {
		t.Errorf("before any publish: %d %s", code, body)
	}
	if code, _ := e.upload(t, "admin", a); code != 201 {
		t.Fatal("upload rbapp")
	}
	first := e.head(t)
	if code, _ := e.upload(t, "admin", b); code != 201 {
		t.Fatal("upload rblib")
	}
	second := e.head(t)
	for _, tc := range []struct {
		what, role, body string
		code             int
		want             string
	}{
		{"no token", "", `{"snapshot":"` + first + `"}`, 401, ""},
		{"read token", "read", `{"snapshot":"` + first + `"}`, 403, ""},
		{"trigger token", "trigger", `{"snapshot":"` + first + `"}`, 403, ""},
		{"bad json", "admin", `{"snapshot":`, 400, "bad_json"},
		{"unknown field", "admin", `{"snapshot":"` + first + `","forse":true}`, 400, "bad_json"},
		{"trailing data", "admin", `{"snapshot":"` + first + `"} {}`, 400, "bad_json"},
		{"no snapshot", "admin", `{}`, 400, "bad_snapshot"},
		{"traversal", "admin", `{"snapshot":"../../etc"}`, 400, "bad_snapshot"},
		{"bad head~", "admin", `{"snapshot":"head~x"}`, 400, "bad_snapshot"},
		{"too long", "admin", `{"snapshot":"` + strings.Repeat("a", 65) + `"}`, 400, "bad_snapshot"},
		{"too large", "admin", `{"snapshot":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "too_large"},
		{"unknown snapshot", "admin", `{"snapshot":"20260101T000000.000Z-00000000"}`, 404, "snapshot_not_found"},
		{"past the first", "admin", `{"snapshot":"head~9"}`, 404, "snapshot_not_found"},
		{"guard: rbapp would lose rblib", "admin", `{"snapshot":"` + first + `"}`, 409, "rbapp"},
	} {
		code, body := e.post(t, tc.role, path, "application/json", strings.NewReader(tc.body))
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %.200s, want %d with %q", tc.what, code, body, tc.code, tc.want)
		}
		if h := e.head(t); h != second {
			t.Fatalf("%s: the head moved to %s", tc.what, h)
		}
	}

	code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"`+first+`","force":true}`))
	if code != 201 {
		t.Fatalf("forced rollback: %d %s", code, body)
	}
	var res repo.Result
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Snapshot == "" || res.Snapshot != e.head(t) || res.Parent != second {
		t.Fatalf("result %+v, head %s", res, e.head(t))
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/current/repo"); !slices.Equal(got, []string{"rbapp-1-1-x86_64.hpkg"}) {
		t.Errorf("served after the rollback: %v", got)
	}
	m, err := e.d.Targets()[0].Repo().Manifest(context.Background(), res.Snapshot)
	if err != nil || m.RolledBackTo != first || !strings.Contains(m.Reason, "by admin-bot") || !strings.Contains(m.Reason, "forced") {
		t.Errorf("manifest: rolled back to %q, reason %q, %v", m.RolledBackTo, m.Reason, err)
	}
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"`+first+`","force":true}`)); code != 200 || !strings.Contains(body, `"unchanged": true`) {
		t.Errorf("again: %d %s", code, body)
	}
	// Back to the second: it only adds, the guard lets it through.
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"snapshot":"`+second+`"}`)); code != 201 {
		t.Errorf("rollback to the second: %d %s", code, body)
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/current/repo"); len(got) != 2 {
		t.Errorf("served: %v", got)
	}
}
