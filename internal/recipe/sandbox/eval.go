package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Eval sources the recipe src (named name in messages) the way HaikuPorter's
// recipe parser does and returns the resulting shell state.
//
// The error wraps ErrSyntax, ErrFailed, ErrRefused or ErrLimit (or the
// context's error) and names the recipe, the position and the cause. Eval is
// safe for concurrent use; each call is independent.
func Eval(ctx context.Context, src []byte, name string, opts Options) (res *Result, err error) {
	o := opts.withDefaults()
	if len(src) > o.MaxSource {
		return nil, fmt.Errorf("%s: %w: recipe is %d bytes (limit %d)", name, ErrLimit, len(src), o.MaxSource)
	}
	if err := o.check(name); err != nil {
		return nil, err
	}
	s, err := prepare(src, name, &o)
	if err != nil {
		return nil, err
	}
	return s.eval(ctx, &o)
}

// check validates the options that do not depend on the recipe, making
// Dir absolute.
func (o *Options) check(name string) error {
	if o.Dir != "" && !filepath.IsAbs(o.Dir) {
		abs, err := filepath.Abs(o.Dir)
		if err != nil {
			return fmt.Errorf("%s: port directory: %w", name, err)
		}
		o.Dir = abs
	}
	for _, v := range o.Vars {
		if !syntax.ValidName(v.Name) || strings.HasPrefix(v.Name, internalPrefix) {
			return fmt.Errorf("%s: invalid variable name %q in Options.Vars", name, v.Name)
		}
	}
	return nil
}

// prepare checks, parses and rewrites the recipe (o: MaxSource, Logger).
func prepare(src []byte, name string, o *Options) (_ *Script, err error) {
	defer func() { err = tidyError(err) }()
	if len(src) > o.MaxSource {
		return nil, fmt.Errorf("%s: %w: recipe is %d bytes (limit %d)", name, ErrLimit, len(src), o.MaxSource)
	}
	if !utf8.Valid(src) {
		// HaikuPorter reads recipes as strict UTF-8 and fails on them.
		return nil, fmt.Errorf("%s: %w: not valid UTF-8", name, ErrSyntax)
	}
	if err := checkNesting(src, "recipe"); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if bytes.Contains(src, []byte(internalPrefix)) {
		if err := checkReserved(string(src), "recipe"); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	file, err := parse(revisionReader(src), "")
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%s: %w: %s", name, pe.Pos, ErrSyntax, pe.Text)
		}
		return nil, fmt.Errorf("%s: %w: %w", name, ErrSyntax, err)
	}
	rev := findRevisionPreset(file)
	r := reachOf(file)
	var inert *inertInfo
	if o.Variants {
		inert, _ = analyzeInert(r) // before the rewrite changes the tree
	}
	lean, leanGuards, err := newState(o, name).rewriteRecipe(file, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Script{name: name, stmts: file.Stmts, rev: rev, prefix: staticPrefix(file.Stmts), leanPrefix: staticPrefix(lean), inert: inert, lean: lean, leanGuards: leanGuards}, nil
}

// eval runs the prepared recipe with o (complete and checked).
func (s *Script) eval(ctx context.Context, o *Options) (*Result, error) {
	b := s.start(o)
	res, _, err := s.run(ctx, o, b, false, nil)
	releaseVars(b.vars) // no Trace keeps it
	return res, err
}

// start is how an evaluation starts: the revision shortcut it takes and
// its initial variables.
type start struct {
	rev  revisionUse
	vars map[string]string // over fixedEnv
	rv   revisionVars
}

// start returns how an evaluation with o (complete and checked) starts.
func (s *Script) start(o *Options) start {
	rv := revisionNames(o.Vars)
	rev := s.revisionUse(o, rv)
	return start{rev: rev, vars: initialVars(o, rv, rev), rv: rv}
}

