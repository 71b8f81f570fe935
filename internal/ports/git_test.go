package ports

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

func TestGitChangedFilesToPorts(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	corpus := testenv.Corpus(t)
	repo := t.TempDir()
	testenv.Git(t, repo, "init", "-q", "-b", "main")
	testenv.CopyTree(t, repo, corpus, "sys-libs/zlib", "games-strategy/1oom", "dev-util/abi_compliance_checker")
	testenv.Git(t, repo, "add", "-A")
	testenv.Git(t, repo, "commit", "-q", "-m", "A")
	a := testenv.Git(t, repo, "rev-parse", "HEAD")

	testenv.WriteFile(t, repo, "sys-libs/zlib/patches/zlib-1.3.2.patchset", "changed\n")
	testenv.WriteFile(t, repo, "sys-libs/zlib/licenses/Zlib", "changed\n")
	testenv.WriteFile(t, repo, "sys-libs/zlib/licenses/Unused", "new\n")
	testenv.WriteFile(t, repo, "games-strategy/1oom/additional-files/1oom.rdef", "changed\n")
	testenv.WriteFile(t, repo, "dev-util/abi_compliance_checker/additional-files/example-descriptors/zlib-1.2.2.desc", "changed\n")
	old, err := os.ReadFile(filepath.Join(repo, "games-strategy/1oom/1oom-1.0.recipe"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, repo, "games-strategy/1oom/1oom-1.1.recipe", string(old))
	testenv.Git(t, repo, "add", "-A")
	testenv.Git(t, repo, "commit", "-q", "-m", "B")
	b := testenv.Git(t, repo, "rev-parse", "HEAD")
	testenv.Git(t, repo, "rm", "-q", "games-strategy/1oom/1oom-1.1.recipe")
	testenv.Git(t, repo, "commit", "-q", "-m", "C")

	ctx := context.Background()
	changed, err := ChangedFiles(ctx, repo, a, b)
	if err != nil {
		t.Fatal(err)
	}
	wantChanged := []string{
		"dev-util/abi_compliance_checker/additional-files/example-descriptors/zlib-1.2.2.desc",
		"games-strategy/1oom/1oom-1.1.recipe",
		"games-strategy/1oom/additional-files/1oom.rdef",
		"sys-libs/zlib/licenses/Unused",
		"sys-libs/zlib/licenses/Zlib",
		"sys-libs/zlib/patches/zlib-1.3.2.patchset",
	}
	if !reflect.DeepEqual(changed, wantChanged) {
		t.Fatalf("ChangedFiles = %q, want %q", changed, wantChanged)
	}

	cacheDir := t.TempDir()
	dir, err := TreeAt(ctx, repo, b, cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := TreeAt(ctx, repo, b[:10], cacheDir); err != nil || again != dir {
		t.Fatalf("TreeAt again = %s, %v; want %s", again, err, dir)
	}
	tree, err := Load(ctx, dir, recipe.Target{Arch: pkginfo.ArchX86_64}, Options{Settings: referenceSettings(t)})
	if err != nil {
		t.Fatal(err)
	}
	if p := tree.Port("1oom"); p == nil || p.Version != "1.1" {
		t.Fatalf("active 1oom at B = %+v", p)
	}
	refs, err := tree.PortsForFiles(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range refs {
		got[r.ID] = r.Files
	}
	want := map[string][]string{
		"1oom-1.0":   {"games-strategy/1oom/additional-files/1oom.rdef"},
		"1oom-1.1":   {"games-strategy/1oom/1oom-1.1.recipe"},
		"zlib-1.3.2": {"sys-libs/zlib/licenses/Zlib", "sys-libs/zlib/patches/zlib-1.3.2.patchset"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PortsForFiles = %v, want %v", got, want)
	}

	// The deleted recipe (B..C) maps to its port version, marked removed.
	changed, err = ChangedFiles(ctx, repo, b, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	head, err := TreeAt(ctx, repo, "HEAD", cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	tree, err = Load(ctx, head, recipe.Target{Arch: pkginfo.ArchX86_64}, Options{Settings: referenceSettings(t)})
	if err != nil {
		t.Fatal(err)
	}
	refs, err = tree.PortsForFiles(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].ID != "1oom-1.1" || !refs[0].Removed {
		t.Fatalf("PortsForFiles after delete = %+v", refs)
	}

	if _, err := ChangedFiles(ctx, repo, "no-such-rev", b); err == nil {
		t.Fatal("ChangedFiles accepted a bad revision")
	}
	if _, err := TreeAt(ctx, repo, "--output=/tmp/x", cacheDir); err == nil {
		t.Fatal("TreeAt accepted an option as revision")
	}
}
