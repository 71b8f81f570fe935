package bench

// Build runs end to end on mock builders (internal/builder/mock), so that
// what is measured is the master: planning is done before the timer,
// builds take no time, and what remains is scheduling, streaming every
// produced package into the store (repo.Ingest), the records and logs,
// and the publish.
//
// BenchmarkBuildRunOverhead: the everything plan of the real tree (the
// corpus's x86_64 reference, after the ports in dependency cycles are
// bootstrapped into the repository as HaikuPorts' bootstrap does) on 4
// zero-duration mock builders into a file store. Reported:
//   x-publish      wall time / one repo.Publish of the same packages (read
//                  from memory) into an empty file store, measured in the
//                  same run: the least it costs to store and list them
//   ms/build       wall time per build
//   requests/build store requests per build (store.WithMetrics around the
//                  run's store: get, stat, put, delete, list, copy)
//   builds, packages
//
// BenchmarkBuildRunLargePackage: one port whose package holds a 1 GiB file
// (PayloadSize; the mock writes it to a temporary file and streams it) is
// built and streamed from the mock builder through repo.Ingest into a file
// store. Reported: the peak Go heap in use and the peak RSS of the process
// (master and mock) during the run, in MiB and as ratios to before it
// (x-heap, x-rss): they must not grow with the package.
//
// Run: go test -run '^$' -bench BuildRun -benchtime 1x ./bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

var (
	runTarget = repo.Target{Branch: "master", Arch: "x86_64"}
	runInfo   = pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		BaseURL: "https://example.com/master/x86_64/current", Vendor: "Haiku Project", Summary: "bench", Priority: 1,
		Architecture: pkginfo.ArchX86_64}
	runTree = buildrun.Tree{OriginURL: "https://github.com/haikuports/haikuports", Commit: "785d8af000000000000000000000000000000000"}
)

