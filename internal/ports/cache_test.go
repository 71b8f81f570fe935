package ports

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// copyTree copies the given categories of the corpus into a new directory.
func copyTree(t *testing.T, categories ...string) string {
	t.Helper()
	dst := t.TempDir()
	testenv.CopyTree(t, dst, testenv.Corpus(t), categories...)
	return dst
}

func activeJSON(t *testing.T, tr *Tree) string {
	t.Helper()
	data, err := json.Marshal(struct {
		A []*recipe.Port
		S []Skip
	}{tr.Active, tr.Skipped})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestCache(t *testing.T) {
	root := copyTree(t, "sys-libs", "app-arch")
	cacheDir := t.TempDir()
	opts := Options{Settings: referenceSettings(t), CacheDir: cacheDir}
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	ctx := context.Background()

	cold, err := Load(ctx, root, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cold.Stats.Evaluated == 0 || cold.Stats.Cached != 0 {
		t.Fatalf("cold run: %+v", cold.Stats)
	}
	warm, err := Load(ctx, root, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if warm.Stats.Evaluated != 0 || warm.Stats.Cached != cold.Stats.Evaluated {
		t.Fatalf("warm run: %+v after cold %+v", warm.Stats, cold.Stats)
	}
	if a, b := activeJSON(t, cold), activeJSON(t, warm); a != b {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("warm run differs from cold run at %d:\n%s\n%s", i, a[max(0, i-200):min(len(a), i+100)], b[max(0, i-200):min(len(b), i+100)])
	}

	// One changed recipe: only it is evaluated again.
	zlib := cold.Port("zlib")
	if zlib == nil {
		t.Fatal("no active zlib")
	}
	rp := filepath.Join(root, filepath.FromSlash(zlib.RecipePath))
	data, err := os.ReadFile(rp)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "SUMMARY=\"", "SUMMARY=\"Changed ", 1)
	if err := os.WriteFile(rp, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	one, err := Load(ctx, root, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if one.Stats.Evaluated != 1 {
		t.Fatalf("one changed recipe: %+v", one.Stats)
	}
	if s := one.Port("zlib").Summary; !strings.HasPrefix(s, "Changed ") {
		t.Fatalf("zlib summary after change: %q", s)
	}

	// A new file in the port directory invalidates that port's recipes: an
	// unreferenced patch makes the recipe broken.
	patch := filepath.Join(filepath.Dir(rp), "patches", "zlib-"+zlib.Version+"-x86_64.diff")
	if _, err := os.Stat(patch); err == nil {
		t.Fatal("zlib already has an x86_64 diff")
	}
	os.MkdirAll(filepath.Dir(patch), 0o755)
	if err := os.WriteFile(patch, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := Load(ctx, root, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if after.Stats.Evaluated == 0 {
		t.Fatalf("new patch file: nothing re-evaluated: %+v", after.Stats)
	}
	if p := after.Port("zlib"); p != nil && p.Version == zlib.Version {
		t.Fatalf("zlib %s still active with an unreferenced patch", p.Version)
	}
	found := false
	for _, s := range after.Skipped {
		if s.ID == zlib.ID() && strings.Contains(s.Reason, "not referenced in PATCHES") {
			found = true
		}
	}
	if !found {
		t.Fatalf("zlib %s not skipped for the unreferenced patch: %+v", zlib.Version, after.Skipped)
	}
}
