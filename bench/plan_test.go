package bench

// Planning benchmarks on the whole real tree: the ports as HaikuPorter
// evaluated them (the corpus's x86_64 reference, 3,843 ports, 6,552
// packages) and the x86_64 system packages. Each benchmark reports its time
// as ratios to baselines measured in the same run on the same data:
//   x-mapinsert = time / inserting every provides of every package into a
//                 map[name][]Resolvable (the least any provides index costs)
//   x-index     = time / building plan's provides index alone (plan.NewIndex
//                 and AddPort for every port)
// Run: go test -run '^$' -bench Plan -benchmem ./bench

import (
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

var (
	planOnce  sync.Once
	planPorts []*recipe.Port
	planSys   []*pkginfo.PackageInfo
	planErr   error
)

func loadPlanData(b *testing.B) {
	b.Helper()
	dir := testenv.Reference(b)
	sys := testenv.Fixture(b, "system-packages/x86_64")
	planOnce.Do(func() {
		planPorts, planErr = plan.LoadHaikuPorterRepository(dir, recipe.Target{Arch: pkginfo.ArchX86_64})
		if planErr == nil {
			planSys, planErr = plan.LoadPackages(sys)
		}
	})
	if planErr != nil {
		b.Fatal(planErr)
	}
}

var (
	planBaseMu sync.Mutex
	planBase   = map[string]time.Duration{}
)

// planBaseline returns the time per op of fn, measured once per name by
// running it for at least 300 ms (testing.Benchmark cannot be called from
// inside a benchmark: it would wait for the benchmark lock the caller holds).
func planBaseline(name string, fn func()) time.Duration {
	planBaseMu.Lock()
	defer planBaseMu.Unlock()
	if d, ok := planBase[name]; ok {
		return d
	}
	fn() // warm up
	n := 0
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		fn()
		n++
	}
	planBase[name] = time.Since(start) / time.Duration(n)
	return planBase[name]
}

func planBaselines(b *testing.B) (mapInsert, index time.Duration) {
	mapInsert = planBaseline("plan-mapinsert", func() {
		m := make(map[string][]pkginfo.Resolvable)
		for _, p := range planPorts {
			for _, pk := range p.Packages {
				for _, r := range pk.Provides {
					m[r.Name] = append(m[r.Name], r)
				}
			}
		}
	})
	index = planBaseline("plan-index", func() {
		ix := plan.NewIndex(pkginfo.ArchX86_64)
		for _, p := range planSys {
			ix.AddPackage(plan.OriginSystem, p)
		}
		for _, p := range planPorts {
			ix.AddPort(p)
		}
	})
	b.Logf("%d ports; baselines: map insert of all provides %v, provides index %v", len(planPorts), mapInsert, index)
	return mapInsert, index
}

func benchPlan(b *testing.B, in plan.Input) {
	mapInsert, index := planBaselines(b)
	var p *plan.Plan
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		pl, err := plan.New(in, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p, err = pl.Plan(b.Context(), plan.Request{Mode: plan.ModeEverything}); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(mapInsert), "x-mapinsert")
	b.ReportMetric(float64(per)/float64(index), "x-index")
	b.ReportMetric(float64(len(p.Ports)), "ports")
	b.ReportMetric(float64(len(p.Order)), "builds")
}

// BenchmarkPlanEverythingEmpty plans every port against an empty
// repository: every port is resolved, most down to the compiler cycle.
func BenchmarkPlanEverythingEmpty(b *testing.B) {
	loadPlanData(b)
	benchPlan(b, plan.Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: planPorts, System: planSys})
}

// BenchmarkPlanEverythingPublished plans against a repository holding
// every package but those of every 7th port (about 500 ports to build);
// ports that would then form a build cycle (bash needs cmd:bash) are
// published too, as a real repository has them.
func BenchmarkPlanEverythingPublished(b *testing.B) {
	loadPlanData(b)
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	unpublished := make(map[string]bool)
	for i, p := range planPorts {
		if p.Error == "" && i%7 == 0 {
			unpublished[p.ID()] = true
		}
	}
	var repo []*pkginfo.PackageInfo
	for round := 0; ; round++ {
		repo = repo[:0]
		for _, p := range planPorts {
			if p.Error != "" || unpublished[p.ID()] {
				continue
			}
			for _, k := range p.Packages {
				repo = append(repo, &pkginfo.PackageInfo{Name: k.Name, Version: k.Version,
					Architecture: k.Architecture, Provides: k.Provides, Requires: k.Requires})
			}
		}
		pl, err := plan.New(plan.Input{Target: target, Ports: planPorts, Repository: repo, System: planSys}, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := pl.Plan(b.Context(), plan.Request{Mode: plan.ModeEverything})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Cycles) == 0 || round == 10 {
			break
		}
		for _, c := range p.Cycles {
			for _, id := range c {
				delete(unpublished, id)
			}
		}
	}
	benchPlan(b, plan.Input{Target: target, Ports: planPorts, Repository: repo, System: planSys})
}
