package sandbox

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestTraceReuse: an evaluation with other variables reuses a traced one
// exactly when nothing could have seen the difference, and always gives
// what Eval gives.
func TestTraceReuse(t *testing.T) {
	long := strings.Repeat("v", 60_000)
	huge := strings.Repeat("v", DefaultMaxVarSize+1)
	for _, tc := range []struct {
		name   string
		src    string
		a, b   string // the values of x
		opts   Options
		reused bool
	}{
		{name: "literal", src: "A=1\nB=(1 2)\nf() { :; }\n", reused: true},
		{name: "other variable", src: "A=$portVersion\n", reused: true},
		{name: "loop and function", src: "f() { :; }\nfor i in 1 2; do f; done\nA=$i\n", reused: true},
		{name: "read", src: "A=$x\n"},
		{name: "read in a function", src: "f() { A=${x:-none}; }\nf\n"},
		{name: "indirect", src: "n=x\nA=${!n}\n"},
		{name: "eval", src: "eval 'A=$x'\n"},
		{name: "set -v test", src: "[[ -v x ]] && A=1\n"},
		{name: "length", src: "A=${#x}\n"},
		{name: "names by prefix", src: "A=\"${!x*}\"\n"},
		// mvdan's declare -p and set without names print nothing
		{name: "declare -p", src: "declare -p >/dev/null\n", reused: true},
		{name: "set", src: "set >/dev/null\n", reused: true},
		{name: "pipeline", src: "A=$(echo a | head -n 1)\n"},
		{name: "assignment", src: "x=3\n"},
		{name: "append", src: "x+=3\n"},
		{name: "unset", src: "unset x\n"},
		{name: "local", src: "f() { local x=1; }\nf\n"},
		{name: "export", src: "export x\n"},
		{name: "variable bound", src: "for i in 1; do :; done\n", b: huge},
		{name: "variable bound without check", src: "A=1\n", b: huge, reused: true},
		{name: "total bound", src: "for i in 1; do :; done\n", b: long, opts: Options{MaxVars: 50_000}},
		{name: "failure", src: "false\n"},
		{name: "revision shortcut", src: "REVISION=\"2\"\nA=1\n", reused: true},
		{name: "revision in x, shortcut", src: "REVISION=\"2\"\nA=1\n", b: "r$REVISION", reused: true},
		// updateRevisionVariables reads revisionVariables, which differs
		{name: "revision in x", src: "A=$portVersion\nREVISION=\"2\"\n", b: "r$REVISION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.a, tc.b
			if a == "" {
				a = "1"
			}
			if b == "" {
				b = "2"
			}
			optsA, optsB := tc.opts, tc.opts
			optsA.Vars = []Var{{"portVersion", "1.0"}, {"x", a}, {"portRevision", "$REVISION"}}
			optsB.Vars = []Var{{"portVersion", "1.0"}, {"x", b}, {"portRevision", "$REVISION"}}
			s, err := Prepare([]byte(tc.src), "t.recipe", Options{})
			if err != nil {
				t.Fatal(err)
			}
			resA, trA, errA := s.EvalTraced(context.Background(), optsA, nil)
			wantA, werrA := Eval(context.Background(), []byte(tc.src), "t.recipe", optsA)
			if !sameOutcome(corpusOutcome{resA, errA}, corpusOutcome{wantA, werrA}) {
				t.Fatalf("traced evaluation differs from Eval: %v / %v", errA, werrA)
			}
			if (trA == nil) != (errA != nil) {
				t.Fatalf("trace %v after error %v", trA, errA)
			}
			resB, trB, errB := s.EvalTraced(context.Background(), optsB, trA)
			wantB, werrB := Eval(context.Background(), []byte(tc.src), "t.recipe", optsB)
			if !sameOutcome(corpusOutcome{resB, errB}, corpusOutcome{wantB, werrB}) {
				t.Fatalf("evaluation after a trace differs from Eval: %v / %v\n%v\n%v", errB, werrB, resB, wantB)
			}
			if reused := trA != nil && trB == trA; reused != tc.reused {
				t.Errorf("reused: %v, want %v", reused, tc.reused)
			}
			resB, errB = s.EvalReusing(context.Background(), optsB, trA)
			if !sameOutcome(corpusOutcome{resB, errB}, corpusOutcome{wantB, werrB}) {
				t.Fatalf("EvalReusing differs from Eval: %v / %v", errB, werrB)
			}
		})
	}
}

