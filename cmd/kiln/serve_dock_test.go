package main

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

	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestServeDock runs kiln serve with a config (the demo's tree, system
// packages and mock builders, a directory store, an admin token, a
// 1 MiB upload limit): after the first run, a package uploaded through
// the API appears in the served current/repo; a body over the limit is
// 413 and one without a token 401; a build-packages repository of it is
// created and served.
func TestServeDock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if _, err := demo.WriteTree(ctx, tree); err != nil {
		t.Fatal(err)
	}
	writeServeTarget(t, dir)
	token, hash, err := auth.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "kiln.toml", fmt.Sprintf(`[store]
url = "store"
[tree]
path = "tree"
poll = "1s"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"
[[builders.mock]]
name = "mock"
count = 2
[[auth.tokens]]
name = "ops"
role = "admin"
hash = %q
[dock]
max_upload = "1MiB"
`, hash.String()))
	base, _ := startServeArgs(t, "--config", filepath.Join(dir, "kiln.toml"))

	// The first run (everything) publishes the demo's packages.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var ts []struct {
			Head *struct{ Snapshot string } `json:"head"`
			Run  json.RawMessage            `json:"run"`
		}
		if getJSON(t, base+"/api/v1/targets", &ts) == 200 && len(ts) == 1 && ts[0].Head != nil && string(ts[0].Run) == "null" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run did not end: %+v", ts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := servedRepo(t, base+"/repo/master/x86_64/current/repo")

	tip, err := os.ReadFile(testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	post := func(tok, path, ctype string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	multi := func(files ...[]byte) ([]byte, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for i, f := range files {
			w, _ := mw.CreateFormFile("pkg", fmt.Sprintf("p%d.hpkg", i))
			w.Write(f)
		}
		mw.Close()
		return b.Bytes(), mw.FormDataContentType()
	}
	const up = "/api/v1/targets/master/x86_64/packages"
	body, ctype := multi(tip)
	if code, msg := post("", up, ctype, body); code != 401 {
		t.Errorf("no token: %d %s", code, msg)
	}
	big, bigType := multi(bytes.Repeat([]byte{0}, 1<<20))
	if code, msg := post(token, up, bigType, big); code != 413 {
		t.Errorf("over max_upload: %d %s", code, msg)
	}
	if code, msg := post(token, up, ctype, body); code != 201 || !strings.Contains(msg, `"snapshot"`) {
		t.Fatalf("upload: %d %s", code, msg)
	}
	after := servedRepo(t, base+"/repo/master/x86_64/current/repo")
	want := append(slices.Clone(before), "tipster-1.1.1-1-x86_64.hpkg")
	slices.Sort(want)
	if !slices.Equal(after, want) {
		t.Fatalf("served after the upload %v, want %v", after, want)
	}

	if code, msg := post(token, "/api/v1/targets/master/x86_64/build-packages", "application/json",
		[]byte(`{"name":"r1","packages":["tipster","`+before[0]+`"]}`)); code != 201 {
		t.Fatalf("build-packages: %d %s", code, msg)
	}
	bp := servedRepo(t, base+"/repo/master/x86_64/build-packages/r1/repo")
	if want := []string{before[0], "tipster-1.1.1-1-x86_64.hpkg"}; !slices.Equal(bp, want) {
		t.Fatalf("build-packages served %v, want %v", bp, want)
	}
}

// servedRepo GETs a repo file and returns its packages' file names,
// sorted, as the HPKR reader reads them.
func servedRepo(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	r, err := hpkg.ReadRepository(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	var out []string
	for _, p := range r.Packages {
		out = append(out, p.CanonicalFileName())
	}
	slices.Sort(out)
	return out
}

// writeServeTarget writes the demo's x86_64 system packages into
// dir/system and a repo.info (the demo's, based at kiln's /repo/) into
// dir/repo.info: what the kiln.toml of the process tests names.
func writeServeTarget(t *testing.T, dir string) {
	t.Helper()
	if _, err := demo.WriteSystem(filepath.Join(dir, "system"), pkginfo.ArchX86_64); err != nil {
		t.Fatal(err)
	}
	info := demo.RepoInfo(pkginfo.ArchX86_64, "http://127.0.0.1/repo/master/x86_64/current")
	var ib bytes.Buffer
	if err := pkginfo.WriteRepositoryInfo(&ib, &info); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "repo.info", ib.String())
}
