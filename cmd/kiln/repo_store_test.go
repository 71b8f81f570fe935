package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

func runRepoStore(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runKiln(t, args...)
	return out, err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runRepoStore(t, args...)
	if err != nil {
		t.Fatalf("kiln %s: %v", strings.Join(args, " "), err)
	}
	return out
}

const testRepoInfo = `name HaikuPorts
vendor "Haiku Project"
summary "The HaikuPorts repository"
priority 1
identifier tag:haikuports.org,2013:repositories/haikuports/master/x86_64
architecture x86_64
`

// TestRepoStoreCommands runs publish, list, diff, snapshots, verify,
// rollback, prune and import against a directory store.
func TestRepoStoreCommands(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	s := []string{"--store", st, "--target", "master/x86_64"}
	cmd := func(args ...string) []string { return append(args, s...) }

	if _, err := runRepoStore(t, cmd("repo", "publish", "--add", tip)...); err == nil || !strings.Contains(err.Error(), "repo.info") {
		t.Fatalf("first publish without --info: %v", err)
	}
	out := mustRun(t, cmd("repo", "publish", "--info", info, "--add", tip, "--build-id", "b1")...)
	if !strings.Contains(out, "+ tipster-1.1.1-1-x86_64.hpkg") || !strings.Contains(out, "published snapshot") {
		t.Fatalf("publish output %q", out)
	}
	out = mustRun(t, cmd("repo", "publish", tip)...)
	if !strings.Contains(out, "unchanged") {
		t.Fatalf("republish output %q", out)
	}
	out = mustRun(t, cmd("repo", "list")...)
	if out != "FILE                         SIZE   SHA256\ntipster-1.1.1-1-x86_64.hpkg  49334  549f8cb55b66da092e99c07bdd0d1ebb8d1d945169c4390ca0135807b3cbffc1\n" {
		t.Fatalf("list output %q", out)
	}
	var m struct {
		Packages []struct {
			Source struct{ BuildID string }
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, cmd("repo", "list", "--json")...)), &m); err != nil || len(m.Packages) != 1 || m.Packages[0].Source.BuildID != "b1" {
		t.Fatalf("list --json: %v %+v", err, m)
	}
	mustRun(t, cmd("repo", "publish", "--remove", "tipster", "--reason", "drop it")...)
	if out := mustRun(t, cmd("repo", "diff", "head~1")...); out != "- tipster-1.1.1-1-x86_64.hpkg\n" {
		t.Fatalf("diff output %q", out)
	}
	out = mustRun(t, cmd("repo", "snapshots")...)
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "   ID ") || !strings.HasPrefix(lines[1], "*") || !strings.Contains(lines[1], "drop it") {
		t.Fatalf("snapshots output %q", out)
	}
	mustRun(t, cmd("repo", "verify", "--deep")...)
	mustRun(t, cmd("repo", "rollback", "head~1")...)
	if out := mustRun(t, cmd("repo", "list")...); !strings.Contains(out, "tipster") {
		t.Fatalf("after rollback: %q", out)
	}
	out = mustRun(t, cmd("repo", "prune", "--keep", "1", "--keep-age", "0", "--grace", "0", "--json")...)
	var pr struct{ DeletedSnapshots []string }
	if err := json.Unmarshal([]byte(out), &pr); err != nil || len(pr.DeletedSnapshots) != 2 {
		t.Fatalf("prune: %v %q", err, out)
	}

	// A broken current/ fails verify with exit status 1; --repair fixes it.
	os.WriteFile(filepath.Join(st, "master/x86_64/current/repo.sha256"), []byte("x"), 0o644)
	_, err := runRepoStore(t, cmd("repo", "verify")...)
	var ec *errExitCode
	if !errors.As(err, &ec) || ec.code != 1 || !strings.Contains(err.Error(), "repo.sha256") {
		t.Fatalf("verify of a broken store: %v", err)
	}
	mustRun(t, cmd("repo", "verify", "--repair")...)

	// Import a directory of packages into another target.
	imp := filepath.Join(dir, "import")
	os.MkdirAll(imp, 0o755)
	b, _ := os.ReadFile(tip)
	os.WriteFile(filepath.Join(imp, "tipster-1.1.1-1-x86_64.hpkg"), b, 0o644)
	os.WriteFile(filepath.Join(imp, "repo.info"), []byte(testRepoInfo), 0o644)
	out = mustRun(t, "repo", "import", imp, "--store", st, "--target", "r1/x86_64")
	if !strings.Contains(out, "1 package (1 uploaded") {
		t.Fatalf("import output %q", out)
	}
	mustRun(t, "repo", "verify", "--deep", "--store", st, "--target", "r1/x86_64")
	if _, err := runRepoStore(t, "repo", "list", "--store", st, "--target", "nonsense"); err == nil {
		t.Fatal("bad target accepted")
	}
}

