package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "a/b": true, ".kiln/head.json": true, "master/x86_64/current/packages/gcc-13.2.0-1-x86_64.hpkg": true,
		"é/ü": true, "a b": true, "..a": true, "a..": true, "...": true,
		"": false, "/": false, "/a": false, "a/": false, "a//b": false, ".": false, "..": false,
		"a/./b": false, "a/../b": false, "\x00": false, "a\tb": false, "a\x7fb": false, "\xff": false,
		strings.Repeat("a", MaxKeyLen): true, strings.Repeat("a", MaxKeyLen+1): false,
	} {
		err := ValidateKey(key)
		if (err == nil) != ok {
			t.Errorf("ValidateKey(%q) = %v", key, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, not ErrInvalidKey", key, err)
		}
	}
}

// FuzzValidateKey checks that every accepted key stays inside the file
// backend's directory and is a valid list prefix.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"a", "a/b", ".kiln/head.json", "../x", "a/./b", "a//b", "é", "\x00", "/a", "a/", "..."} {
		f.Add(s)
	}
	root := "/srv/store"
	f.Fuzz(func(t *testing.T, key string) {
		if ValidatePrefix(key) == nil && len(key) > MaxKeyLen {
			t.Fatalf("prefix of %d bytes accepted", len(key))
		}
		if err := ValidateKey(key); err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, not ErrInvalidKey", key, err)
			}
			return
		}
		if !utf8.ValidString(key) || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
			t.Fatalf("ValidateKey accepted %q", key)
		}
		p := filepath.Join(root, filepath.FromSlash(key))
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.ToSlash(rel) != key {
			t.Fatalf("key %q maps to %q outside or not onto itself (%q)", key, p, rel)
		}
		if err := ValidatePrefix(key); err != nil {
			t.Fatalf("key %q is not a valid prefix: %v", key, err)
		}
		if err := ValidatePrefix(key + "/"); err != nil {
			t.Fatalf("key %q + / is not a valid prefix: %v", key, err)
		}
	})
}

func TestSafeSegment(t *testing.T) {
	for s, want := range map[string]bool{
		"20261203T080710.192Z-c0eb9945": true, "mock-1": true, "a_b.c": true,
		"": false, ".hidden": false, "a/b": false, "a b": false, "a%2Fb": false, "é": false,
		strings.Repeat("a", 128): true, strings.Repeat("a", 129): false,
	} {
		if got := SafeSegment(s); got != want {
			t.Errorf("SafeSegment(%q) = %v", s, got)
		}
	}
}
