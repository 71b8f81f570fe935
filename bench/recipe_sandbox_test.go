package bench

// Recipe sandbox benchmark: evaluating every recipe of the HaikuPorts corpus
// (3,936 recipes) with internal/recipe/sandbox and x86_64 variables like
// HaikuPorter's. Reported per iteration:
//   median-us    median time of one recipe's evaluation (sequential)
//   seq-ms       all recipes one after the other
//   par-ms       all recipes on GOMAXPROCS workers (the build master's case)
//   seq-cpu-ms   CPU time (user+system) of the sequential pass: the cost on
//                a quiet machine, whatever the load of a shared one
//   parse-ms     baseline measured in the same run: only parsing every
//                recipe with syntax.NewParser
//   x-parse      seq-ms / parse-ms
// Run: go test -run '^$' -bench RecipeSandbox -benchtime 3x ./bench

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/haikuports/kiln/internal/recipe/sandbox"
	"github.com/haikuports/kiln/internal/testenv"
)

type benchRecipe struct {
	name string
	src  []byte
	opts sandbox.Options
}

func loadRecipes(b *testing.B) []benchRecipe {
	b.Helper()
	var rs []benchRecipe
	for _, r := range testenv.CorpusRecipes(b) {
		rs = append(rs, benchRecipe{name: r.Path, src: r.Src, opts: sandbox.Options{Vars: sandboxVars(r.Path), Dir: filepath.Dir(r.Path)}})
	}
	return rs
}

// sandboxVars is a condensed version of what HaikuPorter sets for parsing
// (x86_64, native, REVISION not yet known).
func sandboxVars(recipePath string) []sandbox.Var {
	base := strings.TrimSuffix(filepath.Base(recipePath), ".recipe")
	name, version := base, ""
	if i := strings.LastIndex(base, "-"); i > 0 {
		name, version = base[:i], base[i+1:]
	}
	links := "/packages/" + name + "-" + version + "-$REVISION"
	prefix := links + "/.self"
	vs := []sandbox.Var{
		{Name: "portName", Value: name}, {Name: "portBaseName", Value: name},
		{Name: "portVersion", Value: version}, {Name: "portVersionedName", Value: name + "-" + version},
		{Name: "portBaseDir", Value: filepath.Dir(recipePath)},
		{Name: "buildArchitecture", Value: "x86_64"}, {Name: "targetArchitecture", Value: "x86_64"},
		{Name: "jobs", Value: "1"}, {Name: "isCrossRepository", Value: "false"},
		{Name: "portRevision", Value: "$REVISION"}, {Name: "portFullVersion", Value: version + "-$REVISION"},
		{Name: "portRevisionedName", Value: name + "-" + version + "-$REVISION"},
		{Name: "secondaryArchSuffix", Value: ""}, {Name: "secondaryArchSubDir", Value: ""},
		{Name: "effectiveTargetArchitecture", Value: "x86_64"},
		{Name: "effectiveTargetMachineTriple", Value: "x86_64-unknown-haiku"},
		{Name: "portPackageLinksDir", Value: links}, {Name: "prefix", Value: prefix},
	}
	for _, d := range [][2]string{
		{"binDir", "bin"}, {"libDir", "lib"}, {"includeDir", "develop/headers"}, {"dataDir", "data"},
		{"docDir", "documentation/packages/" + name}, {"manDir", "documentation/man"},
		{"developLibDir", "develop/lib"}, {"debugInfoDir", "develop/debug"}, {"developDir", "develop"},
		{"appsDir", "apps"}, {"addOnsDir", "add-ons"}, {"settingsDir", "settings"},
	} {
		vs = append(vs, sandbox.Var{Name: d[0], Value: prefix + "/" + d[1]},
			sandbox.Var{Name: "relative" + strings.ToUpper(d[0][:1]) + d[0][1:], Value: d[1]})
	}
	return vs
}

func BenchmarkRecipeSandbox(b *testing.B) {
	rs := loadRecipes(b)
	ctx := context.Background()
	durations := make([]time.Duration, len(rs))
	var parse, seq, par, seqCPU time.Duration
	failures := 0
	for b.Loop() {
		start := time.Now()
		for _, r := range rs {
			if _, err := syntax.NewParser().Parse(bytes.NewReader(r.src), r.name); err != nil {
				b.Fatal(err)
			}
		}
		parse += time.Since(start)

		failures = 0
		cpu0 := cpuTime()
		start = time.Now()
		for i, r := range rs {
			t0 := time.Now()
			if _, err := sandbox.Eval(ctx, r.src, r.name, r.opts); err != nil {
				failures++
			}
			durations[i] = time.Since(t0)
		}
		seq += time.Since(start)
		seqCPU += cpuTime() - cpu0

		start = time.Now()
		work := make(chan int, len(rs))
		for i := range rs {
			work <- i
		}
		close(work)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := range work {
					sandbox.Eval(ctx, rs[i].src, rs[i].name, rs[i].opts)
				}
			})
		}
		wg.Wait()
		par += time.Since(start)
	}
	n := float64(b.N)
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "median-us")
	b.ReportMetric(float64(seq.Milliseconds())/n, "seq-ms")
	b.ReportMetric(float64(par.Milliseconds())/n, "par-ms")
	b.ReportMetric(float64(seqCPU.Milliseconds())/n, "seq-cpu-ms")
	b.ReportMetric(float64(parse.Milliseconds())/n, "parse-ms")
	b.ReportMetric(float64(seq)/float64(parse), "x-parse")
	b.ReportMetric(float64(len(rs)), "recipes")
	b.ReportMetric(float64(failures), "failures")
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