func TestRepoPruneActive(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	mustRun(t, "repo", "publish", "--store", st, "--info", info, testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	active := filepath.Join(dir, "active")
	os.WriteFile(active, []byte("# produced by active ports\ntipster 1.1.0-1\n"), 0o644)
	out := mustRun(t, "repo", "prune", "--store", st, "--active", active)
	if !strings.Contains(out, "tipster-1.1.1-1-x86_64.hpkg removed from the listing: newer than the active port's version 1.1.0-1") {
		t.Fatalf("prune output %q", out)
	}
	if out := mustRun(t, "repo", "list", "--store", st); out != "FILE  SIZE  SHA256\n" {
		t.Fatalf("still listed: %q", out)
	}
	os.WriteFile(active, []byte("tipster\n"), 0o644)
	if _, err := runRepoStore(t, "repo", "prune", "--store", st, "--active", active); err == nil || !strings.Contains(err.Error(), "active:1") {
		t.Fatalf("bad active file: %v", err)
	}
}

// writeTestPkg writes a real x86_64 package that provides itself and
// provides/requires the given resolvables and expressions.
func writeTestPkg(t *testing.T, dir, name, version string, provides, requires []string) string {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	info := pkginfo.PackageInfo{Name: name, Version: v, Architecture: pkginfo.ArchX86_64, Summary: name, Description: name,
		Vendor: "Haiku Project", Packager: "kiln tests", Licenses: []string{"MIT"}, Copyrights: []string{"2026 kiln"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	for _, s := range provides {
		r, err := pkginfo.ParseResolvable(s)
		if err != nil {
			t.Fatal(err)
		}
		info.Provides = append(info.Provides, r)
	}
	for _, s := range requires {
		e, err := pkginfo.ParseExpression(s)
		if err != nil {
			t.Fatal(err)
		}
		info.Requires = append(info.Requires, e)
	}
	var buf bytes.Buffer
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, Perm: 0o755}}
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, info.CanonicalFileName())
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRepoPublishRegressionGuard: with --system-packages, a publish that
// leaves a package uninstallable is refused with the package and the
// requirement named, and changes nothing; --allow-regressions publishes.
func TestRepoPublishRegressionGuard(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	sys := filepath.Join(testenv.SharedDir(t), "fixtures/system-packages/x86_64")
	s := []string{"--store", filepath.Join(dir, "store"), "--target", "master/x86_64"}
	snapshots := append([]string{"repo", "snapshots"}, s...)
	cmd := func(args ...string) []string { return append(append(args, s...), "--system-packages", sys) }

	libfoo := writeTestPkg(t, dir, "libfoo", "1.0-1", []string{"lib:libfoo = 1.0 compat >= 1"}, nil)
	app := writeTestPkg(t, dir, "app", "2.0-1", nil, []string{"lib:libfoo >= 1"})
	libfoo2 := writeTestPkg(t, dir, "libfoo", "2.0-1", nil, nil)
	mustRun(t, cmd("repo", "publish", "--info", info, libfoo, app)...)
	head := mustRun(t, snapshots...)

	for _, args := range [][]string{{"--remove", "libfoo"}, {libfoo2}} {
		_, err := runRepoStore(t, cmd(append([]string{"repo", "publish"}, args...)...)...)
		if err == nil || !strings.Contains(err.Error(), "publish refused") ||
			!strings.Contains(err.Error(), "app (app-2.0-1-x86_64.hpkg: lib:libfoo >= 1)") ||
			!strings.Contains(err.Error(), "--allow-regressions") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("publish %v: %v", args, err)
		}
		if got := mustRun(t, snapshots...); got != head {
			t.Fatalf("a refused publish made a snapshot:\n%s", got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "store/master/x86_64/current/packages/libfoo-2.0-1-x86_64.hpkg")); !os.IsNotExist(err) {
		t.Fatalf("a refused publish uploaded its package: %v", err)
	}
	if _, err := runRepoStore(t, "repo", "publish", "--allow-regressions", "--remove", "app", "--store", filepath.Join(dir, "store")); err == nil {
		t.Fatal("--allow-regressions without --system-packages accepted")
	}
	// Prune --active and rollback publish under the same guard.
	active := filepath.Join(dir, "active")
	os.WriteFile(active, []byte("app 2.0-1\n"), 0o644)
	_, err := runRepoStore(t, cmd("repo", "prune", "--active", active, "--allow-mass-removal")...)
	if err == nil || !strings.Contains(err.Error(), "publish refused") || !strings.Contains(err.Error(), "app (app-2.0-1-x86_64.hpkg: lib:libfoo >= 1)") {
		t.Fatalf("prune --active --system-packages: %v", err)
	}
	if got := mustRun(t, snapshots...); got != head {
		t.Fatalf("a refused prune made a snapshot:\n%s", got)
	}
	if _, err := runRepoStore(t, append([]string{"repo", "prune", "--system-packages", sys}, s...)...); err == nil || !strings.Contains(err.Error(), "--active") {
		t.Fatalf("prune --system-packages without --active: %v", err)
	}
	out := mustRun(t, cmd("repo", "publish", "--allow-regressions", "--remove", "libfoo")...)
	if !strings.Contains(out, "- libfoo-1.0-1-x86_64.hpkg") {
		t.Fatalf("publish --allow-regressions: %q", out)
	}
	mustRun(t, cmd("repo", "publish", "--allow-regressions", libfoo)...)
	mustRun(t, cmd("repo", "publish", "--allow-regressions", "--remove", "libfoo")...)
	// head~1 lists libfoo and app: rolling back to it is fine; rolling
	// back from there to the snapshot without libfoo is refused.
	mustRun(t, cmd("repo", "rollback", "head~1")...)
	before := mustRun(t, snapshots...)
	_, err = runRepoStore(t, cmd("repo", "rollback", "head~1")...)
	if err == nil || !strings.Contains(err.Error(), "publish refused") || !strings.Contains(err.Error(), "--allow-regressions") {
		t.Fatalf("rollback --system-packages: %v", err)
	}
	if got := mustRun(t, snapshots...); got != before {
		t.Fatalf("a refused rollback made a snapshot:\n%s", got)
	}
	mustRun(t, cmd("repo", "rollback", "head~1", "--allow-regressions")...)
	// Removing the package that is now uninstallable is no regression.
	mustRun(t, cmd("repo", "publish", "--remove", "app")...)
}

// TestRepoStoreTypos: commands that would have done nothing because of a
// typo fail naming it; a rollback to the head makes no snapshot.
func TestRepoStoreTypos(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	s := []string{"--store", filepath.Join(dir, "store")}
	cmd := func(args ...string) []string { return append(args, s...) }
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")

	// repo.info: a README is not one; a garbage line or a repeated key names file and line.
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(readme, []byte("# kiln\n\n"+testRepoInfo+"kiln is a build master\n"), 0o644)
	dup := filepath.Join(dir, "dup.info")
	os.WriteFile(dup, []byte(testRepoInfo+"name Other\n"), 0o644)
	for file, want := range map[string]string{readme: readme + `:9:1: pkginfo: invalid package or repository info: unknown key "kiln"`,
		dup: dup + ":7:1: pkginfo: invalid package or repository info: name given twice (first on line 1)"} {
		if _, err := runRepoStore(t, cmd("repo", "publish", "--info", file, tip)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--info %s: %v, want %s", file, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "store")); !os.IsNotExist(err) {
		t.Fatalf("a bad repo.info created the store: %v", err)
	}

	mustRun(t, cmd("repo", "publish", "--info", info, tip)...)
	snaps := mustRun(t, cmd("repo", "snapshots")...)
	_, err := runRepoStore(t, cmd("repo", "publish", "--remove", "tipstr")...)
	if err == nil || !strings.Contains(err.Error(), `does not list "tipstr"`) || !strings.Contains(err.Error(), "--ignore-missing") {
		t.Fatalf("--remove of an unlisted name: %v", err)
	}
	if out := mustRun(t, cmd("repo", "publish", "--remove", "tipstr", "--ignore-missing")...); !strings.Contains(out, "unchanged") {
		t.Fatalf("--ignore-missing: %q", out)
	}
	out := mustRun(t, cmd("repo", "rollback", "head")...)
	if !strings.Contains(out, "already at head") {
		t.Fatalf("rollback to the head: %q", out)
	}
	if got := mustRun(t, cmd("repo", "snapshots")...); got != snaps {
		t.Fatalf("a no-op made a snapshot:\n%s", got)
	}
}
