package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haikuports/kiln/internal/config"
)

// ErrTreeNotReady is returned while a tree kiln clones from [tree] url
// has not been cloned yet.
var ErrTreeNotReady = errors.New("daemon: the ports tree is not cloned yet")

// gitTree is the ports tree's working copy: a checkout kiln only reads
// ([tree] path), or a clone of [tree] url in [tree] clone_dir that Sync
// clones when missing, recreates when broken and fetches. Sync moves the
// working copy to the fetched HEAD of the branch under mu's write lock;
// planning reads the working copy under its read lock, so a plan never
// sees a half-checked-out tree. Safe for concurrent use.
type gitTree struct {
	url, branch, dir string
	log              *slog.Logger

	mu    sync.RWMutex // write: checkout; read: planning
	sync  sync.Mutex   // one Sync at a time
	ready atomic.Bool
}

func newGitTree(t config.Tree, log *slog.Logger) *gitTree {
	g := &gitTree{url: t.URL, branch: t.BranchName(), dir: t.Dir(), log: log}
	return g
}

// Ready reports nil once the tree can be planned from: a URL tree was
// cloned, a checkout has its .git.
func (g *gitTree) Ready() error {
	if g.url == "" {
		if _, err := os.Stat(filepath.Join(g.dir, ".git")); err != nil {
			return fmt.Errorf("tree %s: %w", g.dir, err)
		}
		return nil
	}
	if !g.ready.Load() {
		return fmt.Errorf("%w (%s)", ErrTreeNotReady, g.dir)
	}
	return nil
}

// cloned reports whether a URL tree was cloned (true for a checkout,
// whose absence Head reports).
func (g *gitTree) cloned() bool { return g.url == "" || g.ready.Load() }

// Sync brings a URL tree's working copy to the HEAD of its branch at the
// remote and reports whether that moved it (or made it ready: the first
// Sync of a kiln); for a checkout it does nothing. The remote is asked with git fetch (git's own transport and
// credential helpers).
func (g *gitTree) Sync(ctx context.Context) (moved bool, err error) {
	if g.url == "" {
		return false, nil
	}
	g.sync.Lock()
	defer g.sync.Unlock()
	first := !g.ready.Load() // the first Sync of this kiln moves it to ready
	if err := g.ensureClone(ctx); err != nil {
		return false, err
	}
	ref := "refs/remotes/origin/" + g.branch
	if _, err := git(ctx, g.dir, "fetch", "--quiet", "--prune", "origin", "+refs/heads/"+g.branch+":"+ref); err != nil {
		if g.broken(ctx) {
			g.log.Warn("tree clone broken, cloning again", "dir", g.dir, "err", err)
			g.ready.Store(false)
			if err := g.reclone(ctx); err != nil {
				return false, err
			}
			return true, g.markReady(ctx)
		}
		return false, fmt.Errorf("tree: fetching %s from %s: %w", g.branch, redactURL(g.url), err)
	}
	want, err := git(ctx, g.dir, "rev-parse", "--verify", ref+"^{commit}")
	if err != nil {
		return false, fmt.Errorf("tree: %w", err)
	}
	head, _ := git(ctx, g.dir, "rev-parse", "--verify", "HEAD^{commit}")
	if head == want {
		g.ready.Store(true)
		return first, nil
	}
	g.mu.Lock()
	_, err = git(ctx, g.dir, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", want)
	g.mu.Unlock()
	if err != nil {
		return false, fmt.Errorf("tree: checkout of %s: %w", want, err)
	}
	g.ready.Store(true)
	return true, nil
}

// ensureClone clones when the directory is missing or empty, and
// reclones a broken clone. A directory that is neither empty nor a git
// clone is refused, never deleted: clone_dir may be mistyped.
func (g *gitTree) ensureClone(ctx context.Context) error {
	entries, err := os.ReadDir(g.dir)
	switch {
	case errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0):
		return g.reclone(ctx)
	case err != nil:
		return fmt.Errorf("tree: clone_dir: %w", err)
	}
	if _, err := os.Stat(filepath.Join(g.dir, ".git")); err != nil {
		return fmt.Errorf("tree: clone_dir %s is neither empty nor a git clone; kiln does not delete it (remove it or name another directory)", g.dir)
	}
	if g.broken(ctx) {
		g.log.Warn("tree clone broken, cloning again", "dir", g.dir)
		return g.reclone(ctx)
	}
	origin, err := git(ctx, g.dir, "config", "--get", "remote.origin.url")
	if err != nil || origin != g.url {
		return fmt.Errorf("tree: clone_dir %s is a clone of another repository (remote.origin.url %s); kiln does not delete it", g.dir, redactURL(origin))
	}
	return nil
}

// broken reports whether the clone's repository cannot be read.
func (g *gitTree) broken(ctx context.Context) bool {
	if _, err := git(ctx, g.dir, "rev-parse", "--git-dir"); err != nil {
		return true
	}
	_, err := git(ctx, g.dir, "rev-parse", "--verify", "HEAD^{commit}")
	return err != nil
}

// reclone clones into a fresh directory beside clone_dir and renames it
// into place, so a clone cut short never looks like a clone.
func (g *gitTree) reclone(ctx context.Context) error {
	parent := filepath.Dir(g.dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(g.dir)+".clone-")
	if err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	defer os.RemoveAll(tmp)
	g.log.Info("cloning the ports tree", "url", redactURL(g.url), "branch", g.branch, "dir", g.dir)
	if _, err := git(ctx, parent, "clone", "--quiet", "--no-checkout", "--origin", "origin", "--branch", g.branch, "--", g.url, tmp); err != nil {
		return fmt.Errorf("tree: cloning %s (branch %s): %w", redactURL(g.url), g.branch, err)
	}
	if _, err := git(ctx, tmp, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", "refs/remotes/origin/"+g.branch); err != nil {
		return fmt.Errorf("tree: checkout: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := os.RemoveAll(g.dir); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	if err := os.Rename(tmp, g.dir); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	g.ready.Store(true)
	return nil
}

func (g *gitTree) markReady(ctx context.Context) error {
	if _, err := git(ctx, g.dir, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	g.ready.Store(true)
	return nil
}

// git runs git in dir with prompts off and returns its trimmed output;
// errors carry git's stderr with URLs redacted.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, "git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true")
	out, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("git %s: %s", args[0], redactText(strings.TrimSpace(string(ee.Stderr))))
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
}
