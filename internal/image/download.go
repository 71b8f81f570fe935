package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// ErrChecksum is returned for a downloaded .deb whose SHA-256 is not the
// one in apt's lists.
var ErrChecksum = errors.New("SHA-256 mismatch")

// Fetch returns the path of each package's .deb in cacheDir (named as in
// the archive's pool, e.g. git_2.39.5-0+deb12u3_arm64.deb), downloading
// with apt-get download those that are missing or whose SHA-256 is not
// the lists' (a cached file is verified each time, so a truncated or
// stale one is fetched again).
func Fetch(ctx context.Context, log *slog.Logger, cacheDir string, pkgs []Package) ([]string, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("deb cache: %w", err)
	}
	paths := make([]string, len(pkgs))
	var missing []Package
	for i, p := range pkgs {
		paths[i] = filepath.Join(cacheDir, path.Base(p.Filename))
		if err := verify(paths[i], p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return paths, nil
	}
	log.Info("downloading packages", "count", len(missing), "cache", cacheDir)
	// apt-get download writes into its working directory with the epoch
	// escaped in the name (git_1%3a2.39…); a directory of its own keeps
	// partial files out of the cache, and each file is matched to its
	// package by its SHA-256.
	tmp, err := os.MkdirTemp(cacheDir, "download-")
	if err != nil {
		return nil, fmt.Errorf("deb cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	// apt drops to the _apt user to download when run as root; the
	// directory must be writable by it.
	if err := os.Chmod(tmp, 0o777); err != nil {
		return nil, fmt.Errorf("deb cache: %w", err)
	}
	args := []string{"download", "-q"}
	for _, p := range missing {
		args = append(args, p.Name+":"+p.Arch+"="+p.Version)
	}
	cmd := exec.CommandContext(ctx, "apt-get", args...)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("apt-get download: %w: %s", err, strings.TrimSpace(out.String()))
	}
	bySum := map[string]Package{}
	for _, p := range missing {
		bySum[p.SHA256] = p
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("deb cache: %w", err)
	}
	for _, e := range entries {
		f := filepath.Join(tmp, e.Name())
		sum, err := fileSHA256(f)
		if err != nil {
			return nil, err
		}
		p, ok := bySum[sum]
		if !ok {
			continue
		}
		if err := os.Rename(f, filepath.Join(cacheDir, path.Base(p.Filename))); err != nil {
			return nil, fmt.Errorf("deb cache: %w", err)
		}
	}
	for i, p := range pkgs {
		if err := verify(paths[i], p); err != nil {
			return nil, fmt.Errorf("package %s %s (%s): %w", p.Name, p.Version, p.Arch, err)
		}
	}
	return paths, nil
}

func verify(file string, p Package) error {
	sum, err := fileSHA256(file)
	if err != nil {
		return err
	}
	if sum != p.SHA256 {
		return fmt.Errorf("%s: %w (have %s, the lists say %s)", file, ErrChecksum, sum, p.SHA256)
	}
	return nil
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
