package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func TestRepoInspectFixture(t *testing.T) {
	repo := testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr")
	out, _, err := runKiln(t, "repo", "inspect", repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name:         HaikuPorts\n",
		"identifier:   http://haiku-files.org/files/repo/9818164862edcbf69404a90267090b9d595908a11941951e904dfc6244c3d566\n",
		"vendor:       Haiku Project\n",
		"summary:      The HaikuPorts repository\n",
		"priority:     1\n",
		"architecture: x86\n",
		"packages:     235\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var pkgLines []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 4 && len(f[3]) == 64 {
			pkgLines = append(pkgLines, strings.Join(f, " "))
		}
	}
	if len(pkgLines) != 235 {
		t.Fatalf("%d package lines, want 235:\n%s", len(pkgLines), out)
	}
	// Values from the independent reader's dump.
	if pkgLines[0] != "apr 1.4.6-7 x86 be4632e40db3e16be46a4c577c6ca3d0bc8caa990158302a9fc6ebf9f323bdf2" {
		t.Errorf("first package line %q", pkgLines[0])
	}
	if _, _, err := runKiln(t, "repo", "inspect", testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")); err == nil ||
		!strings.Contains(err.Error(), "magic") {
		t.Errorf("inspecting a package file: %v, want a bad-magic error", err)
	}
}

func TestRepoInspectJSONCreateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first, _, err := runKiln(t, "repo", "inspect", "--json", testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"checksum": "be4632e40db3e16be46a4c577c6ca3d0bc8caa990158302a9fc6ebf9f323bdf2"`, `"architecture": "x86"`, `"version": "1.4.6-7"`} {
		if !strings.Contains(first, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	jsonFile := filepath.Join(dir, "repo.json")
	if err := os.WriteFile(jsonFile, []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, _, err := runKiln(t, "repo", "create", "--from-json", jsonFile, "-o", out); err != nil {
		t.Fatal(err)
	}
	second, _, err := runKiln(t, "repo", "inspect", "--json", filepath.Join(out, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("repo inspect --json differs after repo create --from-json")
	}
	checkRepoDir(t, out, 235)
	// Same input, same bytes.
	out2 := filepath.Join(dir, "out2")
	if _, _, err := runKiln(t, "repo", "create", "--from-json", jsonFile, "-o", out2); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(out, "repo"))
	b, _ := os.ReadFile(filepath.Join(out2, "repo"))
	if !bytes.Equal(a, b) {
		t.Error("two repo create runs wrote different repo files")
	}
}
