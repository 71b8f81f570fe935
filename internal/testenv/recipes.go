package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Recipe is one recipe file of the corpus, read into memory.
type Recipe struct {
	Rel  string // slash-separated path relative to the tree root
	Path string // absolute path in the unpacked corpus
	Src  []byte
}

// CorpusRecipes reads every *.recipe file of the unpacked corpus (Corpus),
// in walk order.
func CorpusRecipes(t testing.TB) []Recipe {
	t.Helper()
	root := Corpus(t)
	var rs []Recipe
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".recipe") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rs = append(rs, Recipe{Rel: filepath.ToSlash(rel), Path: p, Src: src})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
