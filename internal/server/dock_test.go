package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/server/reposerve"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// dockEnv is a server over the demo config (daemon not running) with the
// repositories mounted and one token per role.
type dockEnv struct {
	hs     *httptest.Server
	d      *daemon.Daemon
	st     store.Store
	tokens map[string]string // role → token
	tree   string            // the demo tree (control tests)
	rs     *reposerve.Handler
	cfg    *config.Config
}

// newDockServer starts it; edit, if given, changes the demo config first.
func newDockServer(t *testing.T, o Options, edit ...func(*config.Config)) *dockEnv {
	t.Helper()
	return newDockServerOn(t, nil, o, edit...)
}

// newDockServerOn is newDockServer on store st (nil: the demo's
// directory store).
func newDockServerOn(t *testing.T, st store.Store, o Options, edit ...func(*config.Config)) *dockEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg, info, err := demo.Setup(ctx, filepath.Join(dir, "data"), "http://127.0.0.1/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range edit {
		f(cfg)
	}
	if st == nil {
		if st, err = store.Create(ctx, cfg.Store.URL, store.S3Options{}); err != nil {
			t.Fatal(err)
		}
	}
	do := daemon.Options{Config: cfg, Store: st, RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}}
	if o.Registry != nil { // as kiln serve wires it
		if st, err = store.WithMetrics(st, o.Registry); err != nil {
			t.Fatal(err)
		}
		do.Store, do.Metrics = st, o.Registry
	}
	d, err := daemon.New(ctx, do)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	rs, err := reposerve.New([]*repo.Repo{d.Targets()[0].Repo()}, RepoOptions(cfg.HTTP, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	env := &dockEnv{d: d, st: st, rs: rs, tokens: map[string]string{}, cfg: cfg}
	var toks []auth.Token
	for _, name := range auth.Roles() {
		role, _ := auth.ParseRole(name)
		tok, h, err := auth.Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens[name] = tok
		toks = append(toks, auth.Token{Name: name + "-bot", Role: role, Hash: h})
	}
	keys, err := auth.NewKeyring(toks)
	if err != nil {
		t.Fatal(err)
	}
	o.Daemon, o.Repos, o.Auth = d, rs, auth.New(keys, nil)
	if o.UploadDir == "" {
		o.UploadDir = t.TempDir()
	}
	s := New(o)
	env.hs = httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); env.hs.Close() })
	return env
}

