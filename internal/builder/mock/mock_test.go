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

func TestDurationsDraw(t *testing.T) {
	med := 10 * time.Minute
	d := Durations{Dist: DistLogNormal, Median: med, Sigma: 1}
	r := rng(1, "test")
	var ds []time.Duration
	for range 4001 {
		ds = append(ds, d.Draw(r))
	}
	slices.Sort(ds)
	if got := ds[len(ds)/2]; got < med*9/10 || got > med*11/10 {
		t.Errorf("lognormal median of 4001 draws = %v, want about %v", got, med)
	}
	if ds[len(ds)/10] > med/2 || ds[len(ds)*9/10] < 2*med {
		t.Errorf("sigma 1 should spread: 10th %v, 90th percentile %v", ds[len(ds)/10], ds[len(ds)*9/10])
	}
	d.Max = 15 * time.Minute
	for range 1000 {
		if v := d.Draw(r); v > d.Max {
			t.Fatalf("draw %v above Max %v", v, d.Max)
		}
	}
	if v := (Durations{Dist: DistFixed, Median: time.Second}).Draw(r); v != time.Second {
		t.Errorf("fixed = %v", v)
	}
	if v := (Durations{Median: time.Second}).Draw(r); v != 0 {
		t.Errorf("zero = %v", v)
	}
}

func TestDecideDeterministic(t *testing.T) {
	cfg := Config{Name: "a", Seed: 42, FailRate: 0.2, TransientRate: 0.1, HangRate: 0.05,
		Durations: Durations{Dist: DistLogNormal, Median: time.Minute, Sigma: 1}}
	a, _ := New(cfg)
	cfg.Name = "b"
	b, _ := New(cfg)
	cfg.Seed = 43
	c, _ := New(cfg)
	counts := map[Result]int{}
	sameAsOtherSeed := 0
	for i := range 1000 {
		p := builder.Port{Name: fmt.Sprintf("port%d", i), Version: "1"}
		oa := a.decide(p, Override{}, 1, 1)
		if again := a.decide(p, Override{}, 1, 1); again.result != oa.result || again.duration != oa.duration || again.cut != oa.cut {
			t.Fatalf("%s: two draws differ: %+v %+v", p.ID(), oa, again)
		}
		ob := b.decide(p, Override{}, 1, 1)
		if oa.duration != ob.duration {
			t.Errorf("%s: duration differs between builders: %v %v", p.ID(), oa.duration, ob.duration)
		}
		// A real failure is the port's: an attempt that is not interrupted
		// ends the same way on any builder.
		later := b.decide(p, Override{}, 5, 3).result
		if oa.result != ResultTransient && oa.result != ResultHang && later != ResultTransient && later != ResultHang && later != oa.result {
			t.Errorf("%s: %s on a, %s on b", p.ID(), oa.result, later)
		}
		if c.decide(p, Override{}, 1, 1).duration == oa.duration {
			sameAsOtherSeed++
		}
		counts[oa.result]++
	}
	if sameAsOtherSeed > 5 {
		t.Errorf("%d of 1000 durations equal under another seed", sameAsOtherSeed)
	}
	near := func(r Result, want float64) {
		if got := float64(counts[r]) / 1000; got < want*0.6 || got > want*1.4 {
			t.Errorf("%s: %.3f of builds, want about %.3f (counts %v)", r, got, want, counts)
		}
	}
	near(ResultTransient, 0.1)
	near(ResultHang, 0.05)
	near(ResultFail, 0.2*0.85)
	d := 5 * time.Second
	if o := a.decide(builder.Port{Name: "x", Version: "1"}, Override{Result: ResultHang, Duration: &d}, 1, 1); o.result != ResultHang || o.duration != d {
		t.Errorf("override ignored: %+v", o)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "needs a name"},
		{Config{Name: "m", Durations: Durations{Dist: "gauss"}}, `"gauss"`},
		{Config{Name: "m", FailRate: 1.5}, "fail rate 1.5"},
		{Config{Name: "m", TransientRate: 0.6, HangRate: 0.6}, "add up"},
		{Config{Name: "m", Ports: map[string]Override{"zlib": {Result: "explode"}}}, `port zlib: unknown result "explode"`},
		{Config{Name: "m", LostAfter: -1}, "negative"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", c.cfg, err, c.want)
		}
	}
	b, _ := New(Config{Name: "m"})
	if err := b.Set("zlib", Override{Result: "explode"}); err == nil || !strings.Contains(err.Error(), "explode") {
		t.Errorf("Set with a bad result = %v", err)
	}
}

func TestInfoFromFileName(t *testing.T) {
	pi, err := InfoFromFileName("gcc_syslibs_devel-13.3.0_2023_08_10-1-x86_64.hpkg")
	if err != nil {
		t.Fatal(err)
	}
	if pi.Name != "gcc_syslibs_devel" || pi.Version.String() != "13.3.0_2023_08_10-1" || pi.Architecture.String() != "x86_64" {
		t.Errorf("got %s %s %s", pi.Name, pi.Version, pi.Architecture)
	}
	for _, bad := range []string{"zlib.hpkg", "Zlib-1.3-1-x86_64.hpkg", "-1.3-1-x86_64.hpkg", "zlib-1.3-x86_64.hpkg", "zlib-1.3-1-vax.hpkg", "zlib-1.3-1-x86_64.tar"} {
		if _, err := InfoFromFileName(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("InfoFromFileName(%q) = %v, want an error naming it", bad, err)
		}
	}
}

