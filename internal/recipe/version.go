package recipe

import "strings"

// CompareVersions orders two version strings as HaikuPorter's
// Utils.versionCompare does, for recipe versions and for the versions of
// provides and requires alike: the part before the first '~' is compared
// dot-separated element by element with naturalCompare (fewer elements is
// smaller), then no pre-release sorts above any pre-release, then the
// pre-releases compare with naturalCompare. A written revision ("1.2-3") is
// part of the last element. It returns -1, 0 or +1 and never allocates.
//
// Known differences from HaikuPorter, all outside what recipes and
// repositories contain: text is lower-cased with Go's strings.ToLower, which
// maps U+0130 'İ' to "i" where Python gives "i̇"; and a text run made only of
// non-ASCII Unicode digits ("²") is text here, where Python's int() raises.
func CompareVersions(a, b string) int {
	ab, ap, aHas := strings.Cut(a, "~")
	bb, bp, bHas := strings.Cut(b, "~")
	if c := compareBareVersions(ab, bb); c != 0 {
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
	return naturalCompare(ap, bp)
}

// compareBareVersions is HaikuPorter's bareVersionCompare: versions without
// pre-release compared dot-separated element by element.
func compareBareVersions(a, b string) int {
	for {
		ae, arest, amore := strings.Cut(a, ".")
		be, brest, bmore := strings.Cut(b, ".")
		if c := naturalCompare(ae, be); c != 0 {
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

// naturalCompare is HaikuPorter's naturalCompare: both strings are split
// like Python's re.split('([0-9]+)', s) into alternating text and digit
// runs (always starting with a possibly empty text run); text runs compare
// lower-cased by code point, digit runs numerically (any length); a list
// that is a prefix of the other is smaller.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	text := true
	for {
		if i >= len(a) && j >= len(b) {
			// Both lists end with the same kind of run; equal so far.
			return 0
		}
		var ca, cb string
		ca, i = naturalRun(a, i, text)
		cb, j = naturalRun(b, j, text)
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
		if aEnd, bEnd := i >= len(a), j >= len(b); aEnd != bEnd && text {
			// One list ends with this text run, the other goes on with a digit run.
			if aEnd {
				return -1
			}
			return 1
		}
		text = !text
	}
}

// naturalRun returns the text (non-digit) or digit run of s starting at i,
// and the index after it.
func naturalRun(s string, i int, text bool) (string, int) {
	start := i
	for i < len(s) && isASCIIDigit(s[i]) != text {
		i++
	}
	return s[start:i], i
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// compareDigits compares two digit runs numerically, without overflow.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
