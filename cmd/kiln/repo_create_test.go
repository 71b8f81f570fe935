package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// checkRepoDir checks repo.sha256 and package.list beside a written repo.
func checkRepoDir(t *testing.T, dir string, packages int) {
	t.Helper()
	repo, err := os.ReadFile(filepath.Join(dir, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "repo.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(repo)
	if string(sum) != hex.EncodeToString(want[:]) {
		t.Errorf("repo.sha256 = %q, want the 64 hex characters of SHA-256(repo)", sum)
	}
	list, err := os.ReadFile(filepath.Join(dir, "package.list"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(list), ".hpkg\n"); n != packages {
		t.Errorf("package.list has %d packages, want %d:\n%s", n, packages, list)
	}
}

func writeInfo(t *testing.T, arch string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "repo.info")
	text := `name HaikuPorts
vendor "Haiku Project"
summary "The HaikuPorts repository"
priority 1
baseurl https://eu.hpkg.haiku-os.org/haikuports/master/` + arch + `/current
identifier tag:haikuports.org,2013:repositories/haikuports/master/` + arch + `
architecture ` + arch + "\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRepoCreateFromPackages(t *testing.T) {
	tipster := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	artificial := testenv.Fixture(t, "hpkg/artificial-1.0.0-any.hpkg")
	out := filepath.Join(t.TempDir(), "repo")

	if _, _, err := runKiln(t, "repo", "create", "--info", writeInfo(t, "x86_64"), "-o", out, tipster); err != nil {
		t.Fatal(err)
	}
	checkRepoDir(t, out, 1)
	list, _ := os.ReadFile(filepath.Join(out, "package.list"))
	if string(list) != "tipster-1.1.1-1-x86_64.hpkg\n" {
		t.Errorf("package.list = %q", list)
	}
	text, _, err := runKiln(t, "repo", "inspect", filepath.Join(out, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"base URL:     https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current\n",
		"identifier:   tag:haikuports.org,2013:repositories/haikuports/master/x86_64\n",
		"architecture: x86_64\n",
		// The checksum is the fixture file's SHA-256 (fixtures README).
		"tipster  1.1.1-1  x86_64  549f8cb55b66da092e99c07bdd0d1ebb8d1d945169c4390ca0135807b3cbffc1\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, text)
		}
	}

	// artificial.hpkg (package "example") is x86_gcc2 whatever its file name says: package_repo
	// rejects it from an x86_64 repository, and tipster from an x86_gcc2 one.
	for _, tc := range []struct{ arch, want string }{
		{"x86_64", "package example: architecture x86_gcc2 does not fit a x86_64 repository"},
		{"x86_gcc2", "package tipster: architecture x86_64 does not fit a x86_gcc2 repository"},
	} {
		dir := filepath.Join(t.TempDir(), "r")
		_, _, err := runKiln(t, "repo", "create", "--info", writeInfo(t, tc.arch), "-o", dir, tipster, artificial)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s repository: %v, want an error containing %q", tc.arch, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "repo")); err == nil {
			t.Errorf("%s repository: repo written despite the rejection", tc.arch)
		}
	}

	// artificial alone fits an x86_gcc2 repository (the fixture repo.info).
	dir := filepath.Join(t.TempDir(), "gcc2")
	info := testenv.Fixture(t, "repo-info/x86_gcc2-repo.info")
	if _, _, err := runKiln(t, "repo", "create", "--info", info, "-o", dir, artificial); err != nil {
		t.Fatal(err)
	}
	checkRepoDir(t, dir, 1)
	text, _, _ = runKiln(t, "repo", "inspect", filepath.Join(dir, "repo"))
	if !strings.Contains(text, "example  42.17-12  x86_gcc2  074ec8f0838fa0ccb9fe454ec1df481b8c180466fb80cca1e0495b62b3402db4\n") ||
		!strings.Contains(text, "identifier:   https://vmpkg.haiku-os.org/haikuports/master/repository/x86_gcc2\n") {
		t.Errorf("inspect output:\n%s", text)
	}

	// The same package twice is a duplicate.
	_, _, err = runKiln(t, "repo", "create", "--info", writeInfo(t, "x86_64"), "-o", t.TempDir(), tipster, tipster)
	if err == nil || !strings.Contains(err.Error(), "already in the repository") {
		t.Errorf("duplicate package: %v", err)
	}
}

func TestRepoCreateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"repo", "create", "-o", t.TempDir()},
		{"repo", "create", "--info", "x", t.TempDir()},
		{"repo", "create", "--info", "x", "-o", t.TempDir()},
		{"repo", "create", "--from-json", "x", "--info", "y", "-o", t.TempDir()},
	} {
		if _, _, err := runKiln(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestRepoCreateLicenses builds two approve_license packages with the hpkg
// writer and checks that repo create embeds the license texts they ship
// (data/licenses/<name>) once each, skipping licenses they do not ship.
func TestRepoCreateLicenses(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) *hpkg.Entry {
		return &hpkg.Entry{Name: name, Type: hpkg.FileRegular, Perm: 0o644, Size: int64(len(text)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
	}
	dirEntry := func(name string, kids ...*hpkg.Entry) *hpkg.Entry {
		return &hpkg.Entry{Name: name, Type: hpkg.FileDirectory, Perm: 0o755, Children: kids}
	}
	var paths []string
	for i, lic := range [][]string{{"Kiln License", "MIT"}, {"Kiln License", "Other License"}} {
		v, _ := pkginfo.ParsePackageVersion("1.0-1")
		info := pkginfo.PackageInfo{
			Name: fmt.Sprintf("lic%d", i), Summary: "s", Description: "d", Vendor: "Haiku Project", Packager: "p",
			Flags: pkginfo.FlagApproveLicense, Architecture: pkginfo.ArchX86_64, Version: v, Licenses: lic,
			Provides: []pkginfo.Resolvable{{Name: fmt.Sprintf("lic%d", i), Version: v}},
		}
		var kids []*hpkg.Entry
		for _, l := range lic {
			if l != "MIT" { // MIT ships with Haiku, not in the package
				kids = append(kids, file(l, fmt.Sprintf("text of %s from package %d\n", l, i)))
			}
		}
		root := []*hpkg.Entry{dirEntry("data", dirEntry("licenses", kids...))}
		p := filepath.Join(dir, info.CanonicalFileName())
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := hpkg.WritePackage(f, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	out := filepath.Join(dir, "repo")
	args := append([]string{"repo", "create", "--info", writeInfo(t, "x86_64"), "-o", out}, paths...)
	if _, _, err := runKiln(t, args...); err != nil {
		t.Fatal(err)
	}
	js, _, err := runKiln(t, "repo", "inspect", "--json", filepath.Join(out, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	var r repoJSON
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"Kiln License", "Other License"}
	wantTexts := []string{"text of Kiln License from package 0\n", "text of Other License from package 1\n"}
	if !slices.Equal(r.Info.LicenseNames, wantNames) || !slices.Equal(r.Info.LicenseTexts, wantTexts) {
		t.Errorf("licenses %q / %q, want %q / %q", r.Info.LicenseNames, r.Info.LicenseTexts, wantNames, wantTexts)
	}
	text, _, _ := runKiln(t, "repo", "inspect", filepath.Join(out, "repo"))
	if !strings.Contains(text, "license:      Kiln License\n") {
		t.Errorf("inspect output:\n%s", text)
	}
}

func TestRepoCreateBadPackage(t *testing.T) {
	b, err := os.ReadFile(testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "broken.hpkg")
	if err := os.WriteFile(bad, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r")
	_, _, err = runKiln(t, "repo", "create", "--info", writeInfo(t, "x86_64"), "-o", out, bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("truncated package: %v, want an error naming %s", err, bad)
	}
	_, _, err = runKiln(t, "repo", "create", "--info", writeInfo(t, "x86_64"), "-o", out, filepath.Join(t.TempDir(), "missing.hpkg"))
	if err == nil || !strings.Contains(err.Error(), "missing.hpkg") {
		t.Errorf("missing package: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output directory created despite the errors")
	}
}
