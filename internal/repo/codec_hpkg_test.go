package repo

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

func TestParseRepoInfoFixtures(t *testing.T) {
	cases := []struct {
		file          string
		identifier    string
		arch          pkginfo.Architecture
		name, summary string
	}{
		{"sample-repo.info", "f0c086e5-e096-429c-b38d-57beabd764e9", pkginfo.ArchX86Gcc2, "HaikuPorts", "The HaikuPorts repository"},
		{"x86_gcc2-repo.info", "https://vmpkg.haiku-os.org/haikuports/master/repository/x86_gcc2", pkginfo.ArchX86Gcc2, "HaikuPorts", "The HaikuPorts repository"},
	}
	for _, c := range cases {
		b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "fixtures/repo-info", c.file))
		if err != nil {
			t.Fatal(err)
		}
		info, err := HPKGCodec{}.ParseRepoInfo(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if info.Identifier != c.identifier || info.Architecture != c.arch || info.Name != c.name || info.Summary != c.summary || info.Vendor != "Haiku Project" || info.Priority != 1 {
			t.Errorf("%s: %+v", c.file, info)
		}
		var out bytes.Buffer
		if err := (HPKGCodec{}).WriteRepoInfo(&out, info); err != nil {
			t.Fatal(err)
		}
		back, err := HPKGCodec{}.ParseRepoInfo(&out)
		if err != nil || back.Identifier != info.Identifier || back.Summary != info.Summary {
			t.Errorf("%s: round trip %v %+v", c.file, err, back)
		}
	}
	for _, bad := range []string{"", "name x\n", "name \"unterminated\n", strings.Repeat("#", 70000),
		"name a\nvendor b\nsummary c\nidentifier d\narchitecture any\n", "name a\nvendor b\nsummary c\nidentifier d\narchitecture x86\npriority 300\n"} {
		if _, err := (HPKGCodec{}).ParseRepoInfo(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %.40q", bad)
		}
	}
}

func FuzzParseRepoInfo(f *testing.F) {
	for _, n := range []string{"sample-repo.info", "x86_gcc2-repo.info"} {
		if b, err := os.ReadFile(filepath.Join(testenv.SharedDir(f), "fixtures/repo-info", n)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := HPKGCodec{}.ParseRepoInfo(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := (HPKGCodec{}).WriteRepoInfo(&out, info); err != nil {
			t.Fatal(err)
		}
		back, err := HPKGCodec{}.ParseRepoInfo(&out)
		if err != nil {
			t.Fatalf("written repo.info does not parse: %v\n%s", err, out.Bytes())
		}
		if back.Name != info.Name || back.Identifier != info.Identifier || back.Vendor != info.Vendor || back.Summary != info.Summary || back.BaseURL != info.BaseURL {
			t.Fatalf("round trip changed %+v to %+v", info, back)
		}
	})
}
