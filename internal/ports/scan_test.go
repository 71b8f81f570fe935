package ports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestScanRules(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"app-misc/foo/foo-1.0.recipe",
		"app-misc/foo/foo-1.10.recipe",
		"app-misc/foo/foo-1.2~beta.recipe",
		"app-misc/foo/foo-bar-2.0.recipe", // two dashes: ignored
		"app-misc/foo/notes.txt",
		"app-misc/.hidden/x-1.recipe",
		"dev-libs/foo/foo-1.0.recipe", // duplicate of app-misc's: ignored
		"dev-libs/bar/bar-3.recipe",
		"nodash/baz/baz-1.recipe", // category without '-': ignored
		".git-x/q/q-1.recipe",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "app-misc", "foo", "dir-1.recipe"), 0o755) // not a file
	sr, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range sr.Recipes {
		paths = append(paths, r.Path)
	}
	want := []string{"app-misc/foo/foo-1.0.recipe", "app-misc/foo/foo-1.10.recipe", "app-misc/foo/foo-1.2~beta.recipe", "dev-libs/bar/bar-3.recipe"}
	if !slices.Equal(paths, want) {
		t.Errorf("recipes %q, want %q", paths, want)
	}
	if got := sr.Versions["foo"]; !slices.Equal(got, []string{"1.10", "1.2~beta", "1.0"}) {
		t.Errorf("foo versions newest first: %q", got)
	}
	if r := sr.ByID["foo-1.0"]; r == nil || r.Category != "app-misc" {
		t.Errorf("foo-1.0 from %+v", r)
	}
	w := strings.Join(sr.Warnings, "\n")
	if !strings.Contains(w, "foo-bar-2.0.recipe") || !strings.Contains(w, "dev-libs/foo/foo-1.0.recipe is overruled by duplicate in app-misc") {
		t.Errorf("warnings:\n%s", w)
	}
}
