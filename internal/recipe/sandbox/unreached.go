package sandbox

import (
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// Function bodies that never run. An evaluation sources the recipe: only
// its top level runs, and the functions it calls. BUILD, INSTALL, TEST and
// PATCH, most of a recipe's text, run on a builder, never here. When the
// code that can run calls functions only by literal names (no eval,
// source, trap, alias, command/builtin/exec, computed command name), the
// bodies of the top-level functions it never names cannot run: the
// recipe's rewrite leaves them as they are, checking in them only what
// makes the whole recipe fail (bash's syntax errors, refused global
// substitutions, brace expansions over the limit), as the full rewrite
// does.

// dynamicCallers run code or call functions by a name computed at run
// time.
var dynamicCallers = map[string]bool{
	"eval": true, "source": true, ".": true, "trap": true, "alias": true, "command": true,
	"builtin": true, "exec": true, "xargs": true, "find": true, "timeout": true, "nice": true,
	"nohup": true, "env": true,
}

// reach is the code of a recipe that can run during an evaluation: its
// top-level statements and, transitively, the bodies of the top-level
// functions they call by a literal name (a function defined inside such
// code is part of it where it stands). The rewrite (unreached), the lean
// scan (lean.go) and the inert analysis (inert.go) all work on it.
type reach struct {
	// dynamic: the code that can run calls a command by a computed name
	// or through eval, source, …, so any function may run
	dynamic bool
	// roots are the code that can run (nil when dynamic)
	roots []syntax.Node
	// funcs are the names of the top-level functions
	funcs map[string]bool
	// unreached are the top-level function declarations whose bodies
	// cannot run (none when dynamic)
	unreached map[*syntax.FuncDecl]bool
}

// reachOf finds what of f can run.
func reachOf(f *syntax.File) *reach {
	r := &reach{funcs: map[string]bool{}}
	defs := map[string][]*syntax.FuncDecl{}
	for _, st := range f.Stmts {
		if fd, ok := st.Cmd.(*syntax.FuncDecl); ok && fd.Name != nil {
			defs[fd.Name.Value] = append(defs[fd.Name.Value], fd)
			r.funcs[fd.Name.Value] = true
		} else {
			r.roots = append(r.roots, st)
		}
	}
	called := map[string]bool{}
	for i := 0; i < len(r.roots) && !r.dynamic; i++ { // roots grows with called functions
		syntax.Walk(r.roots[i], func(n syntax.Node) bool {
			c, ok := n.(*syntax.CallExpr)
			if r.dynamic || !ok || len(c.Args) == 0 {
				return !r.dynamic
			}
			name := c.Args[0].Lit()
			if name == "" || dynamicCallers[name] {
				r.dynamic = true
				return false
			}
			if !called[name] {
				called[name] = true
				for _, fd := range defs[name] {
					r.roots = append(r.roots, fd.Body)
				}
			}
			return true
		})
	}
	if r.dynamic {
		r.roots = nil
		return r
	}
	r.unreached = map[*syntax.FuncDecl]bool{}
	for name, fds := range defs {
		if !called[name] {
			for _, fd := range fds {
				r.unreached[fd] = true
			}
		}
	}
	return r
}

// checkFunc reports bash's syntax errors of a function declaration
// (mvdan accepts f() cmd; bash requires a compound command: BUILD() {{ is
// a syntax error, not a function running {{).
func (rw *rewriter) checkFunc(x *syntax.FuncDecl) bool {
	switch {
	case x.Name == nil:
		rw.err = rw.st.violate(fmt.Errorf("%w at %s: a function without a name", ErrSyntax, x.Pos()))
	case !isCompound(x.Body.Cmd):
		rw.err = rw.st.violate(fmt.Errorf("%w at %s: the body of function %s is not a compound command such as { …; } (bash: syntax error near unexpected token)", ErrSyntax, x.Body.Pos(), x.Name.Value))
	default:
		return true
	}
	return false
}

// checkUnreached walks a body that never runs for what the full rewrite
// would fail the recipe on, changing nothing.
func (rw *rewriter) checkUnreached(body syntax.Node) {
	check := func(stmts []*syntax.Stmt) {
		for _, st := range stmts {
			if rw.err == nil && !sharedStmts[st] {
				rw.guardRefusal(stmtWords(st))
			}
		}
	}
	syntax.Walk(body, func(n syntax.Node) bool {
		if rw.err != nil {
			return false
		}
		switch x := n.(type) {
		case *syntax.File:
			check(x.Stmts)
		case *syntax.Block:
			check(x.Stmts)
		case *syntax.Subshell:
			check(x.Stmts)
		case *syntax.CmdSubst:
			check(x.Stmts)
		case *syntax.CaseItem:
			check(x.Stmts)
		case *syntax.IfClause:
			check(x.Cond)
			check(x.Then)
		case *syntax.WhileClause:
			check(x.Cond)
			check(x.Do)
		case *syntax.ForClause:
			check(x.Do)
		case *syntax.FuncDecl:
			return rw.checkFunc(x)
		case *syntax.Word:
			rw.checkBraces(x)
		}
		return rw.err == nil
	})
}
