package hpkg

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestSystemPackageInfos packages each of Haiku's real system-package
// .PackageInfo files (shared/fixtures/system-packages: dozens of provides with
// compat versions, requires, flags) and checks that the package attributes
// read back mean exactly what the parsed file says.
func TestSystemPackageInfos(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.SharedDir(t), "fixtures", "system-packages", "*", "*.PackageInfo"))
	if err != nil || len(files) < 8 {
		t.Fatalf("%d system package infos: %v", len(files), err)
	}
	for _, name := range files {
		t.Run(filepath.Base(filepath.Dir(name))+"/"+filepath.Base(name), func(t *testing.T) {
			text, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			info, err := pkginfo.ParsePackageInfoBytes(text, name)
			if err != nil {
				t.Fatal(err)
			}
			raw := writeBytes(t, info, []*Entry{fileEntry("f", []byte("content"), 0)}, WriteOptions{Compression: CompressionZstd, PackageInfoText: text})
			p := openBytes(t, raw)
			if !reflect.DeepEqual(&p.Info, info) {
				t.Errorf("read back\n %+v\nwant %+v", p.Info, *info)
			}
			got, err := p.ReadFile(PackageInfoFile, 0)
			if err != nil || string(got) != string(text) {
				t.Errorf(".PackageInfo not stored unchanged: %v", err)
			}
			if filepath.Base(name) == "haiku.PackageInfo" && len(info.Provides) < 20 {
				t.Errorf("%d provides: not the real file?", len(info.Provides))
			}
		})
	}
}
