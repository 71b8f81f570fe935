package sandbox

import (
	"strings"
	"unicode"

	"mvdan.cc/sh/v3/syntax"
)

// defineDebugInfoPackage [--directory DIR] BASE PATH… (helpers.go) only
// copies its arguments and the variables it reads into the variables it
// sets, but for the base name of each path. A call is inert when each
// path holds literal text with a '/' and more literal text after it (the
// expansions after that, as in lib.so.$libVersion, are uses: they make
// the base name), and the other values expanded in the arguments are plain (no white space, glob or backslash: unquoted, they are not
// split or matched), which the marked evaluation checks on the values
// (inertInfo.plain). The variables expanded there must be ones the script
// never assigns, so that their values are the ones checked.

const cmdDdip = "defineDebugInfoPackage"

// ddipReads are the variables the helper reads by name; ddipSets those it
// sets.
var (
	ddipReads = []string{"portVersion", "portRevisionedName", "debugInfoDir", "DEBUG_INFO_PACKAGES"}
	ddipSets  = []string{"PROVIDES_debuginfo", "REQUIRES_debuginfo", "DEBUG_INFO_PACKAGES",
		"DEBUG_INFO_PATHS_debuginfo", "DEBUG_INFO_DEBUG_INFOS_debuginfo"}
)

// ddip checks a call of the helper; the expansions in its arguments are
// then noted by param through inDdipArg.
func (a *inertAnalysis) ddip(c *syntax.CallExpr) {
	args := c.Args[1:]
	paths := 1
	if args[0].Lit() == "--directory" {
		args, paths = args[1:], 2
	} else if l, ok := firstLit(args[0]); !ok || strings.HasPrefix("--directory", l) {
		a.opaque = cmdDdip + " with a first argument that may be --directory at " + c.Pos().String()
		return
	}
	if len(args) <= paths {
		a.opaque = cmdDdip + " without a path at " + c.Pos().String()
		return
	}
	for i, w := range args {
		tail, ok := ddipWord(w, i >= paths)
		if !ok {
			a.opaque = cmdDdip + " argument at " + w.Pos().String()
			return
		}
		for _, pe := range tail {
			if a.ddipTail == nil {
				a.ddipTail = map[*syntax.ParamExp]bool{}
			}
			a.ddipTail[pe] = true
		}
	}
	for _, name := range ddipReads {
		a.info.mentioned[name] = true
	}
	for _, out := range ddipSets {
		a.info.mentioned[out] = true
		a.flows[out] = append(a.flows[out], ddipReads...)
	}
	if a.ddipCalls == nil {
		a.ddipCalls = map[*syntax.CallExpr]bool{}
	}
	a.ddipCalls[c] = true
}

// firstLit returns the word's first part when it is unquoted literal text.
func firstLit(w *syntax.Word) (string, bool) {
	if len(w.Parts) == 0 {
		return "", false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return "", false
	}
	return l.Value, l.Value != ""
}

// ddipWord reports whether an argument is one the model covers: literal
// text and plain expansions (quoted or not), never empty after expansion.
// A path must hold literal text with a '/' followed by more literal text;
// the expansions after that '/' make the base name, so they are returned
// as tail: used, not only copied.
func ddipWord(w *syntax.Word, path bool) (tail []*syntax.ParamExp, ok bool) {
	type atom struct {
		lit string
		pe  *syntax.ParamExp
	}
	var atoms []atom
	lit := false
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[\\") {
				return nil, false
			}
			lit = lit || p.Value != ""
			atoms = append(atoms, atom{lit: p.Value})
		case *syntax.DblQuoted:
			lit = true
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					if strings.ContainsRune(q.Value, '\\') {
						return nil, false
					}
					atoms = append(atoms, atom{lit: q.Value})
				case *syntax.ParamExp:
					atoms = append(atoms, atom{pe: q})
				default:
					return nil, false
				}
			}
		case *syntax.ParamExp:
			atoms = append(atoms, atom{pe: p})
		default:
			return nil, false
		}
	}
	if !lit {
		return nil, false
	}
	if !path {
		return nil, true
	}
	for k := len(atoms) - 1; k >= 0; k-- {
		if atoms[k].pe != nil {
			tail = append(tail, atoms[k].pe)
			continue
		}
		if i := strings.LastIndexByte(atoms[k].lit, '/'); i >= 0 {
			return tail, i < len(atoms[k].lit)-1
		}
	}
	return nil, false
}

// inDdipArg reports whether the expansion being visited is directly in an
// argument of an inert call of the helper.
func (a *inertAnalysis) inDdipArg() bool {
	i := a.wordOwner()
	if i < 0 {
		return false
	}
	c, ok := a.stack[i].(*syntax.CallExpr)
	return ok && a.ddipCalls[c] && c.Args[0] != a.stack[i+1]
}

// plainValue reports whether a value expands unquoted to one field that
// matches no file: no white space, glob character or backslash.
func plainValue(v string) bool {
	return strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || r == '*' || r == '?' || r == '[' || r == '\\'
	}) < 0
}
