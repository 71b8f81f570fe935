package sandbox

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"mvdan.cc/sh/v3/syntax"
)

// Reusing an evaluation for other variables. HaikuPorter evaluates every
// recipe for the primary architecture and again for each secondary one,
// with variables that differ (portName gets _x86, the directories /x86,
// secondaryArchSuffix is _x86, …) and the same text. An evaluation that
// never looked at any of the variables that differ computes the same with
// the other values, except for those variables themselves, which it left
// as they were.
//
// The interpreter sees the variables an evaluation starts with only
// through layeredEnviron: Get for one variable, Each for all of them. A
// traced evaluation records every name Get is asked for (by the recipe,
// the interpreter or the sandbox's helpers alike; assigning, unsetting or
// declaring a variable reads its old value first, so writes count too) and
// whether anything enumerated the variables (set, declare -p, ${!prefix*},
// the copy of the environment every pipeline makes). Two enumerations are
// not the recipe's: the runner's copy of all variables into Runner.Vars at
// the end of Run (exactly one; it is what Result is built from), and
// checkVars, the one bound that measures variables nobody read: it records
// the largest total it saw instead, so that a reuse can check the bound
// with the other values.
//
// Reuse requires the same Script, the same options but for Vars and
// Logger, the same revision shortcut (revision.go), no enumeration, none
// of the differing variables read, and the bounds checkVars enforces to
// hold with the other values. Anything else runs the recipe.

// tracker records what one evaluation reads of its initial variables. It
// is shared by the goroutines of pipelines.
type tracker struct {
	internal atomic.Int32 // >0 while checkVars enumerates the variables

	mu          sync.Mutex
	read        map[string]struct{}
	eaches      int   // enumerations, but checkVars'
	checkedVars bool  // checkVars ran
	maxTotal    int64 // the largest total checkVars counted
	maxVar      int64 // the largest variable checkVars saw
	maxStmt     int64 // the largest bound a guard computed
}

func (t *tracker) get(name string) {
	t.mu.Lock()
	if _, ok := t.read[name]; !ok {
		t.read[name] = struct{}{}
	}
	t.mu.Unlock()
}

func (t *tracker) each() {
	// Pipelines are the only concurrency, and each copies the environment
	// (an enumeration counted here) before its goroutine starts: while
	// another goroutine is inside checkVars, reuse is already excluded.
	if t.internal.Load() > 0 {
		return
	}
	t.mu.Lock()
	t.eaches++
	t.mu.Unlock()
}

func (t *tracker) checked(total, largest int64) {
	t.mu.Lock()
	t.checkedVars = true
	t.maxTotal = max(t.maxTotal, total)
	t.maxVar = max(t.maxVar, largest)
	t.mu.Unlock()
}

// guarded records the bound of one statement a guard checked.
func (t *tracker) guarded(bound int64) {
	t.mu.Lock()
	t.maxStmt = max(t.maxStmt, bound)
	t.mu.Unlock()
}

// A Trace is a successful evaluation of a Script with what it read of its
// variables, for Script.EvalTraced. It is immutable.
type Trace struct {
	script      *Script
	opts        Options // complete and checked
	rev         revisionUse
	env         map[string]string // the initial variables over fixedEnv
	read        map[string]struct{}
	enumerated  bool
	checkedVars bool
	maxTotal    int64
	res         *Result

	// the bounds a marked evaluation's reuse scales (symbolic.go)
	maxVar, maxStmt, expanded int64
	// marks, when set, are the markers res holds (res is the marked
	// result, env the real values)
	marks *marks
}

// revisionUse is how an evaluation uses the revision shortcut.
type revisionUse struct {
	revision string
	skip     *syntax.Stmt
	preset   bool
}

func newTrace(s *Script, o *Options, rev revisionUse, vars map[string]string, t *tracker, res *Result) *Trace {
	t.mu.Lock()
	defer t.mu.Unlock()
	return &Trace{
		script: s, opts: *o, rev: rev, env: vars, read: t.read,
		enumerated:  t.eaches != 1, // Run's own copy is the one allowed
		checkedVars: t.checkedVars, maxTotal: t.maxTotal, res: res,
		maxVar: t.maxVar, maxStmt: t.maxStmt,
	}
}

