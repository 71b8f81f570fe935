package sandbox

import (
	"bytes"
	"io"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// revisionReader reads src with HaikuPorter's textual rewrite (Port.py)
// applied, without copying src: on every line, each match of the regular
// expression (REVISION="[^"]*") gets "; updateRevisionVariables "
// appended. HaikuPorter reads the recipe with Python's codecs, whose lines
// also end at \r, \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029; a match
// cannot span those either.
func revisionReader(src []byte) io.Reader {
	segs := revisionSegments(src)
	if len(segs) == 1 {
		return bytes.NewReader(src)
	}
	rs := make([]io.Reader, len(segs))
	for i, s := range segs {
		rs[i] = bytes.NewReader(s)
	}
	return io.MultiReader(rs...)
}

// revisionSegments returns the pieces of src the rewrite concatenates:
// slices of src and the inserted text.
func revisionSegments(src []byte) [][]byte {
	const key = `REVISION="`
	insert := []byte(`; updateRevisionVariables `)
	if !bytes.Contains(src, []byte(key)) {
		return [][]byte{src}
	}
	var segs [][]byte
	start := 0 // of the segment being built
	for i := 0; ; {
		k := bytes.Index(src[i:], []byte(key))
		if k < 0 {
			break
		}
		i += k + len(key)
		end := closingQuote(src[i:])
		if end < 0 {
			continue // no closing quote on this line: no match here
		}
		i += end + 1
		segs = append(segs, src[start:i], insert)
		start = i
	}
	return append(segs, src[start:])
}

// closingQuote returns the index of the first '"' in b before the end of
// the line (in Python's sense), or -1.
func closingQuote(b []byte) int {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			return i
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e:
			return -1
		case 0xc2:
			if i+1 < len(b) && b[i+1] == 0x85 {
				return -1
			}
		case 0xe2:
			if i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9) {
				return -1
			}
		}
	}
	return -1
}

// rewriter adapts a parsed script to the sandbox, in place. The result
// must stay printable as bash (eval'd and sourced code is rewritten, printed
// and handed to the interpreter's eval):
//
//   - bounds: every loop iteration runs __kiln_tick, every function entry
//     counts its nesting depth (a local variable, so returns undo it), every
//     pipeline runs __kiln_pipe; background commands, coprocesses and
//     process substitutions become refused commands; brace expansions are
//     bounded;
//   - pinned values: $$, $BASHPID, $PPID, $RANDOM, $SRANDOM read fixed
//     variables;
//   - interpreter gaps (see gaps.go): backslashes in words expanded without
//     field splitting, anchored pattern substitution ${x/#p/r} ${x/%p/r},
//     and typeset/declare -l/-u.
type rewriter struct {
	st      *state
	changed bool
	dq      map[*syntax.ParamExp]bool // inside double quotes
	cased   map[string]caseAttr       // typeset -l/-u names
	hoisted int
	err     error
	// names are the guards' words naming variables (guard.go)
	names map[string]*syntax.Word
	// lean, for the recipe's own rewrite, collects what lean.go needs;
	// top is set while the file's top-level list is hoisted
	lean *leanScan
	top  bool
	// unreached are the function declarations whose bodies cannot run
	// (unreached.go), for the recipe's own rewrite
	unreached map[*syntax.FuncDecl]bool
}

type caseAttr struct {
	op  syntax.ParExpOperator // LowerAll or UpperAll
	pos syntax.Pos            // the declaration
}

func (st *state) rewrite(f *syntax.File) error {
	rw := &rewriter{st: st}
	return rw.file(f)
}

// rewriteRecipe is rewrite for the recipe's own file, leaving the bodies
// that cannot run (r) as they are; it also returns the lean top-level
// list and its guards (lean.go), or nils.
func (st *state) rewriteRecipe(f *syntax.File, r *reach) ([]*syntax.Stmt, [][]string, error) {
	rw := &rewriter{st: st, lean: &leanScan{assigned: map[string]bool{}}, unreached: r.unreached}
	if err := rw.file(f); err != nil {
		return nil, nil, err
	}
	lean, guards := rw.lean.leanList(f.Stmts)
	return lean, guards, nil
}

