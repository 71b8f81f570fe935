package ports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// TestOversizedRecipe: a recipe over recipe.MaxRecipeSize is not read in
// full; its version is skipped as broken and an older one becomes active.
func TestOversizedRecipe(t *testing.T) {
	root := copyTree(t, "sys-libs")
	dir := filepath.Join(root, "sys-libs", "zlib")
	good, err := os.ReadFile(filepath.Join(dir, "zlib-1.3.2.recipe"))
	if err != nil {
		t.Fatal(err)
	}
	huge := append([]byte(strings.Repeat("# padding\n", recipe.MaxRecipeSize/10+1)), good...)
	if err := os.WriteFile(filepath.Join(dir, "zlib-9.0.recipe"), huge, 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := Load(context.Background(), root, recipe.Target{Arch: pkginfo.ArchX86_64}, Options{Settings: referenceSettings(t)})
	if err != nil {
		t.Fatal(err)
	}
	if p := tree.Port("zlib"); p == nil || p.Version != "1.3.2" {
		t.Fatalf("active zlib: %+v", p)
	}
	found := false
	for _, s := range tree.Skipped {
		if s.ID == "zlib-9.0" && strings.Contains(s.Reason, "recipe too large") {
			found = true
		}
	}
	if !found {
		t.Errorf("zlib-9.0 not skipped as too large: %+v", tree.Skipped)
	}
}

// TestTimedOutNotCached: an evaluation stopped by the time limit is
// skipped as broken but evaluated again on the next run.
func TestTimedOutNotCached(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "dev-test", "spin", "spin-1.0.recipe")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := recipe.DefaultSettings()
	st.Timeout = time.Nanosecond // expires before the recipe runs
	opts := Options{Settings: &st, CacheDir: t.TempDir()}
	for run := range 2 {
		tree, err := Load(context.Background(), root, recipe.Target{Arch: pkginfo.ArchX86_64}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Stats.Evaluated != 1 || len(tree.Skipped) != 1 || !strings.Contains(tree.Skipped[0].Reason, "time limit") {
			t.Fatalf("run %d: %+v, skipped %+v", run, tree.Stats, tree.Skipped)
		}
	}
}
