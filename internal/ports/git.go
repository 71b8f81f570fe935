package ports

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrGit is returned (wrapped) when a git command fails.
var ErrGit = errors.New("git failed")

// git runs git in repo and returns its standard output.
func git(ctx context.Context, repo string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("%w: git %s: %v: %s", ErrGit, strings.Join(args, " "), err, msg)
	}
	return out.Bytes(), nil
}

// ResolveCommit returns the full hash of a commit-ish in repo.
func ResolveCommit(ctx context.Context, repo, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%w: bad revision %q", ErrGit, rev)
	}
	out, err := git(ctx, repo, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// TreeAt makes the tree of repo at commit available as a directory under
// cacheDir (cacheDir/trees/<commit hash>), extracting it with git archive
// unless it is already there, and returns the directory. Symbolic links
// are kept; nothing outside the directory is written.
func TreeAt(ctx context.Context, repo, commit, cacheDir string) (string, error) {
	hash, err := ResolveCommit(ctx, repo, commit)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir, "trees", hash)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("ports: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-"+hash[:12]+"-")
	if err != nil {
		return "", fmt.Errorf("ports: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", hash)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("ports: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("%w: git archive: %v", ErrGit, err)
	}
	xerr := extractTar(out, tmp)
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("%w: git archive %s: %v: %s", ErrGit, hash, err, strings.TrimSpace(stderr.String()))
	}
	if xerr != nil {
		return "", xerr
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(dir); serr == nil {
			return dir, nil // extracted concurrently
		}
		return "", fmt.Errorf("ports: %w", err)
	}
	return dir, nil
}

// extractTar writes a tar stream from git archive into dir.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ports: git archive: %w", err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if name == "." || !filepath.IsLocal(name) {
			continue
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				break
			}
			var f *os.File
			if f, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o644); err != nil {
				break
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.Symlink(h.Linkname, p)
			}
		}
		if err != nil {
			return fmt.Errorf("ports: extracting %s: %w", h.Name, err)
		}
	}
}

// ChangedFiles lists the files that differ between two commits of repo
// (added, modified, deleted; a rename as its old and new path), relative
// to the repository root with slashes.
func ChangedFiles(ctx context.Context, repo, from, to string) ([]string, error) {
	a, err := ResolveCommit(ctx, repo, from)
	if err != nil {
		return nil, err
	}
	b, err := ResolveCommit(ctx, repo, to)
	if err != nil {
		return nil, err
	}
	out, err := git(ctx, repo, "diff", "--name-only", "--no-renames", "-z", a, b, "--")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}
