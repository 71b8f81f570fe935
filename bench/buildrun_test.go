package bench

// Scheduling quality on the real tree's dependency graph: the planner's
// everything-mode plan of the corpus's x86_64 reference (every port whose
// outputs are missing, which is all of them), with synthetic log-normal
// build durations (median 5 min, sigma 1.2, seeded per port), simulated
// without real time (buildrun.Simulate) on 4, 8 and 16 builders.
// Reported per builder count, as ratios to the lower bound
// max(critical path, total work / builders) computed in the same run:
//   x-lb-cp       critical-path policy, expected durations known
//   x-lb-cp-count critical-path policy, no durations known (chain lengths in builds)
//   x-lb-fifo     FIFO in the plan's order (what HaikuPorter does)
//   builds        the builds of the plan (ports in dependency cycles count as
//                 published, as after a bootstrap)
// Run: go test -run '^$' -bench Scheduling ./bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/recipe"
)

func schedulingTasks(b *testing.B) ([]buildrun.Task, map[string]time.Duration) {
	loadPlanData(b)
	// Against an empty repository most of the tree waits on the
	// compiler's and shell's own cycles; as when HaikuPorts is
	// bootstrapped, the packages of the ports in cycles count as
	// published (a few rounds), and everything else is built.
	published := map[string]bool{}
	var p *plan.Plan
	for round := 0; ; round++ {
		var repo []*pkginfo.PackageInfo
		for _, port := range planPorts {
			if published[port.ID()] {
				for _, pk := range port.Packages {
					repo = append(repo, &pkginfo.PackageInfo{Name: pk.Name, Version: pk.Version, Architecture: pk.Architecture,
						Provides: pk.Provides, Requires: pk.Requires})
				}
			}
		}
		pl, err := plan.New(plan.Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: planPorts, Repository: repo, System: planSys}, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p, err = pl.Plan(context.Background(), plan.Request{Mode: plan.ModeEverything}); err != nil {
			b.Fatal(err)
		}
		if len(p.Cycles) == 0 || round == 20 {
			break
		}
		for _, c := range p.Cycles {
			for _, id := range c {
				published[id] = true
			}
		}
	}
	dur := map[string]time.Duration{}
	var tasks []buildrun.Task
	for _, id := range p.Order {
		h := fnv.New64a()
		h.Write([]byte(id))
		rng := rand.New(rand.NewPCG(h.Sum64(), 42))
		d := time.Duration(float64(5*time.Minute) * math.Exp(1.2*rng.NormFloat64()))
		dur[id] = max(d, 10*time.Second)
		tasks = append(tasks, buildrun.Task{ID: id, Needs: p.Port(id).Needs})
	}
	return tasks, dur
}

func BenchmarkScheduling(b *testing.B) {
	tasks, dur := schedulingTasks(b)
	actual := func(t buildrun.Task) time.Duration { return dur[t.ID] }
	known := make([]buildrun.Task, len(tasks))
	for i, t := range tasks {
		t.Expected = dur[t.ID]
		known[i] = t
	}
	for _, n := range []int{4, 8, 16} {
		b.Run(fmt.Sprintf("builders=%d", n), func(b *testing.B) {
			lb, err := buildrun.LowerBound(tasks, n, actual)
			if err != nil {
				b.Fatal(err)
			}
			var cp, cpc, fifo time.Duration
			for b.Loop() {
				if cp, err = buildrun.Simulate(known, n, buildrun.CriticalPath, actual); err != nil {
					b.Fatal(err)
				}
				if cpc, err = buildrun.Simulate(tasks, n, buildrun.CriticalPath, actual); err != nil {
					b.Fatal(err)
				}
				if fifo, err = buildrun.Simulate(tasks, n, buildrun.FIFO, actual); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cp)/float64(lb), "x-lb-cp")
			b.ReportMetric(float64(cpc)/float64(lb), "x-lb-cp-count")
			b.ReportMetric(float64(fifo)/float64(lb), "x-lb-fifo")
			b.ReportMetric(lb.Hours(), "lb-hours")
			b.ReportMetric(float64(len(tasks)), "builds")
		})
	}
}
