package server

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

// TestBuildPackagesAPI: POST …/build-packages makes a repository of
// packages already in the store, served at once below
// /repo/<branch>/<arch>/build-packages/<name>/; its repo re-reads with
// exactly the requested packages; bad requests change nothing.
func TestBuildPackagesAPI(t *testing.T) {
	e := newDockServer(t, Options{})
	const path = "/api/v1/targets/master/x86_64/build-packages"
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"name":"r1","packages":["tipster"]}`)); code != 409 || !strings.Contains(body, "no_head") {
		t.Errorf("before any publish: %d %s", code, body)
	}
	tip := upFile{"tipster.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}
	if code, body := e.upload(t, "admin", tip,
		upFile{"a.hpkg", testPkg(t, "bpa", "1-1", pkginfo.ArchX86_64, nil, nil)},
		upFile{"b.hpkg", testPkg(t, "bpb", "1-1", pkginfo.ArchAny, nil, nil)}); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, body := e.upload(t, "admin", upFile{"a2.hpkg", testPkg(t, "bpa", "2-1", pkginfo.ArchX86_64, nil, nil)}); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	for _, tc := range []struct {
		what, role, body string
		code             int
		want             string
	}{
		{"no token", "", `{"name":"r1","packages":["tipster"]}`, 401, ""},
		{"trigger token", "trigger", `{"name":"r1","packages":["tipster"]}`, 403, ""},
		{"unknown packages", "admin", `{"name":"r1","packages":["tipster","nosuch","bpa-7-1-x86_64.hpkg"]}`, 400, `\"nosuch\", \"bpa-7-1-x86_64.hpkg\"`},
		{"bad json", "admin", `{"name":"r1","packages":"tipster"}`, 400, "bad_json"},
		{"unknown field", "admin", `{"name":"r1","pkgs":["tipster"]}`, 400, "bad_json"},
		{"trailing data", "admin", `{"name":"r1","packages":["tipster"]} {}`, 400, "bad_json"},
		{"bad name", "admin", `{"name":"../r1","packages":["tipster"]}`, 400, "bad_name"},
		{"reserved name", "admin", `{"name":"current","packages":["tipster"]}`, 400, "bad_name"},
		{"no packages", "admin", `{"name":"r1","packages":[]}`, 400, "bad_packages"},
		{"too large", "admin", `{"name":"r1","packages":["` + strings.Repeat("x", 2<<20) + `"]}`, 413, "too_large"},
	} {
		code, body := e.post(t, tc.role, path, "application/json", strings.NewReader(tc.body))
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.what, code, body, tc.code, tc.want)
		}
	}
	if code, body := e.get(t, "/repo/master/x86_64/build-packages"); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("listing after refusals: %d %s", code, body)
	}

	// The head's tipster and bpb by name, the older bpa by file name.
	code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"name":"r1","packages":["tipster","bpa-1-1-x86_64.hpkg","bpb"]}`))
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var res repo.BuildPackagesResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	want := []string{"bpa-1-1-x86_64.hpkg", "bpb-1-1-any.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}
	if !slices.Equal(res.Packages, want) || res.From != e.head(t) {
		t.Fatalf("result %+v", res)
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/build-packages/r1/repo"); !slices.Equal(got, want) {
		t.Fatalf("served %v, want %v", got, want)
	}
	if code, b := e.get(t, "/repo/master/x86_64/build-packages/r1/repo.info"); code != 200 || !strings.Contains(string(b), "/repo/master/x86_64/build-packages/r1") {
		t.Errorf("repo.info: %d %s", code, b)
	}
	if code, _ := e.get(t, "/repo/master/x86_64/build-packages/r1/packages/bpa-1-1-x86_64.hpkg"); code != 200 {
		t.Errorf("older package: %d", code)
	}
	if code, _ := e.get(t, "/repo/master/x86_64/build-packages/r1/packages/bpa-2-1-x86_64.hpkg"); code != 404 {
		t.Errorf("unlisted package: %d", code)
	}
	// Same again: 200 unchanged; other packages under the name: 409.
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"name":"r1","packages":["bpb","tipster","bpa-1-1-x86_64.hpkg"]}`)); code != 200 || !strings.Contains(body, `"unchanged": true`) {
		t.Errorf("again: %d %s", code, body)
	}
	if code, body := e.post(t, "admin", path, "application/json", strings.NewReader(`{"name":"r1","packages":["bpa"]}`)); code != 409 || !strings.Contains(body, "exists") {
		t.Errorf("changed: %d %s", code, body)
	}
}
