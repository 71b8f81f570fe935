package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Open creates nothing: a missing directory is ErrNoStore.
	for _, u := range []string{filepath.Join(dir, "typo-store"), "file://" + filepath.Join(dir, "a/b"), filepath.Join(dir, "x/y")} {
		if _, err := store.Open(ctx, u, store.S3Options{}); !errors.Is(err, store.ErrNoStore) || !strings.Contains(err.Error(), "no kiln store at file://"+dir) {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("Open created %v", ents)
	}
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	if _, err := store.Open(ctx, filepath.Join(dir, "file"), store.S3Options{}); !errors.Is(err, store.ErrNoStore) || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open(a file): %v", err)
	}
	os.Remove(filepath.Join(dir, "file"))
	if _, err := store.Create(ctx, filepath.Join(dir, "sub"), store.S3Options{}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{dir, "file://" + dir, filepath.Join(dir, "sub")} {
		s, err := store.Open(ctx, u, store.S3Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if _, ok := s.(*store.File); !ok || !strings.HasPrefix(s.String(), "file://"+dir) {
			t.Fatalf("Open(%q) = %T %s", u, s, s)
		}
	}
	srv := s3test.StartFake(t)
	s, err := store.Open(ctx, srv.URL("pre/fix")+"?endpoint="+srv.Endpoint+"&path-style=true&region=eu-west-1",
		store.S3Options{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "s3://kiln-test/pre/fix/" {
		t.Fatalf("String() = %s", s)
	}
	if _, err := s.Put(ctx, "k", strings.NewReader("v"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// The object sits under the prefix.
	raw := srv.Store(t, "")
	if info, err := raw.Stat(ctx, "pre/fix/k"); err != nil || info.Size != 1 {
		t.Fatalf("pre/fix/k: %+v %v", info, err)
	}
	if _, err := store.NewS3(ctx, "b", "", store.S3Options{PartSize: 6 << 30}); err == nil {
		t.Error("NewS3 with 6 GiB parts succeeded")
	}
	for _, bad := range []string{"", "ftp://x", "s3://", "s3://b/../x", "s3://b?color=red", "s3://b?path-style=maybe", "s3://user:pw@b/x", "file://",
		"s3:/bucket", "s3:bucket", "file:/x", "s3:"} {
		if _, err := store.Create(ctx, bad, store.S3Options{}); err == nil {
			t.Errorf("Create(%q) succeeded", bad)
		}
	}
	// A malformed URL is no directory name.
	t.Chdir(dir)
	if _, err := store.Create(ctx, "s3:/bucket", store.S3Options{}); err == nil || !strings.Contains(err.Error(), "malformed store URL") {
		t.Errorf("s3:/bucket: %v", err)
	}
	if _, err := os.Stat("s3:"); !os.IsNotExist(err) {
		t.Errorf("s3:/bucket made a directory: %v", err)
	}
}

func TestValidatePrefix(t *testing.T) {
	for p, ok := range map[string]bool{
		"": true, "a": true, "a/": true, "a/b": true, "a/.": true, "a/.kiln": true, ".": true, "..": true,
		"/": false, "/a": false, "a//": false, "../": false, "a/../b": false, "a/./": false, "x\x00": false,
	} {
		err := store.ValidatePrefix(p)
		if (err == nil) != ok {
			t.Errorf("ValidatePrefix(%q) = %v", p, err)
		}
		if err != nil && !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("ValidatePrefix(%q) = %v, not ErrInvalidKey", p, err)
		}
	}
}
