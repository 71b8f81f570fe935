package sandbox

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// evalBothWays evaluates src with and without the shortcuts and fails t
// when the outcomes differ in anything a caller sees.
func evalBothWays(t *testing.T, src string, o Options) *Result {
	t.Helper()
	fast, ferr := Eval(context.Background(), []byte(src), "t.recipe", o)
	o.noShortcuts = true
	slow, serr := Eval(context.Background(), []byte(src), "t.recipe", o)
	if (ferr == nil) != (serr == nil) || ferr != nil && errorText(src, ferr) != errorText(src, serr) {
		t.Fatalf("%q: error %v with the shortcuts, %v without", src, ferr, serr)
	}
	if ferr != nil {
		return nil
	}
	if !maps.Equal(fast.Vars, slow.Vars) {
		for k, v := range slow.Vars {
			if fast.Vars[k] != v {
				t.Errorf("%q: %s=%q with the shortcuts, %q without", src, k, fast.Vars[k], v)
			}
		}
		for k := range fast.Vars {
			if _, ok := slow.Vars[k]; !ok {
				t.Errorf("%q: %s set only with the shortcuts", src, k)
			}
		}
	}
	// The revision shortcut leaves out the helper's commands.
	calls := fast.Calls == slow.Calls || strings.Contains(src, "REVISION=")
	if !maps.EqualFunc(fast.Arrays, slow.Arrays, slices.Equal) || !slices.Equal(fast.Funcs, slow.Funcs) ||
		fast.Stderr != slow.Stderr || !calls {
		t.Errorf("%q: arrays, functions, stderr or calls differ with the shortcuts (calls %d, %d)", src, fast.Calls, slow.Calls)
	}
	return fast
}

// errorText is err's message; with the revision shortcut, without the
// last command, which may be the helper's the shortcut left out.
func errorText(src string, err error) string {
	msg := err.Error()
	if strings.Contains(src, "REVISION=") {
		if i := strings.Index(msg, " (last command "); i >= 0 {
			if j := strings.Index(msg[i:], ")"); j >= 0 {
				msg = msg[:i] + msg[i+j+1:]
			}
		}
	}
	return msg
}

// TestPreset checks the static prefix (preset.go) against the
// interpreter: how much of each recipe it covers, and that doing it ahead
// changes nothing an evaluation returns, or the error it fails with.
func TestPreset(t *testing.T) {
	vars := testVars("/tree/cat/foo/foo-1.2.3.recipe")
	for _, c := range []struct {
		src    string
		prefix int // statements of the prefix, before the rewrite's additions
		want   map[string]string
	}{
		{"SUMMARY=\"s\"\nDESCRIPTION='d'\nHOMEPAGE=https://x/\n", 3, map[string]string{"HOMEPAGE": "https://x/"}},
		{"A=\"$portName-$portVersion\"\nB=${A}x$A\nC=$undefined\n", 3, map[string]string{"B": "foo-1.2.3xfoo-1.2.3", "C": ""}},
		{"V=1.2.3\nA=${V%.*}\nB=${V%%.*}\nC=${V#*.}\nD=${V##*.}\nE=${V%.3}\nF=${V#1.}\nG=${V%x*}\n", 8,
			map[string]string{"A": "1.2", "B": "1", "C": "2.3", "D": "3", "E": "1.2", "F": "2.3", "G": "1.2.3"}},
		{"V=a_b_c\nA=${V/_/-}\nB=${V//_/}\nC=\"${V/\\_/.}\"\nD=${V//x/y}\n", 5,
			map[string]string{"A": "a-b_c", "B": "abc", "C": "a.b_c", "D": "a_b_c"}},
		{"A=\"a\\\"b\\$c\\\\d\\e\"\nB=\"x\\\ny\"\n", 2, map[string]string{"A": `a"b$c\d\e`, "B": "xy"}},
		{"A=1\nf() { B=$A; }\nC=$A$A\nf\n", 3, map[string]string{"B": "1", "C": "11"}},
		{"f() { echo \"$A\" >&2; }\nA=1\nf\nA=2\n", 2, map[string]string{"A": "2"}},
		{"SUMMARY=\"s\"\nREVISION=\"4\"\nA=$portFullVersion\n", 3, map[string]string{"A": "1.2.3-4"}}, // + the revision call
		{"A=$portName\nREVISION=\"4\"\nB=$portFullVersion\n", 3, map[string]string{"B": "1.2.3-4"}},
		// X is assigned again: the guard of Y is not lean, and is done ahead
		{"X=abc\nY=\"$X$X\"\nX=d\n", 3, map[string]string{"Y": "abcabc", "X": "d"}}, // + Y's guard
		// the prefix ends
		{"A=1\nif true; then A=2; fi\nB=$A\n", 1, map[string]string{"B": "2"}},
		{"A=${portName:0:1}\n", 0, map[string]string{"A": "f"}},
		{"A=${portName/o/&&}\n", 0, nil},
		{"A=~/x\nB=x:~/y\n", 0, nil},
		{"A=(1 2)\nB+=x\nC=1 D=2\nreadonly E=1\n", 0, nil},
		{"A=${portName%%[a-z]*}\nB=${portName%*}\nC=${portName#.*}\n", 0, nil},
		{"A=$(echo x)\nB=$((1+2))\n", 0, nil},
		{"A=$RANDOM\nB=$PWD\nIFS=:\n", 0, nil},
		// decided per evaluation: the prefix covers them, the run does not
		{"portName=bar\nA=$portName\n", 2, map[string]string{"A": "bar"}},
		{"PATH=/x\nA=$PATH\n", 2, map[string]string{"A": "/x"}},
		{"A='x\\y'\nB=$A\nC=\"$A\"\n", 3, map[string]string{"B": `x\y`, "C": `x\y`}},
	} {
		o := Options{Vars: vars}
		o = o.withDefaults()
		s, err := prepare([]byte(c.src), "t.recipe", &o)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		kinds := s.prefix
		if s.lean != nil {
			kinds = s.leanPrefix
		}
		n := 0 // the recipe's own statements
		for _, k := range kinds {
			if k == presetAssign || k == presetFunc {
				n++
			}
		}
		if n != c.prefix {
			t.Errorf("%q: static prefix of %d statements, want %d", c.src, n, c.prefix)
		}
		res := evalBothWays(t, c.src, Options{Vars: vars})
		for k, v := range c.want {
			if res == nil || res.Vars[k] != v {
				t.Errorf("%q: %s=%q, want %q", c.src, k, res.Vars[k], v)
			}
		}
	}
}

