package sandbox

import (
	"regexp"
	"strconv"
	"strings"
)

// grep [-vEFiqxc] [-e PATTERN]... [PATTERN], reading standard input.
func cmdGrep(c *cmdIO, args []string) uint8 {
	invert, ere, fixed, icase, quiet, whole, count := false, false, false, false, false, false, false
	var patterns []string
	havePattern := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e":
			if i+1 >= len(args) {
				c.errorf("option requires an argument -- 'e'")
				return 2
			}
			i++
			patterns = append(patterns, args[i])
			havePattern = true
		case len(a) > 1 && a[0] == '-' && a != "--":
			for _, f := range a[1:] {
				switch f {
				case 'v':
					invert = true
				case 'E':
					ere = true
				case 'F':
					fixed = true
				case 'i':
					icase = true
				case 'q', 's':
					quiet = quiet || f == 'q'
				case 'x':
					whole = true
				case 'c':
					count = true
				default:
					return c.unsupported("option -%c", f)
				}
			}
		case !havePattern:
			patterns = append(patterns, strings.Split(a, "\n")...)
			havePattern = true
		default:
			return c.unsupported("file argument %s", a)
		}
	}
	if !havePattern {
		c.errorf("no pattern")
		return 2
	}
	if len(patterns) > maxScriptParts {
		return c.unsupported("%d patterns (at most %d)", len(patterns), maxScriptParts)
	}
	var rxs []*regexp.Regexp
	for _, p := range patterns {
		expr := p
		if fixed {
			expr = regexp.QuoteMeta(p)
		} else {
			t, err := translateRegex(p, ere)
			if err != nil {
				return c.unsupported("pattern %q: %v", p, err)
			}
			expr = t
		}
		if whole {
			expr = "^(?:" + expr + ")$"
		}
		if icase {
			expr = "(?i)" + expr
		}
		rx, err := regexp.Compile(expr)
		if err != nil {
			return c.unsupported("pattern %q: %v", p, err)
		}
		rxs = append(rxs, rx)
	}
	in, ok := c.input()
	if !ok {
		return 2
	}
	lines, _ := splitLines(in)
	var out strings.Builder
	n := 0
	for _, line := range lines {
		match := false
		for _, rx := range rxs {
			if rx.MatchString(line) {
				match = true
				break
			}
		}
		if match == invert {
			continue
		}
		n++
		if !quiet && !count {
			out.WriteString(line + "\n")
		}
	}
	if count && !quiet {
		out.WriteString(strconv.Itoa(n) + "\n")
	}
	c.write(out.String())
	if n == 0 {
		return 1
	}
	return 0
}