// run runs the prepared recipe with o (complete and checked) from b; with
// trace, it also returns the Trace of a successful evaluation. With mk, the
// variables it marks start with their markers instead of their values
// (symbolic.go): the result is then the marked one.
func (s *Script) run(ctx context.Context, o *Options, b start, trace bool, mk *marks) (_ *Result, _ *Trace, err error) {
	defer func() { err = tidyError(err) }()
	name := s.name
	st := newState(o, name)
	rev := b.rev
	env := layeredEnviron{vars: b.vars}
	if mk != nil {
		env.vars = maps.Clone(b.vars)
		for n, m := range mk.byName {
			env.vars[n] = m
		}
	}
	if trace {
		env.tr = &tracker{read: map[string]struct{}{}}
		st.tr = env.tr
	}

	top, kinds := s.stmts, s.prefix
	if s.lean != nil && st.chargeLean(s.leanGuards, env, b) {
		top, kinds = s.lean, s.leanPrefix
	}
	done := 0 // statements of the static prefix done ahead (preset.go)
	if !o.noShortcuts {
		env.pre, done = st.preset(top[:len(kinds)], kinds, env, rev)
	}

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	r, err := interp.New(
		interp.Env(env),
		interp.Params("-e"),
		interp.StdIO(nil, &st.stdout, &st.stderr),
		interp.CallHandler(st.call),
		interp.ExecHandlers(st.execMiddleware),
		interp.OpenHandler(st.open),
		interp.StatHandler(st.stat),
		interp.ReadDirHandler2(st.readDir),
		interp.AccessHandler(st.access),
		// Set directly: interp.Dir and New's default both touch the host
		// (stat, getwd).
		func(r *interp.Runner) error { r.Dir = st.dir; return nil },
	)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	// The runner copies every variable into r.Vars at the end of Run (the
	// map result reads): a pooled map, emptied by Reset, avoids allocating
	// one of some 150 entries per evaluation.
	vm := runnerVars.Get().(*map[string]expand.Variable)
	defer func() {
		if len(*vm) <= maxPooledVars { // a map never shrinks: drop huge ones
			clear(*vm)
			runnerVars.Put(vm)
		}
	}()
	r.Vars = *vm
	r.Reset()

	stmts := make([]*syntax.Stmt, 0, len(prelude())+len(top))
	stmts = append(stmts, prelude()...)
	// HaikuPorter sources the recipe from bash -c: $0 is "bash".
	for i, x := range top {
		if i < done && kinds[i] != presetFunc {
			continue
		}
		if x != rev.skip {
			stmts = append(stmts, x)
		}
	}
	whole := &syntax.File{Name: "bash", Stmts: stmts}
	runErr := st.run(ctx, r, whole)
	defer st.close()
	if err := st.failure(ctx, runErr, r); err != nil {
		o.Logger.Debug("recipe evaluation failed", "recipe", name, "err", err)
		return nil, nil, err
	}
	res := st.result(r)
	if !trace {
		return res, nil, nil
	}
	tr := newTrace(s, o, rev, b.vars, env.tr, res)
	tr.expanded = st.expanded.Load()
	return res, tr, nil
}

// revisionUse returns how an evaluation with o uses the revision shortcut.
func (s *Script) revisionUse(o *Options, rv revisionVars) revisionUse {
	if o.noShortcuts {
		return revisionUse{}
	}
	revision, skip, ok := s.rev.usable(rv)
	return revisionUse{revision: revision, skip: skip, preset: ok}
}

// runnerVars pools the runners' variable maps (see eval); maps that held
// more than maxPooledVars variables are not kept.
const maxPooledVars = 1024

// runnerVars pools the runners' variable maps (see eval).
var runnerVars = sync.Pool{New: func() any {
	m := make(map[string]expand.Variable, 256)
	return &m
}}

var parsers = sync.Pool{New: func() any { return syntax.NewParser() }}

// parse parses with a pooled parser.
func parse(r io.Reader, name string) (*syntax.File, error) {
	p := parsers.Get().(*syntax.Parser)
	defer parsers.Put(p)
	return p.Parse(r, name)
}

// run runs the file, turning a panic of the interpreter into an error.
func (st *state) run(ctx context.Context, r *interp.Runner, f *syntax.File) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: interpreter panic: %v", ErrFailed, p)
		}
	}()
	return r.Run(ctx, f)
}

