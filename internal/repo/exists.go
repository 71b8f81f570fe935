package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/store"
)

// FoundTarget is a target FindTargets found.
type FoundTarget struct {
	Target Target
	// Kiln: the target has a kiln head (.kiln/head.json); else it holds
	// only a repository kiln did not publish (current/repo, a HaikuPorter
	// bucket to import).
	Kiln bool
}

// maxProbe bounds the prefixes FindTargets looks at on each level.
const maxProbe = 1000

// FindTargets lists the targets under root ("" or a key prefix) that hold
// a kiln head or a HaikuPorter repository: BRANCH/ARCH/ prefixes whose ARCH
// is an architecture name, with .kiln/head.json or current/repo. This is
// what "the location holds a kiln store" means (docs/decisions/0003): it
// recognises stores of every kiln version and HaikuPorter buckets, and
// needs no marker object. Cost: one delimited listing of root and of each
// branch prefix, and up to two Stats per branch/arch pair.
func FindTargets(ctx context.Context, st store.Store, root string) ([]FoundTarget, error) {
	if root != "" && !strings.HasSuffix(root, "/") {
		root += "/"
	}
	branches, err := listPrefixes(ctx, st, root)
	if err != nil {
		return nil, err
	}
	var out []FoundTarget
	for _, b := range branches {
		arches, err := listPrefixes(ctx, st, root+b+"/")
		if err != nil {
			return nil, err
		}
		for _, a := range arches {
			t, err := ParseTarget(b + "/" + a)
			if err != nil {
				continue
			}
			t.Root = root
			l := t.layout()
			if _, err := st.Stat(ctx, l.head()); err == nil {
				out = append(out, FoundTarget{Target: t, Kiln: true})
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if _, err := st.Stat(ctx, l.current(FileRepo)); err == nil {
				out = append(out, FoundTarget{Target: t})
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
	}
	return out, nil
}

// listPrefixes returns the names of the "directories" right under prefix
// (at most maxProbe).
func listPrefixes(ctx context.Context, st store.Store, prefix string) ([]string, error) {
	var out []string
	stop := errors.New("enough")
	err := st.List(ctx, prefix, "/", func(oi store.ObjectInfo) error {
		if oi.IsPrefix {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(oi.Key, prefix), "/"))
			if len(out) >= maxProbe {
				return stop
			}
		}
		return nil
	})
	if err != nil && err != stop {
		return nil, fmt.Errorf("repo: list %s in %s: %w", prefix, st, err)
	}
	return out, nil
}

// CheckExists is what reading commands ask first: nil when the target
// has a head (also an unreadable one, which Verify reports). Otherwise it says why, creating nothing: store.ErrNoStore
// when the store holds no target at all (a mistyped location), ErrNoHead
// naming the targets it does hold (a mistyped target), or ErrForeignRepo
// when the target holds a repository kiln did not publish.
func (r *Repo) CheckExists(ctx context.Context) error {
	_, err := r.ReadHead(ctx)
	if errors.Is(err, ErrBadManifest) {
		return nil // a head is there, unreadable: verify reports it
	}
	if !errors.Is(err, ErrNoHead) {
		return err
	}
	found, ferr := FindTargets(ctx, r.st, r.target.Root)
	if ferr != nil {
		return ferr
	}
	if len(found) == 0 {
		where := r.st.String()
		if r.target.Root != "" {
			where += " under " + r.target.Root
		}
		return fmt.Errorf("%w at %s: it holds no target (kiln repo publish or import creates one)", store.ErrNoStore, where)
	}
	var names []string
	for _, f := range found {
		if f.Target.String() == r.target.String() {
			return fmt.Errorf("%w: %s holds a repository kiln did not publish (%s); import it first: kiln repo import store:%s",
				ErrForeignRepo, r.target, r.l.current(FileRepo), strings.TrimSuffix(r.l.current(""), "/"))
		}
		names = append(names, f.Target.String())
	}
	return fmt.Errorf("%w: no target %s in %s (it holds %s)", ErrNoHead, r.target, r.st, strings.Join(names, ", "))
}
