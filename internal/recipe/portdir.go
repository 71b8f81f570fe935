package recipe

import (
	"os"
	"path/filepath"
	"sync"
)

// PortDir is what an evaluation reads of its port directory besides the
// recipe: the names in its patches/ and licenses/ folders (validate.go
// checks patches that PATCHES does not list and the recipe's own
// licenses). A nil list is a folder that does not exist or cannot be read.
type PortDir struct {
	Patches, Licenses []string
}

// portDirFolders are the folders PortDir lists, by index.
var portDirFolders = [...]string{folderPatches: "patches", folderLicenses: "licenses"}

const (
	folderPatches = iota
	folderLicenses
)

// folders holds the listings of one port directory's folders for the
// evaluations of a Source, read at most once each. It is safe for
// concurrent use.
type folders struct {
	mu    sync.Mutex
	known [len(portDirFolders)]bool
	names [len(portDirFolders)][]string
}

// SetPortDir gives the listings of the recipe's port directory as the
// caller already read them (the ports tree reads them for its
// fingerprint); the evaluations then read neither folder. Without it, the
// first evaluation that needs a folder reads it, and the others of this
// Source use that listing. Call it before evaluating.
func (s *Source) SetPortDir(d PortDir) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.names = [...][]string{folderPatches: d.Patches, folderLicenses: d.Licenses}
	s.dir.known = [...]bool{true, true}
}

// folder returns the names in the folder i (portDirFolders) of dir; a nil
// f reads it every time.
func (f *folders) folder(dir string, i int) []string {
	if f == nil {
		return readFolder(dir, i)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.known[i] {
		f.known[i] = true
		f.names[i] = readFolder(dir, i)
	}
	return f.names[i]
}

func readFolder(dir string, i int) []string {
	des, err := os.ReadDir(filepath.Join(dir, portDirFolders[i]))
	if err != nil {
		return nil
	}
	names := make([]string, len(des))
	for j, de := range des {
		names[j] = de.Name()
	}
	return names
}
