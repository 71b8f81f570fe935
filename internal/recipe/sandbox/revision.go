package sandbox

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Almost every recipe starts with literal assignments (SUMMARY, DESCRIPTION,
// …) followed by REVISION="1", which the textual rewrite turns into
// `REVISION="1"; updateRevisionVariables`. Running that helper costs more
// than anything else in a typical evaluation: it re-assigns some forty
// variables through an eval that the interpreter parses and runs. When
// nothing before the call can observe the variables (statements that only
// assign literals to other names), its outcome is known before the recipe
// runs: every variable named in revisionVariables holds its initial value
// with $REVISION replaced by the literal, and revisionVariables is unset.
// findRevisionPreset and usable detect exactly that case; the evaluation
// then starts the shell in that state and leaves the call out. Anything else (an expansion or a command
// before it, a non-literal revision, the caller setting revisionVariables)
// takes the general path.

// revisionPreset is what findRevisionPreset learnt about a recipe.
type revisionPreset struct {
	found    bool
	revision string       // the literal of REVISION="…"
	call     *syntax.Stmt // the updateRevisionVariables call after it
	assigned []string     // the names assigned before it
}

// findRevisionPreset looks for the shape described above in the recipe's
// top-level statements: literal assignments, then REVISION="literal" and
// exactly `updateRevisionVariables`.
func findRevisionPreset(f *syntax.File) revisionPreset {
	var assigned []string
	for i, st := range f.Stmts {
		name, ok := literalName(st)
		if !ok {
			return revisionPreset{}
		}
		if name != "REVISION" {
			assigned = append(assigned, name)
			continue
		}
		value, _ := staticValue(plainAssign(st).Value, nil) // literal: no variable read
		if i+1 >= len(f.Stmts) || !isUpdateCall(f.Stmts[i+1]) {
			return revisionPreset{}
		}
		return revisionPreset{found: true, revision: value, call: f.Stmts[i+1], assigned: assigned}
	}
	return revisionPreset{}
}

// usable reports whether the call can be done ahead for an evaluation with
// vars: the caller does not set revisionVariables itself, some variable
// holds $REVISION, and no statement before the call assigns one of them or
// revisionVariables. It returns the revision and the call to leave out.
func (p revisionPreset) usable(rv revisionVars) (string, *syntax.Stmt, bool) {
	if !p.found {
		return "", nil, false
	}
	if rv.callerList || len(rv.names) == 0 {
		return "", nil, false
	}
	for _, n := range p.assigned {
		if n == "revisionVariables" || slices.Contains(rv.names, n) {
			return "", nil, false
		}
	}
	return p.revision, p.call, true
}

// plainAssign returns the assignment when st only assigns one plain
// variable (no index, append, array, redirection or command), or nil.
func plainAssign(st *syntax.Stmt) *syntax.Assign {
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) != 0 {
		return nil
	}
	c, isCall := st.Cmd.(*syntax.CallExpr)
	if !isCall || len(c.Args) != 0 || len(c.Assigns) != 1 {
		return nil
	}
	a := c.Assigns[0]
	if a.Append || a.Naked || a.Index != nil || a.Array != nil || a.Name == nil {
		return nil
	}
	return a
}

// literalName reports whether st only assigns a literal string to one
// plain variable (NAME=text, NAME="text", NAME='text'; no expansion or
// backslash), and returns the name.
func literalName(st *syntax.Stmt) (string, bool) {
	a := plainAssign(st)
	if a == nil || !simpleWord(a.Value, nil, false) {
		return "", false
	}
	return a.Name.Value, true
}

// simpleWord reports whether w (nil: none) is made only of unquoted text
// without backslash or tilde, '…', "…" (with backslashes when dqEscapes)
// and the parameter expansions param accepts (none when param is nil).
func simpleWord(w *syntax.Word, param func(*syntax.ParamExp) bool, dqEscapes bool) bool {
	if w == nil {
		return true
	}
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "\\~") {
				return false
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				return false
			}
		case *syntax.ParamExp:
			if param == nil || !param(p) {
				return false
			}
		case *syntax.DblQuoted:
			if p.Dollar {
				return false
			}
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					if !dqEscapes && strings.IndexByte(q.Value, '\\') >= 0 {
						return false
					}
				case *syntax.ParamExp:
					if param == nil || !param(q) {
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

// isUpdateCall reports whether st is exactly `updateRevisionVariables`.
func isUpdateCall(st *syntax.Stmt) bool {
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) != 0 {
		return false
	}
	c, ok := st.Cmd.(*syntax.CallExpr)
	return ok && len(c.Assigns) == 0 && len(c.Args) == 1 && c.Args[0].Lit() == "updateRevisionVariables"
}

// substituteRevision is what updateRevisionVariables does to one value.
func substituteRevision(v, revision string) string {
	v = strings.ReplaceAll(v, "${REVISION}", revision)
	return strings.ReplaceAll(v, "$REVISION", revision)
}
