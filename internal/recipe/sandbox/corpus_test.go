package sandbox

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata golden files")

// TestMain removes the corpus the tests unpack (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(m) }

// corpusRecipe is one recipe of the corpus, read into memory.
type corpusRecipe struct {
	rel  string // path relative to the tree root
	path string
	src  []byte
}

func corpusRecipes(t testing.TB) []corpusRecipe {
	t.Helper()
	var rs []corpusRecipe
	for _, r := range testenv.CorpusRecipes(t) {
		rs = append(rs, corpusRecipe{rel: r.Rel, path: r.Path, src: r.Src})
	}
	return rs
}

type corpusOutcome struct {
	res *Result
	err error
}

// evalCorpus evaluates every recipe with GOMAXPROCS workers.
func evalCorpus(rs []corpusRecipe, timeout func(corpusRecipe) Options) []corpusOutcome {
	out := make([]corpusOutcome, len(rs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				r := rs[i]
				res, err := Eval(context.Background(), r.src, r.rel, timeout(r))
				out[i] = corpusOutcome{res, err}
			}
		})
	}
	for i := range rs {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

var (
	corpusOnce     sync.Once
	corpusRs       []corpusRecipe
	corpusOutcomes []corpusOutcome
)

// evaluatedCorpus evaluates the corpus once per test binary.
func evaluatedCorpus(t *testing.T) ([]corpusRecipe, []corpusOutcome) {
	t.Helper()
	corpusOnce.Do(func() {
		corpusRs = corpusRecipes(t)
		corpusOutcomes = evalCorpus(corpusRs, corpusOptions)
	})
	if corpusRs == nil {
		t.Fatal("corpus not available")
	}
	return corpusRs, corpusOutcomes
}

func corpusOptions(r corpusRecipe) Options {
	return Options{Vars: testVars(r.path), Dir: filepath.Dir(r.path), Timeout: 10 * DefaultTimeout}
}

// TestCorpus evaluates every recipe of the HaikuPorts tree. The recipes that
// fail are listed in testdata/corpus-failures.txt (run with -update to
// rewrite it); each fails in HaikuPorter too (see docs/recipe-sandbox.md).
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("whole corpus skipped in -short mode")
	}
	rs, outs := evaluatedCorpus(t)
	if len(rs) < 3900 {
		t.Fatalf("corpus has %d recipes, want all ~3936", len(rs))
	}
	var failures []string
	maxCalls, maxName := int64(0), ""
	for i, o := range outs {
		if o.res != nil && o.res.Calls > maxCalls {
			maxCalls, maxName = o.res.Calls, rs[i].rel
		}
		if o.err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", rs[i].rel, firstLine(o.err.Error())))
			continue
		}
		if !o.res.HasFunc("defineDebugInfoPackage") {
			t.Errorf("%s: helpers missing from the result", rs[i].rel)
		}
	}
	slices.Sort(failures)
	got := strings.Join(failures, "\n") + "\n"
	golden := filepath.Join("testdata", "corpus-failures.txt")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("failures differ from %s (-update to accept):\n%s", golden, diffLines(string(want), got))
	}
	t.Logf("%d recipes, %d failures; most commands: %d (%s)", len(rs), len(failures), maxCalls, maxName)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func diffLines(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
