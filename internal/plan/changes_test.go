package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func TestChangedFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	tree := filepath.Join(root, "haikuports")
	write := func(rel, content string) { testenv.WriteFile(t, tree, rel, content) }
	testenv.Git(t, root, "init", "-q")
	write("sys-libs/zlib/zlib-1.3.recipe", "a")
	write("app-editors/vim/vim-9.recipe", "a")
	write("app-editors/vim/patches/vim-9.patchset", "a")
	testenv.Git(t, root, "add", "-A")
	testenv.Git(t, root, "commit", "-q", "-m", "one")
	from := testenv.Git(t, root, "rev-parse", "HEAD")
	write("sys-libs/zlib/zlib-1.3.recipe", "b")
	write("net-misc/curl/curl-8.recipe", "new")
	if err := os.Remove(filepath.Join(tree, "app-editors/vim/patches/vim-9.patchset")); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, root, "add", "-A")
	testenv.Git(t, root, "commit", "-q", "-m", "two")
	files, err := ChangedFiles(t.Context(), tree, from, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"net-misc/curl/curl-8.recipe", "sys-libs/zlib/zlib-1.3.recipe"}; !slices.Equal(files, want) {
		t.Errorf("changed %v, want %v", files, want)
	}
	if _, err := ChangedFiles(t.Context(), tree, "nosuchcommit", "HEAD"); err == nil {
		t.Error("bad commit accepted")
	}
	if _, err := ChangedFiles(t.Context(), tree, "--output=/tmp/x", "HEAD"); err == nil {
		t.Error("option as commit accepted")
	}
}
