package sandbox

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Workarounds for where mvdan.cc/sh v3.14.1 differs from bash on recipes,
// as AST rewrites (each has a regression test in gaps_test.go).

// --- Backslashes in words expanded without field splitting ---------------
//
// mvdan expands assignment values, the word of ${x:-word} and friends and
// the replacement of ${x/pat/rep} with expand.Literal, which leaves unquoted
// backslashes in place: x=a\+b gives "a\+b" where bash gives "a+b", and
// ${portVersion/\~/\+} (w3m) keeps "\+". The rewriter turns every escaped
// character into a quoted one, which both shells read the same.

// markDQ records that pe is inside double quotes, where bash's ${x:-word}
// only unescapes \$ \` \" \\ and \newline.
func (rw *rewriter) markDQ(pe *syntax.ParamExp) {
	if rw.dq == nil {
		rw.dq = map[*syntax.ParamExp]bool{}
	}
	rw.dq[pe] = true
	if pe.Exp != nil && pe.Exp.Word != nil {
		for _, p := range pe.Exp.Word.Parts {
			if inner, ok := p.(*syntax.ParamExp); ok {
				rw.markDQ(inner)
			}
		}
	}
}

func (rw *rewriter) fixParamWords(pe *syntax.ParamExp) {
	if pe.Repl != nil && pe.Repl.With != nil {
		rw.unescapeWord(pe.Repl.With, false)
	}
	if pe.Exp != nil && pe.Exp.Word != nil {
		switch pe.Exp.Op {
		case syntax.DefaultUnset, syntax.DefaultUnsetOrNull,
			syntax.AlternateUnset, syntax.AlternateUnsetOrNull,
			syntax.AssignUnset, syntax.AssignUnsetOrNull,
			syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
			rw.unescapeWord(pe.Exp.Word, rw.dq[pe])
		}
	}
}

func (rw *rewriter) assign(as *syntax.Assign) {
	if !as.Naked && as.Value != nil && as.Array == nil {
		rw.unescapeWord(as.Value, false)
	}
}

// unescapeWord rewrites the backslash escapes of the word's unquoted
// literal parts into quoted text.
func (rw *rewriter) unescapeWord(w *syntax.Word, dq bool) {
	var out []syntax.WordPart
	for i, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok || strings.IndexByte(lit.Value, '\\') < 0 {
			if out != nil {
				out = append(out, p)
			}
			continue
		}
		if out == nil {
			out = append(make([]syntax.WordPart, 0, len(w.Parts)+2), w.Parts[:i]...)
		}
		out = append(out, unescapeLit(lit.Value, dq)...)
	}
	if out != nil {
		w.Parts = out
		rw.changed = true
	}
}

func unescapeLit(s string, dq bool) []syntax.WordPart {
	var parts []syntax.WordPart
	start := 0
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '\\' {
			continue
		}
		c := s[i+1]
		if dq && c != '$' && c != '`' && c != '"' && c != '\\' && c != '\n' {
			i++ // kept as is
			continue
		}
		if start < i {
			parts = append(parts, &syntax.Lit{Value: s[start:i]})
		}
		if c != '\n' { // \newline is a line continuation
			parts = append(parts, quotedPart(string(c)))
		}
		i++
		start = i + 1
	}
	if start < len(s) {
		parts = append(parts, &syntax.Lit{Value: s[start:]})
	}
	return parts
}

func quotedPart(s string) syntax.WordPart {
	if s == "'" {
		return &syntax.DblQuoted{Parts: []syntax.WordPart{&syntax.Lit{Value: s}}}
	}
	return &syntax.SglQuoted{Value: s}
}

// --- typeset -l / -u ---------------------------------------------------------
//
// mvdan rejects the lowercase/uppercase attributes (libreoffice uses
// `typeset -l langcode`). The rewriter drops the flag and follows every
// later plain assignment to such a name with name=${name,,} (or ^^).
// Approximation: the attribute applies by source position, whatever the
// scope.

// registerCased records the names a declaration gives -l or -u. The
// rewriter walks in source order, so later assignments see them.
func (rw *rewriter) registerCased(d *syntax.DeclClause) {
	if !isDeclVariant(d.Variant.Value) {
		return
	}
	var op syntax.ParExpOperator
	for _, a := range d.Args {
		if flag, ok := declFlag(a); ok {
			if strings.ContainsRune(flag, 'l') {
				op = syntax.LowerAll
			}
			if strings.ContainsRune(flag, 'u') {
				op = syntax.UpperAll
			}
			continue
		}
		if op != 0 && a.Name != nil {
			if rw.cased == nil {
				rw.cased = map[string]caseAttr{}
			}
			if _, seen := rw.cased[a.Name.Value]; !seen {
				rw.cased[a.Name.Value] = caseAttr{op: op, pos: d.Pos()}
			}
		}
	}
}

func isDeclVariant(v string) bool {
	return v == "declare" || v == "typeset" || v == "local"
}

// declFlag returns the flag of an option argument like -l.
func declFlag(a *syntax.Assign) (string, bool) {
	if !a.Naked || a.Name != nil || a.Value == nil {
		return "", false
	}
	s := a.Value.Lit()
	if len(s) < 2 || (s[0] != '-' && s[0] != '+') {
		return "", false
	}
	return s, true
}

