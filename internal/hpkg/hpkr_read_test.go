package hpkg

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/bmessage"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

const fixtureRepoSHA256 = "1fccf6a6779546cd4c53876ca018b7b5371ceb683c08771994cc64dfb1cb4fdf"

func fixtureRepo(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readRepoBytes(b []byte) (*Repository, error) {
	return ReadRepository(bytes.NewReader(b), int64(len(b)))
}

// wantFixtureInfo is the fixture's repository info (FORMATS.md §2.3, the
// fixtures README): the identifier comes from the legacy url field.
var wantFixtureInfo = pkginfo.RepositoryInfo{
	Name:         "HaikuPorts",
	Identifier:   "http://haiku-files.org/files/repo/9818164862edcbf69404a90267090b9d595908a11941951e904dfc6244c3d566",
	Vendor:       "Haiku Project",
	Summary:      "The HaikuPorts repository",
	Priority:     1,
	Architecture: pkginfo.ArchX86,
}

// comparePackages reports every package of got that differs from want.
func comparePackages(t *testing.T, got, want []pkginfo.PackageInfo) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d packages, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("package %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d packages differ", bad, len(want))
	}
}

func TestReadRepositoryFixture(t *testing.T) {
	b := fixtureRepo(t)
	repo, err := readRepoBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(repo.Info, wantFixtureInfo) {
		t.Errorf("info = %+v\nwant %+v", repo.Info, wantFixtureInfo)
	}
	h := repo.Header
	if h.Compression != CompressionZlib || h.MinorVersion != 0 || h.HeapUncompressedSize != 131110 || h.InfoLength != 461 ||
		h.PackagesLength != 130649 || h.PackagesStringsLength != 59232 || h.PackagesStringsCount != 766 {
		t.Errorf("header = %+v", h)
	}
	want, lines := fixtureDumps(t)
	comparePackages(t, repo.Packages, want)
	for i, p := range repo.Packages {
		if i < len(lines) && (p.Name != lines[i].Name || dumpVersionString(p.Version) != lines[i].Version) {
			t.Errorf("package %d is %s %s, package list says %v", i, p.Name, dumpVersionString(p.Version), lines[i])
		}
	}
	// The embedded BMessage re-flattens byte for byte.
	m, err := bmessage.Unflatten(repo.InfoMessage)
	if err != nil {
		t.Fatal(err)
	}
	flat, err := m.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(flat, repo.InfoMessage) {
		t.Error("repository info BMessage does not re-flatten to the same bytes")
	}
	if got := RepoSHA256Bytes(b); got != fixtureRepoSHA256 {
		t.Errorf("RepoSHA256Bytes = %s", got)
	}
	got, err := RepoSHA256(bytes.NewReader(b))
	if err != nil || got != fixtureRepoSHA256 {
		t.Errorf("RepoSHA256 = %q, %v", got, err)
	}
}

func TestRepositoryFixtureRoundTrip(t *testing.T) {
	repo, err := readRepoBytes(fixtureRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteRepository(&out, repo.Info, repo.Packages); err != nil {
		t.Fatal(err)
	}
	again, err := readRepoBytes(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Info, repo.Info) {
		t.Errorf("info after round trip = %+v\nwant %+v", again.Info, repo.Info)
	}
	want, _ := fixtureDumps(t)
	comparePackages(t, again.Packages, want)
	if again.Header.MinorVersion != RepoMinorVersion || again.Header.TotalSize != uint64(out.Len()) {
		t.Errorf("written header = %+v", again.Header)
	}
	// Deterministic: a second write gives the same bytes.
	out2, err := AppendRepository(nil, repo.Info, repo.Packages)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), out2) {
		t.Error("two writes of the same repository differ")
	}
	// Written from what was read again, still the same bytes.
	out3, err := AppendRepository(nil, again.Info, again.Packages)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), out3) {
		t.Error("writing the re-read repository gives other bytes")
	}
}

func TestReadRepositoryErrors(t *testing.T) {
	b := fixtureRepo(t)
	for n := 0; n < len(b); n++ {
		if _, err := readRepoBytes(b[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	set := func(off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"magic", set(0, 'h', 'p', 'k', 'g'), ErrMagic},
		{"version", set(6, 0, 1), ErrVersion},
		{"header size", set(4, 0, 80), ErrFormat},
		{"total size", set(8, 0, 0, 0, 0, 0, 1, 0, 0), ErrFormat},
		{"uncompressed size", set(32, 0, 0, 0, 0, 0, 2, 0, 0), ErrFormat},
		{"huge uncompressed size", set(32, 0x7f, 0, 0, 0, 0, 0, 0, 0), ErrFormat},
		{"info length", set(40, 0, 0, 1, 0), ErrFormat},
		{"strings length", set(56, 0, 0, 0, 0, 0, 0, 0x10, 0), ErrFormat},
		{"strings count", set(64, 0, 0, 0, 0, 0, 0, 0x10, 0), ErrFormat},
		{"compression", set(18, 0, 9), ErrFormat},
		{"chunk size", set(20, 0, 2, 0, 0), ErrFormat},
		{"chunk table", set(len(b)-2, 0xff, 0xff), ErrFormat},
	} {
		if _, err := readRepoBytes(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
