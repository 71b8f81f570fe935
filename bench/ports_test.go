package bench

// Whole-tree evaluation benchmarks (internal/ports) on the HaikuPorts
// corpus (3,936 recipes, 3,843 ports) for x86_64. Each reports, besides
// ns/op:
//   x-read    time / baseline, the baseline measured in the same run:
//             scanning the tree and reading every recipe file
//   cpu-ms/op CPU time (user+system, all threads) per run: on a busy
//             machine a better measure than wall time
//   peak-MiB  the process's peak resident memory during the timed runs
//             (VmHWM, reset before them)
//   BenchmarkPortsCold:       no cache, every needed recipe evaluated
//   BenchmarkPortsWarm:       cache warm, nothing changed (evaluates 0)
//   BenchmarkPortsOneChanged: cache warm, one recipe changed (evaluates 1)
// BenchmarkPortsRatios reports the cold ratios against parsing only and of
// x86_gcc2+x86 against x86_64 (see there).
// Run: go test -run '^$' -bench Ports -benchtime 3x ./bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

func portsSettings(b *testing.B) *recipe.Settings {
	b.Helper()
	s := recipe.DefaultSettings()
	s.KnownLicenses = testenv.KnownLicenses(b)
	return &s
}

// portsTree copies the corpus into a temporary tree the benchmark may change.
func portsTree(b *testing.B) string {
	b.Helper()
	dst := b.TempDir()
	testenv.CopyTree(b, dst, testenv.Corpus(b))
	return dst
}

// readBaseline returns the time to scan the tree and read every recipe.
func readBaseline(b *testing.B, root string) time.Duration {
	b.Helper()
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		sr, err := ports.Scan(root)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range sr.Recipes {
			if _, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(r.Path))); err != nil {
				b.Fatal(err)
			}
		}
		best = min(best, time.Since(start))
	}
	return best
}

// resetPeakRSS resets the process's peak resident set size (Linux).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMiB returns the process's peak resident set size in MiB (Linux).
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// portsCPUTime returns the process's user+system CPU time so far.
func portsCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPorts reports the ratio to the baseline, the baseline itself, the
// CPU time per run (less sensitive to a busy machine than wall time) and
// the peak memory.
func reportPorts(b *testing.B, baseline, cpu time.Duration) {
	b.Helper()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(baseline), "x-read")
	b.ReportMetric(float64(baseline.Microseconds())/1000, "read-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(peakRSSMiB(), "peak-MiB")
}

var x86_64 = recipe.Target{Arch: pkginfo.ArchX86_64}

func BenchmarkPortsCold(b *testing.B) {
	root := testenv.Corpus(b)
	st := portsSettings(b)
	baseline := readBaseline(b, root)
	resetPeakRSS()
	cpu0 := portsCPUTime()
	b.ResetTimer()
	for range b.N {
		t, err := ports.Load(context.Background(), root, x86_64, ports.Options{Settings: st})
		if err != nil {
			b.Fatal(err)
		}
		if t.Stats.Evaluated < 3800 {
			b.Fatalf("cold run evaluated %d recipes", t.Stats.Evaluated)
		}
	}
	b.StopTimer()
	reportPorts(b, baseline, portsCPUTime()-cpu0)
}

