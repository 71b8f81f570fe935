package ports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// TestHostileRecipeInTree: a tree holding recipes that once crashed the
// process (a panic on the left of a pipeline, nesting deep enough to
// overflow the stack) loads; those versions are skipped as broken and the
// rest of the tree is evaluated.
func TestHostileRecipeInTree(t *testing.T) {
	root := copyTree(t, "sys-libs")
	hostile := map[string]string{
		"panic":   "x=$(tr '[:]' b | head -n 1)\n",
		"nesting": strings.Repeat("{ ", 400_000) + ":" + strings.Repeat("; }", 400_000) + "\n",
	}
	for name, src := range hostile {
		dir := filepath.Join(root, "dev-test", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-1.0.recipe"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := Load(context.Background(), root, recipe.Target{Arch: pkginfo.ArchX86_64}, Options{Settings: referenceSettings(t)})
	if err != nil {
		t.Fatal(err)
	}
	if p := tree.Port("zlib"); p == nil {
		t.Error("zlib missing beside the hostile recipes")
	}
	for name := range hostile {
		found := false
		for _, s := range tree.Skipped {
			if s.ID == name+"-1.0" {
				found = true
				if len(s.Reason) > 600 {
					t.Errorf("%s: reason of %d bytes", name, len(s.Reason))
				}
			}
		}
		if !found {
			t.Errorf("%s-1.0 not skipped: %+v", name, tree.Skipped)
		}
	}
}