// TestPresetLimits checks that a static guard over a bound fails the
// evaluation where the interpreter would, with the same error.
func TestPresetLimits(t *testing.T) {
	for _, c := range []struct {
		src  string
		opts Options
	}{
		{"X=aaaaaaaaaa\nY=\"$X$X$X\"\nX=b\n", Options{MaxVarSize: 20}},
		{"X=aaaaaaaaaa\nY=\"$X$X\"\nZ=\"$Y$Y\"\nX=b\nY=c\n", Options{MaxVars: 30}},
		{"X=a\nY=$X\nZ=$X\nX=b\n", Options{MaxCalls: 1}},
	} {
		_, err := Eval(context.Background(), []byte(c.src), "t.recipe", c.opts)
		if err == nil {
			t.Errorf("%q: no error over the limit", c.src)
		}
		evalBothWays(t, c.src, c.opts)
	}
}

// FuzzPreset compares evaluations with and without the shortcuts.
func FuzzPreset(f *testing.F) {
	for _, s := range []string{
		"SUMMARY=\"s\"\nREVISION=\"4\"\nA=$portFullVersion\nB=${A%%-*}\nf() { :; }\nC=\"$B\\\"\"\n",
		"V=1.2.3\nA=${V%.*}\nB=${V##*.}\nC=${V/./_}\nD=${V//./}\nX=$A\nA=2\n",
		"A=\"a\\\"b\\$c\\\\d\\e\"\nB='x\\y'\nC=$B$A\nif true; then A=2; fi\n",
	} {
		f.Add(s)
	}
	vars := testVars("/tree/cat/foo/foo-1.2.3.recipe")
	f.Fuzz(func(t *testing.T, src string) {
		if strings.Contains(src, "|") {
			return // a pipeline's commands write to stderr concurrently
		}
		o := Options{Vars: vars, Timeout: time.Second, noShortcuts: true}
		// Only deterministic evaluations compare (associative arrays
		// iterate in a random order, pipelines write to stderr at once).
		a, aerr := Eval(context.Background(), []byte(src), "t.recipe", o)
		b, berr := Eval(context.Background(), []byte(src), "t.recipe", o)
		if (aerr == nil) != (berr == nil) || aerr != nil && aerr.Error() != berr.Error() ||
			a != nil && (!maps.Equal(a.Vars, b.Vars) || a.Stderr != b.Stderr) {
			return
		}
		if aerr != nil && strings.Contains(aerr.Error(), "time") {
			return
		}
		o.noShortcuts = false
		evalBothWays(t, src, o)
	})
}
