package sandbox

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// secondaryVars turns x86_64 variables into those of a secondary x86
// evaluation on x86_gcc2, as HaikuPorter sets them.
func secondaryVars(vs []Var) []Var {
	out := slices.Clone(vs)
	for i, v := range out {
		switch v.Name {
		case "portName", "portVersionedName", "portRevisionedName":
			name := out[0].Value // portName comes first
			out[i].Value = strings.Replace(v.Value, name, name+"_x86", 1)
		case "targetArchitecture", "buildArchitecture":
			out[i].Value = "x86_gcc2"
		case "secondaryArchSuffix":
			out[i].Value = "_x86"
		case "secondaryArchSubDir":
			out[i].Value = "/x86"
		case "effectiveTargetArchitecture":
			out[i].Value = "x86"
		case "effectiveTargetMachineTriple":
			out[i].Value = "i586-pc-haiku"
		case "libDir", "binDir", "includeDir", "developLibDir":
			out[i].Value = v.Value + "/x86"
		}
	}
	return out
}

// TestScriptCorpus proves a prepared Script equivalent to Eval: every
// corpus recipe is prepared once and evaluated for x86_64 and for a
// secondary x86, both at once on the same Script (for the race detector),
// and each result must equal Eval's of the same source and options.
func TestScriptCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("whole corpus skipped in -short mode")
	}
	rs, primary := evaluatedCorpus(t)
	for i, r := range rs {
		s, err := Prepare(r.src, r.rel, Options{})
		if err != nil {
			t.Fatalf("%s: %v", r.rel, err)
		}
		optsA := corpusOptions(r)
		optsB := optsA
		optsB.Vars = secondaryVars(optsA.Vars)
		var got [2]corpusOutcome
		var wg sync.WaitGroup
		for k, o := range []Options{optsA, optsB} {
			wg.Go(func() {
				res, err := s.Eval(context.Background(), o)
				got[k] = corpusOutcome{res, err}
			})
		}
		wg.Wait()
		resB, errB := Eval(context.Background(), r.src, r.rel, optsB)
		for k, want := range []corpusOutcome{primary[i], {resB, errB}} {
			if !sameOutcome(got[k], want) && deterministic(t, r) {
				t.Errorf("%s (evaluation %d): prepared script differs from Eval: %v / %v", r.rel, k, got[k].err, want.err)
			}
		}
	}
}

func sameOutcome(a, b corpusOutcome) bool {
	if (a.err == nil) != (b.err == nil) {
		return false
	}
	if a.err != nil {
		return a.err.Error() == b.err.Error()
	}
	return maps.Equal(a.res.Vars, b.res.Vars) && maps.EqualFunc(a.res.Arrays, b.res.Arrays, slices.Equal) &&
		slices.Equal(a.res.Funcs, b.res.Funcs) && a.res.Stderr == b.res.Stderr && a.res.Calls == b.res.Calls
}

// TestScriptErrors: Prepare fails as Eval does on a bad source, and a
// Script checks its options.
func TestScriptErrors(t *testing.T) {
	for _, src := range []string{"if then fi\n", "x=\xff\n", strings.Repeat("(", 3000)} {
		_, perr := Prepare([]byte(src), "bad.recipe", Options{})
		_, eerr := Eval(context.Background(), []byte(src), "bad.recipe", Options{})
		if perr == nil || eerr == nil || perr.Error() != eerr.Error() {
			t.Errorf("%.20q: Prepare: %v, Eval: %v", src, perr, eerr)
		}
	}
	s, err := Prepare([]byte("A=1\n"), "ok.recipe", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Eval(context.Background(), Options{Vars: []Var{{"1x", "y"}}}); err == nil || !strings.Contains(err.Error(), `"1x"`) {
		t.Errorf("invalid variable name accepted: %v", err)
	}
	res, err := s.Eval(context.Background(), Options{})
	if err != nil || res.Vars["A"] != "1" {
		t.Errorf("A=%q, %v", res.Vars["A"], err)
	}
}
