package sandbox

import (
	"context"
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// Script is a recipe checked, parsed and rewritten for the sandbox once, to
// be evaluated any number of times with different Options: HaikuPorter
// evaluates a recipe once per target (x86_gcc2 and its secondary x86), and
// parsing and rewriting cost about as much as running a typical recipe.
// Script.Eval gives exactly what Eval gives for the same source and
// options. A Script is immutable and safe for concurrent use (the
// interpreter only reads the syntax tree, as it does with the shared
// prelude).
type Script struct {
	name  string
	stmts []*syntax.Stmt // the rewritten recipe, without the prelude
	rev   revisionPreset
	// prefix and leanPrefix classify the statements of the static
	// prefixes of stmts and lean (preset.go)
	prefix, leanPrefix []presetKind
	inert              *inertInfo // with Options.Variants, when not opaque (inert.go)
	// lean is stmts without the guards leanGuards computes up front
	// (lean.go), or nil
	lean       []*syntax.Stmt
	leanGuards [][]string
}

// Prepare checks, parses and rewrites the recipe src (named name in
// messages) with the source limits of opts (MaxSource), failing as Eval
// would on the same source.
func Prepare(src []byte, name string, opts Options) (*Script, error) {
	o := opts.withDefaults()
	return prepare(src, name, &o)
}

// Eval evaluates the script as Eval evaluates its source; opts.MaxSource
// applies to what the recipe evals and sources.
func (s *Script) Eval(ctx context.Context, opts Options) (*Result, error) {
	if s == nil {
		return nil, fmt.Errorf("sandbox: Eval of a nil Script")
	}
	o := opts.withDefaults()
	if err := o.check(s.name); err != nil {
		return nil, err
	}
	return s.eval(ctx, &o)
}
