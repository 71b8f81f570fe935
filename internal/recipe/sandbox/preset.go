package sandbox

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Static prefix. A recipe's top level starts, almost always, with a run of
// plain assignments whose values are text and simple expansions of
// variables: SUMMARY="…", REVISION="1", SOURCE_URI="…$portVersion.tar.gz",
// PROVIDES="$portName$secondaryArchSuffix = $portVersion", … Before them
// the shell has run only the prelude's function declarations, so each
// value follows from the initial variables and the assignments before it.
// An evaluation computes that run of assignments in Go as it starts (one
// map of values over its initial variables, layeredEnviron.pre) and runs
// the recipe from the first statement after it, instead of having the
// interpreter expand every word and copy every value; it also leaves out
// the updateRevisionVariables call the revision shortcut (revision.go)
// did ahead.
//
// A statement belongs to the prefix when it assigns to a plain name
// (no index, append, array, redirection, command) a word made only of
// unquoted text without backslash or tilde, '…', "…" without backslash,
// $name and ${name}. The run ends, for one evaluation, at the first
// statement that is not such an assignment (a guard the lean top level
// (lean.go) did not compute up front is one), at the revision call when
// the shortcut is not taken, and at an assignment that must go through the
// interpreter: to a name the caller sets, the sandbox fixes (fixedEnv), the
// interpreter gives a meaning (interpVars) or the sandbox reserves, or one
// expanding such a name or a value with a backslash. Every variable an
// expansion of the prefix names is read through the evaluation's
// environment, so a traced evaluation (trace.go) records it as the
// interpreter would have.

// presetKind is the part a statement of a static prefix plays in it.
type presetKind uint8

const (
	presetNone   presetKind = iota // not part of a static prefix
	presetAssign                   // a static assignment
	presetGuard                    // a guard naming only variables (guard.go)
	presetUpdate                   // the updateRevisionVariables call
	presetFunc                     // a function declaration: it stays, and runs
)

// staticPrefix classifies the statements of the static prefix of the
// top-level list stmts. Function declarations do not end it: a
// declaration runs no code and reads no variable, so one that stays in
// the list, while the assignments around it are done ahead, leaves the
// same shell.
func staticPrefix(stmts []*syntax.Stmt) []presetKind {
	for i, st := range stmts {
		if presetKindOf(st) == presetNone {
			if i == 0 {
				return nil
			}
			kinds := make([]presetKind, i)
			for j := range kinds {
				kinds[j] = presetKindOf(stmts[j])
			}
			return kinds
		}
	}
	kinds := make([]presetKind, len(stmts))
	for j := range kinds {
		kinds[j] = presetKindOf(stmts[j])
	}
	return kinds
}

// presetKindOf classifies st, allocating nothing.
func presetKindOf(st *syntax.Stmt) presetKind {
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) != 0 {
		return presetNone
	}
	switch c := st.Cmd.(type) {
	case *syntax.FuncDecl:
		return presetFunc
	case *syntax.CallExpr:
		switch {
		case isUpdateCall(st):
			return presetUpdate
		case isGuard(st):
			if staticGuard(c) {
				return presetGuard
			}
		case staticAssignment(c):
			return presetAssign
		}
	}
	return presetNone
}

// staticGuard reports whether the guard c names only variables a prefix
// may read.
func staticGuard(c *syntax.CallExpr) bool {
	args := c.Args[1:]
	if len(args)%2 != 0 {
		return false
	}
	for i := 0; i < len(args); i += 2 {
		m, name := args[i].Lit(), args[i+1].Lit()
		if !strings.HasPrefix(m, "n") || !isDigits(m[1:]) || !syntax.ValidName(name) || !presettable(name) {
			return false
		}
	}
	return true
}

