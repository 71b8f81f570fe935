package sandbox

import (
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
// unquoted text without backslash or tilde, '…', "…" (bash's backslash
// rules inside double quotes), $name, ${name} and the removals and
// replacements of literal text preset_pattern.go accepts; when it is the
// guard of such a statement (guard.go) naming only variables, which is
// counted and charged as when it runs; when it is the revision call; and
// when it declares a function, which stays in the list and runs (a
// declaration runs no code and reads no variable). The run ends, for one
// evaluation (preset_run.go), at the first statement that does not
// belong, at the revision call when the shortcut is not taken, at a guard
// over a bound (to fail where it stands), and at an assignment that must
// go through the interpreter: to a name the caller sets, the sandbox
// fixes (fixedEnv), the interpreter gives a meaning (interpVars) or the
// sandbox reserves, or one expanding a value with a backslash. Every
// variable the prefix expands is read through the evaluation's
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
	kinds := make([]presetKind, 0, len(stmts))
	for _, st := range stmts {
		k := presetKindOf(st)
		if k == presetNone {
			break
		}
		kinds = append(kinds, k)
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
		case staticAssignment(plainAssign(st)):
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

// staticAssignment reports whether a (nil: st is not a plain assignment)
// is a static assignment.
func staticAssignment(a *syntax.Assign) bool {
	return a != nil && presettable(a.Name.Value) && simpleWord(a.Value, staticParam, true)
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
