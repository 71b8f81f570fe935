package sandbox

import (
	"strconv"
	"strings"
)

// cut -b LIST | -c LIST | -f LIST [-d DELIM] [-s], reading standard input.
func cmdCut(c *cmdIO, args []string) uint8 {
	var mode byte
	var list string
	delim := "\t"
	onlyDelimited := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return c.unsupported("file argument %s", a)
		}
		switch a[1] {
		case 'b', 'c', 'f', 'd':
			val := a[2:]
			if val == "" {
				if i+1 >= len(args) {
					c.errorf("option requires an argument -- '%c'", a[1])
					return 1
				}
				i++
				val = args[i]
			}
			if a[1] == 'd' {
				if len(val) != 1 {
					c.errorf("the delimiter must be a single character")
					return 1
				}
				delim = val
			} else {
				mode, list = a[1], val
			}
		case 's':
			if a != "-s" {
				return c.unsupported("option %s", a)
			}
			onlyDelimited = true
		default:
			return c.unsupported("option %s", a)
		}
	}
	if mode == 0 {
		c.errorf("you must specify a list of bytes, characters, or fields")
		return 1
	}
	ranges, ok := parseCutList(list)
	if !ok {
		c.errorf("invalid byte, character or field list")
		return 1
	}
	if len(ranges) > maxScriptParts {
		return c.unsupported("%d ranges (at most %d)", len(ranges), maxScriptParts)
	}
	in, ok := c.input()
	if !ok {
		return 1
	}
	lines, _ := splitLines(in)
	var b strings.Builder
	for _, line := range lines {
		if mode == 'f' {
			if !strings.Contains(line, delim) {
				if !onlyDelimited {
					b.WriteString(line)
					b.WriteByte('\n')
				}
				continue
			}
			fields := strings.Split(line, delim)
			first := true
			for i, f := range fields {
				if inRanges(ranges, i+1) {
					if !first {
						b.WriteString(delim)
					}
					b.WriteString(f)
					first = false
				}
			}
		} else {
			// GNU cut treats -c like -b.
			for i := 0; i < len(line); i++ {
				if inRanges(ranges, i+1) {
					b.WriteByte(line[i])
				}
			}
		}
		b.WriteByte('\n')
		if b.Len() > c.st.o.MaxVarSize {
			break
		}
	}
	c.write(b.String())
	return 0
}

type cutRange struct{ lo, hi int } // 1-based, inclusive; hi 0 = open

func parseCutList(list string) ([]cutRange, bool) {
	var rs []cutRange
	for part := range strings.SplitSeq(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		var r cutRange
		var err error
		switch {
		case !isRange:
			r.lo, err = strconv.Atoi(lo)
			r.hi = r.lo
		default:
			r.lo = 1
			if lo != "" {
				r.lo, err = strconv.Atoi(lo)
			}
			if err == nil && hi != "" {
				r.hi, err = strconv.Atoi(hi)
			}
			if lo == "" && hi == "" {
				return nil, false
			}
		}
		if err != nil || r.lo < 1 || (r.hi != 0 && r.hi < r.lo) {
			return nil, false
		}
		rs = append(rs, r)
	}
	return rs, len(rs) > 0
}

func inRanges(rs []cutRange, n int) bool {
	for _, r := range rs {
		if n >= r.lo && (r.hi == 0 || n <= r.hi) {
			return true
		}
	}
	return false
}

// tr [-d] [-s] SET1 [SET2], bytes only, with ranges, classes and escapes.
func cmdTr(c *cmdIO, args []string) uint8 {
	del, squeeze := false, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		for _, f := range args[0][1:] {
			switch f {
			case 'd':
				del = true
			case 's':
				squeeze = true
			default:
				return c.unsupported("option -%c", f)
			}
		}
		args = args[1:]
	}
	want := 2
	if del && !squeeze || squeeze && !del && len(args) == 1 {
		want = 1
	}
	if len(args) != want {
		c.errorf("wrong number of operands")
		return 1
	}
	set1, ok := expandTrSet(args[0])
	if !ok {
		return c.unsupported("set %q", args[0])
	}
	var set2 []byte
	if want == 2 {
		if set2, ok = expandTrSet(args[1]); !ok {
			return c.unsupported("set %q", args[1])
		}
	}
	in, ok := c.input()
	if !ok {
		return 1
	}
	var table [256]int // -1 delete, else mapped byte + 1, 0 unchanged
	var inSet1 [256]bool
	for i, b := range set1 {
		inSet1[b] = true
		switch {
		case del:
			table[b] = -1
		case len(set2) > 0:
			j := min(i, len(set2)-1)
			table[b] = int(set2[j]) + 1
		}
	}
	squeezeSet := inSet1
	if squeeze && len(set2) > 0 {
		squeezeSet = [256]bool{}
		for _, b := range set2 {
			squeezeSet[b] = true
		}
	}
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		b := in[i]
		switch t := table[b]; {
		case t < 0:
			continue
		case t > 0:
			b = byte(t - 1)
		}
		if squeeze && squeezeSet[b] && len(out) > 0 && out[len(out)-1] == b {
			continue
		}
		out = append(out, b)
	}
	c.write(string(out))
	return 0
}

var trClasses = map[string]func(b byte) bool{
	"upper": func(b byte) bool { return b >= 'A' && b <= 'Z' },
	"lower": func(b byte) bool { return b >= 'a' && b <= 'z' },
	"digit": func(b byte) bool { return b >= '0' && b <= '9' },
	"alpha": func(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' },
	"alnum": func(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' },
	"space": func(b byte) bool { return b == ' ' || b >= '\t' && b <= '\r' },
	"blank": func(b byte) bool { return b == ' ' || b == '\t' },
	"punct": func(b byte) bool {
		return b > ' ' && b < 0x7f && !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9')
	},
}

func expandTrSet(s string) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "[:") {
			// The class name starts after "[:" ("[:]" is no class).
			end := strings.Index(s[i+2:], ":]")
			if end < 0 {
				return nil, false
			}
			f, ok := trClasses[s[i+2:i+2+end]]
			if !ok {
				return nil, false
			}
			for b := 0; b < 256; b++ {
				if f(byte(b)) {
					out = append(out, byte(b))
				}
			}
			i += end + 4
			continue
		}
		b, n := trChar(s[i:])
		if i+n+1 < len(s) && s[i+n] == '-' {
			hi, m := trChar(s[i+n+1:])
			if hi < b {
				return nil, false
			}
			for x := int(b); x <= int(hi); x++ {
				out = append(out, byte(x))
			}
			i += n + 1 + m
			continue
		}
		out = append(out, b)
		i += n
	}
	return out, true
}

// trChar decodes one possibly backslash-escaped character.
func trChar(s string) (byte, int) {
	if s[0] != '\\' || len(s) == 1 {
		return s[0], 1
	}
	switch s[1] {
	case 'n':
		return '\n', 2
	case 't':
		return '\t', 2
	case 'r':
		return '\r', 2
	case '\\':
		return '\\', 2
	}
	return s[1], 2
}
