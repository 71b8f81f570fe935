package doctor

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/haikuports/kiln/internal/config"
)

// treeCheck checks the ports tree: [tree] url answers `git ls-remote`
// and has the branch; [tree] path is a git work tree with a commit.
func treeCheck(cfg *config.Config, opts Options) Check {
	t := cfg.Tree
	if t.URL != "" {
		return Check{Name: "tree", Run: func(ctx context.Context) Result {
			return remoteTree(ctx, t.URL, t.BranchName())
		}}
	}
	return Check{Name: "tree", Run: func(ctx context.Context) Result {
		return localTree(ctx, t.Path)
	}}
}

// remoteTree runs git ls-remote on url for branch.
func remoteTree(ctx context.Context, url, branch string) Result {
	ref := "refs/heads/" + branch
	out, err := git(ctx, "", "ls-remote", "--", url, ref)
	if err != nil {
		return failf("check tree.url and that this machine may read it (an SSH key or a credential helper; git ls-remote "+url+")",
			"tree.url %s: %v", url, err)
	}
	for _, line := range strings.Split(out, "\n") {
		if commit, name, ok := strings.Cut(line, "\t"); ok && name == ref {
			return okf("tree.url %s answers; %s is at %.12s", url, branch, commit)
		}
	}
	return failf("correct tree.branch (or push the branch)", "tree.url %s has no branch %s", url, branch)
}

// localTree checks that dir is a git work tree with a HEAD commit.
func localTree(ctx context.Context, dir string) Result {
	if _, err := os.Stat(dir); err != nil {
		return failf("correct tree.path, or clone the tree there (git clone https://github.com/haikuports/haikuports.git)", "tree.path: %v", err)
	}
	inside, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree")
	if err != nil || inside != "true" {
		return failf("tree.path must be a git checkout of the ports tree (git clone …), or set tree.url", "tree.path %s is not a git work tree: %v", dir, errOr(err, inside))
	}
	head, err := git(ctx, dir, "log", "-1", "--format=%h %s")
	if err != nil {
		return failf("commit the tree (kiln plans from HEAD)", "tree.path %s has no commit: %v", dir, err)
	}
	return okf("tree.path %s is a git work tree at %s", dir, head)
}

func errOr(err error, out string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("git says %q", out)
}

// git runs git with args (in dir unless ""), never asking for a password,
// and returns its trimmed standard output; errors carry its standard
// error.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	sub := args[0]
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if os.Getenv("GIT_SSH_COMMAND") == "" {
		cmd.Env = append(cmd.Env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var lines []string
		for _, l := range strings.Split(stderr.String(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.Join(lines, " "))
		}
		return "", fmt.Errorf("git %s: %w", sub, err)
	}
	return strings.TrimSpace(string(out)), nil
}
