package sandbox

import (
	"context"
	"strings"
	"testing"
)

// TestLean: which top-level guards the recipe's prepare computes up front,
// and that the lean list gives what the guarded one gives, bounds
// included.
func TestLean(t *testing.T) {
	long := strings.Repeat("v", 300)
	for _, tc := range []struct {
		name    string
		src     string
		x       string // the value of x ("1" when empty)
		opts    Options
		dropped int // guards computed up front
	}{
		{name: "copies", src: "A=$x\nB=\"lib$x$portVersion\"\n", dropped: 2},
		{name: "assigned later", src: "A=$x\nx=2\n", dropped: 0},
		{name: "assigned in a called function", src: "f() { x=3; }\nA=$x\nf\n", dropped: 0},
		{name: "assigned in a phase function", src: "BUILD() { x=3; export CFLAGS; }\nA=$x\n", dropped: 1},
		{name: "other variable assigned", src: "y=1\nA=$x$y\nB=$x\n", dropped: 1},
		{name: "read anywhere that runs", src: "A=$x\nread y </dev/null\n", dropped: 0},
		{name: "for loop variable", src: "for x in 1; do :; done\nA=$x\n", dropped: 0},
		{name: "default assignment", src: "A=${x:=5}\n", dropped: 0},
		{name: "nested lists keep their guards", src: "if true; then A=$x; fi\n", dropped: 0},
		{name: "statement bound", src: "A=$x$x\n", x: long, opts: Options{MaxVarSize: 500}, dropped: 1},
		{name: "call bound", src: "A=$x\nB=$x\nC=$x\n", opts: Options{MaxCalls: 4}, dropped: 3},
		{name: "budget", src: "A=$x\nB=$x\n", x: long, opts: Options{MaxVars: 64 * 500}, dropped: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.x
			if x == "" {
				x = "1"
			}
			opts := tc.opts
			opts.Vars = []Var{{"portVersion", "1.0"}, {"x", x}}
			lean, err := Prepare([]byte(tc.src), "t.recipe", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(lean.leanGuards) != tc.dropped {
				t.Errorf("%d guards computed up front, want %d", len(lean.leanGuards), tc.dropped)
			}
			guarded := *lean
			guarded.lean, guarded.leanGuards = nil, nil
			res, err := lean.Eval(context.Background(), opts)
			want, werr := guarded.Eval(context.Background(), opts)
			if !sameOutcome(corpusOutcome{res, err}, corpusOutcome{want, werr}) {
				t.Errorf("lean: %v %v\nguarded: %v %v", res, err, want, werr)
			}
		})
	}
}
