package sandbox

import (
	"fmt"
	"regexp"
	"strings"
)

// translateRegex converts a GNU basic (or, with ere, extended) regular
// expression to Go's RE2 syntax. GNU extensions recipes use are kept:
// \+ \? \| in BREs, \s \S \w \W, \< \> (approximated by \b), \n \t.
// Back-references are not supported (RE2 has none) and are reported.
func translateRegex(re string, ere bool) (string, error) {
	return translateRegexMode(re, ere, false)
}

// translateRegexMode is translateRegex; gnuSed also applies GNU sed's
// escapes (\t, \n) inside bracket expressions, as sed does before
// compiling.
func translateRegexMode(re string, ere, gnuSed bool) (string, error) {
	var b strings.Builder
	atStart := true // where a BRE '*' is literal
	for i := 0; i < len(re); i++ {
		ch := re[i]
		switch {
		case ch == '\\' && i+1 < len(re):
			i++
			e := re[i]
			switch {
			case !ere && (e == '(' || e == ')' || e == '{' || e == '}' || e == '|' || e == '+' || e == '?'):
				b.WriteByte(e)
				atStart = e == '(' || e == '|'
				continue
			case e == '<' || e == '>':
				b.WriteString(`\b`)
			case e == 's' || e == 'S' || e == 'w' || e == 'W' || e == 'b' || e == 'B':
				b.WriteByte('\\')
				b.WriteByte(e)
			case e == 'n':
				b.WriteString(`\n`)
			case e == 't':
				b.WriteString(`\t`)
			case e >= '1' && e <= '9':
				return "", fmt.Errorf("back-reference \\%c", e)
			default:
				b.WriteString(regexp.QuoteMeta(string(e)))
			}
		case ch == '[':
			end := bracketEnd(re, i)
			if end < 0 {
				return "", fmt.Errorf("unterminated [")
			}
			b.WriteString(translateBracket(re[i:end+1], gnuSed))
			i = end
		case !ere && (ch == '(' || ch == ')' || ch == '{' || ch == '}' || ch == '|' || ch == '+' || ch == '?'):
			b.WriteString(regexp.QuoteMeta(string(ch)))
		case ch == '*' && atStart && !ere:
			b.WriteString(`\*`)
		case ch == '^' && !ere && !atStart:
			b.WriteString(`\^`)
		case ch == '$' && !ere && i+1 < len(re) && !(re[i+1] == '\\' && i+2 < len(re) && (re[i+2] == ')' || re[i+2] == '|')):
			b.WriteString(`\$`)
		default:
			b.WriteByte(ch)
		}
		atStart = ch == '^' && atStart
	}
	return b.String(), nil
}

// bracketEnd finds the ']' closing the bracket expression starting at i.
func bracketEnd(re string, i int) int {
	j := i + 1
	if j < len(re) && re[j] == '^' {
		j++
	}
	if j < len(re) && re[j] == ']' {
		j++
	}
	for j < len(re) {
		switch {
		case re[j] == '[' && j+1 < len(re) && (re[j+1] == ':' || re[j+1] == '.' || re[j+1] == '='):
			end := strings.Index(re[j+2:], string(re[j+1])+"]")
			if end < 0 {
				return -1
			}
			j += end + 4
		case re[j] == ']':
			return j
		default:
			j++
		}
	}
	return -1
}

// translateBracket escapes backslashes, which are literal in POSIX
// brackets (except GNU sed's \t, \n and \\ when gnuSed).
func translateBracket(br string, gnuSed bool) string {
	if !gnuSed {
		return strings.ReplaceAll(br, `\`, `\\`)
	}
	var b strings.Builder
	for i := 0; i < len(br); i++ {
		if br[i] == '\\' && i+1 < len(br) {
			switch br[i+1] {
			case 't':
				b.WriteString(`\t`)
				i++
				continue
			case 'n':
				b.WriteString(`\n`)
				i++
				continue
			case '\\':
				b.WriteString(`\\`)
				i++
				continue
			}
		}
		if br[i] == '\\' {
			b.WriteString(`\\`)
			continue
		}
		b.WriteByte(br[i])
	}
	return b.String()
}

// compileRegex translates and compiles with POSIX leftmost-longest matching.
func compileRegex(re string, ere, icase bool) (*regexp.Regexp, error) {
	t, err := translateRegexMode(re, ere, true)
	if err != nil {
		return nil, err
	}
	if icase {
		t = "(?i)" + t
	}
	rx, err := regexp.Compile(t)
	if err != nil {
		return nil, err
	}
	rx.Longest()
	return rx, nil
}