// Shared, never modified statements inserted by the rewriter.
var (
	tickStmt     = mustParseStmts(cmdTick)[0]
	pipeStmt     = mustParseStmts(cmdPipe)[0]
	depthStmts   = mustParseStmts("local " + depthVar + "=$((" + depthVar + "+1)); " + cmdDepth + " \"$" + depthVar + "\"")
	pinnedLitSet = map[string]bool{"BASHPID": true, "PPID": true, "RANDOM": true, "SRANDOM": true}
)

// sharedStmts are the statements above, which the walk must skip.
var sharedStmts = func() map[*syntax.Stmt]bool {
	m := map[*syntax.Stmt]bool{tickStmt: true, pipeStmt: true}
	for _, st := range depthStmts {
		m[st] = true
	}
	return m
}()

func mustParseStmts(src string) []*syntax.Stmt {
	f, err := syntax.NewParser().Parse(strings.NewReader(src), "sandbox")
	if err != nil {
		panic(err)
	}
	return f.Stmts
}

func callStmt(name string) *syntax.Stmt {
	return &syntax.Stmt{Cmd: &syntax.CallExpr{Args: []*syntax.Word{litWord(name)}}}
}

func litWord(s string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: s}}}
}

func (rw *rewriter) file(f *syntax.File) error {
	syntax.Walk(f, rw.visit)
	return rw.err
}

func (rw *rewriter) visit(node syntax.Node) bool {
	if rw.lean != nil && node != nil {
		rw.lean.note(node)
	}
	return rw.visitNode(node)
}

func (rw *rewriter) visitNode(node syntax.Node) bool {
	if rw.err != nil {
		return false
	}
	switch x := node.(type) {
	case *syntax.File:
		rw.top = true
		x.Stmts = rw.hoist(x.Stmts)
		rw.top = false
	case *syntax.Block:
		x.Stmts = rw.hoist(x.Stmts)
	case *syntax.Subshell:
		x.Stmts = rw.hoist(x.Stmts)
	case *syntax.CmdSubst:
		x.Stmts = rw.hoist(x.Stmts)
	case *syntax.CaseItem:
		x.Stmts = rw.hoist(x.Stmts)
	case *syntax.IfClause:
		x.Cond = rw.hoist(x.Cond)
		x.Then = rw.hoist(x.Then)
	case *syntax.Stmt:
		if sharedStmts[x] || isGuard(x) {
			// shared by all evaluations, or a guard built from words
			// visited where they stand: never modified
			return false
		}
		if d, ok := x.Cmd.(*syntax.DeclClause); ok {
			if reason, dyn := dynamicDecl(d); dyn {
				x.Cmd = refusedCmd(reason, d.Pos())
				rw.changed = true
				return false
			}
		}
		switch {
		case x.Background:
			x.Background = false
			x.Cmd = callStmt(cmdBg).Cmd
			rw.changed = true
		case isCoproc(x.Cmd):
			x.Cmd = callStmt(cmdBg).Cmd
			rw.changed = true
		}
	case *syntax.WhileClause:
		x.Cond = rw.hoist(x.Cond)
		x.Do = append([]*syntax.Stmt{tickStmt}, rw.hoist(x.Do)...)
		rw.changed = true
	case *syntax.ForClause:
		x.Do = append([]*syntax.Stmt{tickStmt}, rw.hoist(x.Do)...)
		rw.changed = true
		if c, ok := x.Loop.(*syntax.CStyleLoop); ok {
			rw.pinArithm(c)
		}
	case *syntax.FuncDecl:
		if !rw.checkFunc(x) {
			return false
		}
		if rw.unreached[x] {
			rw.checkUnreached(x.Body)
			return false
		}
		body := make([]*syntax.Stmt, 0, len(depthStmts)+1)
		body = append(body, depthStmts...)
		x.Body = &syntax.Stmt{Cmd: &syntax.Block{Stmts: append(body, x.Body)}}
		rw.changed = true
	case *syntax.BinaryCmd:
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			x.X = &syntax.Stmt{Cmd: &syntax.Block{Stmts: []*syntax.Stmt{pipeStmt, x.X}}}
			rw.changed = true
		}
	case *syntax.ArithmExp:
		rw.pinArithm(x.X)
	case *syntax.ArithmCmd:
		rw.pinArithm(x.X)
	case *syntax.LetClause:
		for _, e := range x.Exprs {
			rw.pinArithm(e)
		}
	case *syntax.Word:
		rw.word(x)
	case *syntax.DblQuoted:
		for _, p := range x.Parts {
			if pe, ok := p.(*syntax.ParamExp); ok {
				rw.markDQ(pe)
			}
		}
	case *syntax.ParamExp:
		rw.paramExp(x)
	case *syntax.Assign:
		rw.assign(x)
	case *syntax.CallExpr:
		rw.casedAssigns(x)
	case *syntax.DeclClause:
		rw.registerCased(x)
		rw.casedDecl(x)
	}
	return true
}

