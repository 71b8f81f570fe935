package sandbox

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Doing a static prefix (preset.go) for one evaluation.

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
		return v, strings.IndexByte(v, '\\') < 0 || !hasParamExp(w)
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
