package recipe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mayBreak marks the bytes a line break (see lineBreakAt) starts with.
var mayBreak = [256]bool{'\n': true, '\r': true, '\v': true, '\f': true, 0x1c: true, 0x1d: true, 0x1e: true, 0xc2: true, 0xe2: true}

// lineBreakAt returns the length of the line break in Python's sense
// (str.splitlines: \n, \r\n, \r, \v, \f, \x1c-\x1e, U+0085, U+2028,
// U+2029) at s[i], or 0.
func lineBreakAt(s string, i int) int {
	switch c := s[i]; {
	case c == '\n' || c == '\v' || c == '\f' || c >= 0x1c && c <= 0x1e:
		return 1
	case c == '\r':
		if i+1 < len(s) && s[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x85:
		return 2
	case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
		return 3
	}
	return 0
}

// cutLine returns the first line of s (s non-empty) and what follows its
// line break: calling it until rest is empty yields Python's
// s.splitlines().
func cutLine(s string) (line, rest string) {
	for i := 0; i < len(s); i++ {
		if !mayBreak[s[i]] {
			continue
		}
		if n := lineBreakAt(s, i); n > 0 {
			return s[:i], s[i+n:]
		}
	}
	return s, ""
}

// countLines returns the number of lines splitlines gives for s (see
// cutLine), or one more, without splitting.
func countLines(s string) int {
	n := 1
	for i := 0; i < len(s); i++ {
		if mayBreak[s[i]] {
			if b := lineBreakAt(s, i); b > 0 {
				n++
				i += b - 1
			}
		}
	}
	return n
}

// hasLineBreak reports whether s holds a line break in Python's sense
// (see lineBreakAt).
func hasLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		if mayBreak[s[i]] && lineBreakAt(s, i) > 0 {
			return true
		}
	}
	return false
}

// hasOtherLineBreak reports whether s holds a line break in Python's sense
// other than \n.
func hasOtherLineBreak(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Skip 8 bytes at a time while none is a control character
		// other than \n or beyond ASCII, which every other line break
		// starts with. For each byte b below 0x80 (no carry crosses
		// bytes): (b + 0x60) has its high bit set when b >= 0x20, and
		// ((b ^ 0x0a) + 0x7f) | (b ^ 0x0a) when b != '\n'.
		const low7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		printable := w&low7 + 0x6060606060606060
		x := w ^ 0x0a0a0a0a0a0a0a0a
		notNewline := (x&low7 + low7) | x
		if (^printable&notNewline|w)&high == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if c := s[j]; mayBreak[c] && c != '\n' && lineBreakAt(s, j) > 0 {
				return true
			}
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; mayBreak[c] && c != '\n' && lineBreakAt(s, i) > 0 {
			return true
		}
	}
	return false
}

// pyStrip strips surrounding whitespace like Python's str.strip.
func pyStrip(s string) string {
	if s == "" || isPlainASCII(s[0]) && isPlainASCII(s[len(s)-1]) {
		return s // nothing to strip (the common case)
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\x1c' || r == '\x1d' || r == '\x1e' || r == '\x1f'
	})
}

// isPlainASCII reports whether c is a printable ASCII character other than
// space: neither whitespace for Python nor the start of a multi-byte one.
func isPlainASCII(c byte) bool { return c > ' ' && c < 0x7f }

// firstField returns strings.Fields(s)[0], or "" when s is only spaces,
// without splitting all of s.
func firstField(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			if j := strings.IndexFunc(s[i:], unicode.IsSpace); j >= 0 {
				return s[:i+j]
			}
			return s
		case c == ' ' || c >= '\t' && c <= '\r': // unicode.IsSpace in ASCII
			return s[:i]
		}
	}
	return s
}

// isPyDigits reports whether s is non-empty and all decimal digits (ASCII
// here; HaikuPorter also accepts other Unicode digits, which bash variable
// names cannot hold anyway).
func isPyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pyInt parses s as Python's int() does for the cases recipes produce:
// surrounding whitespace, an optional sign, digits with single underscores.
func pyInt(s string) (int, bool) {
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<31)/10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
