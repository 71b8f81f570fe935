package configdoc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/config"
)

// TestUpToDate: the committed docs/configuration.md is what the config
// struct makes now.
func TestUpToDate(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	want, err := Render(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "docs", "configuration.md"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("docs/configuration.md is out of date (%v): run `%s` and commit it", err, Command)
	}
}

// TestEveryKeyDocumented: every key is in the reference with its
// variable, and has a description (a doc comment on its field).
func TestEveryKeyDocumented(t *testing.T) {
	b, err := Render(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range config.Keys() {
		line := ""
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "| `"+k.Name+"` |") && (!k.Env || strings.Contains(l, k.EnvVar)) {
				line = l
			}
		}
		switch {
		case line == "":
			t.Errorf("%s is not in the reference", k.Path)
		case strings.HasSuffix(line, "|  |"):
			t.Errorf("%s has no description: give its field (%s.%s) a doc comment, then run `%s`", k.Path, k.Struct, k.Field, Command)
		}
	}
}