// EvalTraced is Eval that also returns the Trace of a successful
// evaluation (nil after an error). When prev is the Trace of an earlier
// evaluation of the same Script whose options differ from opts only in
// variables that evaluation never read, the result is derived from prev's
// without running the recipe again; it is always what Eval returns.
func (s *Script) EvalTraced(ctx context.Context, opts Options, prev *Trace) (*Result, *Trace, error) {
	if s == nil {
		return nil, nil, fmt.Errorf("sandbox: Eval of a nil Script")
	}
	o := opts.withDefaults()
	if err := o.check(s.name); err != nil {
		return nil, nil, err
	}
	b := s.start(&o)
	if res, ok := s.reuse(ctx, &o, b, prev); ok {
		return res, prev, nil
	}
	return s.runTraced(ctx, &o, b)
}

// EvalReusing is Eval, with the result derived from prev's instead when
// EvalTraced would reuse prev; it does not trace.
func (s *Script) EvalReusing(ctx context.Context, opts Options, prev *Trace) (*Result, error) {
	if s == nil {
		return nil, fmt.Errorf("sandbox: Eval of a nil Script")
	}
	o := opts.withDefaults()
	if err := o.check(s.name); err != nil {
		return nil, err
	}
	b := s.start(&o)
	defer releaseVars(b.vars) // no Trace keeps it
	if res, ok := s.reuse(ctx, &o, b, prev); ok {
		return res, nil
	}
	res, _, err := s.run(ctx, &o, b, false, nil)
	return res, err
}

// reuse derives the result of evaluating s with o from b from prev, when
// that is certain to be what running it gives.
func (s *Script) reuse(ctx context.Context, o *Options, b start, prev *Trace) (*Result, bool) {
	if prev == nil || prev.script != s || ctx.Err() != nil || !sameLimits(&prev.opts, o) || b.rev != prev.rev {
		return nil, false
	}
	if prev.marks != nil {
		return s.reuseMarked(o, b, prev)
	}
	if prev.enumerated {
		return nil, false
	}
	changed := changedVars(b.vars, prev.env)
	delta := int64(0)
	now := layeredEnviron{vars: b.vars}
	before := layeredEnviron{vars: prev.env}
	for _, name := range changed {
		if _, ok := prev.read[name]; ok {
			return nil, false
		}
		n := int64(len(now.Get(name).Str))
		if prev.checkedVars && n > int64(o.MaxVarSize) {
			return nil, false
		}
		delta += n - int64(len(before.Get(name).Str))
	}
	if prev.checkedVars && prev.maxTotal+delta > o.MaxVars {
		return nil, false
	}
	res := &Result{
		Vars:   maps.Clone(prev.res.Vars),
		Arrays: make(map[string][]string, len(prev.res.Arrays)),
		Funcs:  slices.Clone(prev.res.Funcs),
		Stderr: prev.res.Stderr,
		Calls:  prev.res.Calls,
	}
	for name, list := range prev.res.Arrays {
		res.Arrays[name] = slices.Clone(list)
	}
	setUnread(res, o, now, changed)
	return res, true
}

// changedVars returns the names whose initial values differ between a
// and b (or that only one of them sets).
func changedVars(a, b map[string]string) []string {
	var changed []string
	for name, v := range a {
		if pv, ok := b[name]; !ok || pv != v {
			changed = append(changed, name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			changed = append(changed, name)
		}
	}
	return changed
}

// setUnread gives the variables names, which the evaluation never read
// and so never wrote, the values they start with in now: those they end
// with.
func setUnread(res *Result, o *Options, now layeredEnviron, names []string) {
	for _, name := range names {
		if o.UpperOnly && !upperName(name) {
			continue
		}
		if v := now.Get(name); v.IsSet() {
			res.Vars[name] = v.Str
		} else {
			delete(res.Vars, name)
		}
	}
}

// sameLimits reports whether a and b agree on everything but Vars and
// Logger.
func sameLimits(a, b *Options) bool {
	return a.Dir == b.Dir && a.Arch == b.Arch && a.PythonVersion == b.PythonVersion &&
		a.Timeout == b.Timeout && a.MaxOutput == b.MaxOutput && a.MaxVarSize == b.MaxVarSize &&
		a.MaxVars == b.MaxVars && a.MaxSource == b.MaxSource && a.MaxCalls == b.MaxCalls &&
		a.MaxDepth == b.MaxDepth && a.MaxPipes == b.MaxPipes && a.UpperOnly == b.UpperOnly &&
		a.noShortcuts == b.noShortcuts
}
