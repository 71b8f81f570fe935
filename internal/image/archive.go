package image

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// RefName is the annotation that names an image in an OCI layout's
// index.json (skopeo's oci-archive:FILE:NAME).
const RefName = "org.opencontainers.image.ref.name"

// WriteArchive writes idx as an OCI image layout (oci-layout,
// index.json naming idx by ref, blobs/sha256/…) into a tar file at out,
// its entries sorted and stamped with mtime so the same index gives the
// same bytes. The file is written beside out and renamed into place.
func WriteArchive(idx v1.ImageIndex, out, ref string, mtime time.Time) error {
	dir, err := os.MkdirTemp(filepath.Dir(out), ".kiln-image-")
	if err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{RefName: ref})); err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	tmp := filepath.Join(dir, "image.tar")
	if err := tarDir(string(p), tmp, mtime); err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	return nil
}

func tarDir(root, out string, mtime time.Time) error {
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, p := range names {
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Mode: 0o644, Typeflag: tar.TypeReg, Size: fi.Size(), Format: tar.FormatPAX}
		if fi.IsDir() {
			h.Name += "/"
			h.Mode, h.Typeflag, h.Size = 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.IsDir() {
			continue
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