// staticAssignment reports whether c is a static assignment.
func staticAssignment(c *syntax.CallExpr) bool {
	if len(c.Args) != 0 || len(c.Assigns) != 1 {
		return false
	}
	a := c.Assigns[0]
	if a.Append || a.Naked || a.Index != nil || a.Array != nil || a.Name == nil || !presettable(a.Name.Value) {
		return false
	}
	if a.Value == nil {
		return true
	}
	for _, wp := range a.Value.Parts {
		switch wp := wp.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(wp.Value, "\\~") {
				return false
			}
		case *syntax.SglQuoted:
			if wp.Dollar {
				return false
			}
		case *syntax.ParamExp:
			if !staticParam(wp) {
				return false
			}
		case *syntax.DblQuoted:
			if wp.Dollar {
				return false
			}
			for _, q := range wp.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
				case *syntax.ParamExp:
					if !staticParam(q) {
						return false
					}
				default:
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

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
	switch pe.Exp.Op {
	case syntax.RemSmallSuffix, syntax.RemLargeSuffix:
		if p.star == 0 {
			return strings.TrimSuffix(v, p.lit)
		}
		// lit*: the suffix starts at the last (%) or first (%%) lit
		i := strings.LastIndex(v, p.lit)
		if pe.Exp.Op == syntax.RemLargeSuffix {
			i = strings.Index(v, p.lit)
		}
		if i < 0 {
			return v
		}
		return v[:i]
	default:
		if p.star == 0 {
			return strings.TrimPrefix(v, p.lit)
		}
		// *lit: the prefix ends after the first (#) or last (##) lit
		i := strings.Index(v, p.lit)
		if pe.Exp.Op == syntax.RemLargePrefix {
			i = strings.LastIndex(v, p.lit)
		}
		if i < 0 {
			return v
		}
		return v[i+len(p.lit):]
	}
}

// presettable reports whether a prefix may assign or expand name ahead,
// whatever the evaluation.
func presettable(name string) bool {
	return !strings.HasPrefix(name, internalPrefix) && !interpVars[name]
}

// interpVars are the names the interpreter reads or sets itself (Reset,
// lookupVar), bash gives a meaning, or the sandbox's shortcuts set.
var interpVars = map[string]bool{
	"PWD": true, "OLDPWD": true, "IFS": true, "OPTIND": true, "OPTARG": true, "PPID": true,
	"RANDOM": true, "SRANDOM": true, "DIRSTACK": true, "BASHPID": true, "LINENO": true,
	"SECONDS": true, "BASH_REMATCH": true, "REPLY": true, "HOME": true, "UID": true,
	"EUID": true, "GID": true, "MACHTYPE": true, "HOSTTYPE": true, "revisionVariables": true,
	"BASH_VERSINFO": true, "SHELLOPTS": true, "BASHOPTS": true, "BASH_ARGV": true,
	"BASH_ARGC": true, "FUNCNAME": true, "BASH_SOURCE": true, "BASH_LINENO": true,
}

// unescapeDQ is what bash makes of text between double quotes: a
// backslash quotes $ ` " \ and removes a newline; any other stays.
func unescapeDQ(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '$', '`', '"', '\\':
				i++
			case '\n':
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// preset does ahead, for an evaluation with the environment env taking
// the revision shortcut rev, the longest run it can of prefix, the static
// prefix of its top-level list: it returns the values assigned (nil when
// none) and how many statements of prefix the run covers. The variables
// it expands are read through env (a traced evaluation records them);
// each guard is counted and charged as it would be when run (checkGuard),
// and one over a bound ends the run, to fail where it stands.
func (st *state) preset(prefix []*syntax.Stmt, kinds []presetKind, env layeredEnviron, rev revisionUse) (map[string]string, int) {
	var pre map[string]string
	value := func(name string) string {
		if v, ok := pre[name]; ok {
			return v
		}
		return env.Get(name).String()
	}
	for i, x := range prefix {
		switch kinds[i] {
		case presetFunc:
			continue
		case presetUpdate:
			if rev.preset && x == rev.skip {
				continue
			}
			return pre, i
		case presetGuard:
			if !st.presetGuard(x.Cmd.(*syntax.CallExpr).Args[1:], value) {
				return pre, i
			}
			continue
		}
		a := x.Cmd.(*syntax.CallExpr).Assigns[0]
		if env.initial(a.Name.Value) {
			return pre, i
		}
		v, ok := staticValue(a.Value, value)
		if !ok {
			return pre, i
		}
		if pre == nil {
			pre = make(map[string]string, len(prefix)-i)
		}
		pre[a.Name.Value] = v
	}
	return pre, len(prefix)
}

// presetGuard counts and charges a static guard with the pairs args, or
// reports that it must run.
func (st *state) presetGuard(args []*syntax.Word, value func(string) string) bool {
	total := int64(0)
	for i := 0; i+1 < len(args); i += 2 {
		m, _ := strconv.ParseInt(args[i].Lit()[1:], 10, 64)
		n := int64(len(value(args[i+1].Lit())))
		if m > 0 && n > (1<<40)/m {
			return false
		}
		total += m * n
	}
	if total > int64(st.o.MaxVarSize) || st.expanded.Load()+total > st.o.MaxVars || st.calls.Load() >= st.o.MaxCalls {
		return false
	}
	st.calls.Add(1)
	st.expanded.Add(total)
	if st.tr != nil {
		st.tr.guarded(total)
	}
	return true
}

// staticValue is the value of a static assignment's word w, or false when
// a variable it expands holds a backslash (left to the interpreter).
func staticValue(w *syntax.Word, value func(string) string) (string, bool) {
	if w == nil {
		return "", true
	}
	if v, ok := singleValue(w, value); ok {
		return v, strings.IndexByte(v, '\\') < 0 || !hasRef(w)
	}
	// One allocation: the literal text and the values bound the result
	// (unescaping and removals only shorten them).
	size := 0
	for _, wp := range w.Parts {
		switch wp := wp.(type) {
		case *syntax.Lit:
			size += len(wp.Value)
		case *syntax.SglQuoted:
			size += len(wp.Value)
		case *syntax.ParamExp:
			size += len(value(wp.Param.Value))
		case *syntax.DblQuoted:
			for _, q := range wp.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					size += len(q.Value)
				case *syntax.ParamExp:
					size += len(value(q.Param.Value))
				}
			}
		}
	}
	var b strings.Builder
	b.Grow(size)
	ref := func(pe *syntax.ParamExp) bool {
		v := value(pe.Param.Value)
		if strings.IndexByte(v, '\\') >= 0 {
			return false
		}
		b.WriteString(expandStatic(pe, v))
		return true
	}
	for _, wp := range w.Parts {
		switch wp := wp.(type) {
		case *syntax.Lit:
			b.WriteString(wp.Value)
		case *syntax.SglQuoted:
			b.WriteString(wp.Value)
		case *syntax.ParamExp:
			if !ref(wp) {
				return "", false
			}
		case *syntax.DblQuoted:
			for _, q := range wp.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					writeDQ(&b, q.Value)
				case *syntax.ParamExp:
					if !ref(q) {
						return "", false
					}
				}
			}
		}
	}
	return b.String(), true
}

