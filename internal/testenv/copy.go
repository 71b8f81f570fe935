package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// CopyTree copies the folders dirs (slash-separated paths relative to src,
// e.g. "sys-libs" or "sys-libs/zlib") of src into dst at the same relative
// paths, or all of src when no dirs are given, so that a test may change the
// copy (the unpacked corpus must not be changed). Folders are created 0755,
// files written 0644 with the content of what they name (symbolic links are
// followed). It fails the test on any error.
func CopyTree(t testing.TB, dst, src string, dirs ...string) {
	t.Helper()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(src, filepath.FromSlash(d)), func(p string, de fs.DirEntry, err error) error {
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
