package repo

import (
	"context"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
)

// Guard decides whether a publish may go ahead. It is called under the
// target's lease, after the new packages were parsed and before anything
// is uploaded or written, with the package infos the head lists (old; nil
// for a target's first publish) and those the new snapshot would list
// (new). A non-nil error refuses the publish: Publish returns it wrapped
// in ErrRefused and the store is left unchanged. When the head moves
// during a publish, the guard is called again with the new head.
type Guard func(ctx context.Context, old, new []pkginfo.PackageInfo) error

// RegressionError is a refusal of NoRegressions: packages installable
// from the old repository that the new one would leave uninstallable.
type RegressionError struct {
	Regressions []plan.Regression
}

func (e *RegressionError) Error() string {
	var b strings.Builder
	what := fmt.Sprintf("%d installable packages", len(e.Regressions))
	if len(e.Regressions) == 1 {
		what = "an installable package"
	}
	fmt.Fprintf(&b, "the new repository would make %s uninstallable:", what)
	for i, r := range e.Regressions {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (%s)", r.Name, r.Now)
	}
	return b.String()
}

// NoRegressions returns a Guard that refuses a publish whose new
// repository makes a previously installable package uninstallable (a
// requirement no longer satisfied, directly or through the packages that
// satisfy it), checked with
// plan.Check (Haiku's matching rule) against the given system packages
// for the repository architecture arch. The refusal is a
// *RegressionError naming each package and why it can no longer be
// installed ("file: requirement [-> provider]"). Packages the publish
// removes by name are not themselves regressions (removing them is the
// point), but the packages that need them are.
func NoRegressions(arch pkginfo.Architecture, system []*pkginfo.PackageInfo) Guard {
	return func(ctx context.Context, old, new []pkginfo.PackageInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		before := plan.Check(plan.CheckInput{Arch: arch, Repository: pointers(old), System: system})
		after := plan.Check(plan.CheckInput{Arch: arch, Repository: pointers(new), System: system})
		// A name missing from new was removed on purpose (a publish only
		// drops names it is told to remove); what counts is what that does
		// to the packages that stay.
		kept := make(map[string]bool, len(new))
		for _, p := range new {
			kept[p.Name] = true
		}
		var reg []plan.Regression
		for _, g := range after.Regressions(before) {
			if kept[g.Name] {
				reg = append(reg, g)
			}
		}
		if len(reg) > 0 {
			return &RegressionError{Regressions: reg}
		}
		return nil
	}
}

func pointers(ps []pkginfo.PackageInfo) []*pkginfo.PackageInfo {
	out := make([]*pkginfo.PackageInfo, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}