// isCompound reports the commands bash accepts as a function body.
func isCompound(c syntax.Command) bool {
	switch c.(type) {
	case *syntax.Block, *syntax.Subshell, *syntax.ArithmCmd, *syntax.TestClause,
		*syntax.IfClause, *syntax.WhileClause, *syntax.ForClause, *syntax.CaseClause:
		return true
	}
	return false
}

func isCoproc(c syntax.Command) bool {
	_, ok := c.(*syntax.CoprocClause)
	return ok
}

// word refuses process substitutions and bounds brace expansions.
func (rw *rewriter) word(w *syntax.Word) {
	for i, p := range w.Parts {
		if _, ok := p.(*syntax.ProcSubst); ok {
			w.Parts[i] = &syntax.CmdSubst{Stmts: []*syntax.Stmt{callStmt(cmdProcSubst)}}
			rw.changed = true
		}
	}
	rw.checkBraces(w)
}

// checkBraces refuses a brace expansion over maxBraceWords.
func (rw *rewriter) checkBraces(w *syntax.Word) {
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.IndexByte(l.Value, '{') >= 0 {
			if n := braceCount(l.Value); n > maxBraceWords {
				rw.err = rw.st.limit("brace expansion at %s makes %d words", l.Pos(), n)
				return
			}
		}
	}
}

// paramExp pins the non-deterministic parameters.
func (rw *rewriter) paramExp(pe *syntax.ParamExp) {
	if pe.Excl && pe.Exp != nil && (pe.Exp.Op == syntax.AssignUnset || pe.Exp.Op == syntax.AssignUnsetOrNull) {
		// Assigns to the variable the value names; refused where it runs.
		*pe = syntax.ParamExp{Dollar: pe.Dollar, Rbrace: pe.Rbrace, Param: &syntax.Lit{Value: internalPrefix + "none"}, // never set
			Exp: &syntax.Expansion{Op: syntax.DefaultUnset, Word: &syntax.Word{Parts: []syntax.WordPart{
				&syntax.CmdSubst{Stmts: []*syntax.Stmt{{Cmd: refusedCmd("assignment through ${!name:=…}", pe.Pos())}}},
			}}}}
		rw.changed = true
		return
	}
	if pe.Param != nil && !pe.Excl {
		if pinned, ok := pinnedParams[pe.Param.Value]; ok {
			pe.Param = &syntax.Lit{Value: pinned}
			rw.changed = true
		}
	}
	rw.fixParamWords(pe)
}

// pinArithm renames the pinned parameters used by name in arithmetic.
func (rw *rewriter) pinArithm(n syntax.Node) {
	if n == nil {
		return
	}
	syntax.Walk(n, func(n syntax.Node) bool {
		if w, ok := n.(*syntax.Word); ok && len(w.Parts) == 1 {
			if l, ok := w.Parts[0].(*syntax.Lit); ok && pinnedLitSet[l.Value] {
				w.Parts[0] = &syntax.Lit{Value: pinnedParams[l.Value]}
				rw.changed = true
			}
		}
		return true
	})
}

// maxBraceWords bounds the words one brace expansion may produce: the
// interpreter's own limit, past which it prints an error and expands to
// nothing instead of failing.
const maxBraceWords = 16_384