func BenchmarkPortsWarm(b *testing.B) {
	root := testenv.Corpus(b)
	st := portsSettings(b)
	cache := b.TempDir()
	if _, err := ports.Load(context.Background(), root, x86_64, ports.Options{Settings: st, CacheDir: cache}); err != nil {
		b.Fatal(err)
	}
	baseline := readBaseline(b, root)
	resetPeakRSS()
	cpu0 := portsCPUTime()
	b.ResetTimer()
	for range b.N {
		t, err := ports.Load(context.Background(), root, x86_64, ports.Options{Settings: st, CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		if t.Stats.Evaluated != 0 {
			b.Fatalf("warm run evaluated %d recipes", t.Stats.Evaluated)
		}
	}
	b.StopTimer()
	reportPorts(b, baseline, portsCPUTime()-cpu0)
}

func BenchmarkPortsOneChanged(b *testing.B) {
	root := portsTree(b)
	st := portsSettings(b)
	cache := b.TempDir()
	if _, err := ports.Load(context.Background(), root, x86_64, ports.Options{Settings: st, CacheDir: cache}); err != nil {
		b.Fatal(err)
	}
	rp := filepath.Join(root, "sys-libs", "zlib", "zlib-1.3.2.recipe")
	orig, err := os.ReadFile(rp)
	if err != nil {
		b.Fatal(err)
	}
	baseline := readBaseline(b, root)
	resetPeakRSS()
	cpu0 := portsCPUTime()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if err := os.WriteFile(rp, fmt.Appendf(append([]byte{}, orig...), "# change %d\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t, err := ports.Load(context.Background(), root, x86_64, ports.Options{Settings: st, CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		if t.Stats.Evaluated != 1 {
			b.Fatalf("one changed recipe: evaluated %d", t.Stats.Evaluated)
		}
	}
	b.StopTimer()
	reportPorts(b, baseline, portsCPUTime()-cpu0)
}

// BenchmarkPortsRatios measures, in one run and interleaved so that the
// machine's load affects all alike, the two ratios the cold evaluation is
// judged by:
//
//	x-parse      cold ports.Load of the whole tree for x86_64 (GOMAXPROCS
//	             workers) / parsing every recipe file of the same tree with
//	             syntax.NewParser, one after the other (wall time, as the
//	             issue measured it); x-parse-cpu is the same ratio of CPU
//	             times (user+system, all threads, GC included), which does
//	             not depend on how many cores were free
//	x-secondary  cold Load for x86_gcc2 with the secondary architecture x86
//	             / cold Load for x86_64 (wall); x-secondary-cpu of CPU times
//
// and the absolute figures behind them (per run, medians over iterations):
// parse-ms, x86_64-ms, gcc2-ms and their -cpu-ms, the bytes allocated by
// one x86_64 Load (x86_64-alloc-MB) and the peak RSS of the whole run.
// Run: go test -run '^$' -bench PortsRatios -benchtime 5x ./bench
func BenchmarkPortsRatios(b *testing.B) {
	root := testenv.Corpus(b)
	recipes := testenv.CorpusRecipes(b)
	st := portsSettings(b)
	gcc2 := recipe.Target{Arch: pkginfo.ArchX86Gcc2, Secondary: []pkginfo.Architecture{pkginfo.ArchX86}}
	ctx := context.Background()
	type sample struct{ wall, cpu time.Duration }
	measure := func(f func()) sample {
		cpu0, t0 := portsCPUTime(), time.Now()
		f()
		return sample{time.Since(t0), portsCPUTime() - cpu0}
	}
	load := func(target recipe.Target) {
		t, err := ports.Load(ctx, root, target, ports.Options{Settings: st})
		if err != nil {
			b.Fatal(err)
		}
		if t.Stats.Evaluated < 3800 {
			b.Fatalf("cold run evaluated %d recipes", t.Stats.Evaluated)
		}
	}
	var parse, x86, sec []sample
	var alloc []float64
	resetPeakRSS()
	for b.Loop() {
		parse = append(parse, measure(func() {
			for _, r := range recipes {
				if _, err := syntax.NewParser().Parse(bytes.NewReader(r.Src), r.Rel); err != nil {
					b.Fatal(err)
				}
			}
		}))
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		x86 = append(x86, measure(func() { load(x86_64) }))
		runtime.ReadMemStats(&m1)
		alloc = append(alloc, float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20))
		sec = append(sec, measure(func() { load(gcc2) }))
	}
	ratio := func(num, den []sample, cpu bool) float64 {
		r := make([]float64, len(num))
		for i := range num {
			if cpu {
				r[i] = float64(num[i].cpu) / float64(den[i].cpu)
			} else {
				r[i] = float64(num[i].wall) / float64(den[i].wall)
			}
		}
		return median(r)
	}
	ms := func(s []sample, cpu bool) float64 {
		r := make([]float64, len(s))
		for i := range s {
			d := s[i].wall
			if cpu {
				d = s[i].cpu
			}
			r[i] = float64(d.Microseconds()) / 1000
		}
		return median(r)
	}
	b.ReportMetric(ratio(x86, parse, false), "x-parse")
	b.ReportMetric(ratio(x86, parse, true), "x-parse-cpu")
	b.ReportMetric(ratio(sec, x86, false), "x-secondary")
	b.ReportMetric(ratio(sec, x86, true), "x-secondary-cpu")
	b.ReportMetric(ms(parse, false), "parse-ms")
	b.ReportMetric(ms(parse, true), "parse-cpu-ms")
	b.ReportMetric(ms(x86, false), "x86_64-ms")
	b.ReportMetric(ms(x86, true), "x86_64-cpu-ms")
	b.ReportMetric(ms(sec, false), "gcc2-ms")
	b.ReportMetric(ms(sec, true), "gcc2-cpu-ms")
	b.ReportMetric(median(alloc), "x86_64-alloc-MB")
	b.ReportMetric(peakRSSMiB(), "peak-MiB")
}

// median returns the median of v (which it sorts).
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
