package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestCorpusUnpacks(t *testing.T) {
	dir := Corpus(t)
	if _, err := os.Stat(filepath.Join(dir, "sys-libs", "zlib")); err != nil {
		t.Fatalf("zlib port missing from unpacked corpus: %v", err)
	}
	if again := Corpus(t); again != dir {
		t.Fatalf("Corpus unpacked twice: %s, %s", dir, again)
	}
}

func TestFixture(t *testing.T) {
	if _, err := os.Stat(Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")); err != nil {
		t.Fatal(err)
	}
}

func TestCopyTree(t *testing.T) {
	src := t.TempDir()
	for _, f := range []string{"a-b/x/x-1.recipe", "a-b/y/y-2.recipe", "c-d/z/patches/z.patchset", "top.txt"} {
		WriteFile(t, src, f, f)
	}
	tests := []struct {
		dirs      []string
		want, not []string
	}{
		{[]string{"a-b/x", "c-d"}, []string{"a-b/x/x-1.recipe", "c-d/z/patches/z.patchset"}, []string{"a-b/y", "top.txt"}},
		{nil, []string{"a-b/x/x-1.recipe", "a-b/y/y-2.recipe", "c-d/z/patches/z.patchset", "top.txt"}, nil},
		{[]string{"c-d/z/patches/z.patchset", "a-b/y/y-2.recipe"}, []string{"c-d/z/patches/z.patchset", "a-b/y/y-2.recipe"}, []string{"a-b/x", "top.txt"}},
	}
	for _, tt := range tests {
		dst := t.TempDir()
		CopyTree(t, dst, src, tt.dirs...)
		for _, f := range tt.want {
			p := filepath.Join(dst, filepath.FromSlash(f))
			data, err := os.ReadFile(p)
			if err != nil || string(data) != f {
				t.Errorf("%v: %s = %q, %v; want %q", tt.dirs, f, data, err, f)
			}
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o644 {
				t.Errorf("%v: %s has mode %v, want 0644", tt.dirs, f, fi.Mode().Perm())
			}
		}
		for _, f := range tt.not {
			if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(f))); !os.IsNotExist(err) {
				t.Errorf("%v: %s copied (%v)", tt.dirs, f, err)
			}
		}
	}
}

func TestWriteFile(t *testing.T) {
	root := t.TempDir()
	WriteFile(t, root, "a/b/c.txt", "one")
	WriteFile(t, root, "a/b/c.txt", "two") // replaces
	data, err := os.ReadFile(filepath.Join(root, "a", "b", "c.txt"))
	if err != nil || string(data) != "two" {
		t.Fatalf("a/b/c.txt = %q, %v", data, err)
	}
}

func TestGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	Git(t, dir, "init", "-q")
	WriteFile(t, dir, "f", "x")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "one")
	if h := Git(t, dir, "rev-parse", "HEAD"); len(h) != 40 {
		t.Errorf("rev-parse HEAD = %q", h)
	}
	if a := Git(t, dir, "log", "-1", "--format=%an <%ae> %cn"); a != "kiln <kiln@example.org> kiln" {
		t.Errorf("author = %q", a)
	}
}

func TestKnownLicenses(t *testing.T) {
	l := KnownLicenses(t)
	if len(l) != 47 {
		t.Errorf("%d licenses, want 47", len(l))
	}
	for _, want := range []string{"MIT", "GNU GPL v2"} {
		if !slices.Contains(l, want) {
			t.Errorf("%q missing from %q", want, l)
		}
	}
}

// TestSharedTempDir: every call of the process gets the same existing
// directory (Main removes it after the tests).
func TestSharedTempDir(t *testing.T) {
	d := SharedTempDir(t)
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Fatalf("%s: %v", d, err)
	}
	if d2 := SharedTempDir(t); d2 != d {
		t.Errorf("second call %s, first %s", d2, d)
	}
}
