package recipe

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPortDirFolders: a Source reads each folder of its port directory
// once, or never when the caller gave the listings; a missing folder is
// an empty listing.
func TestPortDirFolders(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "patches"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "patches", "foo-1.patchset"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	src := NewSource(nil)
	if got := src.dir.folder(dir, folderPatches); !slices.Equal(got, []string{"foo-1.patchset"}) {
		t.Fatalf("patches %q", got)
	}
	if got := src.dir.folder(dir, folderLicenses); got != nil {
		t.Fatalf("licenses %q, want none", got)
	}
	// read once: a later change is not seen by this Source
	if err := os.WriteFile(filepath.Join(dir, "patches", "foo-2.patchset"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := src.dir.folder(dir, folderPatches); len(got) != 1 {
		t.Fatalf("patches read again: %q", got)
	}
	given := NewSource(nil)
	given.SetPortDir(PortDir{Licenses: []string{"Own"}})
	if got := given.dir.folder(dir, folderPatches); got != nil {
		t.Fatalf("patches %q read although given", got)
	}
	if got := given.dir.folder(dir, folderLicenses); !slices.Equal(got, []string{"Own"}) {
		t.Fatalf("licenses %q", got)
	}
}
