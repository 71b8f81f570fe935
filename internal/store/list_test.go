package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// referenceList is S3's listing semantics over a set of keys: byte order,
// keys with the delimiter after the prefix folded into common prefixes.
func referenceList(keys []string, prefix, delim string) []string {
	sorted := slices.Sorted(slices.Values(keys))
	var out []string
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)] + " (prefix)"
				if len(out) == 0 || out[len(out)-1] != cp {
					out = append(out, cp)
				}
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

func listKeys(t testing.TB, s store.Store, prefix, delim string) []string {
	var out []string
	err := s.List(context.Background(), prefix, delim, func(o store.ObjectInfo) error {
		if o.IsPrefix {
			out = append(out, o.Key+" (prefix)")
		} else {
			out = append(out, o.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q, %q): %v", prefix, delim, err)
	}
	return out
}

// randomKeys makes n valid keys from a small alphabet rich in the bytes
// around '/', without an object that is also a prefix of another (which
// the file backend cannot hold).
func randomKeys(r *rand.Rand, n int) []string {
	alphabet := []string{"a", "b", ".", "-", "0", "~", "é", "/", "/", "!"}
	var keys []string
	for len(keys) < n {
		var b strings.Builder
		for range 1 + r.IntN(7) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		k := b.String()
		if store.ValidateKey(k) != nil || strings.Contains(k, ".~kiln-") {
			continue
		}
		ok := true
		for _, o := range keys {
			if o == k || strings.HasPrefix(o, k+"/") || strings.HasPrefix(k, o+"/") {
				ok = false
				break
			}
		}
		if ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// TestListMatchesReference lists random key sets by random prefixes and
// delimiters from the file backend and a real S3 server, against the
// reference semantics.
func TestListMatchesReference(t *testing.T) {
	srv := s3test.StartVersity(t)
	r := rand.New(rand.NewPCG(7, 7))
	ctx := context.Background()
	for set := range 4 {
		keys := randomKeys(r, 40)
		file := newFile(t)
		s3 := srv.Store(t, fmt.Sprintf("ref%d", set))
		for _, k := range keys {
			for _, s := range []store.Store{file, s3} {
				if _, err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), store.PutOptions{}); err != nil {
					t.Fatalf("Put(%q): %v", k, err)
				}
			}
		}
		prefixes := []string{"", "a", "a/", "b.", "é", "-"}
		for range 10 {
			k := keys[r.IntN(len(keys))]
			prefixes = append(prefixes, k[:r.IntN(len(k)+1)])
		}
		for _, prefix := range prefixes {
			if store.ValidatePrefix(prefix) != nil {
				continue
			}
			for _, delim := range []string{"", "/", "-", "a"} {
				want := referenceList(keys, prefix, delim)
				if got := listKeys(t, file, prefix, delim); !slices.Equal(got, want) {
					t.Errorf("file: List(%q, %q) =\n%q\nwant\n%q", prefix, delim, got, want)
				}
				if got := listKeys(t, s3, prefix, delim); !slices.Equal(got, want) {
					t.Errorf("versitygw: List(%q, %q) =\n%q\nwant\n%q", prefix, delim, got, want)
				}
			}
		}
	}
}

// FuzzFileList checks the file backend's listing against the reference
// on key sets, prefixes and delimiters drawn from the fuzzer's seed.
func FuzzFileList(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 42} {
		f.Add(seed, "a", "/")
	}
	f.Fuzz(func(t *testing.T, seed uint64, prefix, delim string) {
		if store.ValidatePrefix(prefix) != nil || len(delim) > 4 {
			return
		}
		r := rand.New(rand.NewPCG(seed, seed))
		keys := randomKeys(r, 1+r.IntN(20))
		s := newFile(t)
		for _, k := range keys {
			if _, err := s.Put(context.Background(), k, strings.NewReader("x"), 1, store.PutOptions{}); err != nil {
				t.Fatalf("Put(%q): %v", k, err)
			}
		}
		if got, want := listKeys(t, s, prefix, delim), referenceList(keys, prefix, delim); !slices.Equal(got, want) {
			t.Fatalf("keys %q: List(%q, %q) =\n%q\nwant\n%q", keys, prefix, delim, got, want)
		}
	})
}
