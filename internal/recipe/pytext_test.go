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
