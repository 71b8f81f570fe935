package ports

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// portDirFingerprint summarises what of a port directory, besides the
// recipe itself, can change an evaluation: the names and sizes of all its
// files except recipes (patch existence, licenses/ entries), and the
// content of files under additional-files/ (a recipe may source them).
// Sibling recipes are left out so that changing one version of a port
// does not invalidate the others.
func portDirFingerprint(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || rel == "." {
			fmt.Fprintf(h, "d %s\n", rel)
			return nil
		}
		if !strings.Contains(rel, "/") && strings.HasSuffix(rel, ".recipe") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "f %s %d %o\n", rel, info.Size(), info.Mode()&fs.ModeType)
		if strings.HasPrefix(rel, "additional-files/") && info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
			h.Write([]byte{'\n'})
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("ports: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cacheKey identifies one evaluation: the evaluation settings, the target
// variant, the recipe's path and content, and its port directory.
func cacheKey(settingsHash, variant, rel string, recipe []byte, dirPrint string) string {
	h := sha256.New()
	fmt.Fprintf(h, "kiln-ports-v1\n%s\n%s\n%s\n%s\n%d\n", settingsHash, variant, rel, dirPrint, len(recipe))
	h.Write(recipe)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
