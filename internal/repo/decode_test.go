package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// storedObjects publishes the tipster fixture into an in-memory store,
// removes it and prunes, and returns the .kiln objects that leaves:
// head.json, lease.json and obsolete.json as kiln writes them, the
// manifest of the first snapshot, and an import checkpoint naming the
// same package.
func storedObjects(tb testing.TB) map[string][]byte {
	tb.Helper()
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(tb), "fixtures/hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		tb.Fatal(err)
	}
	clk := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	st := newMemStore()
	r := New(st, testTarget, Options{Now: func() time.Time { return clk }})
	res, err := r.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{addBytes("tipster", b)}})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := r.Manifest(ctx, res.Snapshot)
	if err != nil {
		tb.Fatal(err)
	}
	clk = clk.Add(time.Hour)
	if _, err := r.Publish(ctx, Change{Remove: []string{"tipster"}}); err != nil {
		tb.Fatal(err)
	}
	clk = clk.Add(time.Hour)
	if _, err := r.Prune(ctx, PruneOptions{KeepSnapshots: 1, KeepAge: time.Nanosecond, Grace: time.Nanosecond, ObsoleteRetention: time.Hour}); err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, k := range []string{r.l.head(), r.l.lease(), r.l.obsoleteIndex()} {
		if out[filepath.Base(k)], _, err = getSmall(ctx, st, k, 1<<20); err != nil {
			tb.Fatal(err)
		}
	}
	p := m.Packages[0]
	if out["manifest.json"], err = m.Marshal(); err != nil {
		tb.Fatal(err)
	}
	out["import.json"], _ = json.Marshal(importCheckpoint{Uploaded: map[string]ckEntry{p.File: {p.Size, p.SHA256}}})
	return out
}

func TestParseStoredObjects(t *testing.T) {
	objs := storedObjects(t)
	h, err := parseHead(objs["head.json"], "head.json")
	if err != nil || h.Schema != ManifestSchema || !validSnapshotID(h.Snapshot) {
		t.Fatalf("head: %v %+v", err, h)
	}
	li, err := parseLease(objs["lease.json"], "lease.json")
	if err != nil || !li.Released || li.Purpose != "prune" {
		t.Fatalf("lease: %v %+v", err, li)
	}
	idx, err := parseObsoleteIndex(objs["obsolete.json"], "obsolete.json")
	if err != nil || len(idx.Moved) != 1 {
		t.Fatalf("obsolete index: %v %+v\n%s", err, idx, objs["obsolete.json"])
	}
	if _, ok := idx.Moved["tipster-1.1.1-1-x86_64.hpkg"]; !ok {
		t.Fatalf("obsolete index %+v", idx)
	}
	ck, err := parseImportCheckpoint(objs["import.json"], "import.json")
	if err != nil || ck.Uploaded["tipster-1.1.1-1-x86_64.hpkg"].Size != 49334 {
		t.Fatalf("checkpoint: %v %+v", err, ck)
	}

	sha := strings.Repeat("ab", 32)
	bad := []struct{ name, in string }{
		{"head.json", ""},
		{"head.json", "[]"},
		{"head.json", `{"schema":1,"snapshot":"20261127T120000.000Z-00000000","repoSHA256":"` + sha + `"} {}`},
		{"head.json", `{"schema":2,"snapshot":"20261127T120000.000Z-00000000","repoSHA256":"` + sha + `"}`},
		{"head.json", `{"schema":1,"snapshot":"../x","repoSHA256":"` + sha + `"}`},
		{"head.json", `{"schema":1,"snapshot":"20261127T120000.000Z-00000000","repoSHA256":"xyz"}`},
		{"lease.json", `{"holder":"h"}`},
		{"lease.json", `{"holder":"h","token":"t","expires":"tomorrow"}`},
		{"obsolete.json", `{}`},
		{"obsolete.json", `{"moved":{"../../x":"2026-11-27T12:00:00Z"}}`},
		{"import.json", `{"uploaded":{"a.hpkg":{"size":-1,"sha256":"` + sha + `"}}}`},
		{"import.json", `{"uploaded":{"a/b.hpkg":{"size":1,"sha256":"` + sha + `"}}}`},
		{"import.json", `{"uploaded":{"a.hpkg":{"size":1,"sha256":"x"}}}`},
	}
	for _, c := range bad {
		var err error
		switch c.name {
		case "head.json":
			_, err = parseHead([]byte(c.in), c.name)
		case "lease.json":
			_, err = parseLease([]byte(c.in), c.name)
		case "obsolete.json":
			_, err = parseObsoleteIndex([]byte(c.in), c.name)
		case "import.json":
			_, err = parseImportCheckpoint([]byte(c.in), c.name)
		}
		if !errors.Is(err, ErrBadManifest) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s %q: %v", c.name, c.in, err)
		}
	}
}

// fuzzStored runs parse on fuzzed bytes seeded with the stored object
// name; what parses must encode and parse again to the same encoding.
func fuzzStored[T any](f *testing.F, name string, parse func([]byte, string) (T, error)) {
	f.Add(storedObjects(f)[name])
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parse(b, name)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error does not wrap ErrBadManifest: %v", err)
			}
			return
		}
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("parsed value does not encode: %v", err)
		}
		v2, err := parse(enc, name)
		if err != nil {
			t.Fatalf("re-encoded %s does not parse: %v\n%s", name, err, enc)
		}
		enc2, _ := json.Marshal(v2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip changed\n%s\nto\n%s", enc, enc2)
		}
	})
}

func FuzzParseHead(f *testing.F)          { fuzzStored(f, "head.json", parseHead) }
func FuzzParseLease(f *testing.F)         { fuzzStored(f, "lease.json", parseLease) }
func FuzzParseObsoleteIndex(f *testing.F) { fuzzStored(f, "obsolete.json", parseObsoleteIndex) }
func FuzzParseImportCheckpoint(f *testing.F) {
	fuzzStored(f, "import.json", parseImportCheckpoint)
}
