package plan

import (
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Rule is a way to decide whether a provided resolvable satisfies a
// requirement.
type Rule uint8

const (
	// RuleHaikuPorter is HaikuPorter's ProvidesManager.getMatchingProvides:
	// a requirement without operator matches any provides of that name; one
	// with an operator needs a versioned provides for which the operator
	// holds under HaikuPorter's versionCompare, and a compat version, when
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
	c := VersionCompare(p.Version.String(), e.Version.String())
	var ok bool
	switch e.Op {
	case pkginfo.OpLess:
		ok = c < 0
	case pkginfo.OpLessEqual:
		ok = c <= 0
	case pkginfo.OpEqual:
		ok = c == 0
	case pkginfo.OpNotEqual:
		ok = c != 0
	case pkginfo.OpGreaterEqual:
		ok = c >= 0
	case pkginfo.OpGreater:
		ok = c > 0
	}
	if !ok {
		return false
	}
	return p.Compat.IsZero() || VersionCompare(p.Compat.String(), e.Version.String()) <= 0
}

// VersionCompare orders two version strings as HaikuPorter's
// Utils.versionCompare does: the part before the first '~' compared
// dot-separated element by element with naturalCompare (fewer elements is
// smaller), then no pre-release above any pre-release, then the pre-releases
// with naturalCompare. The revision, when written ("1.2-3"), is part of the
// last element. It returns -1, 0 or +1.
func VersionCompare(a, b string) int {
	ab, ap, aHas := strings.Cut(a, "~")
	bb, bp, bHas := strings.Cut(b, "~")
	if c := bareVersionCompare(ab, bb); c != 0 {
		return c
	}
	switch {
	case !aHas && !bHas:
		return 0
	case !aHas:
		return 1
	case !bHas:
		return -1
	}
	return hpNaturalCompare(ap, bp)
}

func bareVersionCompare(a, b string) int {
	for {
		ae, arest, amore := strings.Cut(a, ".")
		be, brest, bmore := strings.Cut(b, ".")
		if c := hpNaturalCompare(ae, be); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

// hpNaturalCompare is HaikuPorter's naturalCompare: both strings are split
// into alternating text and digit runs (always starting with a possibly
// empty text run); text runs compare lower-cased by code point, digit runs
// numerically; a list that is a prefix of the other is smaller.
func hpNaturalCompare(a, b string) int {
	i, j := 0, 0
	text := true
	for {
		if i >= len(a) && j >= len(b) {
			// Both lists end with the same kind of run; equal so far.
			return 0
		}
		var ca, cb string
		ca, i = run(a, i, text)
		cb, j = run(b, j, text)
		var c int
		if text {
			c = strings.Compare(strings.ToLower(ca), strings.ToLower(cb))
		} else {
			c = compareDigits(ca, cb)
		}
		if c != 0 {
			return c
		}
		// Python's re.split yields a final text run after a trailing digit
		// run, so the lists have equal length exactly when both strings
		// have the same number of runs.
		aEnd, bEnd := i >= len(a), j >= len(b)
		if aEnd != bEnd {
			if text {
				// One list ends with this text run, the other goes on with a digit run.
				if aEnd {
					return -1
				}
				return 1
			}
		}
		text = !text
	}
}

// run returns the text (non-digit) or digit run of s starting at i.
func run(s string, i int, text bool) (string, int) {
	start := i
	for i < len(s) && isDigit(s[i]) != text {
		i++
	}
	return s[start:i], i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// compareDigits compares two digit strings numerically, without overflow.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
