package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const urlTree = `
[store]
url = "data"

[tree]
url = "https://github.com/haikuports/haikuports.git"
clone_dir = "cache/tree"
debounce = "500ms"

[[target]]
branch = "master"
arch = "x86_64"

[[builders.mock]]
name = "mock"
`

// TestTreeURL: a URL tree resolves its clone directory, defaults its
// branch and debounce, and plans from the clone.
func TestTreeURL(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(urlTree))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tree.Dir() != filepath.Join(dir, "cache/tree") || c.Tree.BranchName() != "master" || c.Tree.DebounceWindow() != 500*time.Millisecond {
		t.Errorf("dir %q branch %q debounce %v", c.Tree.Dir(), c.Tree.BranchName(), c.Tree.DebounceWindow())
	}
	p, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if p.Tree.Dir() != p.Tree.Path || p.Tree.BranchName() != "" || p.Tree.DebounceWindow() != DefaultDebounce {
		t.Errorf("checkout: dir %q branch %q debounce %v", p.Tree.Dir(), p.Tree.BranchName(), p.Tree.DebounceWindow())
	}
}

// TestTreeInvalid: each mistake names its key.
func TestTreeInvalid(t *testing.T) {
	for _, tc := range []struct{ tree, want string }{
		{``, "tree.path: required"},
		{`path = "x"` + "\n" + `url = "https://e.org/t.git"` + "\n" + `clone_dir = "c"`, "tree.url: tree.path and tree.url both set"},
		{`url = "https://e.org/t.git"`, "tree.clone_dir: required"},
		{`path = "x"` + "\n" + `clone_dir = "c"`, "tree.clone_dir: only applies"},
		{`url = "--upload-pack=evil"` + "\n" + `clone_dir = "c"`, "tree.url"},
		{`url = "https://bob:pw@e.org/t.git"` + "\n" + `clone_dir = "c"`, "tree.url: carries a password"},
		{`path = "x"` + "\n" + `branch = "a..b"`, "tree.branch"},
		{`path = "x"` + "\n" + `debounce = "-1s"`, "tree.debounce"},
	} {
		cfg := strings.Replace(urlTree, `url = "https://github.com/haikuports/haikuports.git"
clone_dir = "cache/tree"
debounce = "500ms"`, tc.tree, 1)
		_, err := Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(cfg))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.tree, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: the password is in the error: %v", tc.tree, err)
		}
	}
}

// TestNotifyConfig: defaults, a URL from a file, and each mistake named
// without the URL in the message.
func TestNotifyConfig(t *testing.T) {
	dir := t.TempDir()
	base := strings.Replace(urlTree, "[[builders.mock]]", `[[notify]]
url = "https://hds.example.org/__repository/haikuports/source/haikuports_x86_64/import?token=s3cret"
method = "get"
targets = ["master/x86_64"]

[[notify]]
url_file = "notify-url"
retries = 0

[[builders.mock]]`, 1)
	writeFile(t, filepath.Join(dir, "notify-url"), "https://hooks.example.org/kiln\n")
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	n0, err := c.Notify[0].Resolved()
	if err != nil || n0.Method != "GET" || *n0.Retries != DefaultNotifyRetries || time.Duration(n0.Timeout) != DefaultNotifyTimeout || !n0.For("master/x86_64") || n0.For("master/x86") {
		t.Errorf("notify[0] %+v %v", n0, err)
	}
	n1, err := c.Notify[1].Resolved()
	if err != nil || n1.Method != "POST" || string(n1.URL) != "https://hooks.example.org/kiln" || *n1.Retries != 0 || !n1.For("any/x86") {
		t.Errorf("notify[1] %+v %v", n1, err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`method = "get"`, `method = "PUT"`, "notify[0].method"},
		{`targets = ["master/x86_64"]`, `targets = ["master/sparc"]`, `notify[0].targets: no target "master/sparc"`},
		{`url = "https://hds`, `url = "ftp://hds`, "notify[0].url: not an http"},
		{`retries = 0`, `retries = 99`, "notify[1].retries"},
		{`url_file = "notify-url"`, `url_file = "missing"`, "notify[1].url_file"},
	} {
		_, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(strings.Replace(base, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
