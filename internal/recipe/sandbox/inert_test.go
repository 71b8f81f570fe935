package sandbox

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMarkedReuse: with Options.Variants, an evaluation whose variables
// differ only in ones the script copies without looking at them is derived
// from one marked run, and every outcome is what Eval gives.
func TestMarkedReuse(t *testing.T) {
	long := strings.Repeat("v", 90)
	for _, tc := range []struct {
		name   string
		src    string
		b      string // x in the second evaluation ("2" when empty; "1" in the first)
		opts   Options
		marked bool // the second evaluation reused a marked run
	}{
		{name: "copy", src: "A=$x\n", marked: true},
		{name: "concatenation", src: "A=\"lib$x = 1\"\nB=${x}_devel\n", marked: true},
		{name: "through a variable", src: "y=$x\nA=\"p$y\"\n", marked: true},
		{name: "append", src: "A=a\nA+=$x\n", marked: true},
		{name: "twice in one statement", src: "A=$x B=$x$x\n", marked: true},
		{name: "called function", src: "f() { A=$x; }\nf\n", marked: true},
		{name: "phase function", src: "BUILD() { make $x; }\nA=$x\n", marked: true},
		{name: "untaken branch", src: "if false; then A=$x; fi\nB=$x\n", marked: true},
		{name: "command substitution beside", src: "A=\"$(echo a)$x\"\n", marked: true},
		{name: "revision shortcut", src: "REVISION=\"2\"\nA=\"$x-$portRevision\"\n", marked: true},
		{name: "revision", src: "A=$portVersion\nREVISION=\"2\"\nB=\"$x-$portRevision\"\n", marked: true},
		{name: "test", src: "[ -n \"$x\" ] && A=1\n"},
		{name: "test through a variable", src: "y=$x\n[ \"$y\" = 2 ] && A=1\n"},
		{name: "default", src: "A=${x:-none}\n"},
		{name: "length", src: "A=${#x}\n"},
		{name: "argument", src: "echo $x >/dev/null\nA=1\n"},
		{name: "temporary assignment", src: "A=$x true\n"},
		{name: "inside a command substitution", src: "A=$(echo $x)\n"},
		{name: "case", src: "case $x in 2) A=two;; esac\n"},
		{name: "for", src: "for i in $x; do A=$i; done\n"},
		{name: "array", src: "A=($x)\n"},
		{name: "arithmetic", src: "A=$((x+1))\n"},
		{name: "eval", src: "eval 'A=$x'\n"},
		{name: "indirect", src: "n=x\nA=${!n}\n"},
		{name: "test by name", src: "[[ -v x ]] && A=1\n"},
		{name: "unset", src: "unset x\nA=1\n"},
		{name: "sink", src: "IFS=$x\nA=\"a b\"\n"},
		{name: "path", src: "PATH=$x:$PATH\nA=1\n"},
		{name: "revisionVariables assigned", src: "revisionVariables=x\nA=$x\nREVISION=\"3\"\n"},
		{name: "debug info package", src: "defineDebugInfoPackage foo$x \"$x\"/lib/libfoo.so.1\nA=1\n", marked: true},
		{name: "debug info directory", src: "defineDebugInfoPackage --directory \"$x/d\" foo$x \"$x\"/libfoo.so\n", marked: true},
		{name: "debug info versioned path", src: "v=1.2\ndefineDebugInfoPackage foo$x \"$x\"/libfoo.so.$v $x/bin/foo\n", marked: true},
		{name: "debug info base name from x", src: "defineDebugInfoPackage foo \"$portVersion\"/lib$x.so\n"},
		{name: "debug info first argument expanded", src: "defineDebugInfoPackage $portVersion \"$x\"/a\n"},
		{name: "debug info helper redefined", src: "f() { defineDebugInfoPackage() { A=$x; }; }\nf\ndefineDebugInfoPackage foo$x \"$x\"/a\n"},
		{name: "debug info value with a space", src: "defineDebugInfoPackage foo$x \"$x\"/libfoo.so\n", b: "a b"},
		{name: "debug info glob value", src: "defineDebugInfoPackage foo$x $x/libfoo.so\n", b: "*"},
		{name: "debug info base name from a value", src: "defineDebugInfoPackage foo \"$x\"\n"},
		{name: "debug info first argument", src: "defineDebugInfoPackage $x \"$x\"/a\n"},
		{name: "debug info assigned variable", src: "y=$x\ndefineDebugInfoPackage foo$y \"$y\"/a\n"},
		// the marked run's bounds scaled to the longer value no longer hold
		{name: "statement bound", src: "A=$x$x\n", b: long, opts: Options{MaxVarSize: 100}},
		{name: "bound holds", src: "A=$x\n", b: long, opts: Options{MaxVarSize: 200}, marked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			if b == "" {
				b = "2"
			}
			optsA, optsB := tc.opts, tc.opts
			optsA.Vars = []Var{{"portVersion", "1.0"}, {"x", "1"}, {"portRevision", "$REVISION"}}
			optsB.Vars = []Var{{"portVersion", "1.0"}, {"x", b}, {"portRevision", "$REVISION"}}
			s, err := Prepare([]byte(tc.src), "t.recipe", Options{Variants: true})
			if err != nil {
				t.Fatal(err)
			}
			resA, trA, errA := s.EvalTraced(context.Background(), optsA, nil)
			wantA, werrA := Eval(context.Background(), []byte(tc.src), "t.recipe", optsA)
			if !sameOutcome(corpusOutcome{resA, errA}, corpusOutcome{wantA, werrA}) {
				t.Fatalf("traced evaluation differs from Eval: %v / %v\n%v\n%v", errA, werrA, resA, wantA)
			}
			resB, trB, errB := s.EvalTraced(context.Background(), optsB, trA)
			wantB, werrB := Eval(context.Background(), []byte(tc.src), "t.recipe", optsB)
			if !sameOutcome(corpusOutcome{resB, errB}, corpusOutcome{wantB, werrB}) {
				t.Fatalf("evaluation after a trace differs from Eval: %v / %v\n%v\n%v", errB, werrB, resB, wantB)
			}
			if marked := trA != nil && trA.marks != nil && trB == trA; marked != tc.marked {
				t.Errorf("reused a marked run: %v, want %v", marked, tc.marked)
			}
			if resB != nil {
				for name, v := range resB.Vars {
					if strings.Contains(v, markNonce) {
						t.Errorf("%s holds a marker: %q", name, v)
					}
				}
			}
		})
	}
}

