package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `
[store]
url = "data"

[tree]
path = "haikuports"

[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"

[[builders.mock]]
name = "mock"
count = 2
duration = "fixed"
median = "1s"

[build]
publish = "each-build"
hang_timeout = "30m"
retries = 2
`

func TestParse(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.URL != filepath.Join(dir, "data") || c.Tree.Path != filepath.Join(dir, "haikuports") {
		t.Errorf("paths not resolved against the file: %q %q", c.Store.URL, c.Tree.Path)
	}
	tg, err := c.Target("")
	if err != nil || tg.Name() != "master/x86_64" || tg.SystemPackages != filepath.Join(dir, "system") {
		t.Fatalf("Target = %+v, %v", tg, err)
	}
	if _, err := c.Target("master/riscv64"); err == nil || !strings.Contains(err.Error(), "master/x86_64") {
		t.Errorf("unknown target: %v (should list the configured ones)", err)
	}
	if len(c.Builders.Mock) != 1 || c.Builders.Mock[0].Count != 2 {
		t.Errorf("mock builders %+v", c.Builders.Mock)
	}
	if c.Build.Publish != "each-build" || c.Build.Retries != 2 {
		t.Errorf("build %+v", c.Build)
	}
}

func TestS3URLKept(t *testing.T) {
	c, err := Parse("/etc/kiln/kiln.toml", []byte(strings.Replace(good, `url = "data"`, `url = "s3://bucket/prefix?region=eu-west-1"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.URL != "s3://bucket/prefix?region=eu-west-1" {
		t.Errorf("store url %q", c.Store.URL)
	}
}

// TestErrors: every mistake names the key, and the position where the
// decoder knows it.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, edit, want string
	}{
		{"unknown key", `[[builders.mok]]` + "\nname = \"x\"", "kiln.toml:25:3: builders.mok: unknown key"},
		{"unknown top-level", "listen = 1", "kiln.toml:25:1: build.listen: unknown key"},
		{"wrong type", "[store]\n", "store"},
		{"bad duration", `[build]` + "\nhang_timeout = \"soon\"", "duration"},
		{"bad arch", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := good + "\n" + tc.edit + "\n"
			if tc.name == "bad arch" {
				text = strings.Replace(good, `arch = "x86_64"`, `arch = "x86_65"`, 1)
				tc.want = "target[0]"
			}
			if tc.name == "bad duration" {
				text = strings.Replace(good, `hang_timeout = "30m"`, `hang_timeout = "soon"`, 1)
			}
			if tc.name == "wrong type" {
				text = strings.Replace(good, `retries = 2`, `retries = "two"`, 1)
				tc.want = "kiln.toml:23:11: build.retries"
			}
			_, err := Parse("kiln.toml", []byte(text))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	_, err := Parse("kiln.toml", []byte("[store]\nurl = \"x\"\n"))
	for _, want := range []string{"tree.path", "target", "builders"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("[[target]]\nbranch=1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("kiln.toml", b)
		if err == nil && c.Validate() != nil {
			t.Fatal("Parse accepted what Validate refuses")
		}
	})
}

// TestExample: the documented example in the repository root parses and
// names two targets.
func TestExample(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "kiln.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Targets) != 2 || c.Targets[1].Name() != "master/x86_gcc2" || len(c.Builders.Mock) != 1 {
		t.Errorf("example: %+v", c)
	}
}
