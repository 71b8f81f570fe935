package repo

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// realPkg writes a real .hpkg (HPKG v2, zlib) with the hpkg writer: one
// data file of payload pseudo-random bytes.
func realPkg(t testing.TB, name, version string, arch pkginfo.Architecture, payload int) []byte {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	info := pkginfo.PackageInfo{
		Name: name, Version: v, Architecture: arch,
		Summary: "Test package " + name, Description: "A package made by the repo tests.",
		Vendor: "Haiku Project", Packager: "kiln tests <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}},
	}
	data := make([]byte, payload)
	x := uint32(len(name)*7919 + payload)
	for _, c := range name + version {
		x = x*31 + uint32(c)
	}
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: name + ".bin", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatalf("write package %s: %v", name, err)
	}
	return buf.Bytes()
}

func TestRealPkgHelper(t *testing.T) {
	b := realPkg(t, "foo", "1.2-3", pkginfo.ArchX86_64, 1000)
	info, err := HPKGCodec{}.ReadPackage(bytes.NewReader(b), int64(len(b)))
	if err != nil || info.CanonicalFileName() != "foo-1.2-3-x86_64.hpkg" {
		t.Fatalf("%v %+v", err, info)
	}
}
