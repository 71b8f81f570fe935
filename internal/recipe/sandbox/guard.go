package sandbox

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Expansion guards. mvdan expands a word in one go, with no hook, so a
// single statement such as y=$x$x$x… or z=${x//?/$x} could allocate
// gigabytes before any check runs. Before every statement that expands
// variables, the rewriter inserts
//
//	__kiln_guard nM1 a M2 "${b[*]}" …
//
// with each referenced value (by name for a plain ${a}) and how many times
// the statement's words can repeat it (brace expansion). The call handler
// computes the statement's upper bound, refuses it over MaxVarSize, and
// counts it against MaxVars, the budget of everything expansions may
// produce in one evaluation. Values are passed, not copied (a quoted
// single expansion shares its string).
//
// A global substitution whose replacement itself expands something
// (${x//p/$y}, quadratic) is refused outright; no recipe uses one.

const cmdGuard = internalPrefix + "guard"

// guard returns the guard statement for st, or nil when it expands no
// variable.
func (rw *rewriter) guard(st *syntax.Stmt, words []*syntax.Word) *syntax.Stmt {
	var args []*syntax.Word
	for _, w := range words {
		if !hasParamExp(w) {
			continue
		}
		mult := 1
		for _, p := range w.Parts {
			if l, ok := p.(*syntax.Lit); ok && len(l.Value) > 2 {
				mult = satMul(mult, braceCount(l.Value))
			}
		}
		eachGuardedRef(w, func(x *syntax.ParamExp) bool {
			if quadratic(x) {
				rw.refuseQuadratic(x)
				return false
			}
			m := mult
			if x.Repl != nil && x.Repl.All && x.Repl.With != nil {
				// ${x//?/RRRR}: every byte may become the replacement.
				m = satMul(m, literalLen(x.Repl.With)+1)
			}
			if x.Exp != nil && x.Exp.Op == syntax.OtherParamOps {
				m = satMul(m, 4) // ${x@Q} may quote every byte
			}
			if name, ok := plainRef(x); ok {
				args = append(args, nameMultWord(m), rw.nameWord(name))
			} else if arg := refArg(x); arg != nil {
				args = append(args, multWord(m), arg)
			}
			return true
		})
	}
	if len(args) == 0 {
		return nil
	}
	// The statement's position, for messages ("statement at 3:1 …").
	name := &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: st.Pos(), Value: cmdGuard}}}
	return &syntax.Stmt{Cmd: &syntax.CallExpr{Args: append([]*syntax.Word{name}, args...)}}
}

// quadratic reports a global substitution whose replacement expands
// something (${x//p/$y}: its size is unbounded).
func quadratic(pe *syntax.ParamExp) bool {
	return pe.Repl != nil && pe.Repl.All && pe.Repl.With != nil && expands(pe.Repl.With)
}

func (rw *rewriter) refuseQuadratic(pe *syntax.ParamExp) {
	rw.err = rw.st.refuse("global substitution with an expanded replacement at %s (unbounded size)", pe.Pos())
}

// guardRefusal refuses what guard refuses in words, building nothing.
func (rw *rewriter) guardRefusal(words []*syntax.Word) {
	for _, w := range words {
		if rw.err != nil || !hasParamExp(w) {
			continue
		}
		eachGuardedRef(w, func(x *syntax.ParamExp) bool {
			if quadratic(x) {
				rw.refuseQuadratic(x)
				return false
			}
			return true
		})
	}
}

// eachGuardedRef calls f for each parameter expansion of w a guard counts,
// outside command, process and arithmetic substitutions (their statements
// have guards of their own); f returning false skips what is inside that
// expansion.
func eachGuardedRef(w *syntax.Word, f func(*syntax.ParamExp) bool) {
	syntax.Walk(w, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp:
			return false
		case *syntax.ParamExp:
			return f(x)
		}
		return true
	})
}

// isGuard reports whether st is a guard statement (recipes cannot name
// __kiln_guard: checkReserved).
func isGuard(st *syntax.Stmt) bool {
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 || len(c.Args[0].Parts) != 1 {
		return false
	}
	l, ok := c.Args[0].Parts[0].(*syntax.Lit)
	return ok && l.Value == cmdGuard
}

// literalLen is the length of a word that expands nothing (its literal
// and quoted text).
func literalLen(w *syntax.Word) int {
	n := 0
	syntax.Walk(w, func(node syntax.Node) bool {
		switch x := node.(type) {
		case *syntax.Lit:
			n += len(x.Value)
		case *syntax.SglQuoted:
			n += len(x.Value)
		}
		return true
	})
	return n
}

// hasParamExp is a cheap pre-check: does the word contain any expansion
// of a parameter (directly or in double quotes)?
func hasParamExp(w *syntax.Word) bool {
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

// expands reports whether a word contains an expansion or substitution.
func expands(w *syntax.Word) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ProcSubst:
			found = true
		}
		return !found
	})
	return found
}

