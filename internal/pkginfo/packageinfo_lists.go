package pkginfo

import (
	"fmt"
	"strings"
)

// list parses "{ item … }" (items separated by new lines or ';', which may
// also be left out between items, as in Haiku) or, when single is set, one
// item without braces (BPackageInfo::Parser::_ParseList). item is called
// with each item's first token.
func (l *lexer) list(single bool, item func(t token) error) error {
	open, err := l.next()
	if err != nil {
		return err
	}
	if open.kind != tokOpenBrace {
		if !single {
			return l.errorf(open.pos, nil, "expected '{', found "+describe(open))
		}
		return item(open)
	}
	for {
		t, err := l.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tokCloseBrace:
			return nil
		case tokSeparator:
			continue
		case tokEOF:
			line, col := position(l.src, open.pos)
			return l.errorf(t.pos, nil, fmt.Sprintf("expected '}' closing the list opened at %d:%d", line, col))
		}
		if err := item(t); err != nil {
			return err
		}
	}
}

// stringList parses a list of strings; with resolvable set (replaces) each
// must be a valid resolvable name and is lower-cased.
func (l *lexer) stringList(resolvable bool) ([]string, error) {
	var out []string
	err := l.list(true, func(t token) error {
		if t.kind != tokString {
			return l.errorf(t.pos, nil, "expected a string, found "+describe(t))
		}
		s := t.text
		if resolvable {
			if err := l.checkName(t, "resolvable name"); err != nil {
				return err
			}
			s = asciiLower(s)
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// flags parses "approve_license" and/or "system_package" (case-insensitive).
func (l *lexer) flags() (Flags, error) {
	var f Flags
	err := l.list(true, func(t token) error {
		switch {
		case t.kind == tokString && asciiLower(t.text) == "approve_license":
			f |= FlagApproveLicense
		case t.kind == tokString && asciiLower(t.text) == "system_package":
			f |= FlagSystemPackage
		default:
			return l.errorf(t.pos, nil, "expected 'approve_license' or 'system_package', found "+describe(t))
		}
		return nil
	})
	return f, err
}

func (l *lexer) resolvableList() ([]Resolvable, error) {
	var out []Resolvable
	err := l.list(false, func(t token) error {
		r, err := l.resolvable(t)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// expressionList parses requires, supplements, conflicts or freshens. For
// requires, base points at the package's base package, which the item
// marked "base" sets; marking two is an error.
func (l *lexer) expressionList(mode baseMode, base *string) ([]Expression, error) {
	var out []Expression
	err := l.list(false, func(t token) error {
		e, err := l.expression(t, mode)
		if err != nil {
			return err
		}
		if e.Base {
			if *base != "" {
				return l.errorf(t.pos, nil, fmt.Sprintf("%q and %q both marked as base package", *base, e.Name))
			}
			*base = e.Name
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// globalWritableFiles parses items `"path" [directory] [keep-old|manual|auto-merge]`.
func (l *lexer) globalWritableFiles() ([]GlobalWritableFile, error) {
	var out []GlobalWritableFile
	err := l.list(false, func(t token) error {
		if t.kind != tokString {
			return l.errorf(t.pos, nil, "expected a file path, found "+describe(t))
		}
		f := GlobalWritableFile{Path: t.text}
		n, err := l.peek()
		if err != nil {
			return err
		}
		if n.kind == tokString && n.text == "directory" {
			f.Directory = true
			l.next()
			if n, err = l.peek(); err != nil {
				return err
			}
		}
		switch {
		case n.kind == tokString:
			switch u := WritableFileUpdateType(n.text); u {
			case UpdateKeepOld, UpdateManual, UpdateAutoMerge:
				f.UpdateType = u
				l.next()
			default:
				return l.errorf(n.pos, nil, fmt.Sprintf(
					"expected an update type (keep-old, manual, auto-merge), found %q", n.text))
			}
		case !endOfItem(n):
			return l.errorf(n.pos, nil, "expected an update type, a new line, ';' or '}', found "+describe(n))
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// userSettingsFiles parses items `"path" [directory | template "path"]`.
func (l *lexer) userSettingsFiles() ([]UserSettingsFile, error) {
	var out []UserSettingsFile
	err := l.list(false, func(t token) error {
		if t.kind != tokString {
			return l.errorf(t.pos, nil, "expected a settings file path, found "+describe(t))
		}
		f := UserSettingsFile{Path: t.text}
		n, err := l.peek()
		if err != nil {
			return err
		}
		switch {
		case n.kind == tokString && n.text == "directory":
			l.next()
			f.Directory = true
		case n.kind == tokString && n.text == "template":
			l.next()
			tp, err := l.stringValue("a settings template path")
			if err != nil {
				return err
			}
			f.Template = tp.text
		case !endOfItem(n):
			return l.errorf(n.pos, nil, "expected 'directory', 'template', a new line, ';' or '}', found "+describe(n))
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// validUserName is BUser::IsValidUserName: non-empty, [A-Za-z0-9_].
func validUserName(s string) bool {
	return s != "" && validChars(s, false)
}

// users parses items `name [real-name "…"] [home "…"] [shell "…"] [groups g…]`
// (groups, if present, comes last and runs to the end of the item).
func (l *lexer) users() ([]User, error) {
	var out []User
	err := l.list(false, func(t token) error {
		if t.kind != tokString || !validUserName(t.text) {
			return l.errorf(t.pos, nil, "expected a user name (letters, digits, '_'), found "+describe(t))
		}
		u := User{Name: t.text}
	attrs:
		for {
			n, err := l.peek()
			if err != nil {
				return err
			}
			if n.kind != tokString {
				break
			}
			l.next()
			var dst *string
			switch n.text {
			case "real-name":
				dst = &u.RealName
			case "home":
				dst = &u.Home
			case "shell":
				dst = &u.Shell
			case "groups":
				for {
					g, err := l.peek()
					if err != nil {
						return err
					}
					if endOfItem(g) {
						break attrs
					}
					if g.kind != tokString || !validUserName(g.text) {
						return l.errorf(g.pos, nil, "expected a group name, found "+describe(g))
					}
					l.next()
					u.Groups = append(u.Groups, g.text)
				}
			default:
				return l.errorf(n.pos, nil, fmt.Sprintf(
					"expected 'real-name', 'home', 'shell' or 'groups', found %q", n.text))
			}
			v, err := l.stringValue(strings.ReplaceAll(n.text, "-", " "))
			if err != nil {
				return err
			}
			*dst = v.text
		}
		out = append(out, u)
		return nil
	})
	return out, err
}