// singleValue returns the value of a word of one part that needs no
// copy: text without escapes, or a variable without an operation.
func singleValue(w *syntax.Word, value func(string) string) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok {
		if len(dq.Parts) == 0 {
			return "", true
		}
		if len(dq.Parts) != 1 {
			return "", false
		}
		p = dq.Parts[0]
		if l, ok := p.(*syntax.Lit); ok && strings.IndexByte(l.Value, '\\') >= 0 {
			return "", false
		}
	}
	switch p := p.(type) {
	case *syntax.Lit:
		return p.Value, true
	case *syntax.SglQuoted:
		return p.Value, true
	case *syntax.ParamExp:
		if p.Exp == nil && p.Repl == nil {
			return value(p.Param.Value), true
		}
	}
	return "", false
}

// hasRef reports whether w expands a variable.
func hasRef(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.ParamExp:
			return true
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if _, ok := q.(*syntax.ParamExp); ok {
					return true
				}
			}
		}
	}
	return false
}

// writeDQ writes what bash makes of text between double quotes: a
// backslash quotes $ ` " \ and removes a newline; any other stays.
func writeDQ(b *strings.Builder, s string) {
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 || i+1 >= len(s) {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		switch c := s[i+1]; c {
		case '$', '`', '"', '\\':
			b.WriteByte(c)
		case '\n':
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
		s = s[i+2:]
	}
}
