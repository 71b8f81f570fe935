package repo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

func TestManifestRoundTrip(t *testing.T) {
	m := &Manifest{Schema: 1, ID: "20260101T000000.000Z-00000000", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Repository: *testRepoInfo(pkginfo.ArchX86_64)}
	for _, n := range []string{"b", "a"} {
		info := pkginfo.PackageInfo{Name: n, Version: pkginfo.Version{Major: "1", Revision: 1}, Architecture: pkginfo.ArchAny,
			Requires: []pkginfo.Expression{{Name: "haiku"}}}
		m.Packages = append(m.Packages, Package{File: info.CanonicalFileName(), Size: 3, SHA256: strings.Repeat("ab", 32), Info: info, Source: Source{BuildID: "x"}})
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 4 || !strings.Contains(string(b), "\n{\"file\":\"a-1-1-any.hpkg\"") {
		t.Fatalf("layout:\n%s", b)
	}
	back, err := ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Marshal()
	if !bytes.Equal(b, b2) {
		t.Fatalf("not stable:\n%s\n%s", b, b2)
	}
	for _, bad := range []string{"", "{", `{"schema":9,"id":"x"}`, `{"schema":1,"id":"../x"}`,
		`{"schema":1,"id":"x","packages":[{"file":"a.hpkg","sha256":"zz"}]}`} {
		if _, err := ParseManifest([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add(storedObjects(f)["manifest.json"]) // the real tipster package's
	f.Add([]byte(`{"schema":1,"id":"x","packages":[]}`))
	f.Add([]byte(`{"schema":1,"id":"x","packages":[{"file":"a-1-1-any.hpkg","size":1,"sha256":"` + strings.Repeat("0", 64) + `","info":{"name":"a","version":"1-1","architecture":"any"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("valid manifest does not encode: %v", err)
		}
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-encoded manifest does not parse: %v", err)
		}
		if out2, _ := m2.Marshal(); !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the manifest\n%s\n%s", out, out2)
		}
	})
}
