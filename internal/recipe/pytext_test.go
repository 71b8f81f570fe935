package recipe

import (
	"strings"
	"testing"
	"unicode"
)

var pyTexts = []string{"", "a", " a ", "\ta\n", "a b", "\u00a0a\u2028", "\x1fa\x1c", "é", " é ", "a\r\nb", "\u0085",
	"x\u2029y\vz\fw", "\xff", " \xff ", "a\u3000", "\u3000", "  ", "-a b", "a\rb\r", "\u00e2\u0080"}

// TestPyTextHelpers checks the helpers without allocations against their
// plain definitions.
func TestPyTextHelpers(t *testing.T) {
	var texts []string
	for _, s := range pyTexts {
		for _, pad := range []string{"", "abc", "0123456", "01234567", "0123456789abcde"} {
			texts = append(texts, s, pad+s, s+pad, pad+s+pad+s)
		}
	}
	for _, s := range texts {
		lines := pySplitLines(s)
		if n := countLines(s); n != len(lines) && n != len(lines)+1 {
			t.Errorf("countLines(%q) = %d, %d lines", s, n, len(lines))
		}
		if got, want := hasOtherLineBreak(s), hasLineBreak(strings.ReplaceAll(s, "\n", "x")); got != want {
			t.Errorf("hasOtherLineBreak(%q) = %t", s, got)
		}
		want := strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r >= '\x1c' && r <= '\x1f' })
		if got := pyStrip(s); got != want {
			t.Errorf("pyStrip(%q) = %q, want %q", s, got, want)
		}
		want = ""
		if f := strings.Fields(s); len(f) > 0 {
			want = f[0]
		}
		if got := firstField(s); got != want {
			t.Errorf("firstField(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestHasOtherLineBreakBytes: every byte value in every position of the
// 8-byte steps, with and without newlines around, against the byte loop.
func TestHasOtherLineBreakBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			b := []byte("abcdefghijklmnop\n\n")
			b[pos] = byte(c)
			for _, s := range []string{string(b), string(b[:16]), "\n\n\n\n\n\n\n\n" + string(b)} {
				want := false
				for i := 0; i < len(s); i++ {
					if s[i] != '\n' && lineBreakAt(s, i) > 0 {
						want = true
					}
				}
				if got := hasOtherLineBreak(s); got != want {
					t.Fatalf("%q: %t", s, got)
				}
			}
		}
	}
}
