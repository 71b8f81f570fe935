package sandbox

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Reserved names. The sandbox's own variables and commands start with
// internalPrefix; a recipe writing one could defeat a bound (resetting the
// function depth counter __kiln_d made recursion unbounded). No recipe
// uses the prefix, so it is refused:
//
//   - in the text of the recipe, of eval'd strings and of sourced files
//     (checkReserved, before parsing);
//   - in the arguments of every command the recipe runs, where a computed
//     name could reach read, printf -v, unset, mapfile… (call.go);
//   - in declarations whose names are computed (declare "$n=0", local,
//     export, readonly, typeset) and in namerefs (declare -n), which bypass
//     the call handler: they are refused where they run (rewriter);
//   - in ${!name:=value}, which assigns through an indirection.

// checkReserved returns an ErrRefused error when src mentions the
// sandbox's prefix. what describes the text.
func checkReserved(src, what string) error {
	i := strings.Index(src, internalPrefix)
	if i < 0 {
		return nil
	}
	line := 1 + strings.Count(src[:i], "\n")
	col := i + 1 - (strings.LastIndexByte(src[:i], '\n') + 1)
	return fmt.Errorf("%w: %s uses a name starting with %s at %d:%d (reserved for the sandbox)", ErrRefused, what, internalPrefix, line, col)
}

// refusedStmt replaces a statement's command by one that refuses it when
// it runs, naming reason and the position.
func refusedCmd(reason string, pos syntax.Pos) syntax.Command {
	return &syntax.CallExpr{Args: []*syntax.Word{litWord(cmdRefuse), {Parts: []syntax.WordPart{
		&syntax.SglQuoted{Value: fmt.Sprintf("%s at %s", reason, pos)},
	}}}}
}

// dynamicDecl reports a declaration the call handler cannot check: one
// whose name is computed, or a nameref.
func dynamicDecl(d *syntax.DeclClause) (string, bool) {
	if d.Variant.Value == "nameref" {
		return "nameref", true
	}
	for _, a := range d.Args {
		if flag, ok := declFlag(a); ok {
			if strings.HasPrefix(flag, "-") && strings.ContainsRune(flag, 'n') {
				return d.Variant.Value + " -n (nameref)", true
			}
			continue
		}
		if a.Naked && a.Value != nil && expands(a.Value) {
			return d.Variant.Value + " with a computed name", true
		}
	}
	return "", false
}
