package sandbox

import (
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Lean top level. Most statements of a recipe are top-level assignments
// that expand only variables HaikuPorter sets and the recipe never
// assigns (PROVIDES="lib$portName$secondaryArchSuffix = $portVersion"): a
// top-level statement runs at most once, and such a variable still holds
// its initial value when it does, so what its guard would compute is
// known when the evaluation starts. The recipe's own prepare keeps a
// second top-level statement list without those guards; an evaluation
// computes all their bounds from the initial values at once, and runs the
// lean list when each is within MaxVarSize and all together within
// leanBudget, charging their sum to the MaxVars budget and each guard as a
// command (MaxCalls) up front (a statement that does not run is charged
// too). Otherwise it runs the guarded list. The guards of nested lists (functions, loops, branches,
// substitutions) and of eval'd or sourced code always run.
//
// "Never assigned" is decided on the code that can run (reach,
// unreached.go; the phase functions never run during an evaluation): no
// assignment of the name there, no
// ${name:=…}, no for loop over it, and none of the commands or constructs
// that assign by a computed name (read, eval, declare, arithmetic, a
// computed command name, …), or nothing is lean.

// leanBudget bounds what the lean statements may charge up front, as a
// fraction of MaxVars.
const leanBudget = 64

// leanScan collects, during the rewrite of a recipe, what lean.go needs.
// The rewrite visits only the code that can run (reach), unless anything
// may run.
type leanScan struct {
	assigned   map[string]bool
	off        bool           // something assigns by a computed name
	candidates []*syntax.Stmt // top-level guards naming only plain variables
}

// leanAssigners assign variables by a computed name, or run code that may.
var leanAssigners = map[string]bool{
	"read": true, "mapfile": true, "readarray": true, "printf": true, "getopts": true,
	"eval": true, "source": true, ".": true, "let": true, "unset": true, "export": true,
	"declare": true, "typeset": true, "local": true, "readonly": true, "trap": true,
	"builtin": true, "command": true, "exec": true, "set": true, "shift": true,
}

// leanHelperSets are assigned by the helpers' generated code, and by the
// interpreter.
var leanHelperSets = append([]string{"revisionVariables", "BASH_REMATCH"}, ddipSets...)

// note records what a visited node assigns.
func (l *leanScan) note(n syntax.Node) {
	switch x := n.(type) {
	case *syntax.Assign:
		if x.Name != nil {
			l.assigned[x.Name.Value] = true
		}
	case *syntax.ForClause:
		if wi, ok := x.Loop.(*syntax.WordIter); ok && wi.Name != nil {
			l.assigned[wi.Name.Value] = true
		} else {
			l.off = true
		}
	case *syntax.ParamExp:
		if x.Exp != nil && (x.Exp.Op == syntax.AssignUnset || x.Exp.Op == syntax.AssignUnsetOrNull) && x.Param != nil {
			l.assigned[x.Param.Value] = true
		}
	case *syntax.CallExpr:
		if len(x.Args) > 0 {
			if name := x.Args[0].Lit(); name == "" || leanAssigners[name] {
				l.off = true
			}
		}
	case *syntax.DeclClause, *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CoprocClause:
		l.off = true
	}
}

// nameOnly reports whether a guard's pairs all name plain variables.
func nameOnly(guard *syntax.Stmt) bool {
	args := guard.Cmd.(*syntax.CallExpr).Args[1:]
	for i := 0; i+1 < len(args); i += 2 {
		if !strings.HasPrefix(args[i].Lit(), "n") || args[i+1].Lit() == "" {
			return false
		}
	}
	return true
}

// leanList returns the top-level list without the guards that can be
// computed up front, and those guards' arguments; nil when there are none.
func (l *leanScan) leanList(stmts []*syntax.Stmt) ([]*syntax.Stmt, [][]string) {
	if l == nil || l.off || len(l.candidates) == 0 {
		return nil, nil
	}
	assigned := l.assigned
	for _, n := range leanHelperSets {
		assigned[n] = true
	}
	drop := map[*syntax.Stmt]bool{}
	var guards [][]string
	for _, g := range l.candidates {
		args := g.Cmd.(*syntax.CallExpr).Args[1:]
		ok := true
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = a.Lit()
			if i%2 == 1 && assigned[strs[i]] {
				ok = false
			}
		}
		if ok {
			drop[g] = true
			guards = append(guards, strs)
		}
	}
	if len(drop) == 0 {
		return nil, nil
	}
	lean := make([]*syntax.Stmt, 0, len(stmts)-len(drop))
	for _, st := range stmts {
		if !drop[st] {
			lean = append(lean, st)
		}
	}
	return lean, guards
}

// chargeLean computes the lean guards' bounds from the initial variables
// of an evaluation starting from b and charges them; false means the
// guarded list must run.
func (st *state) chargeLean(guards [][]string, env layeredEnviron, b start) bool {
	total, largest := int64(0), int64(0)
	for _, g := range guards {
		bound := int64(0)
		for i := 0; i+1 < len(g); i += 2 {
			name := g[i+1]
			if _, ok := b.vars[name]; !ok {
				if _, fixed := fixedEnv[name]; !fixed {
					return false // set by the interpreter, or unset
				}
			}
			if !b.rev.preset && b.rv.has(name) {
				return false // updateRevisionVariables will change it
			}
			m, _ := strconv.ParseInt(g[i][1:], 10, 64)
			n := int64(len(guardValue(expand.Environ(env), name)))
			if m > 0 && n > (1<<40)/m {
				return false
			}
			bound += m * n
		}
		if bound > int64(st.o.MaxVarSize) {
			return false
		}
		largest = max(largest, bound)
		total += bound
	}
	if total > st.o.MaxVars/leanBudget || int64(len(guards)) > st.o.MaxCalls/2 {
		return false
	}
	// Each guard counts as the command it would have been.
	st.calls.Add(int64(len(guards)))
	st.expanded.Add(total)
	if st.tr != nil {
		st.tr.guarded(largest)
	}
	return true
}

// has reports whether name is one of the revision variables.
func (rv revisionVars) has(name string) bool {
	return slices.Contains(rv.names, name) || rv.callerList && name == "revisionVariables"
}
