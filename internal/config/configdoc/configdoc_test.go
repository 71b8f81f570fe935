package configdoc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// TestEveryKeyDocumented: every key has a description (a doc comment
// on its field).
func TestEveryKeyDocumented(t *testing.T) {
	es, err := Entries(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < 50 {
		t.Fatalf("only %d keys", len(es))
	}
	for _, e := range es {
		if strings.TrimSpace(e.Doc) == "" {
			t.Errorf("%s has no description: give its field (%s.%s) a doc comment, then run `%s`", e.Path, e.Struct, e.Field, Command)
		}
	}
}
