package reposerve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

var testTarget = repo.Target{Branch: "master", Arch: "x86_64"}

func testRepoInfo() *pkginfo.RepositoryInfo {
	return &pkginfo.RepositoryInfo{
		Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		BaseURL: "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current",
		Vendor:  "Haiku Project", Summary: "The HaikuPorts repository", Priority: 1,
		Architecture: pkginfo.ArchX86_64,
	}
}

// genPkg writes a real .hpkg with the hpkg writer (one data file of
// payload pseudo-random bytes) and returns it as a repo.Add.
func genPkg(t testing.TB, name, version string, payload int) repo.Add {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	info := pkginfo.PackageInfo{
		Name: name, Version: v, Architecture: pkginfo.ArchX86_64,
		Summary: "Test package " + name, Description: "A package made by the reposerve tests.",
		Vendor: "Haiku Project", Packager: "kiln tests <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}},
	}
	data := make([]byte, payload)
	x := uint32(len(name)*7919 + payload + 1)
	for _, c := range name + version {
		x = x*31 + uint32(c)
	}
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: name + ".bin", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatalf("write package %s: %v", name, err)
	}
	b := buf.Bytes()
	return repo.Add{Name: info.CanonicalFileName(), R: bytes.NewReader(b), Size: int64(len(b))}
}

// fixtureAdd opens a shared fixture package.
func fixtureAdd(t testing.TB, rel string) repo.Add {
	t.Helper()
	p := filepath.Join(testenv.SharedDir(t), "fixtures", rel)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, _ := f.Stat()
	return repo.Add{Name: p, R: f, Size: fi.Size()}
}

func newFileStore(t testing.TB) *store.File {
	t.Helper()
	st, err := store.CreateFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func publish(t testing.TB, r *repo.Repo, c repo.Change) *repo.Result {
	t.Helper()
	res, err := r.Publish(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// serve starts h on a loopback test server.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func newHandler(t testing.TB, opts Options, repos ...*repo.Repo) *Handler {
	t.Helper()
	h, err := New(repos, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// noRedirect is a client that does not follow redirects.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type resp struct {
	code int
	h    http.Header
	body []byte
}

func do(t testing.TB, c *http.Client, method, url string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func get(t testing.TB, url string) resp { return do(t, http.DefaultClient, "GET", url) }

// readRepo parses a served repo file with the HPKR reader and returns its
// package file names.
func readRepo(t testing.TB, b []byte) []string {
	t.Helper()
	rep, err := hpkg.ReadRepository(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("served repo does not parse: %v", err)
	}
	var names []string
	for _, p := range rep.Packages {
		names = append(names, p.CanonicalFileName())
	}
	return names
}

// recordingStore records the keys of every read (Get, Stat, List).
type recordingStore struct {
	store.Store
	mu   sync.Mutex
	keys []string
}

func (s *recordingStore) note(k string) {
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.mu.Unlock()
}

func (s *recordingStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	s.note(key)
	return s.Store.Get(ctx, key, o)
}

func (s *recordingStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	s.note(key)
	return s.Store.Stat(ctx, key)
}

func (s *recordingStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	s.note("LIST " + prefix)
	return s.Store.List(ctx, prefix, delim, fn)
}

func (s *recordingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys
	s.keys = nil
	return k
}

func hasLine(text, line string) bool {
	for l := range strings.Lines(text) {
		if strings.TrimRight(l, "\n") == line {
			return true
		}
	}
	return false
}

func storePut() store.PutOptions { return store.PutOptions{} }

func jsonUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
