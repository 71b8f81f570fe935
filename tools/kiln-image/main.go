// Command kiln-image builds kiln's container image without a container
// engine and writes it as an OCI layout tarball (internal/image):
//
//	go run ./tools/kiln-image -out out/kiln-image.tar -version v1.2.3 \
//	  -binary amd64=bin/kiln-v1.2.3-linux-amd64 -binary arm64=bin/kiln-v1.2.3-linux-arm64
//
// The Debian packages come from apt (apt-get download; a foreign
// architecture needs dpkg --add-architecture ARCH && apt-get update
// first) and are kept in -cache. make release runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/image"
)

type binaries map[string]string

func (b binaries) String() string { return fmt.Sprint(map[string]string(b)) }

func (b binaries) Set(v string) error {
	arch, file, ok := strings.Cut(v, "=")
	if !ok || arch == "" || file == "" {
		return fmt.Errorf("want ARCH=FILE, got %q", v)
	}
	b[arch] = file
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kiln-image:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	bins := binaries{}
	fs := flag.NewFlagSet("kiln-image", flag.ContinueOnError)
	out := fs.String("out", "out/kiln-image.tar", "the OCI layout tarball to write")
	cache := fs.String("cache", defaultCache(), "where downloaded .deb files are kept")
	version := fs.String("version", "devel", "the image's version (label and the layout's ref name)")
	revision := fs.String("revision", "", "the commit it is built from")
	created := fs.String("created", "", "the creation time, RFC 3339 (default: now)")
	fs.Var(bins, "binary", "ARCH=FILE: the static kiln binary for amd64 or arm64 (repeat)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if len(bins) == 0 {
		return fmt.Errorf("no -binary ARCH=FILE given")
	}
	when := time.Now().UTC().Truncate(time.Second)
	if *created != "" {
		t, err := time.Parse(time.RFC3339, *created)
		if err != nil {
			return fmt.Errorf("-created: %w", err)
		}
		when = t
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	start := time.Now()
	idx, err := image.Build(ctx, log, image.AptCache{}, image.Options{
		Binaries: bins, CacheDir: *cache, Version: *version, Revision: *revision, Created: when,
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := image.WriteArchive(idx, *out, *version, when); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	log.Info("image written", "file", *out, "index", d.String(), "bytes", fi.Size(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func defaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "kiln", "debs")
	}
	return filepath.Join("out", "debs")
}