// TestRecipeOutputs builds a port evaluated from a real recipe and checks
// that the packages carry the recipe's package infos.
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
		`running command: cd "/boot/home/haikuports" && "haikuporter" --config="/boot/home/haikuports/builder.conf" --no-package-obsoletion --ignore-messages --purge "kiltlog-1.0"` + "\n",
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

func TestLostAfter(t *testing.T) {
	var mu sync.Mutex
	var states []builder.State
	var self *Builder
	b, err := New(Config{Name: "m1", LostAfter: 2, Notify: func(name string, st builder.Status) {
		self.Status() // the notifier may call back: no lock is held
		mu.Lock()
		states = append(states, st.State)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	self = b
	defer b.Close()
	if err := b.Prepare(context.Background(), testTree); err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	for i := range 2 {
		if err := b.Build(context.Background(), simpleJob(fmt.Sprintf("kiltlost%d", i), c, io.Discard)); err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
	}
	err = b.Build(context.Background(), simpleJob("kiltlost2", c, io.Discard))
	if !errors.Is(err, builder.ErrTransient) {
		t.Fatalf("third build = %v, want ErrTransient", err)
	}
	if st := b.Status(); st.State != builder.StateLost || st.Reason == "" {
		t.Errorf("after the third build: %+v, want lost with a reason", st)
	}
	if err := b.Build(context.Background(), simpleJob("kiltlost3", c, io.Discard)); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("build on a lost builder = %v, want ErrUnavailable", err)
	}
	b.Revive()
	for i := range 2 {
		if err := b.Build(context.Background(), simpleJob(fmt.Sprintf("kiltrevived%d", i), c, io.Discard)); err != nil {
			t.Errorf("build %d after Revive: %v", i+1, err)
		}
	}
	if st := b.Status(); st.State != builder.StateAvailable {
		t.Errorf("after Revive and two builds: %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(states, builder.StateLost) || states[len(states)-1] != builder.StateAvailable {
		t.Errorf("notified %v", states)
	}
}

func TestTransientMakesLost(t *testing.T) {
	b := newMock(t, Config{MaxConnectionErrors: 3, HistoryLimit: 6, Ports: map[string]Override{"kiltflaky": {Result: ResultTransient}}})
	c := &collector{}
	for i := 1; i <= 2; i++ {
		if err := b.Build(context.Background(), simpleJob("kiltflaky", c, io.Discard)); !errors.Is(err, builder.ErrTransient) {
			t.Fatalf("build %d = %v", i, err)
		}
		if st := b.Status(); st.State != builder.StateNotAvailable || st.ConnectionErrors != i {
			t.Errorf("after %d transient failures: %+v", i, st)
		}
	}
	// a success resets the count (and sets the builder up again)
	if err := b.Build(context.Background(), simpleJob("kiltgood", c, io.Discard)); err != nil {
		t.Fatal(err)
	}
	if st := b.Status(); st.State != builder.StateAvailable || st.ConnectionErrors != 0 {
		t.Errorf("after a success: %+v", st)
	}
	for i := 1; i <= 3; i++ {
		b.Build(context.Background(), simpleJob("kiltflaky", c, io.Discard))
	}
	if st := b.Status(); st.State != builder.StateLost || st.ConnectionErrors != 3 {
		t.Errorf("after 3 transient failures in a row: %+v, want lost", st)
	}
	if h := b.History(); len(h) != 6 || h[5].Attempt != 5 || h[2].Port.Name != "kiltgood" {
		t.Errorf("history: %d records, last %+v", len(h), h[len(h)-1])
	}
	b.Revive()
	b.Build(context.Background(), simpleJob("kiltgood", c, io.Discard))
	if h := b.History(); len(h) != 6 || h[0].Attempt != 2 || h[5].Port.Name != "kiltgood" {
		t.Errorf("history beyond its limit: %d records, first %+v", len(h), h[0])
	}
}

func TestLoseDuringBuild(t *testing.T) {
	b := newMock(t, Config{Ports: map[string]Override{"kilthang": {Result: ResultHang}}})
	done := make(chan error, 1)
	go func() { done <- b.Build(context.Background(), simpleJob("kilthang", &collector{}, io.Discard)) }()
	for {
		if _, ok := b.Running(); ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.Lose("power cut")
	select {
	case err := <-done:
		if !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "power cut") {
			t.Errorf("Build = %v, want ErrTransient with the reason", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lose did not end the build")
	}
	if st := b.Status(); st.State != builder.StateLost || st.Reason != "power cut" {
		t.Errorf("%+v", st)
	}
}

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
