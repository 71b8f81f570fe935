package ports

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/haikuports/kiln/internal/recipe"
)

// portDirFingerprint summarises what of a port directory, besides the
// recipe itself, can change an evaluation: the names (and types) of all
// its files and folders except recipes (patch existence, licenses/
// entries), and the content of files under additional-files/ (a recipe
// may source them). Sibling recipes are left out so that changing one
// version of a port does not invalidate the others. It also returns the
// listings of the folders an evaluation reads (patches/, licenses/), so
// that the evaluation need not read them again.
func portDirFingerprint(dir string, top []os.DirEntry) (string, recipe.PortDir, error) {
	h := sha256.New()
	var pd recipe.PortDir
	if err := fingerprintDir(h, dir, "", top, 0, &pd); err != nil {
		return "", recipe.PortDir{}, fmt.Errorf("ports: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), pd, nil
}

func fingerprintDir(h hash.Hash, dir, rel string, des []os.DirEntry, depth int, pd *recipe.PortDir) error {
	if depth > 16 {
		return nil
	}
	if des == nil {
		var err error
		if des, err = os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	if rel == "patches" || rel == "licenses" {
		names := make([]string, len(des))
		for i, d := range des {
			names[i] = d.Name()
		}
		if rel == "patches" {
			pd.Patches = names
		} else {
			pd.Licenses = names
		}
	}
	for _, d := range des {
		name := d.Name()
		if rel == "" && strings.HasSuffix(name, ".recipe") {
			continue
		}
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		fmt.Fprintf(h, "%s %o\n", r, d.Type())
		switch {
		case d.IsDir():
			if err := fingerprintDir(h, dir, r, nil, depth+1, pd); err != nil {
				return err
			}
		case d.Type().IsRegular() && strings.HasPrefix(r, "additional-files/"):
			f, err := os.Open(filepath.Join(dir, filepath.FromSlash(r)))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			// Only Read: *os.File's WriteTo would allocate a 32 KiB
			// buffer per file.
			buf := copyBuffers.Get().(*[]byte)
			n, err := io.CopyBuffer(h, struct{ io.Reader }{f}, *buf)
			copyBuffers.Put(buf)
			f.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "\n%d\n", n)
		}
	}
	return nil
}

// copyBuffers are the buffers fingerprintDir hashes files through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// cacheKey identifies one evaluation: the evaluation settings, the target
// variant, the recipe's path and content, and its port directory.
func cacheKey(settingsHash, variant, rel string, recipe []byte, dirPrint string) string {
	h := sha256.New()
	fmt.Fprintf(h, "kiln-ports-v1\n%s\n%s\n%s\n%s\n%d\n", settingsHash, variant, rel, dirPrint, len(recipe))
	h.Write(recipe)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
