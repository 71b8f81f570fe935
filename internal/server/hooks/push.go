// Package hooks receives GitHub's push webhook for `kiln serve`.
//
// The handler checks the delivery's X-Hub-Signature-256 (HMAC-SHA256 of
// the raw body with the configured secret) in constant time before it
// looks at anything else in the request, acts only on push events of a
// branch, and hands each push to an injected function; debouncing and
// starting runs are the daemon's.
package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalid is wrapped by every error about a payload.
var ErrInvalid = errors.New("hooks: invalid payload")

// ErrNotBranch is wrapped by ParsePush's error for a push that is not a
// new commit on a branch (a tag, a deleted branch): valid, but nothing to
// build.
var ErrNotBranch = errors.New("hooks: not a branch update")

// Push is what kiln needs of a push event.
type Push struct {
	// Ref is the full ref ("refs/heads/master"), Branch its branch name.
	Ref    string
	Branch string
	// After is the commit the branch now points to (40 lower-case hex
	// digits); Before the one it pointed to (40 zeros for a new branch).
	After  string
	Before string
	// CloneURL is repository.clone_url; Repository repository.full_name
	// ("haikuports/haikuports", may be empty).
	CloneURL   string
	Repository string
	// Delivery is the X-GitHub-Delivery id (set by the handler).
	Delivery string
}

// payload is the part of GitHub's push event ParsePush reads.
type payload struct {
	Ref        *string `json:"ref"`
	Before     string  `json:"before"`
	After      *string `json:"after"`
	Deleted    bool    `json:"deleted"`
	Repository *struct {
		CloneURL string `json:"clone_url"`
		FullName string `json:"full_name"`
	} `json:"repository"`
}

const zeroCommit = "0000000000000000000000000000000000000000"

// ParsePush reads a push event's JSON body. It requires ref, after and
// repository.clone_url; a tag or a deleted branch is an error wrapping
// ErrNotBranch, anything else wrong one wrapping ErrInvalid.
func ParsePush(body []byte) (Push, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if p.Ref == nil || p.After == nil {
		return Push{}, fmt.Errorf("%w: ref and after are required", ErrInvalid)
	}
	ref, after := *p.Ref, *p.After
	if !validCommit(after) {
		return Push{}, fmt.Errorf("%w: after %.50q is not a commit (40 hex digits)", ErrInvalid, after)
	}
	if p.Before != "" && !validCommit(p.Before) {
		return Push{}, fmt.Errorf("%w: before %.50q is not a commit (40 hex digits)", ErrInvalid, p.Before)
	}
	if p.Repository == nil || p.Repository.CloneURL == "" {
		return Push{}, fmt.Errorf("%w: repository.clone_url is required", ErrInvalid)
	}
	if err := validCloneURL(p.Repository.CloneURL); err != nil {
		return Push{}, err
	}
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		if strings.HasPrefix(ref, "refs/") && validRefName(ref[len("refs/"):]) {
			return Push{}, fmt.Errorf("%w: %s", ErrNotBranch, ref)
		}
		return Push{}, fmt.Errorf("%w: ref %.100q is not refs/heads/<branch>", ErrInvalid, ref)
	}
	if !validRefName(branch) {
		return Push{}, fmt.Errorf("%w: ref %.100q: not a valid branch name", ErrInvalid, ref)
	}
	if p.Deleted || after == zeroCommit {
		return Push{}, fmt.Errorf("%w: %s deleted", ErrNotBranch, ref)
	}
	return Push{
		Ref: ref, Branch: branch, After: after, Before: p.Before,
		CloneURL: p.Repository.CloneURL, Repository: p.Repository.FullName,
	}, nil
}

// validCommit: 40 lower-case hex digits, as GitHub sends SHA-1 ids.
func validCommit(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// maxRefLen bounds a ref name (git has no limit; real ones are short).
const maxRefLen = 255

// validRefName checks git's rules for a ref name below refs/
// (git-check-ref-format): no empty component or one starting with '.' or
// ending in ".lock", no "..", "@{", control characters, space or any of
// ~^:?*[\, not ending in '/' or '.', not "@".
func validRefName(s string) bool {
	if s == "" || len(s) > maxRefLen || s == "@" || strings.HasSuffix(s, ".") ||
		strings.Contains(s, "..") || strings.Contains(s, "@{") {
		return false
	}
	for _, comp := range strings.Split(s, "/") {
		if comp == "" || comp[0] == '.' || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	return true
}

// validCloneURL: an absolute http(s), git or ssh URL with a host.
func validCloneURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: repository.clone_url %.200q is not a URL with a host", ErrInvalid, s)
	}
	switch u.Scheme {
	case "https", "http", "git", "ssh":
		return nil
	}
	return fmt.Errorf("%w: repository.clone_url %.200q: scheme %q (want https, http, git or ssh)", ErrInvalid, s, u.Scheme)
}
