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
// Run: go test -run '^$' -bench Ports -benchtime 3x ./bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
