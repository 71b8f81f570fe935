package sandbox

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Anchored pattern substitution: mvdan reads ${x/#pat/rep} and ${x/%pat/rep}
// as a substitution of the literal text "#pat" (sg3_utils prefixes an array
// with "${sgBins[@]/#/$prefix\/bin/sg_}"). The rewriter computes such an
// expansion into a fresh array just before the statement using it, with a
// loop over the elements, and expands that array in its place. Limits: only
// in the words of simple commands, declarations and for lists, and the
// expansion happens before the statement's own assignments.

// hoistTemplate computes the prefix form; suffixTemplate the suffix form.
// __kiln_SRC, __kiln_PAT and __kiln_REP are placeholders for the original
// parameter (without the substitution), the pattern and the replacement.
const (
	hoistTemplate  = `__kiln_H=(); for __kiln_e in "${__kiln_SRC}"; do if [[ $__kiln_e == ${__kiln_PAT}* ]]; then __kiln_e=${__kiln_REP}${__kiln_e##${__kiln_PAT}}; fi; __kiln_H+=("$__kiln_e"); done`
	suffixTemplate = `__kiln_H=(); for __kiln_e in "${__kiln_SRC}"; do if [[ $__kiln_e == *${__kiln_PAT} ]]; then __kiln_e=${__kiln_e%%${__kiln_PAT}}${__kiln_REP}; fi; __kiln_H+=("$__kiln_e"); done`
)

// hoist inserts before each statement the guard bounding what its
// expansions produce (guard.go) and the computations of the anchored
// substitutions it uses.
func (rw *rewriter) hoist(stmts []*syntax.Stmt) []*syntax.Stmt {
	var out []*syntax.Stmt
	for i, st := range stmts {
		if sharedStmts[st] {
			if out != nil {
				out = append(out, st)
			}
			continue
		}
		words := stmtWords(st)
		guard := rw.guard(st, words)
		pes := anchoredIn(words)
		if guard == nil && len(pes) == 0 {
			if out != nil {
				out = append(out, st)
			}
			continue
		}
		if out == nil {
			out = append(make([]*syntax.Stmt, 0, len(stmts)+len(pes)+4), stmts[:i]...)
		}
		if guard != nil {
			out = append(out, guard)
			if rw.top && rw.lean != nil && nameOnly(guard) {
				rw.lean.candidates = append(rw.lean.candidates, guard)
			}
		}
		for _, pe := range pes {
			out = append(out, rw.hoistOne(pe)...)
		}
		out = append(out, st)
		rw.changed = true
	}
	if out == nil {
		return stmts
	}
	return out
}

// stmtWords returns the words the statement itself expands (not those of
// nested statement lists, which are handled as lists of their own).
func stmtWords(st *syntax.Stmt) []*syntax.Word {
	var words []*syntax.Word
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		words = assignWords(words, c.Assigns)
		words = append(words, c.Args...)
	case *syntax.DeclClause:
		words = assignWords(words, c.Args)
	case *syntax.ForClause:
		if wi, ok := c.Loop.(*syntax.WordIter); ok {
			words = append(words, wi.Items...)
		}
	case *syntax.CaseClause:
		words = append(words, c.Word)
	case *syntax.TestClause:
		syntax.Walk(c.X, func(n syntax.Node) bool {
			if w, ok := n.(*syntax.Word); ok {
				words = append(words, w)
				return false
			}
			return true
		})
	}
	for _, r := range st.Redirs {
		if r.Word != nil {
			words = append(words, r.Word)
		}
		if r.Hdoc != nil {
			words = append(words, r.Hdoc)
		}
	}
	return words
}

// anchoredIn finds the anchored substitutions in the statement's words.
func anchoredIn(words []*syntax.Word) []*syntax.ParamExp {
	var pes []*syntax.ParamExp
	for _, w := range words {
		if !hasParamExp(w) {
			continue
		}
		syntax.Walk(w, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp:
				return false
			case *syntax.ParamExp:
				if isAnchored(x) {
					pes = append(pes, x)
				}
			}
			return true
		})
	}
	return pes
}

func assignWords(words []*syntax.Word, as []*syntax.Assign) []*syntax.Word {
	for _, a := range as {
		if a.Value != nil {
			words = append(words, a.Value)
		}
		if a.Array != nil {
			for _, e := range a.Array.Elems {
				if e.Value != nil {
					words = append(words, e.Value)
				}
			}
		}
	}
	return words
}

func isAnchored(pe *syntax.ParamExp) bool {
	if pe.Repl == nil || pe.Repl.All || pe.Repl.Orig == nil || len(pe.Repl.Orig.Parts) == 0 {
		return false
	}
	l, ok := pe.Repl.Orig.Parts[0].(*syntax.Lit)
	return ok && (strings.HasPrefix(l.Value, "#") || strings.HasPrefix(l.Value, "%"))
}

// hoistOne returns the statements computing pe and turns pe into an
// expansion of their result.
func (rw *rewriter) hoistOne(pe *syntax.ParamExp) []*syntax.Stmt {
	rw.hoisted++
	array := internalPrefix + "h" + strconv.Itoa(rw.hoisted)
	first := pe.Repl.Orig.Parts[0].(*syntax.Lit)
	tmpl := hoistTemplate
	if first.Value[0] == '%' {
		tmpl = suffixTemplate
	}
	pat := append([]syntax.WordPart(nil), pe.Repl.Orig.Parts...)
	if first.Value == "#" || first.Value == "%" {
		pat = pat[1:]
	} else {
		pat[0] = &syntax.Lit{Value: first.Value[1:]}
	}
	var rep []syntax.WordPart
	if pe.Repl.With != nil {
		rep = pe.Repl.With.Parts
	}
	src := *pe
	src.Repl = nil
	all := false
	if w, ok := pe.Index.(*syntax.Word); ok {
		all = w.Lit() == "@" || w.Lit() == "*"
	}

	stmts := mustParseStmts(strings.ReplaceAll(tmpl, "__kiln_H", array))
	for _, st := range stmts {
		syntax.Walk(st, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.Word:
				x.Parts = spliceHoist(x.Parts, &src, pat, rep)
			case *syntax.DblQuoted:
				x.Parts = spliceHoist(x.Parts, &src, pat, rep)
			}
			return true
		})
	}
	// pe now expands the computed array, keeping its quoting context.
	index := pe.Index
	*pe = syntax.ParamExp{Dollar: pe.Dollar, Rbrace: pe.Rbrace, Param: &syntax.Lit{Value: array}}
	if all {
		pe.Index = index
	}
	return stmts
}

func spliceHoist(parts []syntax.WordPart, src *syntax.ParamExp, pat, rep []syntax.WordPart) []syntax.WordPart {
	var out []syntax.WordPart
	for i, p := range parts {
		pe, ok := p.(*syntax.ParamExp)
		var with []syntax.WordPart
		switch {
		case !ok || pe.Param == nil:
		case pe.Param.Value == "__kiln_SRC":
			with = []syntax.WordPart{src}
		case pe.Param.Value == "__kiln_PAT":
			with = pat
		case pe.Param.Value == "__kiln_REP":
			with = rep
		default:
			ok = false
		}
		if !ok {
			if out != nil {
				out = append(out, p)
			}
			continue
		}
		if out == nil {
			out = append([]syntax.WordPart(nil), parts[:i]...)
		}
		out = append(out, with...)
	}
	if out == nil {
		return parts
	}
	return out
}
