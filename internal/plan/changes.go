package plan

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// ChangedFiles lists the files added, copied, modified, renamed (new name)
// or whose type changed between the commits from and to of the git
// checkout holding dir, relative to dir, as the HaikuPorter build master's
// update mode does (git diff-tree --diff-filter ACMTR). Deleted files are
// not listed. It runs the git command.
func ChangedFiles(ctx context.Context, dir, from, to string) ([]string, error) {
	for _, c := range []string{from, to} {
		if c == "" || strings.HasPrefix(c, "-") {
			return nil, fmt.Errorf("%w: bad commit %q", ErrGit, c)
		}
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "diff", "--no-renames", "--name-only", "-z",
		"--relative", "--diff-filter=ACMTR", from, to, "--")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("%w: diff %s..%s in %s: %w: %s", ErrGit, from, to, dir, err, msg)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}