// testPkg writes a real .hpkg with the hpkg writer.
func testPkg(t testing.TB, name, version string, arch pkginfo.Architecture, provides, requires []string) []byte {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	info := pkginfo.PackageInfo{Name: name, Version: v, Architecture: arch, Summary: "Test package " + name,
		Description: "Made by the loading dock tests.", Vendor: "Haiku Project", Packager: "kiln tests <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"}, Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	for _, s := range provides {
		r, err := pkginfo.ParseResolvable(s)
		if err != nil {
			t.Fatal(err)
		}
		info.Provides = append(info.Provides, r)
	}
	for _, s := range requires {
		e, err := pkginfo.ParseExpression(s)
		if err != nil {
			t.Fatal(err)
		}
		info.Requires = append(info.Requires, e)
	}
	data := bytes.Repeat([]byte(name+version), 200)
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: name + ".txt", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "fixtures", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type upFile struct {
	name string
	data []byte
}

// upload posts files as multipart/form-data with token (role name, or
// "" for none) and returns the status and body.
func (e *dockEnv) upload(t *testing.T, role string, files ...upFile) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range files {
		w, err := mw.CreateFormFile("package", f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return e.post(t, role, "/api/v1/targets/master/x86_64/packages", mw.FormDataContentType(), &body)
}

func (e *dockEnv) post(t *testing.T, role, path, ctype string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.hs.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *dockEnv) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(e.hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// servedPackages reads a repo file served at path with the HPKR reader.
func (e *dockEnv) servedPackages(t *testing.T, path string) []string {
	t.Helper()
	code, b := e.get(t, path)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	_, pkgs, err := repo.HPKGCodec{}.ReadRepo(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, p := range pkgs {
		out = append(out, p.CanonicalFileName())
	}
	slices.Sort(out)
	return out
}

func (e *dockEnv) head(t *testing.T) string {
	t.Helper()
	h, err := e.d.Targets()[0].Repo().ReadHead(context.Background())
	if err != nil {
		return ""
	}
	return h.Snapshot
}

// TestUpload: the loading dock over HTTP, from the refusals that change
// nothing to uploads served in the next snapshot.
func TestUpload(t *testing.T) {
	e := newDockServer(t, Options{})
	tip := upFile{"tipster-1.1.1-1-x86_64.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}
	// artificial-1.0.0-any.hpkg is, despite its name, an x86_gcc2 package.
	gcc2 := upFile{"artificial-1.0.0-any.hpkg", fixture(t, "hpkg/artificial-1.0.0-any.hpkg")}
	art := upFile{"some/dir/docs.hpkg", testPkg(t, "dockdocs", "1-1", pkginfo.ArchAny, nil, nil)}

	corrupt := bytes.Clone(tip.data)
	corrupt[len(corrupt)/2] ^= 0xff
	lib1 := upFile{"libdock-1.hpkg", testPkg(t, "libdock", "1-1", pkginfo.ArchX86_64, []string{"lib:libdock = 1"}, nil)}
	app := upFile{"dockapp.hpkg", testPkg(t, "dockapp", "1-1", pkginfo.ArchX86_64, nil, []string{"lib:libdock >= 1"})}
	for _, tc := range []struct {
		what  string
		role  string
		files []upFile
		code  int
		want  string
	}{
		{"no token", "", []upFile{tip}, 401, ""},
		{"read token", "read", []upFile{tip}, 403, ""},
		{"trigger token", "trigger", []upFile{tip}, 403, ""},
		{"corrupt package", "admin", []upFile{tip, {"bad.hpkg", corrupt}}, 400, "bad.hpkg"},
		{"not a package", "admin", []upFile{{"x.hpkg", []byte("hello")}}, 400, "bad_package"},
		{"wrong architecture", "admin", []upFile{gcc2}, 400, "artificial-1.0.0-any.hpkg: architecture x86_gcc2 does not belong in master/x86_64"},
		{"no file", "admin", nil, 400, "no file"},
	} {
		code, body := e.upload(t, tc.role, tc.files...)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.what, code, body, tc.code, tc.want)
		}
		if h := e.head(t); h != "" {
			t.Fatalf("%s: published %s", tc.what, h)
		}
	}
	if code, body := e.post(t, "admin", "/api/v1/targets/master/x86_64/packages", "application/octet-stream", strings.NewReader("x")); code != 400 || !strings.Contains(body, "multipart/form-data") {
		t.Errorf("raw body: %d %s", code, body)
	}
	if code, _ := e.upload(t, "admin", tip); code != 201 {
		t.Fatalf("upload tipster: %d", code)
	}

	// Two files in one upload: one snapshot; the next GET of current/repo
	// lists them (reposerve was refreshed).
	code, body := e.upload(t, "admin", art, lib1, app)
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var res repo.Result
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Snapshot == "" || res.Snapshot != e.head(t) || len(res.Added) != 3 || res.Packages != 4 {
		t.Fatalf("result %+v, head %s", res, e.head(t))
	}
	want := []string{"dockapp-1-1-x86_64.hpkg", "dockdocs-1-1-any.hpkg", "libdock-1-1-x86_64.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}
	if got := e.servedPackages(t, "/repo/master/x86_64/current/repo"); !slices.Equal(got, want) {
		t.Fatalf("served %v, want %v", got, want)
	}
	if code, b := e.get(t, "/repo/master/x86_64/current/packages/dockdocs-1-1-any.hpkg"); code != 200 || !bytes.Equal(b, art.data) {
		t.Fatalf("package: %d", code)
	}
	m, err := e.d.Targets()[0].Repo().Manifest(context.Background(), res.Snapshot)
	if err != nil || !strings.Contains(m.Reason, "upload by admin-bot") {
		t.Fatalf("manifest reason %q %v", m.Reason, err)
	}

	// Again: nothing changes (200, no snapshot).
	if code, body := e.upload(t, "admin", art); code != 200 || !strings.Contains(body, `"unchanged": true`) {
		t.Errorf("same again: %d %s", code, body)
	}
	head := e.head(t)
	for _, tc := range []struct {
		what string
		f    upFile
		want string
	}{
		// libdock 2 no longer provides what dockapp needs: the guard.
		{"regression", upFile{"libdock-2.hpkg", testPkg(t, "libdock", "2-1", pkginfo.ArchX86_64, nil, nil)}, `"refused"`},
		{"downgrade", upFile{"libdock-0.hpkg", testPkg(t, "libdock", "0.9-1", pkginfo.ArchX86_64, []string{"lib:libdock = 1"}, nil)}, `"downgrade"`},
		{"same file, other content", upFile{"app2.hpkg", testPkg(t, "dockapp", "1-1", pkginfo.ArchX86_64, []string{"other"}, []string{"lib:libdock >= 1"})}, `"immutable"`},
	} {
		code, body := e.upload(t, "admin", tc.f)
		if code != 409 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 409 %s", tc.what, code, body, tc.want)
		}
		if e.head(t) != head {
			t.Fatalf("%s moved the head", tc.what)
		}
	}

	// A lease another publisher holds: 409 at once, not a wait.
	li := repo.LeaseInfo{Holder: "other-kiln", Token: "0123456789abcdef", Acquired: time.Now(), Expires: time.Now().Add(time.Minute), Purpose: "publish"}
	lb, _ := json.Marshal(li)
	leaseKey := strings.TrimSuffix(e.d.Targets()[0].Repo().HeadKey(), "head.json") + "lease.json"
	if _, err := e.st.Put(context.Background(), leaseKey, bytes.NewReader(lb), int64(len(lb)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	lib2 := upFile{"libdock-1.1.hpkg", testPkg(t, "libdock", "1.1-1", pkginfo.ArchX86_64, []string{"lib:libdock = 1"}, nil)}
	if code, body := e.upload(t, "admin", lib2); code != 409 || !strings.Contains(body, "lease_held") || !strings.Contains(body, "other-kiln") {
		t.Errorf("lease held: %d %s", code, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("lease held: answered after %s", d)
	}
	if err := e.st.Delete(context.Background(), leaseKey); err != nil {
		t.Fatal(err)
	}
	if code, body := e.upload(t, "admin", lib2); code != 201 {
		t.Errorf("after the lease: %d %s", code, body)
	}
}

// TestUploadTooLarge: a body over [dock] max_upload is 413 (declared or
// streamed), nothing is published and no spool file stays.
func TestUploadTooLarge(t *testing.T) {
	spool := t.TempDir()
	e := newDockServer(t, Options{MaxUpload: 64 << 10, UploadDir: spool})
	tip := upFile{"tipster.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")} // 49 KB
	if code, body := e.upload(t, "admin", tip, tip); code != 413 || !strings.Contains(body, "too_large") {
		t.Errorf("declared: %d %s", code, body)
	}
	// Streamed without a Content-Length: cut off while reading.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for range 2 {
			w, _ := mw.CreateFormFile("package", "tipster.hpkg")
			w.Write(tip.data)
		}
		mw.Close()
		pw.Close()
	}()
	if code, body := e.post(t, "admin", "/api/v1/targets/master/x86_64/packages", mw.FormDataContentType(), pr); code != 413 {
		t.Errorf("streamed: %d %s", code, body)
	}
	if e.head(t) != "" {
		t.Error("published")
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
	if code, body := e.upload(t, "admin", tip); code != 201 {
		t.Errorf("within the limit: %d %s", code, body)
	}
}

// TestUploadDuringRun: while a build run drives the target the dock
// answers 409 naming the run.
func TestUploadDuringRun(t *testing.T) {
	e := newDockServer(t, Options{})
	tg := e.d.Targets()[0]
	ctx := context.Background()
	p, err := tg.Plan(ctx, daemon.Request{Mode: "everything", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	code, body := e.upload(t, "admin", upFile{"tipster.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")})
	if code != 409 || !strings.Contains(body, "run_active") || !strings.Contains(body, h.ID()) {
		t.Errorf("during a run: %d %s", code, body)
	}
	// GET /api/v1/runs/{id} of the run in progress (from memory): every
	// planned build, by number.
	code, b := e.get(t, "/api/v1/runs/"+h.ID())
	var rj struct {
		Run    buildrun.Run     `json:"run"`
		Builds []buildrun.Build `json:"builds"`
	}
	if err := json.Unmarshal(b, &rj); code != 200 || err != nil || rj.Run.ID != h.ID() || len(rj.Builds) != len(p.Plan.Order) ||
		!slices.IsSortedFunc(rj.Builds, func(x, y buildrun.Build) int { return int(x.Number - y.Number) }) {
		t.Errorf("GET the running run: %d %v %+v", code, err, rj.Run)
	}
	<-h.Done()
	// And from the store once it ended: the same builds.
	code, b = e.get(t, "/api/v1/runs/"+h.ID())
	var done struct {
		Builds []buildrun.Build `json:"builds"`
	}
	if err := json.Unmarshal(b, &done); code != 200 || err != nil || len(done.Builds) != len(rj.Builds) {
		t.Errorf("GET the ended run: %d %v, %d builds", code, err, len(done.Builds))
	}
	if code, body := e.upload(t, "admin", upFile{"tipster.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}); code != 201 {
		t.Errorf("after the run: %d %s", code, body)
	}
}

// TestUploadVersity: the loading dock and a build-packages repository on
// a real S3 server (versitygw): what was uploaded is served through
// redirects to presigned URLs, and the followed redirects give repo
// files that list exactly what they should.
func TestUploadVersity(t *testing.T) {
	srv := s3test.StartVersity(t)
	e := newDockServerOn(t, srv.Store(t, "kiln"), Options{})
	tip := upFile{"tipster.hpkg", fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}
	other := upFile{"s3pkg.hpkg", testPkg(t, "s3pkg", "1-1", pkginfo.ArchAny, nil, nil)}
	if code, body := e.upload(t, "admin", tip, other); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	resp, err := noFollow.Get(e.hs.URL + "/repo/master/x86_64/current/repo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), srv.Endpoint) {
		t.Fatalf("current/repo: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got, want := e.servedPackages(t, "/repo/master/x86_64/current/repo"), []string{"s3pkg-1-1-any.hpkg", "tipster-1.1.1-1-x86_64.hpkg"}; !slices.Equal(got, want) {
		t.Fatalf("served %v, want %v", got, want)
	}
	if code, b := e.get(t, "/repo/master/x86_64/current/packages/tipster-1.1.1-1-x86_64.hpkg"); code != 200 || !bytes.Equal(b, tip.data) {
		t.Fatalf("package through the redirect: %d, %d bytes", code, len(b))
	}
	if code, body := e.post(t, "admin", "/api/v1/targets/master/x86_64/build-packages", "application/json", strings.NewReader(`{"name":"r1","packages":["tipster"]}`)); code != 201 {
		t.Fatalf("build-packages: %d %s", code, body)
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/build-packages/r1/repo"); !slices.Equal(got, []string{"tipster-1.1.1-1-x86_64.hpkg"}) {
		t.Fatalf("build-packages served %v", got)
	}
	if code, b := e.get(t, "/repo/master/x86_64/build-packages/r1/packages/tipster-1.1.1-1-x86_64.hpkg"); code != 200 || !bytes.Equal(b, tip.data) {
		t.Fatalf("build-packages package: %d, %d bytes", code, len(b))
	}
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestUploadLargeBounded: a 64 MiB package (31 MiB compressed; 16 MiB
// under the race detector) uploaded as a stream is spooled and published
// without the server holding it in memory: the process allocates at most
// half its size and at most 8 MiB in all.
func TestUploadLargeBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 31 MiB package")
	}
	e := newDockServer(t, Options{})
	path := filepath.Join(t.TempDir(), "big.hpkg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(64 << 20)
	if raceEnabled {
		size = 16 << 20
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v, _ := pkginfo.ParsePackageVersion("1-1")
	info := &pkginfo.PackageInfo{Name: "big", Version: v, Architecture: pkginfo.ArchX86_64, Summary: "big", Description: "big",
		Vendor: "Haiku Project", Packager: "kiln tests", Provides: []pkginfo.Resolvable{{Name: "big", Version: v}}}
	tree := []*hpkg.Entry{{Name: "big.bin", Type: hpkg.FileRegular, Size: size, MTime: mtime,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(testenv.Letters(size)), nil }}}
	if err := hpkg.WritePackage(f, info, tree, hpkg.WriteOptions{Compression: hpkg.CompressionZlib, Level: 1}); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		src, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer src.Close()
		w, _ := mw.CreateFormFile("package", "big.hpkg")
		if _, err := io.Copy(w, src); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	code, body := e.post(t, "admin", "/api/v1/targets/master/x86_64/packages", mw.FormDataContentType(), pr)
	runtime.ReadMemStats(&after)
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d bytes allocated %.1f MiB in all (client and server)", fi.Size(), float64(alloc)/(1<<20))
	if alloc > min(uint64(fi.Size())/2, 8<<20) {
		t.Errorf("allocated %d bytes for a %d-byte upload", alloc, fi.Size())
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/current/repo"); !slices.Equal(got, []string{"big-1-1-x86_64.hpkg"}) {
		t.Fatalf("served %v", got)
	}
}
