package sandbox

import "mvdan.cc/sh/v3/syntax"

// inertAnalysis is one run of analyzeInert.
type inertAnalysis struct {
	funcs map[string]bool // the top-level functions (reach.funcs)
	info  *inertInfo
	// flows maps a variable to the names whose values are copied into it
	flows  map[string][]string
	opaque string        // why the script is opaque, once it is
	stack  []syntax.Node // the ancestors of the node visited

	assigned  map[string]bool           // names the code that can run assigns
	ddipCalls map[*syntax.CallExpr]bool // inert calls of defineDebugInfoPackage
	ddipTail  map[*syntax.ParamExp]bool // their expansions that make a base name
}

func (a *inertAnalysis) walk(n syntax.Node) {
	a.stack = a.stack[:0]
	syntax.Walk(n, a.visit)
}

func (a *inertAnalysis) visit(n syntax.Node) bool {
	if a.opaque != "" {
		return false
	}
	if n == nil {
		a.stack = a.stack[:len(a.stack)-1]
		return true
	}
	switch x := n.(type) {
	case *syntax.FuncDecl:
		if x.Name != nil && x.Name.Value == cmdDdip {
			a.opaque = "defineDebugInfoPackage redefined at " + x.Pos().String()
		}
	case *syntax.CallExpr:
		a.call(x)
	case *syntax.DeclClause:
		a.opaque = "declaration at " + x.Pos().String()
	case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop:
		a.opaque = "arithmetic at " + n.Pos().String()
	case *syntax.CoprocClause:
		a.opaque = "coprocess at " + x.Pos().String()
	case *syntax.UnaryTest:
		if x.Op == syntax.TsVarSet || x.Op == syntax.TsRefVar {
			a.opaque = "test of a variable by name at " + x.Pos().String()
		}
	case *syntax.Assign:
		a.assign(x)
	case *syntax.ParamExp:
		a.param(x)
	}
	if a.opaque != "" {
		return false
	}
	a.stack = append(a.stack, n)
	return true
}

// call notes a command: opaque ones end the analysis (the functions it
// calls are in reach.roots).
func (a *inertAnalysis) call(c *syntax.CallExpr) {
	if len(c.Args) == 0 {
		return // assignments only
	}
	name := c.Args[0].Lit()
	switch {
	case name == "":
		a.opaque = "command name computed at " + c.Pos().String()
		return
	case opaqueCommands[name]:
		a.opaque = name + " at " + c.Pos().String()
		return
	case name == cmdDdip && !a.funcs[name]:
		a.ddip(c)
		return
	case name == "[" || name == "test":
		for _, w := range c.Args[1:] {
			if l := w.Lit(); l == "-v" || l == "-R" {
				a.opaque = "test of a variable by name at " + c.Pos().String()
				return
			}
		}
	}
}

// assign notes the assigned name; an index other than a number is
// arithmetic on names.
func (a *inertAnalysis) assign(as *syntax.Assign) {
	if as.Name == nil {
		return
	}
	a.info.mentioned[as.Name.Value] = true
	a.assigned[as.Name.Value] = true
	if as.Index != nil && !digitsIndex(as.Index) {
		a.opaque = "array index computed at " + as.Pos().String()
	}
}

// param notes an expansion: inert when it copies a plain value into a
// variable, a use that looks at the value otherwise.
func (a *inertAnalysis) param(pe *syntax.ParamExp) {
	if pe.Excl {
		a.opaque = "indirect expansion at " + pe.Pos().String()
		return
	}
	if pe.Exp != nil && pe.Exp.Op == syntax.OtherParamOps {
		a.opaque = "${…@…} at " + pe.Pos().String()
		return
	}
	if pe.Index != nil && !digitsIndex(pe.Index) {
		if w, ok := pe.Index.(*syntax.Word); !ok || (w.Lit() != "@" && w.Lit() != "*") {
			a.opaque = "array index computed at " + pe.Pos().String()
			return
		}
	}
	if pe.Slice != nil {
		a.opaque = "substring expansion at " + pe.Pos().String()
		return
	}
	if pe.Param == nil || !syntax.ValidName(pe.Param.Value) {
		return // $1, $@, $?, …
	}
	name := pe.Param.Value
	a.info.mentioned[name] = true
	plain := !pe.Length && !pe.Width && pe.Index == nil && pe.Repl == nil && pe.Names == 0 && pe.Exp == nil
	if to, ok := a.copiedInto(); plain && ok {
		a.flows[to] = append(a.flows[to], name)
		return
	}
	if plain && !a.ddipTail[pe] && a.inDdipArg() {
		a.info.plain[name] = true
		for _, out := range ddipSets {
			a.flows[out] = append(a.flows[out], name)
		}
		return
	}
	a.info.unsafe[name] = true
}

// copiedInto returns the variable the expansion being visited is copied
// into: its ancestors are only words and double quotes up to the value of
// an assignment of a statement that only assigns, to an ordinary
// variable (element).
func (a *inertAnalysis) copiedInto() (string, bool) {
	i := a.wordOwner()
	if i < 1 {
		return "", false
	}
	as, ok := a.stack[i].(*syntax.Assign)
	if !ok || as.Array != nil || as.Naked || as.Name == nil || as.Value == nil || as.Value != a.stack[i+1] {
		return "", false
	}
	c, ok := a.stack[i-1].(*syntax.CallExpr)
	if !ok || len(c.Args) != 0 || isSink(as.Name.Value) {
		return "", false
	}
	return as.Name.Value, true
}

// digitsIndex reports whether an index is a literal number.
func digitsIndex(e syntax.ArithmExpr) bool {
	w, ok := e.(*syntax.Word)
	if !ok {
		return false
	}
	return isDigits(w.Lit())
}

// wordOwner returns the index in the stack of the node owning the word
// the visited expansion is in (its nearest ancestor that is neither a
// word nor double quotes), or -1 when there is no such word.
func (a *inertAnalysis) wordOwner() int {
	i := len(a.stack) - 1
	for i >= 0 {
		switch a.stack[i].(type) {
		case *syntax.Word, *syntax.DblQuoted:
			i--
			continue
		}
		break
	}
	if i == len(a.stack)-1 {
		return -1 // directly below a node that is no word
	}
	return i
}
