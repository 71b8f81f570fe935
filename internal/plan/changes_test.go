package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestChangedFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	tree := filepath.Join(root, "haikuports")
	write := func(rel, content string) {
		p := filepath.Join(tree, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, root, "init", "-q")
	write("sys-libs/zlib/zlib-1.3.recipe", "a")
	write("app-editors/vim/vim-9.recipe", "a")
	write("app-editors/vim/patches/vim-9.patchset", "a")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "one")
	from := git(t, root, "rev-parse", "HEAD")
	write("sys-libs/zlib/zlib-1.3.recipe", "b")
	write("net-misc/curl/curl-8.recipe", "new")
	if err := os.Remove(filepath.Join(tree, "app-editors/vim/patches/vim-9.patchset")); err != nil {
		t.Fatal(err)
	}
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "two")
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
