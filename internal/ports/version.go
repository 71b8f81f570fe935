package ports

import (
	"strings"
)

// CompareVersions compares two recipe versions as HaikuPorter orders a
// port's versions (Utils.versionCompare): dot-separated parts compared
// naturally (digit runs as numbers, text case-insensitively), and a
// "~pre-release" sorting before the release.
func CompareVersions(a, b string) int {
	aBase, aPre, aHas := strings.Cut(a, "~")
	bBase, bPre, bHas := strings.Cut(b, "~")
	if c := compareBare(aBase, bBase); c != 0 {
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
	return naturalCompare(aPre, bPre)
}

func compareBare(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; ; i++ {
		switch {
		case i >= len(as) && i >= len(bs):
			return 0
		case i >= len(as):
			return -1
		case i >= len(bs):
			return 1
		}
		if c := naturalCompare(as[i], bs[i]); c != 0 {
			return c
		}
	}
}

// naturalCompare is HaikuPorter's naturalCompare: the strings split into
// alternating text and digit runs, digit runs compared as integers and
// text lower-cased, compared element by element.
func naturalCompare(a, b string) int {
	ac, bc := naturalChunks(a), naturalChunks(b)
	for i := 0; i < len(ac) && i < len(bc); i++ {
		x, y := ac[i], bc[i]
		if i%2 == 1 { // digit runs
			if c := compareDigits(x, y); c != 0 {
				return c
			}
			continue
		}
		x, y = strings.ToLower(x), strings.ToLower(y)
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case len(ac) < len(bc):
		return -1
	case len(ac) > len(bc):
		return 1
	}
	return 0
}

// naturalChunks splits s like Python's re.split('([0-9]+)', s): text,
// digits, text, ..., always starting and ending with a (maybe empty) text.
func naturalChunks(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		out = append(out, s[start:i], s[i:j])
		start, i = j, j
	}
	return append(out, s[start:])
}

// compareDigits compares two digit runs as integers of any length.
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
