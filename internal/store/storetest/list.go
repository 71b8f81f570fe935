package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/store"
)

func list(t *testing.T, s store.Store, prefix, delim string) []store.ObjectInfo {
	t.Helper()
	var out []store.ObjectInfo
	if err := s.List(ctx(t), prefix, delim, func(o store.ObjectInfo) error {
		out = append(out, o)
		return nil
	}); err != nil {
		t.Fatalf("List(%q, %q): %v", prefix, delim, err)
	}
	return out
}

func keys(infos []store.ObjectInfo) []string {
	var k []string
	for _, i := range infos {
		if i.IsPrefix {
			k = append(k, i.Key+" (prefix)")
		} else {
			k = append(k, i.Key)
		}
	}
	return k
}

func testList(t *testing.T, s store.Store, o Options) {
	objs := map[string]string{
		"l/a.txt":    "1",
		"l/a/b":      "22",
		"l/a/c/d":    "333",
		"l/b":        "4444",
		"l/c-d/e":    "5",
		"l/.kiln/x":  "6",
		"l/a0":       "7",
		"m/z":        "8",
		"l/é/accent": "9",
	}
	etags := map[string]string{}
	for k, v := range objs {
		etags[k] = put(t, s, k, []byte(v), store.PutOptions{}).ETag
	}
	for _, tc := range []struct {
		prefix, delim string
		want          []string
	}{
		{"l/", "", []string{"l/.kiln/x", "l/a.txt", "l/a/b", "l/a/c/d", "l/a0", "l/b", "l/c-d/e", "l/é/accent"}},
		{"l/", "/", []string{"l/.kiln/ (prefix)", "l/a.txt", "l/a/ (prefix)", "l/a0", "l/b", "l/c-d/ (prefix)", "l/é/ (prefix)"}},
		{"l/a", "/", []string{"l/a.txt", "l/a/ (prefix)", "l/a0"}},
		{"l/a/", "/", []string{"l/a/b", "l/a/c/ (prefix)"}},
		{"l/a/", "", []string{"l/a/b", "l/a/c/d"}},
		{"", "/", []string{"l/ (prefix)", "m/ (prefix)"}},
		{"", "", []string{"l/.kiln/x", "l/a.txt", "l/a/b", "l/a/c/d", "l/a0", "l/b", "l/c-d/e", "l/é/accent", "m/z"}},
		{"l/.", "/", []string{"l/.kiln/ (prefix)"}},
		{"l/c-d/e", "", []string{"l/c-d/e"}},
		{"l/a", "-", []string{"l/a.txt", "l/a/b", "l/a/c/d", "l/a0"}},
		{"l/", "-", []string{"l/.kiln/x", "l/a.txt", "l/a/b", "l/a/c/d", "l/a0", "l/b", "l/c- (prefix)", "l/é/accent"}},
		{"nothing/", "", nil},
		{"nothing/", "/", nil},
		{"l/b/", "/", nil},
	} {
		got := list(t, s, tc.prefix, tc.delim)
		if !slices.Equal(keys(got), tc.want) {
			t.Errorf("List(%q, %q) = %q, want %q", tc.prefix, tc.delim, keys(got), tc.want)
		}
		for _, o := range got {
			if !o.IsPrefix && (o.Size != int64(len(objs[o.Key])) || o.ETag != etags[o.Key]) {
				t.Errorf("List: %s: size %d ETag %s, want %d %s", o.Key, o.Size, o.ETag, len(objs[o.Key]), etags[o.Key])
			}
		}
	}
	stop := errors.New("stop")
	var n int
	err := s.List(ctx(t), "l/", "", func(store.ObjectInfo) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("List stopped by fn: %d calls, error %v", n, err)
	}
}

// ManyKeys is more than one S3 listing page (1000).
const ManyKeys = 1100

func testListMany(t *testing.T, s store.Store, o Options) {
	var g errgroup.Group
	g.SetLimit(16)
	for i := range ManyKeys {
		g.Go(func() error {
			key := fmt.Sprintf("many/k%05d", i)
			_, err := s.Put(ctx(t), key, nopSeeker(fmt.Sprint(i)), int64(len(fmt.Sprint(i))), store.PutOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, delim := range []string{"", "/"} {
		got := list(t, s, "many/", delim)
		if len(got) != ManyKeys {
			t.Fatalf("List(many/, %q): %d entries, want %d", delim, len(got), ManyKeys)
		}
		for i, o := range got {
			if want := fmt.Sprintf("many/k%05d", i); o.Key != want || o.Size != int64(len(fmt.Sprint(i))) {
				t.Fatalf("List(many/, %q)[%d] = %+v, want %s", delim, i, o, want)
			}
		}
	}
	if got := keys(list(t, s, "", "/")); !slices.Equal(got, []string{"many/ (prefix)"}) {
		t.Fatalf("List(\"\", /) = %q", got)
	}
}