// failure decides whether the evaluation failed and builds the error.
func (st *state) failure(ctx context.Context, runErr error, r *interp.Runner) error {
	if err := st.firstViolation(); err != nil {
		return fmt.Errorf("%s: %w", st.name, err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w: %w %v", st.name, ErrLimit, ErrTimeLimit, st.o.Timeout)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", st.name, err)
	}
	if runErr != nil {
		if status, ok := interp.IsExitStatus(runErr); ok {
			return fmt.Errorf("%s: %w: exit status %d%s%s", st.name, ErrFailed, status, st.lastCommand(), st.stderrTail())
		}
		if errors.Is(runErr, ErrFailed) {
			return fmt.Errorf("%s: %w", st.name, runErr)
		}
		return fmt.Errorf("%s: %w: %w%s", st.name, ErrFailed, runErr, st.stderrTail())
	}
	if r.Exited() {
		// HaikuPorter's wrapper would print nothing after an exit.
		return fmt.Errorf("%s: %w: recipe called exit%s", st.name, ErrFailed, st.stderrTail())
	}
	return nil
}

// lastCommand describes the last recipe command run (the one set -e
// stopped at, for a failure).
func (st *state) lastCommand() string {
	name := st.lastName.Load()
	if name == nil {
		return ""
	}
	pos := st.lastPos.Load()
	return fmt.Sprintf(" (last command %q at %d:%d)", *name, pos>>32, pos&0xffffffff)
}

func (st *state) stderrTail() string {
	s := strings.TrimSpace(st.stderr.String())
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return ": " + s
}

// result collects the variables and functions after a successful run.
func (st *state) result(r *interp.Runner) *Result {
	size := len(r.Vars)
	if st.o.UpperOnly {
		size = 32
	}
	res := &Result{
		Vars:   make(map[string]string, size),
		Arrays: map[string][]string{},
		Funcs:  slices.Sorted(maps.Keys(r.Funcs)),
		Stderr: st.stderr.String(),
		Calls:  st.calls.Load(),
	}
	for name, v := range r.Vars {
		// mvdan leaves Set false on arrays created by an element
		// assignment (a[0]=x); bash considers them set.
		set := v.IsSet() || v.Kind == expand.Indexed && len(v.List) > 0 ||
			v.Kind == expand.Associative && len(v.Map) > 0
		if !set || isInternalVar(name) || st.o.UpperOnly && !upperName(name) {
			continue
		}
		switch v.Kind {
		case expand.String:
			res.Vars[name] = v.Str
		case expand.Indexed:
			res.Vars[name] = indexedElem0(v)
			res.Arrays[name] = slices.Clone(v.List)
		case expand.Associative:
			res.Vars[name] = v.Map["0"]
		case expand.NameRef:
			res.Vars[name] = r.Vars[v.Str].String()
		}
	}
	return res
}

// upperName reports whether a variable's name starts with A–Z.
func upperName(name string) bool { return name != "" && name[0] >= 'A' && name[0] <= 'Z' }

func indexedElem0(v expand.Variable) string {
	if v.Indexes == nil {
		if len(v.List) > 0 {
			return v.List[0]
		}
		return ""
	}
	if len(v.Indexes) > 0 && v.Indexes[0] == 0 && len(v.List) > 0 {
		return v.List[0]
	}
	return ""
}

// isInternalVar reports the sandbox's own variables, hidden from results.
func isInternalVar(name string) bool {
	return strings.HasPrefix(name, internalPrefix)
}

// internalPrefix starts the names of everything the sandbox adds to the
// shell (variables, commands); recipes never use it.
const internalPrefix = "__kiln_"

// Printed returns a variable's value as HaikuPorter's recipe parser reads
// it back from its wrapper's output: the wrapper prints newlines as the two
// characters \n and the parser turns every \n into a newline, including
// those the recipe wrote literally. ok is false when the variable is unset.
func (r *Result) Printed(name string) (value string, ok bool) {
	v, ok := r.Vars[name]
	if !ok {
		return "", false
	}
	return strings.ReplaceAll(v, `\n`, "\n"), true
}