// Guard arguments come in pairs: a multiplier and the value it applies
// to ("3" "${x[*]}"), or, for a plain "${name}" (most references), the
// multiplier with an n and the name ("n3" "name"): the guard then looks
// the value up itself (guardValue) instead of having the interpreter
// expand a copy of it. The words are shared by all guards of a script
// (guards are never modified: the rewriter does not visit them).
var multWords, nameMultWords = func() (w, n [17]*syntax.Word) {
	for i := range w {
		w[i] = litWord(strconv.Itoa(i))
		n[i] = litWord("n" + strconv.Itoa(i))
	}
	return w, n
}()

func multWord(m int) *syntax.Word {
	if m >= 0 && m < len(multWords) {
		return multWords[m]
	}
	return litWord(strconv.Itoa(m))
}

func nameMultWord(m int) *syntax.Word {
	if m >= 0 && m < len(nameMultWords) {
		return nameMultWords[m]
	}
	return litWord("n" + strconv.Itoa(m))
}

// nameWord returns the literal word name, shared within the rewriter.
func (rw *rewriter) nameWord(name string) *syntax.Word {
	if w, ok := rw.names[name]; ok {
		return w
	}
	w := litWord(name)
	if rw.names == nil {
		rw.names = map[string]*syntax.Word{}
	}
	rw.names[name] = w
	return w
}

// plainRef reports whether pe is "${name}" of an ordinary variable (no
// index, indirection, length or operator that changes what is read; not a
// parameter the interpreter computes), and returns the name.
func plainRef(pe *syntax.ParamExp) (string, bool) {
	if pe.Param == nil || pe.Index != nil || pe.Excl || pe.Length || pe.Width || pe.Names != 0 {
		return "", false
	}
	name := pe.Param.Value
	switch name {
	case "PPID", "RANDOM", "SRANDOM", "DIRSTACK", "LINENO", "BASHPID":
		return "", false
	}
	return name, syntax.ValidName(name)
}

// guardValue is the value "${name}" expands to, as mvdan's expansion
// computes it (expand.Config.varInd without an index): a string's value,
// an indexed array's element 0, an associative array's key "0", through
// namerefs.
func guardValue(env expand.Environ, name string) string {
	vr := env.Get(name)
	if n, v := vr.Resolve(env); n != "" {
		vr = v
	}
	switch vr.Kind {
	case expand.Indexed:
		if vr.Indexes != nil {
			if i, ok := slices.BinarySearch(vr.Indexes, 0); ok {
				return vr.List[i]
			}
			return ""
		}
		if len(vr.List) > 0 {
			return vr.List[0]
		}
		return ""
	case expand.Associative:
		return vr.Map["0"]
	}
	return vr.String()
}

// refArg returns a word expanding to the whole value pe reads from (all
// elements of an array joined), or nil when pe yields something small.
func refArg(pe *syntax.ParamExp) *syntax.Word {
	if pe.Param == nil || pe.Length || pe.Width || pe.Names != 0 {
		return nil
	}
	name := pe.Param.Value
	switch name {
	case "#", "?", "-", "$", "!", "0":
		return nil
	case "@", "*":
		return &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Parts: []syntax.WordPart{
			&syntax.ParamExp{Short: true, Param: &syntax.Lit{Value: "*"}},
		}}}}
	}
	if _, pinned := pinnedParams[name]; pinned {
		return nil
	}
	index := pe.Index
	if w, ok := index.(*syntax.Word); ok && (w.Lit() == "@" || w.Lit() == "*") {
		if pe.Excl {
			return nil // ${!a[@]}: the keys
		}
		index = litWord("*")
	}
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Parts: []syntax.WordPart{
		&syntax.ParamExp{Param: &syntax.Lit{Value: name}, Index: index, Excl: pe.Excl},
	}}}}
}

// checkGuard implements __kiln_guard.
func (st *state) checkGuard(ctx context.Context, args []string) error {
	total := int64(0)
	var env expand.Environ
	for i := 0; i+1 < len(args); i += 2 {
		mult, value := args[i], args[i+1]
		if named := strings.HasPrefix(mult, "n"); named {
			if env == nil {
				env = interp.HandlerCtx(ctx).Env
			}
			mult, value = mult[1:], guardValue(env, value)
		}
		m, _ := strconv.ParseInt(mult, 10, 64)
		n := int64(len(value))
		if m > 0 && n > (1<<62)/m {
			total = 1 << 62
			break
		}
		total += m * n
	}
	if st.tr != nil {
		st.tr.guarded(total)
	}
	if total > int64(st.o.MaxVarSize) {
		return st.limit("statement at %s expands to up to %d bytes (limit %d)", interp.HandlerCtx(ctx).Pos, total, st.o.MaxVarSize)
	}
	if st.expanded.Add(total) > st.o.MaxVars {
		return st.limit("expansions produced more than %d bytes", st.o.MaxVars)
	}
	return nil
}
