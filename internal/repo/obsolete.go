package repo

import (
	"context"
	"fmt"
	"slices"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Removal is a package HaikuPorter's prune rules retire.
type Removal struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// ObsoleteByPorts applies HaikuPorter's prune rules (BUILDMASTER §1.6) to a
// published manifest: given the packages the active ports produce (package
// name → the port's full version), a listed package is obsolete when no
// active port produces it, or when its version is newer than the active
// port's. (The third rule, "a newer version of the same package is
// present", holds by construction: a manifest lists one package per name.)
// Only packages of the target's architecture, any and source are
// considered, as HaikuPorter does.
func ObsoleteByPorts(m *Manifest, arch pkginfo.Architecture, active map[string]pkginfo.Version) []Removal {
	var out []Removal
	for _, p := range m.Packages {
		a := p.Info.Architecture
		if a != arch && a != pkginfo.ArchAny && a != pkginfo.ArchSource {
			continue
		}
		v, ok := active[p.Info.Name]
		switch {
		case !ok:
			out = append(out, Removal{p.Info.Name, p.File, "no active port produces it"})
		case p.Info.Version.Compare(v) > 0:
			out = append(out, Removal{p.Info.Name, p.File, fmt.Sprintf("newer than the active port's version %s", v)})
		}
	}
	return out
}

// massRemovalGuard refuses to drop more than this share of a target's
// packages at once (HaikuPorter guards against a lost package cache the
// same way), unless the prune says AllowMassRemoval.
const massRemovalGuard = 0.25

// removeObsolete publishes a snapshot without the packages the active
// ports no longer justify (under the held lease). It returns what it
// removed (or would remove, with dryRun).
func (r *Repo) removeObsolete(ctx, lctx context.Context, l *lease, o PruneOptions) ([]Removal, error) {
	_, m, err := r.Current(lctx)
	if err != nil {
		return nil, err
	}
	arch, err := r.target.Architecture()
	if err != nil {
		return nil, err
	}
	rm := ObsoleteByPorts(m, arch, o.Active)
	if len(rm) == 0 || o.DryRun {
		return rm, nil
	}
	if !o.AllowMassRemoval && len(rm) > 20 && float64(len(rm)) > massRemovalGuard*float64(len(m.Packages)) {
		return rm, fmt.Errorf("repo: prune would remove %d of %d packages of %s (is the list of active ports complete?); allow it explicitly", len(rm), len(m.Packages), r.target)
	}
	what := fmt.Sprintf("%d packages", len(rm))
	if len(rm) == 1 {
		what = "1 package"
	}
	c := Change{Reason: "prune: " + what + " no active port justifies", Signer: o.Signer, Guard: o.Guard}
	for _, x := range rm {
		c.Remove = append(c.Remove, x.Name)
	}
	slices.Sort(c.Remove)
	if _, err := r.publishLocked(ctx, lctx, l, c); err != nil {
		return rm, err
	}
	return rm, nil
}
