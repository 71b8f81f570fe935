package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// modulePackages are the directories of the module (below root) that
// hold Go files, testdata and hidden directories left out: its packages.
func modulePackages(t *testing.T, root string) []string {
	t.Helper()
	var pkgs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		gos, _ := filepath.Glob(filepath.Join(path, "*.go"))
		if len(gos) > 0 && path != root {
			rel, _ := filepath.Rel(root, path)
			pkgs = append(pkgs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(pkgs)
	return pkgs
}

// pathRef is a package path of the module in backquotes: `internal/…`,
// `cmd/…` or one of the top-level packages.
var pathRef = regexp.MustCompile("`((?:internal|cmd|tools)/[a-z0-9_/-]+|bench|deploy|docs)`")

// TestArchitecturePackages: architecture.md names every package of the
// module (in backquotes, in its package map) and every internal/…, cmd/…
// or tools/… path it names exists in the checkout.
func TestArchitecturePackages(t *testing.T) {
	root := checkout(t)
	data, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range pathRef.FindAllStringSubmatch(string(data), -1) {
		named[strings.TrimSuffix(m[1], "/")] = true
	}
	pkgs := modulePackages(t, root)
	if len(pkgs) < 30 {
		t.Fatalf("found %d packages below %s: the walk is wrong", len(pkgs), root)
	}
	for _, p := range pkgs {
		if !named[p] {
			t.Errorf("architecture.md does not name the package %s: add it to the package map", p)
		}
	}
	var refs []string
	for p := range named {
		refs = append(refs, p)
	}
	sort.Strings(refs)
	for _, p := range refs {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			t.Errorf("architecture.md names %s, which does not exist", p)
		}
	}
	t.Logf("%d packages, %d paths named", len(pkgs), len(refs))
}

// fileRef is a Go file (or a glob of files) in backquotes: `relay.go`,
// `validate*.go`.
var fileRef = regexp.MustCompile("`([a-z0-9_*]+\\.go)`")

// TestArchitectureFiles: every Go file a row of the package map names
// (`| \`pkg\` | … \`file.go\` … |`) exists in that package.
func TestArchitectureFiles(t *testing.T) {
	root := checkout(t)
	data, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, f := range fileRef.FindAllStringSubmatch(line, -1) {
			n++
			got, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(m[1]), f[1]))
			if err != nil || len(got) == 0 {
				t.Errorf("architecture.md: the row of %s names %s, which is not in that package", m[1], f[1])
			}
		}
	}
	if n < 10 {
		t.Fatalf("found %d file names in the package map: the parse is wrong", n)
	}
	t.Logf("%d file names checked", n)
}
