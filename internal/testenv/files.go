package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// CopyTree copies the folders or files paths (slash-separated, relative to
// src, e.g. "sys-libs", "sys-libs/zlib" or "sys-libs/zlib/zlib-1.3.2.recipe")
// of src into dst at the same relative paths, or all of src when no paths
// are given, so that a test may change the copy (the unpacked corpus must
// not be changed). Folders are created 0755, files written 0644 with the
// content of what they name (symbolic links are followed). It fails the
// test on any error.
func CopyTree(t testing.TB, dst, src string, paths ...string) {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, d := range paths {
		rel := filepath.FromSlash(d)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		err := filepath.WalkDir(filepath.Join(src, rel), func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			if de.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		})
		if err != nil {
			t.Fatalf("testenv: copying %s of %s: %v", d, src, err)
		}
	}
}

// WriteFile writes content to the file rel (slash-separated) below root,
// creating the folders it needs (0755; the file 0644). It fails the test on
// any error.
func WriteFile(t testing.TB, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}
