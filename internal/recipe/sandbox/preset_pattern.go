package sandbox

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// The expansions a static prefix does ahead besides $name (preset.go).

// staticParam reports whether pe is an expansion a prefix may do ahead:
// $name or ${name} of a variable it may read, optionally with a removal
// (${name%.*}, ${name%%.*}, ${name#*.}, ${name##*.}) or replacement
// (${name/_/-}, ${name//./}) of literal text (staticPattern).
func staticParam(pe *syntax.ParamExp) bool {
	if pe.Param == nil || pe.Flags != nil || pe.Excl || pe.Length || pe.Width || pe.IsSet ||
		pe.Split != syntax.OptUnset || pe.GlobSubst != syntax.OptUnset || pe.RcExpand != syntax.OptUnset ||
		pe.NestedParam != nil || pe.Index != nil || len(pe.Modifiers) != 0 || pe.Slice != nil || pe.Names != 0 ||
		!syntax.ValidName(pe.Param.Value) || !presettable(pe.Param.Value) {
		return false
	}
	switch {
	case pe.Repl != nil:
		if pe.Exp != nil {
			return false
		}
		orig, ok := staticPattern(pe.Repl.Orig)
		_, wok := replacement(pe.Repl.With)
		return ok && wok && orig.star == 0 && orig.lit != ""
	case pe.Exp != nil:
		pat, ok := staticPattern(pe.Exp.Word)
		switch pe.Exp.Op {
		case syntax.RemSmallSuffix, syntax.RemLargeSuffix:
			return ok && pat.star != starBefore
		case syntax.RemSmallPrefix, syntax.RemLargePrefix:
			return ok && pat.star != starAfter
		}
		return false
	}
	return true
}

// pattern is a glob pattern of literal text with at most one * before or
// after it.
type pattern struct {
	lit  string
	star uint8 // 0, starBefore or starAfter
}

const (
	starBefore = 1 + iota
	starAfter
)

// staticPattern parses w as a pattern: unquoted text where a backslash
// quotes the next character, and one * at either end. Anything else a
// pattern may mean (?, [...], extended globs, quotes, expansions, ~) is
// refused.
func staticPattern(w *syntax.Word) (pattern, bool) {
	if w == nil || len(w.Parts) != 1 {
		return pattern{}, false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return pattern{}, false
	}
	s := l.Value
	var p pattern
	switch {
	case strings.HasPrefix(s, "*"):
		p.star, s = starBefore, s[1:]
	case strings.HasSuffix(s, "*") && !strings.HasSuffix(s, "\\*"):
		p.star, s = starAfter, s[:len(s)-1]
	}
	if strings.ContainsAny(s, "*?[]()|!+@~'\"$`{}") && !escapedOnly(s) {
		return pattern{}, false
	}
	p.lit = s
	if strings.IndexByte(s, '\\') >= 0 {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' {
				if i+1 >= len(s) {
					return pattern{}, false
				}
				i++
			}
			b.WriteByte(s[i])
		}
		p.lit = b.String()
	}
	return p, p.lit != "" || p.star == 0
}

// escapedOnly reports whether every pattern character of s is quoted by
// a backslash.
func escapedOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case strings.IndexByte("*?[]()|!+@~'\"$`{}", c) >= 0:
			return false
		}
	}
	return true
}

// replacement is the text of a replacement word: literal and quoted text
// (the rewriter turned its escapes into quotes, gaps.go), without & (which
// bash 5.2 replaces by the match).
func replacement(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", true
	}
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "\\~&") {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar || strings.IndexByte(p.Value, '&') >= 0 {
				return "", false
			}
			b.WriteString(p.Value)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// expandStatic applies pe's operation, accepted by staticParam, to v.
func expandStatic(pe *syntax.ParamExp, v string) string {
	if pe.Repl != nil {
		orig, _ := staticPattern(pe.Repl.Orig)
		with, _ := replacement(pe.Repl.With)
		if pe.Repl.All {
			return strings.ReplaceAll(v, orig.lit, with)
		}
		return strings.Replace(v, orig.lit, with, 1)
	}
	if pe.Exp == nil {
		return v
	}
	p, _ := staticPattern(pe.Exp.Word)
	suffix := pe.Exp.Op == syntax.RemSmallSuffix || pe.Exp.Op == syntax.RemLargeSuffix
	if p.star == 0 {
		if suffix {
			return strings.TrimSuffix(v, p.lit)
		}
		return strings.TrimPrefix(v, p.lit)
	}
	// lit* removes the suffix from the last (%) or first (%%) lit; *lit
	// the prefix up to the end of the first (#) or last (##) lit.
	i := strings.LastIndex(v, p.lit)
	if pe.Exp.Op == syntax.RemLargeSuffix || pe.Exp.Op == syntax.RemSmallPrefix {
		i = strings.Index(v, p.lit)
	}
	switch {
	case i < 0:
		return v
	case suffix:
		return v[:i]
	}
	return v[i+len(p.lit):]
}
