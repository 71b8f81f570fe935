package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultTreeBranch is the branch of [tree] url when branch is not set.
const DefaultTreeBranch = "master"

// DefaultDebounce is [tree] debounce when not set.
const DefaultDebounce = 2 * time.Second

// Dir is the directory of the tree's working copy kiln plans from: Path,
// or CloneDir for a tree kiln clones from URL.
func (t Tree) Dir() string {
	if t.URL != "" {
		return t.CloneDir
	}
	return t.Path
}

// BranchName is the branch pushes must name to move the tree: Branch, or
// DefaultTreeBranch for a URL tree ("" for a checkout without branch:
// any push wakes it).
func (t Tree) BranchName() string {
	if t.Branch == "" && t.URL != "" {
		return DefaultTreeBranch
	}
	return t.Branch
}

// DebounceWindow is Debounce or DefaultDebounce.
func (t Tree) DebounceWindow() time.Duration {
	if t.Debounce > 0 {
		return time.Duration(t.Debounce)
	}
	return DefaultDebounce
}

func (t Tree) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	switch {
	case t.Path == "" && t.URL == "":
		bad("tree.path", "required (a git checkout of the ports tree), or tree.url (a git URL kiln clones)")
	case t.Path != "" && t.URL != "":
		bad("tree.url", "tree.path and tree.url both set (want one: a checkout, or a URL kiln clones into tree.clone_dir)")
	case t.URL != "":
		if strings.HasPrefix(t.URL, "-") || strings.ContainsAny(t.URL, "\x00\n\r") {
			bad("tree.url", "%q is not a git URL", t.URL)
		} else if u, err := url.Parse(t.URL); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				bad("tree.url", "carries a password; use a credential helper or an SSH key")
			}
		}
		if t.CloneDir == "" {
			bad("tree.clone_dir", "required with tree.url (a directory kiln owns for the clone)")
		}
	case t.CloneDir != "":
		bad("tree.clone_dir", "only applies with tree.url")
	}
	if b := t.Branch; b != "" && (strings.HasPrefix(b, "-") || strings.ContainsAny(b, " \t\n\r\x00~^:?*[\\") || strings.Contains(b, "..")) {
		bad("tree.branch", "%q is not a branch name", b)
	}
	if t.Debounce < 0 {
		bad("tree.debounce", "negative")
	}
	return errs
}