// TestTraceOptions: a trace is reused only for the same Script and the
// same options but for the variables.
func TestTraceOptions(t *testing.T) {
	src := []byte("A=1\n")
	s, err := Prepare(src, "t.recipe", Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Prepare(src, "t.recipe", Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := Options{Vars: []Var{{"x", "1"}}, Dir: dir}
	_, tr, err := s.EvalTraced(context.Background(), base, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		script *Script
		opts   Options
		reused bool
	}{
		{"same", s, base, true},
		{"other variables", s, Options{Vars: []Var{{"x", "2"}, {"y", "3"}}, Dir: dir}, true},
		{"other script", other, base, false},
		{"other dir", s, Options{Vars: base.Vars, Dir: t.TempDir()}, false},
		{"other arch", s, Options{Vars: base.Vars, Dir: dir, Arch: "x86"}, false},
		{"other limit", s, Options{Vars: base.Vars, Dir: dir, MaxCalls: 5}, false},
	} {
		res, got, err := tc.script.EvalTraced(context.Background(), tc.opts, tr)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, err := Eval(context.Background(), src, "t.recipe", tc.opts)
		if err != nil || !sameOutcome(corpusOutcome{res, nil}, corpusOutcome{want, nil}) {
			t.Errorf("%s: differs from Eval (%v)", tc.name, err)
		}
		if (got == tr) != tc.reused {
			t.Errorf("%s: reused %v, want %v", tc.name, got == tr, tc.reused)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.EvalTraced(ctx, base, tr); err == nil {
		t.Error("canceled context: no error")
	}
}

// TestTraceCorpus proves reuse on the corpus: every recipe evaluated for
// x86_64 with a trace, then for a secondary x86 after it, must give what
// Eval gives for each.
func TestTraceCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("whole corpus skipped in -short mode")
	}
	rs, primary := evaluatedCorpus(t)
	reused, marked := 0, 0
	for i, r := range rs {
		s, err := Prepare(r.src, r.rel, Options{Variants: true})
		if err != nil {
			continue // Eval's failure, compared by TestScriptCorpus
		}
		optsA := corpusOptions(r)
		optsB := optsA
		optsB.Vars = secondaryVars(optsA.Vars)
		resA, trA, errA := s.EvalTraced(context.Background(), optsA, nil)
		if !sameOutcome(corpusOutcome{resA, errA}, primary[i]) && deterministic(t, r) {
			t.Errorf("%s: traced evaluation differs from Eval: %v / %v", r.rel, errA, primary[i].err)
		}
		resB, trB, errB := s.EvalTraced(context.Background(), optsB, trA)
		wantB, werrB := Eval(context.Background(), r.src, r.rel, optsB)
		if !sameOutcome(corpusOutcome{resB, errB}, corpusOutcome{wantB, werrB}) && deterministic(t, r) {
			t.Errorf("%s: evaluation after a trace differs from Eval: %v / %v", r.rel, errB, werrB)
		}
		if trA != nil && trB == trA {
			reused++
			if trA.marks != nil {
				marked++
			}
		}
	}
	t.Logf("%d of %d secondary evaluations reused the primary one, %d of them marked", reused, len(rs), marked)
	if reused == 0 || marked < 2000 {
		t.Errorf("%d evaluations reused, %d of them marked: want some, and over 2,000 marked", reused, marked)
	}
}

// TestUpperOnly: UpperOnly leaves out exactly the variables not starting
// with A–Z, also in a result reused from a trace.
func TestUpperOnly(t *testing.T) {
	src := []byte("A=$portVersion\nb=1\nC=(1 2)\nd=(3)\nf() { :; }\n")
	s, err := Prepare(src, "t.recipe", Options{})
	if err != nil {
		t.Fatal(err)
	}
	vars := []Var{{"portVersion", "1.0"}, {"X", "1"}, {"x", "1"}}
	full, err := s.Eval(context.Background(), Options{Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	upper, trace, err := s.EvalTraced(context.Background(), Options{Vars: vars, UpperOnly: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, full, upper *Result) {
		t.Helper()
		n := 0
		for name, v := range full.Vars {
			got, ok := upper.Vars[name]
			if upperName(name) != ok || ok && got != v {
				t.Errorf("%s: %s = %q (%v), full result %q", what, name, got, ok, v)
			}
			if ok {
				n++
			}
		}
		if n != len(upper.Vars) || len(upper.Arrays) != 1 || len(upper.Arrays["C"]) != 2 || !slices.Equal(upper.Funcs, full.Funcs) {
			t.Errorf("%s: %d of %d variables, arrays %v, funcs %v", what, len(upper.Vars), n, upper.Arrays, upper.Funcs)
		}
	}
	check("run", full, upper)
	other := []Var{{"portVersion", "1.0"}, {"X", "2"}, {"x", "2"}, {"Y", "3"}}
	full, err = s.Eval(context.Background(), Options{Vars: other})
	if err != nil {
		t.Fatal(err)
	}
	upper, again, err := s.EvalTraced(context.Background(), Options{Vars: other, UpperOnly: true}, trace)
	if err != nil || again != trace {
		t.Fatalf("not reused (%v)", err)
	}
	check("reused", full, upper)
	if _, again, _ := s.EvalTraced(context.Background(), Options{Vars: other}, trace); again == trace {
		t.Error("a trace of an UpperOnly evaluation reused for a full result")
	}
}
