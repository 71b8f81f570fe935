package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestRepoInfoFixtures checks the integration with pkginfo's repo.info
// reader and writer: the fixtures parse, a snapshot's generated repo.info
// is HaikuPorter's template layout and reads back to the manifest's
// repository info.
func TestRepoInfoFixtures(t *testing.T) {
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
		info, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(b), c.file)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if info.Identifier != c.identifier || info.Architecture != c.arch || info.Name != c.name || info.Summary != c.summary || info.Vendor != "Haiku Project" || info.Priority != 1 {
			t.Errorf("%s: %+v", c.file, info)
		}
		m := &Manifest{Schema: ManifestSchema, ID: "x", Created: time.Unix(0, 0).UTC(), Repository: *info}
		f, err := generate(HPKGCodec{}, m, nil)
		if err != nil {
			t.Fatalf("%s: generate: %v", c.file, err)
		}
		want := "name HaikuPorts\nvendor \"Haiku Project\"\nsummary \"The HaikuPorts repository\"\npriority 1\n"
		if !strings.HasPrefix(string(f.repoInfo), want) || !strings.HasSuffix(string(f.repoInfo), "identifier "+c.identifier+"\narchitecture x86_gcc2\n") {
			t.Errorf("%s: generated repo.info\n%s", c.file, f.repoInfo)
		}
		back, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(f.repoInfo), "generated")
		if err != nil || back.Identifier != info.Identifier || back.Summary != info.Summary || back.Priority != info.Priority {
			t.Errorf("%s: round trip %v %+v", c.file, err, back)
		}
	}
}

// TestImportBadRepoInfo: an import reads repo.info with pkginfo's reader,
// which (as Haiku) requires the priority key; the error names the file.
func TestImportBadRepoInfo(t *testing.T) {
	dir := t.TempDir()
	ri := "name a\nvendor \"Haiku Project\"\nsummary s\nidentifier i\narchitecture x86_64\n"
	if err := os.WriteFile(filepath.Join(dir, FileRepoInfo), []byte(ri), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(newMemStore(), testTarget, Options{}).ImportDir(context.Background(), dir, ImportOptions{})
	if !errors.Is(err, pkginfo.ErrInvalid) || !strings.Contains(err.Error(), "priority") || !strings.Contains(err.Error(), filepath.Join(dir, FileRepoInfo)) {
		t.Fatalf("import with a repo.info without priority: %v", err)
	}
}

// FuzzRepoInfoSnapshot feeds repo.info texts through the path a publish
// takes: whatever pkginfo accepts, a snapshot generated with it has a
// repo.info that reads back to the same repository info (what verify
// checks).
func FuzzRepoInfoSnapshot(f *testing.F) {
	for _, n := range []string{"sample-repo.info", "x86_gcc2-repo.info"} {
		if b, err := os.ReadFile(filepath.Join(testenv.SharedDir(f), "fixtures/repo-info", n)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		m := &Manifest{Schema: ManifestSchema, ID: "x", Created: time.Unix(0, 0).UTC(), Repository: *info}
		fs, err := generate(HPKGCodec{}, m, nil)
		if err != nil {
			t.Fatalf("accepted repo.info does not generate: %v", err)
		}
		back, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(fs.repoInfo), "generated")
		if err != nil {
			t.Fatalf("generated repo.info does not parse: %v\n%s", err, fs.repoInfo)
		}
		if back.Name != info.Name || back.Identifier != info.Identifier || back.Vendor != info.Vendor || back.Summary != info.Summary ||
			back.BaseURL != info.BaseURL || back.Priority != info.Priority || back.Architecture != info.Architecture {
			t.Fatalf("round trip changed %+v to %+v", info, back)
		}
	})
}