// casedDecl drops -l/-u from a declaration and applies the case to its
// assignments.
func (rw *rewriter) casedDecl(d *syntax.DeclClause) {
	if rw.cased == nil || !isDeclVariant(d.Variant.Value) {
		return
	}
	args := make([]*syntax.Assign, 0, len(d.Args)+1)
	modified := false
	for _, a := range d.Args {
		if flag, ok := declFlag(a); ok && strings.ContainsAny(flag, "lu") {
			flag = strings.NewReplacer("l", "", "u", "").Replace(flag)
			modified = true
			if len(flag) == 1 {
				continue
			}
			a = &syntax.Assign{Naked: true, Value: litWord(flag)}
		}
		args = append(args, a)
		if f := rw.caseFollowUp(a); f != nil {
			args = append(args, f)
			modified = true
		}
	}
	if modified {
		d.Args = args
		rw.changed = true
	}
}

// casedAssigns applies the case attribute to plain assignments.
func (rw *rewriter) casedAssigns(c *syntax.CallExpr) {
	if rw.cased == nil || len(c.Args) > 0 {
		return
	}
	var out []*syntax.Assign
	for i, a := range c.Assigns {
		f := rw.caseFollowUp(a)
		if f != nil && out == nil {
			out = append(make([]*syntax.Assign, 0, len(c.Assigns)+1), c.Assigns[:i]...)
		}
		if out != nil {
			out = append(out, a)
			if f != nil {
				out = append(out, f)
			}
		}
	}
	if out != nil {
		c.Assigns = out
	}
}

// caseFollowUp returns name=${name,,} for an assignment to a cased name.
func (rw *rewriter) caseFollowUp(a *syntax.Assign) *syntax.Assign {
	if a.Naked || a.Name == nil || a.Array != nil || a.Index != nil {
		return nil
	}
	attr, ok := rw.cased[a.Name.Value]
	if !ok || !a.Pos().After(attr.pos) {
		return nil
	}
	rw.changed = true
	name := a.Name.Value
	return &syntax.Assign{
		Name: &syntax.Lit{Value: name},
		Value: &syntax.Word{Parts: []syntax.WordPart{&syntax.ParamExp{
			Param: &syntax.Lit{Value: name},
			Exp:   &syntax.Expansion{Op: attr.op},
		}}},
	}
}

// --- brace expansion bound ---------------------------------------------------

// braceCount estimates how many words the brace expansions in s produce
// (sequences and comma lists, nested), saturating at a large value. Each
// group is counted once (braces): a text of unclosed '{' would otherwise
// rescan the rest of the text from every one of them, in time exponential
// in their number.
func braceCount(s string) int {
	b := braces{s: s}
	n, _ := b.seq(0, false)
	return n
}

// braces counts the brace expansions of s, remembering the groups.
type braces struct {
	s      string
	groups map[int]braceGroupCount // by the index of the '{'
}

type braceGroupCount struct {
	n, end int
	ok     bool
}

// seq counts the words of s[i:] up to an unmatched '}' or ',' (when
// inner), returning the count and the index where it stopped.
func (b *braces) seq(i int, inner bool) (int, int) {
	s := b.s
	total := 1
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
			continue
		case '}', ',':
			if inner {
				return total, i
			}
		case '{':
			g := b.group(i)
			if g.ok {
				total = satMul(total, g.n)
				i = g.end
				continue
			}
		}
		i++
	}
	return total, i
}

// group counts the alternatives of the group at s[i] == '{'.
func (b *braces) group(i int) braceGroupCount {
	if g, ok := b.groups[i]; ok {
		return g
	}
	g := b.countGroup(i)
	if b.groups == nil {
		b.groups = map[int]braceGroupCount{}
	}
	b.groups[i] = g
	return g
}

func (b *braces) countGroup(i int) braceGroupCount {
	s := b.s
	if end := strings.IndexByte(s[i:], '}'); end > 0 {
		if n, ok := seqSize(s[i+1 : i+end]); ok {
			return braceGroupCount{n, i + end + 1, true}
		}
	}
	sum, j, commas := 0, i+1, 0
	for {
		n, k := b.seq(j, true)
		sum = satAdd(sum, n)
		if k >= len(s) {
			return braceGroupCount{}
		}
		if s[k] == '}' {
			if commas == 0 {
				return braceGroupCount{}
			}
			return braceGroupCount{sum, k + 1, true}
		}
		commas++
		j = k + 1
	}
}

// seqSize is the size of a {a..b[..step]} sequence body.
func seqSize(body string) (int, bool) {
	parts := strings.Split(body, "..")
	if len(parts) != 2 && len(parts) != 3 {
		return 0, false
	}
	lo, err1 := strconv.ParseInt(parts[0], 10, 64)
	hi, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		if len(parts[0]) == 1 && len(parts[1]) == 1 {
			return 26 * 2, true
		}
		return 0, false
	}
	d := hi - lo
	if d < 0 {
		d = -d
	}
	if d > 1<<40 {
		return 1 << 40, true
	}
	return int(d) + 1, true
}

const braceSat = 1 << 40

func satMul(a, b int) int {
	if a != 0 && b > braceSat/a {
		return braceSat
	}
	return a * b
}

func satAdd(a, b int) int {
	if a+b > braceSat {
		return braceSat
	}
	return a + b
}
