package sandbox

import (
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
// presetRevision detects exactly that case; Eval then starts the shell in
// that state and drops the call. Anything else (an expansion or a command
// before it, a non-literal revision, the caller setting revisionVariables)
// takes the general path.

// presetRevision returns the literal revision and removes the first
// top-level `updateRevisionVariables` call from f when the call can be done
// before the recipe runs (see above). revNames are the names in
// revisionVariables; callerList is whether the caller set revisionVariables
// itself.
func presetRevision(f *syntax.File, revNames map[string]bool, callerList bool) (string, bool) {
	if callerList || len(revNames) == 0 {
		return "", false
	}
	for i, st := range f.Stmts {
		name, value, ok := literalAssignment(st)
		if !ok {
			return "", false
		}
		if name != "REVISION" {
			if revNames[name] || name == "revisionVariables" {
				return "", false
			}
			continue
		}
		if i+1 >= len(f.Stmts) || !isUpdateCall(f.Stmts[i+1]) {
			return "", false
		}
		f.Stmts = append(f.Stmts[:i+1:i+1], f.Stmts[i+2:]...)
		return value, true
	}
	return "", false
}

// literalAssignment reports whether st only assigns a literal string to one
// plain variable (NAME=text, NAME="text", NAME='text'; no expansion,
// backslash, index, append, array, redirection or command), and returns the
// name and value.
func literalAssignment(st *syntax.Stmt) (name, value string, ok bool) {
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) != 0 {
		return "", "", false
	}
	c, isCall := st.Cmd.(*syntax.CallExpr)
	if !isCall || len(c.Args) != 0 || len(c.Assigns) != 1 {
		return "", "", false
	}
	a := c.Assigns[0]
	if a.Append || a.Naked || a.Index != nil || a.Array != nil || a.Name == nil {
		return "", "", false
	}
	if a.Value == nil {
		return a.Name.Value, "", true
	}
	var b strings.Builder
	for _, p := range a.Value.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "\\~") {
				return "", "", false
			}
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", "", false
			}
			for _, q := range p.Parts {
				l, isLit := q.(*syntax.Lit)
				if !isLit || strings.ContainsRune(l.Value, '\\') {
					return "", "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", "", false
		}
	}
	return a.Name.Value, b.String(), true
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
