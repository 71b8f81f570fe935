// Package image builds kiln's container image without a container
// engine: an OCI image index for linux/amd64 and linux/arm64 written as
// an OCI layout tarball. Each platform's image has two layers: a root
// file system unpacked from Debian packages (libc, git and the
// libraries it links to, the CA certificates; see Base) and kiln's
// static binary at /usr/bin/kiln. It runs as the non-root user kiln
// (65532). tools/kiln-image is the command (make release runs it); the
// kiln binary does not link this package.
package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Binary is the image's entrypoint.
const Binary = "/usr/bin/kiln"

// Options say what to build.
type Options struct {
	// Binaries maps an architecture (amd64, arm64) to the static kiln
	// binary built for it; the image has one platform per entry.
	Binaries map[string]string
	CacheDir string    // where downloaded .debs are kept
	Version  string    // org.opencontainers.image.version and the layout's ref name
	Revision string    // the commit (org.opencontainers.image.revision)
	Created  time.Time // the images' creation time and the kiln layer's mtimes
}

// Build builds the image index of opts.
func Build(ctx context.Context, log *slog.Logger, apt Apt, opts Options) (v1.ImageIndex, error) {
	if len(opts.Binaries) == 0 {
		return nil, fmt.Errorf("image: no binaries")
	}
	var arches []string
	for a := range opts.Binaries {
		if _, ok := Arches[a]; !ok {
			return nil, fmt.Errorf("image: unknown architecture %q (have amd64, arm64)", a)
		}
		arches = append(arches, a)
	}
	sort.Strings(arches)
	var idx v1.ImageIndex = empty.Index
	idx = mutate.IndexMediaType(idx, types.OCIImageIndex)
	for _, a := range arches {
		img, err := platformImage(ctx, log, apt, opts, Arches[a])
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: a}},
		})
	}
	return idx, nil
}

func platformImage(ctx context.Context, log *slog.Logger, apt Apt, opts Options, a Arch) (v1.Image, error) {
	base, pkgs, err := Base(ctx, log, apt, opts.CacheDir, a)
	if err != nil {
		return nil, err
	}
	top, err := kilnTree(opts.Binaries[a.Name], opts.Created, a)
	if err != nil {
		return nil, err
	}
	var layers []v1.Layer
	for _, t := range []*Tree{base, top} {
		l, err := layer(t)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, layers...)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", a.Name, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", a.Name, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", a.Name
	cf.Created = v1.Time{Time: opts.Created}
	var debs []string
	for _, p := range pkgs {
		debs = append(debs, p.Name+"="+p.Version)
	}
	cf.Config = v1.Config{
		Entrypoint: []string{Binary},
		Cmd:        []string{"serve"},
		User:       fmt.Sprintf("%d:%d", UID, UID),
		WorkingDir: Home,
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"HOME=" + Home,
			"SSL_CERT_FILE=/" + caBundle,
		},
		Labels: map[string]string{
			"org.opencontainers.image.title":    "kiln",
			"org.opencontainers.image.version":  opts.Version,
			"org.opencontainers.image.revision": opts.Revision,
			"org.opencontainers.image.created":  opts.Created.UTC().Format(time.RFC3339),
			"org.haikuports.kiln.debian":        strings.Join(debs, " "),
		},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", a.Name, err)
	}
	return img, nil
}

// kilnTree is the top layer: the binary, checked to be a static
// executable for a.
func kilnTree(bin string, mtime time.Time, a Arch) (*Tree, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("kiln binary for %s: %w", a.Name, err)
	}
	t := NewTree()
	if err := t.Add(file(strings.TrimPrefix(Binary, "/"), 0o755, 0, mtime, data), data, bin); err != nil {
		return nil, err
	}
	if _, err := CheckELF(t, a); err != nil {
		return nil, fmt.Errorf("kiln binary for %s (%s; build it with CGO_ENABLED=0 GOARCH=%s): %w", a.Name, bin, a.Name, err)
	}
	return t, nil
}

// layer renders t once and serves the tar from memory.
func layer(t *Tree) (v1.Layer, error) {
	var b bytes.Buffer
	if err := t.WriteTar(&b); err != nil {
		return nil, err
	}
	raw := b.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
