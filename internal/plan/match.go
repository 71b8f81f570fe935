package plan

import (
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Rule is a way to decide whether a provided resolvable satisfies a
// requirement.
type Rule uint8

const (
	// RuleHaikuPorter is HaikuPorter's ProvidesManager.getMatchingProvides:
	// a requirement without operator matches any provides of that name; one
	// with an operator needs a versioned provides for which the operator
	// holds under HaikuPorter's versionCompare (recipe.CompareVersions), and a compat version, when
	// present, must not be above the required version. A provider without
	// compat version satisfies any version the operator allows. Used for
	// build dependency resolution, to pick what the HaikuPorter build master
	// picks.
	RuleHaikuPorter Rule = iota
	// RuleHaiku is pkginfo.Expression.Matches (BPackageResolvableExpression::
	// Matches): like RuleHaikuPorter, but a provider without a compat
	// version satisfies only an exactly equal version. Used for repository
	// consistency: it is the package kit's view of installability.
	RuleHaiku
)

func (r Rule) String() string {
	if r == RuleHaiku {
		return "haiku"
	}
	return "haikuporter"
}

// Matches reports whether p satisfies e under the rule. The Base flag of e
// is not considered here (it concerns the provider's origin, see Index).
func (r Rule) Matches(e pkginfo.Expression, p pkginfo.Resolvable) bool {
	if r == RuleHaiku {
		return e.Matches(p)
	}
	if e.Name != p.Name {
		return false
	}
	if e.Version.IsZero() {
		return true
	}
	if p.Version.IsZero() {
		return false
	}
	c := recipe.CompareVersions(p.Version.String(), e.Version.String())
	ok := e.Op.Holds(c)
	if !ok {
		return false
	}
	return p.Compat.IsZero() || recipe.CompareVersions(p.Compat.String(), e.Version.String()) <= 0
}
