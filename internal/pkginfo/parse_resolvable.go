package pkginfo

import (
	"fmt"
	"strings"
)

// ParseResolvable parses one provides entry as .PackageInfo files, recipes
// and HaikuPorter's DependencyInfo write it:
//
//	name [= version [compat >= version]]
//
// with or without spaces around the operators ("haiku=r1~beta5-1
// compat>=r1~alpha4"); "compatible" is accepted for "compat", words may be
// quoted, and a '#' comment may follow. A blank or comment-only string
// fails with ErrEmpty. Versions are parsed with ParseVersion (revision optional,
// lower-cased). The name is kept as given; it must not be empty nor contain
// '-', '/', '<', '>', '=', '!' or white space. Errors wrap ErrSyntax (and
// ErrBadVersion for a bad version).
func ParseResolvable(s string) (Resolvable, error) {
	l := &lexer{src: s}
	name, err := l.first()
	if err == nil {
		var r Resolvable
		if r, err = l.resolvable(name); err == nil {
			if err = l.expectEnd(); err == nil {
				return r, nil
			}
		}
	}
	return Resolvable{}, fmt.Errorf("resolvable %q: %w", s, err)
}

// ParseExpression parses one requirement (requires, supplements,
// conflicts, freshens, build requires):
//
//	name [op version] [base]
//
// where op is one of < <= == != >= >, with or without spaces. "base" marks
// the base package; unlike .PackageInfo files (where Haiku only accepts it
// after a version) it is also accepted without a version. A "compat >= v"
// clause after the version, which some recipes put in requirements, is
// checked and dropped, as HaikuPorter ignores it too (Haiku's .PackageInfo
// parser would read it as a second requirement named "compat"). The name
// rules and errors are those of ParseResolvable.
func ParseExpression(s string) (Expression, error) {
	l := &lexer{src: s}
	name, err := l.first()
	if err == nil {
		var e Expression
		if e, err = l.expression(name, baseAlways); err == nil {
			if err = l.skipCompat(e); err == nil {
				err = l.expectEnd()
			}
			if err == nil {
				return e, nil
			}
		}
	}
	return Expression{}, fmt.Errorf("expression %q: %w", s, err)
}

// first returns the first token, failing with ErrEmpty if there is none.
func (l *lexer) first() (token, error) {
	t, err := l.next()
	for err == nil && t.kind == tokSeparator {
		t, err = l.next()
	}
	if err == nil && t.kind == tokEOF {
		err = l.errorf(t.pos, ErrEmpty, "nothing but white space and comments")
	}
	return t, err
}

// skipCompat reads and drops "compat >= version" after a versioned
// expression (not after "base").
func (l *lexer) skipCompat(e Expression) error {
	if e.Version.IsZero() || e.Base {
		return nil
	}
	t, err := l.peek()
	if err != nil || t.kind != tokString || (t.text != "compat" && t.text != "compatible") {
		return err
	}
	l.next()
	op, err := l.next()
	if err != nil {
		return err
	}
	if op.kind != tokOperator || op.op != OpGreaterEqual {
		return l.errorf(op.pos, nil, "expected '>=' after "+t.text+", found "+describe(op))
	}
	_, err = l.version(false)
	return err
}

// expectEnd checks that only separators are left.
func (l *lexer) expectEnd() error {
	for {
		t, err := l.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tokEOF:
			return nil
		case tokSeparator:
			continue
		}
		return l.errorf(t.pos, nil, "unexpected "+describe(t))
	}
}

// describe names a token for error messages.
func describe(t token) string {
	switch t.kind {
	case tokString:
		return fmt.Sprintf("%q", t.text)
	case tokOperator:
		return "'" + t.op.String() + "'"
	}
	return t.kind.String()
}

// checkName reports whether name is a valid package or resolvable name
// (BPackageInfo::Parser::_IsValidResolvableName, plus: not empty).
func (l *lexer) checkName(t token, what string) error {
	if t.kind != tokString {
		return l.errorf(t.pos, nil, fmt.Sprintf("expected %s, found %s", what, describe(t)))
	}
	if t.text == "" {
		return l.errorf(t.pos, nil, "empty "+what)
	}
	if i := strings.IndexFunc(t.text, func(r rune) bool {
		return strings.ContainsRune("-/<>=!", r) || (r < 0x80 && isSpaceByte(byte(r)))
	}); i >= 0 {
		return l.errorf(t.pos, nil, fmt.Sprintf("invalid character %q in %s %q", t.text[i], what, t.text))
	}
	return nil
}

