package recipe

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestLongValuesCutInErrors: a broken recipe's message quotes at most an
// excerpt of the value (issue 7: 300 KB of input came back in an error).
func TestLongValuesCutInErrors(t *testing.T) {
	tree, _ := filepath.Abs("testdata/tree")
	path := filepath.Join(tree, "dev-test/varcheck/varcheck-1.0.recipe")
	st := DefaultSettings()
	for _, src := range []string{
		"REVISION=\"" + strings.Repeat("x", 200_000) + "\"\n",
		"x=$(printf '%200000s' a); y=(${x// /\\(}\n",
		strings.Repeat("(", 300_000) + "\n",
	} {
		p, err := EvaluateSource(context.Background(), []byte(src), path, tree, Target{Arch: pkginfo.ArchX86_64}, &st)
		if err != nil {
			t.Fatal(err)
		}
		if p.Error == "" || len(p.Error) > 1000 {
			t.Errorf("%.30q: error of %d bytes: %.200s", src, len(p.Error), p.Error)
		}
	}
}