// benchSystem writes the system packages infos as real .hpkg files (info
// only) into a temporary directory.
func benchSystem(b *testing.B, infos []*pkginfo.PackageInfo) buildrun.SystemPackages {
	dir := b.TempDir()
	for _, info := range infos {
		var buf bytes.Buffer
		if err := hpkg.WritePackage(&buf, info, nil, hpkg.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, info.CanonicalFileName()), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sys, err := buildrun.SystemDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	return sys
}

func benchFileStore(b *testing.B) store.Store {
	st, err := store.CreateFile(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// bootstrapPlan publishes mock-built packages of the ports in the plan's
// dependency cycles into r (rounds until none is left) and returns the
// everything plan against what r then lists.
func bootstrapPlan(b *testing.B, r *repo.Repo, in plan.Input) *plan.Plan {
	ctx := context.Background()
	mb, err := mock.New(mock.Config{Name: "bootstrap", PayloadSize: 64, LogLines: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer mb.Close()
	if err := mb.Prepare(ctx, builder.Tree{Commit: runTree.Commit, Settings: builder.Settings{TargetArch: "x86_64"}}); err != nil {
		b.Fatal(err)
	}
	for round := 0; ; round++ {
		in.Repository = nil
		if _, m, err := r.Current(ctx); err == nil {
			for i := range m.Packages {
				in.Repository = append(in.Repository, &m.Packages[i].Info)
			}
		}
		pl, err := plan.New(in, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := pl.Plan(ctx, plan.Request{Mode: plan.ModeEverything})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Cycles) == 0 {
			return p
		}
		if round == 20 {
			b.Fatalf("%d cycles left after %d rounds", len(p.Cycles), round)
		}
		var pkgs []repo.Package
		for _, c := range p.Cycles {
			for _, id := range c {
				pp := p.Port(id)
				infos, err := builder.OutputInfos(pp.Port(), pp.Outputs)
				if err != nil {
					b.Fatal(err)
				}
				job := builder.Job{Number: 1, Port: builder.PortOf(pp.Port()), Outputs: pp.Outputs, OutputInfos: infos, Log: io.Discard,
					Collect: func(ctx context.Context, f string, rd io.Reader, size int64) error {
						pk, err := r.Ingest(ctx, f, rd, size, repo.Source{Port: id, BuildID: "bootstrap"})
						pkgs = append(pkgs, pk)
						return err
					}}
				if err := mb.Build(ctx, job); err != nil {
					b.Fatalf("bootstrap %s: %v", id, err)
				}
			}
		}
		if _, err := r.Publish(ctx, repo.Change{Info: &runInfo, Ingested: pkgs, Reason: "bootstrap"}); err != nil {
			b.Fatal(err)
		}
	}
}

// runPlan runs p on the builders with opts filled in and waits for it.
func runPlan(b *testing.B, opts buildrun.Options, p *plan.Plan) *buildrun.Run {
	opts.Target, opts.RepoInfo, opts.Holder = runTarget, &runInfo, "bench"
	eng, err := buildrun.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	h, err := eng.Start(ctx, buildrun.Request{Plan: p, Trigger: buildrun.Trigger{Mode: "everything", By: "bench"}, Tree: runTree})
	if err != nil {
		b.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if run.State != buildrun.RunComplete {
		b.Fatalf("run %s: %s (%s)", run.ID, run.State, run.Reason)
	}
	return run
}

func benchMocks(b *testing.B, n int, payload int64) []builder.Builder {
	var bs []builder.Builder
	for i := range n {
		m, err := mock.New(mock.Config{Name: "mock" + strconv.Itoa(i+1), Seed: uint64(i + 1), PayloadSize: payload, LogLines: 3, TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Close() })
		bs = append(bs, m)
	}
	return bs
}

// storeRequests sums kiln_store_operations_total on reg.
func storeRequests(b *testing.B, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "kiln_store_operations_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

func BenchmarkBuildRunOverhead(b *testing.B) {
	loadPlanData(b)
	ctx := context.Background()
	sys := benchSystem(b, planSys)
	in := plan.Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: planPorts, System: sys.Infos()}
	var wall, base time.Duration
	var requests float64
	builds, packages := 0, 0
	for b.Loop() {
		b.StopTimer()
		reg := prometheus.NewRegistry()
		st, err := store.WithMetrics(benchFileStore(b), reg)
		if err != nil {
			b.Fatal(err)
		}
		r := repo.New(st, runTarget, repo.Options{})
		p := bootstrapPlan(b, r, in)
		_, seed, err := r.Current(ctx)
		if err != nil {
			b.Fatal(err)
		}
		before := storeRequests(b, reg)
		b.StartTimer()
		start := time.Now()
		runPlan(b, buildrun.Options{Store: st, Repo: r, System: sys, Builders: benchMocks(b, 4, 64)}, p)
		wall += time.Since(start)
		b.StopTimer()
		requests += storeRequests(b, reg) - before
		builds = len(p.Order)

		// Baseline: the packages the run published, from memory, in one
		// repo.Publish into an empty store.
		_, m, err := r.Current(ctx)
		if err != nil {
			b.Fatal(err)
		}
		inSeed := map[string]bool{}
		for _, pk := range seed.Packages {
			inSeed[pk.File] = true
		}
		var adds []repo.Add
		for _, pk := range m.Packages {
			if inSeed[pk.File] {
				continue
			}
			rc, _, err := st.Get(ctx, r.PackageKey(pk.File), store.GetOptions{})
			if err != nil {
				b.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			adds = append(adds, repo.Add{Name: pk.File, R: bytes.NewReader(data), Size: int64(len(data))})
		}
		packages = len(adds)
		r2 := repo.New(benchFileStore(b), runTarget, repo.Options{})
		start = time.Now()
		if _, err := r2.Publish(ctx, repo.Change{Info: &runInfo, Add: adds, Reason: "baseline"}); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(wall)/float64(base), "x-publish")
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N)/float64(builds), "ms/build")
	b.ReportMetric(requests/float64(b.N)/float64(builds), "requests/build")
	b.ReportMetric(float64(builds), "builds")
	b.ReportMetric(float64(packages), "packages")
}

// rssBytes is the process's resident set size (/proc/self/statm).
func rssBytes(b *testing.B) uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Skip("no /proc/self/statm:", err)
	}
	f := strings.Fields(string(data))
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return pages * uint64(os.Getpagesize())
}

// peakRSS samples rssBytes every 10 ms until stop is called.
func peakRSS(b *testing.B) (stop func() uint64) {
	var peak atomic.Uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if v := rssBytes(b); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

func BenchmarkBuildRunLargePackage(b *testing.B) {
	const size = 1 << 30
	v, err := pkginfo.ParseVersion("1.0")
	if err != nil {
		b.Fatal(err)
	}
	v.Revision = 1
	port := &recipe.Port{Name: "big", BaseName: "big", Version: "1.0", Revision: 1, Category: "bench",
		RecipePath: "bench/big/big-1.0.recipe", Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Status: recipe.StatusStable, Buildable: true,
		Packages: []recipe.Package{{Name: "big", Type: "general", Architecture: pkginfo.ArchX86_64, Version: v, Status: recipe.StatusStable,
			Provides: []pkginfo.Resolvable{{Name: "big", Version: v}}}}}
	pl, err := plan.New(plan.Input{Target: port.Target, Ports: []*recipe.Port{port}}, plan.Options{ScriptletPrerequires: []pkginfo.Expression{}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := pl.Plan(context.Background(), plan.Request{Mode: plan.ModeEverything})
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Order) != 1 {
		b.Fatalf("plan: %v", p.Order)
	}
	var heapBefore, heapPeak, rssBefore, rssPeak uint64
	var stored int64
	for b.Loop() {
		st := benchFileStore(b)
		bs := benchMocks(b, 1, size)
		runtime.GC()
		heapBefore, rssBefore = heapInuse(), rssBytes(b)
		stopHeap, stopRSS := peakHeap(), peakRSS(b)
		runPlan(b, buildrun.Options{Store: st, Builders: bs}, p)
		heapPeak, rssPeak = max(heapPeak, stopHeap()), max(rssPeak, stopRSS())
		info, err := st.Stat(context.Background(), repo.New(st, runTarget, repo.Options{}).PackageKey(port.Packages[0].FileName()))
		if err != nil {
			b.Fatal(err)
		}
		stored = info.Size
	}
	b.SetBytes(stored)
	b.ReportMetric(float64(heapBefore)/(1<<20), "heap-MiB-before")
	b.ReportMetric(float64(heapPeak)/(1<<20), "heap-MiB-peak")
	b.ReportMetric(float64(heapPeak)/float64(heapBefore), "x-heap")
	b.ReportMetric(float64(rssBefore)/(1<<20), "rss-MiB-before")
	b.ReportMetric(float64(rssPeak)/(1<<20), "rss-MiB-peak")
	b.ReportMetric(float64(rssPeak)/float64(rssBefore), "x-rss")
	b.ReportMetric(float64(stored)/(1<<20), "package-MiB")
}

func heapInuse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
