package pkginfo

import (
	"fmt"
	"strings"
)

// ParseResolvableLenient reads a provides entry as far as it makes sense,
// the way HaikuPorter's Resolvable regular expression does: the name, an
// optional "= version" and an optional "compat >= version" are parsed as by
// ParseResolvable, and anything after them is returned as rest (trimmed,
// comments included) instead of being an error. Recipes contain such
// entries ("lib:libfoo = 1.2 libversioncompat", "foo = 1 compat = 1 compat
// >= 1"), which HaikuPorter accepts as "lib:libfoo = 1.2" and "foo = 1".
// A bad name or version, or a blank or comment-only string (ErrEmpty), is
// still an error.
func ParseResolvableLenient(s string) (r Resolvable, rest string, err error) {
	l := &lexer{src: s}
	name, err := l.first()
	if err == nil {
		if r, err = l.resolvable(name); err == nil {
			return r, l.rest(), nil
		}
	}
	return Resolvable{}, "", fmt.Errorf("resolvable %q: %w", s, err)
}

// ParseExpressionLenient is ParseExpression with HaikuPorter's leniency:
// after "name [op version] [base]" (and a dropped "compat >= version"),
// anything left is returned as rest instead of being an error. As in
// HaikuPorter, a rest ending in "base" marks the base package.
func ParseExpressionLenient(s string) (e Expression, rest string, err error) {
	l := &lexer{src: s}
	name, err := l.first()
	if err == nil {
		if e, err = l.expression(name, baseAlways); err == nil {
			save := l.pos
			if l.skipCompat(e) != nil {
				l.pos = save // a broken compat clause is part of the rest
			}
			rest = l.rest()
			if rest == "base" || strings.HasSuffix(rest, " base") {
				e.Base = true
			}
			return e, rest, nil
		}
	}
	return Expression{}, "", fmt.Errorf("expression %q: %w", s, err)
}

// rest returns the unread input, trimmed, or "" if only separators,
// white space and comments are left.
func (l *lexer) rest() string {
	save := l.pos
	for {
		t, err := l.next()
		if err != nil || (t.kind != tokSeparator && t.kind != tokEOF) {
			l.pos = save
			return strings.TrimSpace(l.src[save:])
		}
		if t.kind == tokEOF {
			return ""
		}
	}
}
