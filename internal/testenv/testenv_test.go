package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCorpusUnpacks(t *testing.T) {
	dir := Corpus(t)
	if _, err := os.Stat(filepath.Join(dir, "sys-libs", "zlib")); err != nil {
		t.Fatalf("zlib port missing from unpacked corpus: %v", err)
	}
	if again := Corpus(t); again != dir {
		t.Fatalf("Corpus unpacked twice: %s, %s", dir, again)
	}
	t.Cleanup(Cleanup)
}

func TestFixture(t *testing.T) {
	if _, err := os.Stat(Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")); err != nil {
		t.Fatal(err)
	}
}
