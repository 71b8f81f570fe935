package sandbox

import (
	"context"
	"maps"
	"slices"
	"testing"
)

// TestPresetRevisionCorpus proves the updateRevisionVariables shortcut
// (revision.go) equivalent to running the helper: every corpus recipe is
// evaluated both ways, and the results (variables, arrays, functions,
// stderr, error) must be identical. It also checks that the shortcut is
// taken for most recipes, or it would save nothing.
func TestPresetRevisionCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("whole corpus skipped in -short mode")
	}
	rs, fast := evaluatedCorpus(t)
	slow := evalCorpus(rs, func(r corpusRecipe) Options {
		o := corpusOptions(r)
		o.noShortcuts = true
		return o
	})
	preset := 0
	for i, r := range rs {
		f, err := parse(revisionReader(r.src), "")
		if err == nil {
			if _, _, ok := findRevisionPreset(f).usable(revisionNames(corpusOptions(r).Vars)); ok {
				preset++
			}
		}
		a, b := fast[i], slow[i]
		if (a.err == nil) != (b.err == nil) || a.err != nil && a.err.Error() != b.err.Error() {
			t.Errorf("%s: error %v with the shortcut, %v without", r.rel, a.err, b.err)
			continue
		}
		if a.res == nil {
			continue
		}
		if !maps.Equal(a.res.Vars, b.res.Vars) && deterministic(t, r) {
			for k, v := range b.res.Vars {
				if a.res.Vars[k] != v {
					t.Errorf("%s: %s=%q with the shortcut, %q without", r.rel, k, a.res.Vars[k], v)
				}
			}
			for k := range a.res.Vars {
				if _, ok := b.res.Vars[k]; !ok {
					t.Errorf("%s: %s set only with the shortcut", r.rel, k)
				}
			}
		}
		if !maps.EqualFunc(a.res.Arrays, b.res.Arrays, slices.Equal) || !slices.Equal(a.res.Funcs, b.res.Funcs) || a.res.Stderr != b.res.Stderr {
			t.Errorf("%s: arrays, functions or stderr differ with the shortcut", r.rel)
		}
	}
	t.Logf("shortcut taken for %d of %d recipes", preset, len(rs))
	if preset < len(rs)*3/4 {
		t.Errorf("shortcut taken for only %d of %d recipes", preset, len(rs))
	}
}

// deterministic evaluates r twice more without shortcuts and reports
// whether the variables came out the same (a recipe iterating over an
// associative array is not: the interpreter's order is random).
func deterministic(t *testing.T, r corpusRecipe) bool {
	o := corpusOptions(r)
	o.noShortcuts = true
	// A recipe that iterates over an associative array (whose order the
	// interpreter randomises) may agree with itself by chance: only
	// several equal evaluations count as deterministic.
	a, _ := Eval(context.Background(), r.src, r.rel, o)
	for range 8 {
		b, _ := Eval(context.Background(), r.src, r.rel, o)
		if a == nil || b == nil {
			return true
		}
		if !maps.Equal(a.Vars, b.Vars) {
			t.Logf("%s: not deterministic (iterates over an associative array), not compared", r.rel)
			return false
		}
	}
	return true
}

// TestPresetRevision covers the cases the shortcut must decline or handle.
func TestPresetRevision(t *testing.T) {
	vars := append(testVars("/tree/cat/foo/foo-1.0.recipe"), Var{"custom", "x-$REVISION-${REVISION}"})
	for _, src := range []string{
		"SUMMARY=\"a\"\nREVISION=\"3\"\nA=$prefix\n",
		"SUMMARY=\"$prefix\"\nREVISION=\"3\"\nA=$prefix\n",                      // reads before: general path
		"prefix=/x\nREVISION=\"3\"\nA=$prefix\n",                                // assigns a revision variable before
		"REVISION=\"3\" >/dev/null\nA=$prefix\n",                                // redirection
		"REVISION=\"$x\"\nA=$prefix\n",                                          // not a literal
		"revisionVariables=custom\nREVISION=\"3\"\nA=$prefix\n",                 // the list changed before
		"REVISION=\"3\"\nREVISION=\"4\"\nA=$prefix$custom\n",                    // second call is a no-op
		"REVISION=\"3\"\nrevisionVariables=custom\nREVISION=\"4\"\nA=$custom\n", // second list
		"f() { REVISION=\"5\"; }\nREVISION=\"3\"\nf\nA=$portRevision\n",
		"MY_REVISION=\"2\"\nREVISION=\"3\"\nA=$portFullVersion\n",
		"echo x\nREVISION=\"3\"\nA=$prefix\n",
	} {
		fast, ferr := Eval(context.Background(), []byte(src), "t.recipe", Options{Vars: vars})
		slow, serr := Eval(context.Background(), []byte(src), "t.recipe", Options{Vars: vars, noShortcuts: true})
		if ferr != nil || serr != nil {
			t.Fatalf("%q: %v / %v", src, ferr, serr)
		}
		if !maps.Equal(fast.Vars, slow.Vars) {
			t.Errorf("%q: variables differ: A=%q/%q custom=%q/%q", src, fast.Vars["A"], slow.Vars["A"], fast.Vars["custom"], slow.Vars["custom"])
		}
	}
}
