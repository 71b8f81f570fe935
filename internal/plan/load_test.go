package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

func TestLoadPackages(t *testing.T) {
	// A folder of .hpkg and .PackageInfo files, in file name order.
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"), "tipster-1.1.1-1-x86_64.hpkg")
	copyFile(testenv.Fixture(t, "system-packages/x86_64/haiku.PackageInfo"), "haiku.PackageInfo")
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := LoadPackages(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 2 || l[0].Name != "haiku" || l[1].Name != "tipster" || l[1].Architecture != pkginfo.ArchX86_64 {
		t.Fatalf("loaded %d packages: %v", len(l), l)
	}
	// One file of each kind.
	for _, c := range []struct {
		path string
		n    int
	}{
		{testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"), 1},
		{testenv.Fixture(t, "system-packages/x86_64/haiku_devel.PackageInfo"), 1},
		{testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"), 235},
	} {
		l, err := LoadPackages(c.path)
		if err != nil || len(l) != c.n {
			t.Errorf("%s: %d packages, %v", c.path, len(l), err)
		}
	}
	// A kiln repository manifest.
	man := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(man, []byte(`{"schema": 1, "id": "x", "packages": [
		{"file": "a-1-1-any.hpkg", "info": {"name": "a", "architecture": "any", "version": "1-1", "provides": [{"name": "a", "version": "1-1"}]}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := LoadPackages(man); err != nil || len(l) != 1 || l[0].CanonicalFileName() != "a-1-1-any.hpkg" {
		t.Errorf("manifest: %v, %v", l, err)
	}
	// Bad inputs name the file and wrap ErrInput.
	bad := t.TempDir()
	files := map[string]string{
		"stub-1-1-x86_64.hpkg": "",
		"list.json":            "[{\"name\": 3}]",
		"object.json":          "{\"packages\": []}",
		"repo":                 "hpkr but not really",
		"bad.PackageInfo":      "name x\n",
	}
	for name, content := range files {
		p := filepath.Join(bad, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPackages(p)
		if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if _, err := LoadPackages(filepath.Join(bad, "missing")); !errors.Is(err, ErrInput) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadHaikuPorterRepositoryErrors(t *testing.T) {
	dir := t.TempDir()
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	if _, err := LoadHaikuPorterRepository(dir, target); !errors.Is(err, ErrInput) {
		t.Errorf("empty folder: %v", err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".portIdForPackageIdMap", `{"a-1": "a-1"}`)
	if _, err := LoadHaikuPorterRepository(dir, target); err == nil || !strings.Contains(err.Error(), "a-1.DependencyInfo") {
		t.Errorf("missing DependencyInfo: %v", err)
	}
	write("a-1.DependencyInfo", `{"name": "a", "version": "1", "architecture": "vax", "provides": ["a = 1"]}`)
	if _, err := LoadHaikuPorterRepository(dir, target); err == nil || !strings.Contains(err.Error(), "a-1.DependencyInfo") {
		t.Errorf("bad architecture: %v", err)
	}
	write("a-1.DependencyInfo", `{"name": "a", "version": "1", "architecture": "any", "provides": ["a = 1", "bad name = 1"],
		"requires": ["ok", "not ok ok"], "buildRequires": ["haiku_devel"]}`)
	ports, err := LoadHaikuPorterRepository(dir, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 1 || len(ports[0].Packages) != 1 || len(ports[0].Packages[0].Provides) != 1 ||
		len(ports[0].Packages[0].Requires) != 1 || ports[0].Revision != 1 {
		t.Errorf("ports %+v", ports)
	}
}
