package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

var testTree = builder.Tree{Commit: "785d8af0c5a1e6b44b7d9a5b5e5a3c1d2e3f4a5b", Settings: builder.Settings{TargetArch: "x86_64"}}

func newMock(t *testing.T, cfg Config) *Builder {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "m1"
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Prepare(context.Background(), testTree); err != nil {
		t.Fatal(err)
	}
	return b
}

// collector keeps collected packages.
type collector struct {
	mu   sync.Mutex
	data map[string][]byte
}

func (c *collector) collect(ctx context.Context, file string, r io.Reader, size int64) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("%s: %d bytes, told %d", file, len(b), size)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data == nil {
		c.data = map[string][]byte{}
	}
	c.data[file] = b
	return nil
}

func simpleJob(name string, c *collector, log io.Writer) builder.Job {
	return builder.Job{
		Number:  1,
		Port:    builder.Port{Name: name, Version: "1.0", Revision: "1", RecipeFilePath: "dev-test/" + name + "/" + name + "-1.0.recipe"},
		Outputs: []string{name + "-1.0-1-x86_64.hpkg"},
		Log:     log,
		Collect: c.collect,
	}
}

func TestRecipeOutputs(t *testing.T) {
	tree, _ := filepath.Abs("testdata/tree")
	x86_64, _ := pkginfo.ParseArchitecture("x86_64")
	st := recipe.DefaultSettings()
	st.KnownLicenses = []string{"MIT"}
	port, err := recipe.Evaluate(context.Background(), filepath.Join(tree, "sys-libs/kilnz/kilnz-1.3.2.recipe"), tree, recipe.Target{Arch: x86_64}, &st)
	if err != nil {
		t.Fatal(err)
	}
	if port.Error != "" || len(port.Packages) != 2 {
		t.Fatalf("evaluated port: error %q, %d packages", port.Error, len(port.Packages))
	}
	outputs := []string{port.Packages[0].FileName(), port.Packages[1].FileName()}
	infos, err := builder.OutputInfos(port, outputs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := builder.OutputInfos(port, []string{"other-1-1-x86_64.hpkg"}); err == nil {
		t.Error("OutputInfos of a file the port does not produce succeeded")
	}
	b := newMock(t, Config{Compression: hpkg.CompressionZstd})
	c := &collector{}
	var log bytes.Buffer
	job := builder.Job{Number: 7, Port: builder.PortOf(port), Outputs: outputs, OutputInfos: infos, Log: &log, Collect: c.collect}
	if job.Port.ID() != "kilnz-1.3.2" || job.Port.Revision != "2" || job.Port.RecipeFilePath != "sys-libs/kilnz/kilnz-1.3.2.recipe" {
		t.Errorf("PortOf = %+v", job.Port)
	}
	if err := b.Build(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	for i, f := range outputs {
		data := c.data[f]
		p, err := hpkg.Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := &port.Packages[i]
		got := p.Info
		if got.Name != want.Name || got.Version != want.Version || got.Architecture != want.Architecture ||
			got.Summary != want.Summary || !slices.Equal(got.Provides, want.Provides) || fmt.Sprint(got.Requires) != fmt.Sprint(want.Requires) {
			t.Errorf("%s: package info\n%+v\ndoes not carry the recipe's\n%+v", f, got, want)
		}
		if got.Packager != "Builder m1 <hpkg-builder@haiku-os.org>" || !slices.Equal(got.Licenses, []string{"MIT"}) {
			t.Errorf("%s: packager %q licenses %v", f, got.Packager, got.Licenses)
		}
		if p.Header.Compression != hpkg.CompressionZstd {
			t.Errorf("%s: compression %v", f, p.Header.Compression)
		}
		if err := pkginfo.ValidatePackageInfo(&got); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		info, err := p.ReadFile("documentation/packages/"+want.Name+"/BUILD-INFO", 1<<10)
		if err != nil || !strings.Contains(string(info), "build: 7") || !strings.Contains(string(info), testTree.Commit) {
			t.Errorf("%s: BUILD-INFO %q, %v", f, info, err)
		}
		p.Close()
	}
}

// TestLog checks the build log's master lines and that lines arrive
// spread over the build's duration.
func TestLog(t *testing.T) {
	b := newMock(t, Config{Durations: Durations{Dist: DistFixed, Median: 400 * time.Millisecond}, LogLines: 20})
	var mu sync.Mutex
	var stamps []time.Duration
	var log bytes.Buffer
	start := time.Now()
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		stamps = append(stamps, time.Since(start))
		return log.Write(p)
	})
	c := &collector{}
	if err := b.Build(context.Background(), simpleJob("kiltlog", c, w)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("a 400 ms build took %v", d)
	}
	text := log.String()
	for _, want := range []string{
		`purging port with command: cd "/boot/home/haikuports" && "haikuporter" --config="/boot/home/haikuports/builder.conf" --no-package-obsoletion --ignore-messages --purge "kiltlog-1.0"` + "\n",
		"building port kiltlog-1.0\n",
		`running command: source /boot/system/boot/SetupEnvironment && cd "/boot/home/haikuports" && "haikuporter" --config="/boot/home/haikuports/builder.conf" --no-system-packages --no-package-obsoletion --ignore-messages -j1 "kiltlog-1.0"` + "\n",
		"command exit status: 0\n",
		"Running BUILD() in chroot ...\n",
		"download package kiltlog-1.0-1-x86_64.hpkg from builder\n",
		"build completed successfully\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n < 20 || n > 40 {
		t.Errorf("%d log lines, want about 20 plus the master's", n)
	}
	if stamps[len(stamps)/2] < 100*time.Millisecond || stamps[len(stamps)/2] > 350*time.Millisecond {
		t.Errorf("the middle line came at %v of a 400 ms build", stamps[len(stamps)/2])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func dependency(t *testing.T, name string) (builder.Dependency, []byte, *int) {
	x86_64, _ := pkginfo.ParseArchitecture("x86_64")
	v, _ := pkginfo.ParsePackageVersion("1.0-1")
	var buf bytes.Buffer
	if err := buildertest.WritePackage(&buf, &pkginfo.PackageInfo{Name: name, Version: v, Architecture: x86_64}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	sum := sha256.Sum256(data)
	opens := new(int)
	return builder.Dependency{
		File: name + "-1.0-1-x86_64.hpkg", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Open: func(context.Context) (io.ReadCloser, error) {
			*opens++
			return io.NopCloser(bytes.NewReader(data)), nil
		},
	}, data, opens
}

func TestCache(t *testing.T) {
	b := newMock(t, Config{CacheLimit: 3})
	d1, _, opens1 := dependency(t, "kiltdep1")
	d2, _, opens2 := dependency(t, "kiltdep2")
	c := &collector{}
	j := simpleJob("kiltcache", c, io.Discard)
	j.Dependencies = []builder.Dependency{d1, d2}
	for range 2 {
		if err := b.Build(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	if *opens1 != 1 || *opens2 != 1 {
		t.Errorf("cached dependencies opened %d and %d times, want once each", *opens1, *opens2)
	}
	if got, want := b.CachedPackages(), []string{"kiltcache-1.0-1-x86_64.hpkg", d1.File, d2.File}; !slices.Equal(got, want) {
		t.Errorf("cache %v, want %v", got, want)
	}
	// A fourth package evicts the least recently used (d1 and d2 were
	// used after kiltcache's first build, the output was added last).
	j2 := simpleJob("kiltother", c, io.Discard)
	j2.Dependencies = []builder.Dependency{d2}
	if err := b.Build(context.Background(), j2); err != nil {
		t.Fatal(err)
	}
	got := b.CachedPackages()
	if len(got) != 3 || slices.Contains(got, d1.File) {
		t.Errorf("after eviction: %v, want 3 without %s", got, d1.File)
	}
	rep, err := b.Check(context.Background())
	if err != nil || rep.CachePackages != 3 || rep.CacheBytes <= 0 || rep.Haikuporter == "" {
		t.Errorf("Check = %+v, %v", rep, err)
	}
}

func TestFetchURLs(t *testing.T) {
	d, data, opens := dependency(t, "kiltfetched")
	var gets int
	served := "/packages/" + d.File
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets++
		if r.URL.Path != served {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	b := newMock(t, Config{FetchURLs: true})
	if !b.FetchesURLs() {
		t.Fatal("FetchesURLs false")
	}
	d.URL = srv.URL + "/packages/" + d.File
	j := simpleJob("kiltfetch", &collector{}, io.Discard)
	j.Dependencies = []builder.Dependency{d}
	if err := b.Build(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if gets != 1 || *opens != 0 {
		t.Errorf("%d GETs and %d Opens, want the URL fetched once and Open never called", gets, *opens)
	}
	d.File, d.URL = "kiltgone-1.0-1-x86_64.hpkg", srv.URL+"/packages/kiltgone-1.0-1-x86_64.hpkg"
	j.Dependencies = []builder.Dependency{d}
	if err := b.Build(context.Background(), j); !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "404") {
		t.Errorf("Build with a missing URL = %v, want ErrTransient naming the status", err)
	}
}

func TestBigPackageStreamsFromDisk(t *testing.T) {
	tmp := t.TempDir()
	b := newMock(t, Config{PayloadSize: 3 << 20, TempDir: tmp})
	var size int64
	var sawFile bool
	j := simpleJob("kiltbig", nil, io.Discard)
	j.Collect = func(ctx context.Context, file string, r io.Reader, n int64) error {
		ents, _ := os.ReadDir(tmp)
		sawFile = len(ents) == 1
		data, err := io.ReadAll(r)
		size = int64(len(data))
		if err == nil && size != n {
			err = fmt.Errorf("read %d, told %d", size, n)
		}
		if err == nil {
			var p *hpkg.Package
			if p, err = hpkg.Open(bytes.NewReader(data), size); err == nil {
				p.Close()
			}
		}
		return err
	}
	if err := b.Build(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if size < 3<<20 || !sawFile {
		t.Errorf("package of %d bytes, temporary file seen %v", size, sawFile)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestBuildBeforePrepare(t *testing.T) {
	b, _ := New(Config{Name: "m"})
	defer b.Close()
	if err := b.Build(context.Background(), simpleJob("x", &collector{}, io.Discard)); err == nil || !strings.Contains(err.Error(), "before Prepare") {
		t.Errorf("Build before Prepare = %v", err)
	}
}

func TestConcurrentBuilders(t *testing.T) {
	// Several mocks building at once (as in a run), each serialised.
	var wg sync.WaitGroup
	var mu sync.Mutex
	files := map[string]bool{}
	var all []*Builder
	for i := range 4 {
		all = append(all, newMock(t, Config{Name: fmt.Sprintf("m%d", i), Seed: 3, Durations: Durations{Dist: DistLogNormal, Median: time.Millisecond, Sigma: 1}}))
	}
	for i, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				c := &collector{}
				if err := b.Build(context.Background(), simpleJob(fmt.Sprintf("kiltc%d_%d", i, k), c, io.Discard)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				for f := range c.data {
					files[f] = true
				}
				mu.Unlock()
				b.Status()
				b.CachedPackages()
			}
		}()
	}
	// Observers while the builds run: Status, History, Set, CachedPackages
	// and Check are safe from any goroutine.
	stop := make(chan struct{})
	var obs sync.WaitGroup
	obs.Add(1)
	go func() {
		defer obs.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			for _, b := range all {
				b.Status()
				b.History()
				b.CachedPackages()
				b.Check(context.Background())
				b.Running()
				b.Set(fmt.Sprintf("other%d", i%5), Override{Result: ResultFail})
			}
		}
	}()
	wg.Wait()
	close(stop)
	obs.Wait()
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	if len(names) != 40 {
		t.Errorf("%d packages, want 40", len(names))
	}
}

func TestWrongArchitectureOrNotAPackage(t *testing.T) {
	b := newMock(t, Config{})
	c := &collector{}
	j := simpleJob("kiltarch", c, io.Discard)
	j.Outputs = []string{"kiltarch-1.0-1-riscv64.hpkg"}
	if err := b.Build(context.Background(), j); !errors.Is(err, builder.ErrBuildFailed) || !strings.Contains(err.Error(), "builds for x86_64, not riscv64") {
		t.Errorf("riscv64 output on an x86_64 builder = %v", err)
	}
	j.Outputs = []string{"kiltarch_doc-1.0-1-any.hpkg"}
	if err := b.Build(context.Background(), j); err != nil {
		t.Errorf("an any package: %v", err)
	}
	junk := []byte("repo file, not a package")
	sum := sha256.Sum256(junk)
	j.Dependencies = []builder.Dependency{{File: "junk-1-1-x86_64.hpkg", Size: int64(len(junk)), SHA256: hex.EncodeToString(sum[:]),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(junk)), nil }}}
	if err := b.Build(context.Background(), j); !errors.Is(err, builder.ErrBuildFailed) || !strings.Contains(err.Error(), "not a package file") {
		t.Errorf("a dependency that is no package = %v", err)
	}
	if st := b.Status(); st.State != builder.StateAvailable || st.ConnectionErrors != 0 {
		t.Errorf("a real failure is no connection error: %+v", st)
	}
}
