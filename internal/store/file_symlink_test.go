package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// TestFileRefusesSymlinks: a symbolic link inside the store (a linked
// target or packages directory, a key linked to a file elsewhere) is
// refused by every operation, so nothing is written or read outside it.
func TestFileRefusesSymlinks(t *testing.T) {
	ctx := context.Background()
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "passwd")
	os.WriteFile(secret, []byte("root:x:0:0"), 0o644)
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, v string) error {
		_, err := s.Put(ctx, key, strings.NewReader(v), int64(len(v)), store.PutOptions{})
		return err
	}
	if err := put("t1/current/repo", "r"); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(outside, "pkgs"), 0o755)
	os.Symlink(filepath.Join(outside, "pkgs"), filepath.Join(dir, "t1/current/packages")) // a linked packages directory
	os.Symlink(outside, filepath.Join(dir, "t2"))                                         // a linked target directory
	os.MkdirAll(filepath.Join(dir, "t3/current/packages"), 0o755)
	os.Symlink(secret, filepath.Join(dir, "t3/current/packages/a-1-1-any.hpkg"))  // a linked key
	os.Symlink("../../../t1/current/repo", filepath.Join(dir, "t3/current/repo")) // a link inside the store

	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrInvalidKey) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("%s: %v, want a refused symbolic link", what, err)
		}
	}
	refused("put into a linked packages directory", put("t1/current/packages/x.hpkg", "x"))
	refused("put into a linked target", put("t2/current/packages/x.hpkg", "x"))
	refused("put over a linked key", put("t3/current/packages/a-1-1-any.hpkg", "x"))
	for _, key := range []string{"t3/current/packages/a-1-1-any.hpkg", "t3/current/repo", "t2/passwd"} {
		_, _, err := s.Get(ctx, key, store.GetOptions{})
		refused("get "+key, err)
		_, err = s.Stat(ctx, key)
		refused("stat "+key, err)
		refused("delete "+key, s.Delete(ctx, key))
		_, err = s.Copy(ctx, key, "t1/copy", store.PutOptions{})
		refused("copy "+key, err)
	}
	refused("list a linked directory", s.List(ctx, "t2/", "", func(store.ObjectInfo) error { return nil }))
	var listed []string
	if err := s.List(ctx, "", "", func(oi store.ObjectInfo) error { listed = append(listed, oi.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(listed, " ") != "t1/current/repo" {
		t.Errorf("listed %v; links are not objects", listed)
	}
	if b, _ := os.ReadFile(secret); string(b) != "root:x:0:0" {
		t.Fatalf("the file outside changed: %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Join(outside, "pkgs")); len(ents) != 0 {
		t.Fatalf("written outside the store: %v", ents)
	}
	if _, err := os.Lstat(filepath.Join(dir, "t3/current/packages/a-1-1-any.hpkg")); err != nil {
		t.Fatalf("a refused delete removed the link: %v", err)
	}
}

// TestFileCleanTemps: temp files of killed writers older than the cutoff
// are found (and removed); a fresh one, as a running writer's, is not.
func TestFileCleanTemps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "t/current/packages/a.hpkg", strings.NewReader("a"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{"t/current/packages/.~kiln-tmp-1", "t/.kiln/.~kiln-tmp-2", "u/.~kiln-tmp-3", "t/current/packages/.~kiln-tmp-fresh"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("partial"), 0o600)
		if !strings.HasSuffix(name, "fresh") {
			os.Chtimes(p, old, old)
		}
	}
	cut := time.Now().Add(-time.Hour)
	found, err := s.CleanTemps(ctx, "t/", cut, false)
	if err != nil || len(found) != 2 || found[0].Key != "t/.kiln/.~kiln-tmp-2" || found[1].Key != "t/current/packages/.~kiln-tmp-1" || found[1].Size != 7 {
		t.Fatalf("found %+v, %v", found, err)
	}
	if found, err = s.CleanTemps(ctx, "t/", cut, true); err != nil || len(found) != 2 {
		t.Fatalf("removed %+v, %v", found, err)
	}
	for name, want := range map[string]bool{"t/current/packages/.~kiln-tmp-1": false, "t/.kiln/.~kiln-tmp-2": false, "u/.~kiln-tmp-3": true,
		"t/current/packages/.~kiln-tmp-fresh": true, "t/current/packages/a.hpkg": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", name, err == nil, want)
		}
	}
}
