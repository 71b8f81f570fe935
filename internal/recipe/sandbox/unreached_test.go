package sandbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestUnreachedFuncs: the bodies of functions the code that can run never
// calls are left as written, yet what would fail the recipe in them still
// does; a called function (directly, through another, or when anything
// calls by a computed name) is rewritten, so its bounds hold.
func TestUnreachedFuncs(t *testing.T) {
	loop := "while :; do :; done"
	for _, tc := range []struct {
		name    string
		src     string
		skipped []string // the functions left as written
		err     error    // what Eval fails with, if it fails
	}{
		{name: "phase functions", src: "BUILD() { make; }\nINSTALL() { " + loop + "; }\nA=1\n", skipped: []string{"BUILD", "INSTALL"}},
		{name: "called", src: "f() { " + loop + "; }\nf\n", err: ErrLimit},
		{name: "called through another", src: "g() { " + loop + "; }\nf() { g; }\nA=$(f)\n", err: ErrLimit},
		{name: "computed name", src: "f() { " + loop + "; }\nn=f\n$n\n", err: ErrLimit},
		{name: "eval", src: "f() { " + loop + "; }\neval f\n", err: ErrLimit},
		{name: "syntax error in a body", src: "BUILD() { g() {{ :; }}; }\n", skipped: []string{"BUILD"}, err: ErrSyntax},
		{name: "quadratic substitution in a body", src: "BUILD() { y=${x//a/$x}; }\n", skipped: []string{"BUILD"}, err: ErrRefused},
		{name: "brace bomb in a body", src: "BUILD() { echo " + strings.Repeat("{a,b}", 16) + "; }\n", skipped: []string{"BUILD"}, err: ErrLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse(strings.NewReader(tc.src), "")
			if err != nil {
				t.Fatal(err)
			}
			var skipped []string
			for fd := range reachOf(f).unreached {
				skipped = append(skipped, fd.Name.Value)
			}
			slices.Sort(skipped)
			if !slices.Equal(skipped, tc.skipped) {
				t.Errorf("skipped %v, want %v", skipped, tc.skipped)
			}
			_, err = Eval(context.Background(), []byte(tc.src), "t.recipe", Options{MaxCalls: 1000})
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("Eval: %v, want %v", err, tc.err)
			}
		})
	}
}