// version reads a version token; the revision is required when pkg is set.
func (l *lexer) version(pkg bool) (Version, error) {
	t, err := l.next()
	if err != nil {
		return Version{}, err
	}
	if t.kind != tokString {
		return Version{}, l.errorf(t.pos, ErrBadVersion, "expected a version, found "+describe(t))
	}
	var v Version
	if pkg {
		v, err = ParsePackageVersion(t.text)
	} else {
		v, err = ParseVersion(t.text)
	}
	if err != nil {
		return Version{}, l.errorf(t.pos, err, err.Error())
	}
	return v, nil
}

// endOfItem reports whether t ends a list item.
func endOfItem(t token) bool {
	return t.kind == tokSeparator || t.kind == tokCloseBrace || t.kind == tokEOF
}

// resolvable parses a provides item whose name token has been read
// (BPackageInfo::Parser::_ParseResolvableList). Like Haiku it leaves
// whatever follows the item (a separator, '}', or the next item) unread.
func (l *lexer) resolvable(name token) (Resolvable, error) {
	if err := l.checkName(name, "resolvable name"); err != nil {
		return Resolvable{}, err
	}
	r := Resolvable{Name: name.text}
	t, err := l.peek()
	if err != nil {
		return Resolvable{}, err
	}
	if endOfItem(t) {
		return r, nil
	}
	if t.kind != tokAssign {
		return Resolvable{}, l.errorf(t.pos, nil, "expected '=', a new line, ';' or '}' after "+
			fmt.Sprintf("%q, found %s", name.text, describe(t)))
	}
	l.next() // the '=', already lexed by peek
	if r.Version, err = l.version(false); err != nil {
		return Resolvable{}, err
	}
	save := l.pos
	t, err = l.next()
	if err != nil {
		return Resolvable{}, err
	}
	if t.kind == tokString && (t.text == "compat" || t.text == "compatible") {
		op, err := l.next()
		if err != nil {
			return Resolvable{}, err
		}
		if op.kind == tokOperator && op.op == OpGreaterEqual {
			if r.Compat, err = l.version(false); err != nil {
				return Resolvable{}, err
			}
			return r, nil
		}
	}
	l.pos = save // as Haiku: not a compat clause, leave it to the caller
	return r, nil
}

// baseMode says where an expression may carry the "base" marker.
type baseMode uint8

const (
	baseNever        baseMode = iota // supplements, conflicts, freshens
	baseAfterVersion                 // .PackageInfo requires
	baseAlways                       // ParseExpression
)

// expression parses a requirement whose name token has been read
// (BPackageInfo::Parser::_ParseResolvableExprList), leaving what follows
// unread.
func (l *lexer) expression(name token, base baseMode) (Expression, error) {
	if err := l.checkName(name, "resolvable name"); err != nil {
		return Expression{}, err
	}
	e := Expression{Name: name.text}
	t, err := l.peek()
	if err != nil {
		return Expression{}, err
	}
	switch {
	case t.kind == tokOperator:
		l.next()
		e.Op = t.op
		if e.Version, err = l.version(false); err != nil {
			return Expression{}, err
		}
		if base == baseNever {
			return e, nil
		}
	case base == baseAlways && t.kind == tokString && t.text == "base":
	case endOfItem(t):
		return e, nil
	case t.kind == tokAssign:
		return Expression{}, l.errorf(t.pos, nil, "'=' is not a comparison operator, use '=='")
	default:
		return Expression{}, l.errorf(t.pos, nil, fmt.Sprintf(
			"expected one of < <= == != >= >, a new line, ';' or '}' after %q, found %s", name.text, describe(t)))
	}
	if t, err = l.peek(); err != nil {
		return Expression{}, err
	}
	if t.kind == tokString && t.text == "base" {
		l.next()
		e.Base = true
	}
	return e, nil
}
