// Package demo is kiln's built-in demo: a small ports tree of its own
// recipes (with dependencies between them, an inactive older version, a
// blocked and a broken port) and stand-ins for Haiku's system packages,
// written out at start so `kiln serve` and `kiln build` work with no
// config at all. Nothing here is used by a configured target.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

//go:embed tree system
var files embed.FS

// Ports are the ids (name-version) of the tree's active ports, sorted.
var Ports = []string{
	"glazedoc-1.0", "kilnfetch-0.7", "kilnpaint-0.4", "kilnsh-5.1", "libglaze-0.9.1",
	"libkiln-1.2.0", "pkgconf_lite-2.1.0", "tilecraft-3.0.2",
}

// WriteTree writes the demo ports tree into dir (created if missing) as
// a git repository with one commit, and returns the commit id. An
// existing repository in dir is left as it is and its HEAD returned, so
// a restarted demo keeps the history it made.
func WriteTree(ctx context.Context, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return git(ctx, dir, "rev-parse", "HEAD")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	err := fs.WalkDir(files, "tree", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "tree/")))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("demo: write tree: %w", err)
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "master"},
		{"add", "-A"},
		{"-c", "user.name=kiln demo", "-c", "user.email=demo@kiln.invalid", "commit", "-q", "-m", "kiln demo ports tree"},
	} {
		if _, err := git(ctx, dir, args...); err != nil {
			return "", err
		}
	}
	return git(ctx, dir, "rev-parse", "HEAD")
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("demo: git %s: %v: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// SystemInfos returns the demo's system packages for a primary
// architecture and its secondary architectures (haiku, haiku_devel and a
// toolchain for each; secondary ones with the _<arch> suffix).
func SystemInfos(arch pkginfo.Architecture, secondary ...pkginfo.Architecture) ([]*pkginfo.PackageInfo, error) {
	var out []*pkginfo.PackageInfo
	for i, a := range append([]pkginfo.Architecture{arch}, secondary...) {
		suffix := ""
		if i > 0 {
			suffix = "_" + a.String()
		}
		for _, name := range []string{"haiku", "haiku_devel", "demo_toolchain"} {
			b, err := files.ReadFile("system/" + name + ".PackageInfo.in")
			if err != nil {
				return nil, err
			}
			text := strings.NewReplacer("@ARCH@", arch.String(), "@SUFFIX@", suffix).Replace(string(b))
			info, err := pkginfo.ParsePackageInfoBytes([]byte(text), name+".PackageInfo")
			if err != nil {
				return nil, fmt.Errorf("demo: %w", err)
			}
			out = append(out, info)
		}
	}
	return out, nil
}

// WriteSystem writes the demo's system packages as real .hpkg files
// (package info only, no content) into dir and returns their paths.
func WriteSystem(dir string, arch pkginfo.Architecture, secondary ...pkginfo.Architecture) ([]string, error) {
	infos, err := SystemInfos(arch, secondary...)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var paths []string
	for _, info := range infos {
		var buf bytes.Buffer
		if err := hpkg.WritePackage(&buf, info, nil, hpkg.WriteOptions{}); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", info.Name, err)
		}
		p := filepath.Join(dir, info.CanonicalFileName())
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// RepoInfo is the demo target's repository info; baseURL is where
// clients fetch it (kiln's own /repo/… in the demo).
func RepoInfo(arch pkginfo.Architecture, baseURL string) pkginfo.RepositoryInfo {
	return pkginfo.RepositoryInfo{
		Name:         "kiln-demo",
		Vendor:       "Haiku Project", // what HaikuPorter's packages say
		Summary:      "kiln's built-in demo repository",
		Priority:     1,
		BaseURL:      baseURL,
		Identifier:   "tag:kiln.invalid,2026:repositories/demo/" + arch.String(),
		Architecture: arch,
	}
}