// TestMarksSubst: markers are replaced whole; anything that looks like a
// marker of this process but is not one of the set is refused.
func TestMarksSubst(t *testing.T) {
	m := newMarks([]string{"a", "b"}, map[string]string{"a": "x", "b": strings.Repeat("y", 100)})
	vals := map[string]string{"a": "A", "b": "BB"}
	get := func(n string) string { return vals[n] }
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{in: "plain", want: "plain", ok: true},
		{in: "p" + m.byName["a"] + "-" + m.byName["b"] + m.byName["a"], want: "pA-BBA", ok: true},
		{in: markNonce + "9:\x02", ok: false},
		{in: "p" + markNonce + "0:", ok: false}, // no closing byte
	} {
		got, ok := m.subst(tc.in, get)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("subst(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if len(m.byName["b"]) < 100+markSlack {
		t.Errorf("marker of a 100-byte value is %d bytes", len(m.byName["b"]))
	}
	if r := m.ratio(func(string) string { return strings.Repeat("z", 1000) }); r <= 1 {
		t.Errorf("ratio %v for values longer than their markers", r)
	}
}

// FuzzVariants: for any script, the traced evaluation of a script
// prepared for variants and the evaluation derived from it for the
// secondary variables give what Eval gives (outcomes that depend on time
// or on map order are not compared).
func FuzzVariants(f *testing.F) {
	for i, r := range corpusRecipes(f) {
		if i%150 == 0 {
			f.Add(r.src)
		}
	}
	for _, src := range []string{
		"y=$secondaryArchSuffix\nPROVIDES=\"lib$portName$y = $portVersion\"\n",
		"[ -n \"$secondaryArchSuffix\" ] && A=1\nB=$libDir\n",
		"f() { A=\"$binDir/x\"; }\nif true; then f; fi\nB=\"${A}$secondaryArchSubDir\"\n",
		"A=$libDir\nA=$A$A$A$A$A$A$A$A\nA=$A$A$A$A$A$A$A$A\n",
	} {
		f.Add([]byte(src))
	}
	dir := f.TempDir()
	optsA := Options{
		Vars:    testVars(filepath.Join(dir, "fuzz-1.0.recipe")),
		Dir:     dir,
		Timeout: 250 * time.Millisecond, MaxCalls: 5000, MaxOutput: 1 << 20, MaxVarSize: 4096,
	}
	optsB := optsA
	optsB.Vars = secondaryVars(optsA.Vars)
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Prepare(src, "fuzz.recipe", Options{Variants: true})
		if err != nil || bytes.Contains(src, []byte("declare -A")) || bytes.Contains(src, []byte("typeset -A")) {
			return
		}
		resA, tr, errA := s.EvalTraced(context.Background(), optsA, nil)
		wantA, werrA := Eval(context.Background(), src, "fuzz.recipe", optsA)
		if timedOut(errA, werrA) {
			return
		}
		if !sameOutcome(corpusOutcome{resA, errA}, corpusOutcome{wantA, werrA}) {
			t.Fatalf("traced evaluation differs from Eval: %v / %v\n%v\n%v", errA, werrA, resA, wantA)
		}
		resB, errB := s.EvalReusing(context.Background(), optsB, tr)
		wantB, werrB := Eval(context.Background(), src, "fuzz.recipe", optsB)
		if timedOut(errB, werrB) {
			return
		}
		if !sameOutcome(corpusOutcome{resB, errB}, corpusOutcome{wantB, werrB}) {
			t.Fatalf("derived evaluation differs from Eval: %v / %v\n%v\n%v", errB, werrB, resB, wantB)
		}
	})
}

func timedOut(errs ...error) bool {
	for _, err := range errs {
		if errors.Is(err, ErrTimeLimit) {
			return true
		}
	}
	return false
}
