package sandbox

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Marked evaluations (see inert.go and marks.go). A traced evaluation of a
// script prepared with Options.Variants runs with a marker in place of
// every variable the script only copies; its result is the marked result
// with the values substituted, and its Trace keeps the marked result, so
// that an evaluation whose variables differ only in marked ones (and in
// ones the script never mentions) is derived from it without running the
// recipe again. The bounds the marked run checked are scaled by how much
// longer the values are than their markers; when they might not hold,
// or anything else is in doubt, the recipe runs with the values.

// markable returns the variables an evaluation from b can mark, sorted.
func (s *Script) markable(b start) []string {
	if s.inert == nil {
		return nil
	}
	var names []string
	for name := range b.vars {
		if !s.inert.inert(name) {
			continue
		}
		// updateRevisionVariables reads and rewrites these by name.
		if !b.rev.preset && (name == "revisionVariables" || slices.Contains(b.rv.names, name)) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// runTraced is a traced run from b, marked when the script allows it.
func (s *Script) runTraced(ctx context.Context, o *Options, b start) (*Result, *Trace, error) {
	names := s.markable(b)
	if len(names) == 0 {
		return s.run(ctx, o, b, true, nil)
	}
	mk := newMarks(names, b.vars)
	res, tr, err := s.run(ctx, o, b, true, mk)
	if err != nil {
		// A failure that is not about sizes or values is the same with
		// the values: the run never looked at them.
		if ctx.Err() != nil || errors.Is(err, ErrTimeLimit) ||
			!errors.Is(err, ErrLimit) && !strings.Contains(err.Error(), markNonce[1:]) {
			return nil, nil, err
		}
		return s.run(ctx, o, b, true, nil)
	}
	vals := func(name string) string { return b.vars[name] }
	if !tr.scaledFits(o, mk.ratio(vals), 0) || !s.plainValues(mk, vals) {
		return s.run(ctx, o, b, true, nil)
	}
	out := mk.substResult(res, vals)
	if out == nil {
		return s.run(ctx, o, b, true, nil)
	}
	tr.marks = mk
	return out, tr, nil
}

// scaledFits reports whether the bounds the traced run checked hold when
// every value it expanded is up to r times longer, and the variables that
// are not marked total delta bytes more.
func (t *Trace) scaledFits(o *Options, r float64, delta int64) bool {
	scaled := func(n int64) float64 { return float64(n) * r }
	if scaled(t.maxStmt) > float64(o.MaxVarSize) || scaled(t.expanded) > float64(o.MaxVars) {
		return false
	}
	return !t.checkedVars || scaled(t.maxVar) <= float64(o.MaxVarSize) &&
		scaled(t.maxTotal)+float64(delta) <= float64(o.MaxVars)
}

// reuseMarked derives the result of an evaluation from b from the marked
// trace prev (same script, limits and revision shortcut, checked by the
// caller).
func (s *Script) reuseMarked(o *Options, b start, prev *Trace) (*Result, bool) {
	mk := prev.marks
	for name := range mk.byName {
		if _, ok := b.vars[name]; !ok {
			return nil, false // unset now: the result may hold it
		}
	}
	now := layeredEnviron{vars: b.vars}
	before := layeredEnviron{vars: prev.env}
	var unmarked []string
	delta := int64(0)
	for _, name := range changedVars(b.vars, prev.env) {
		if _, ok := mk.byName[name]; ok {
			continue
		}
		if _, read := prev.read[name]; read || s.inert.mentioned[name] {
			return nil, false
		}
		n := int64(len(now.Get(name).Str))
		if prev.checkedVars && n > int64(o.MaxVarSize) {
			return nil, false
		}
		delta += n - int64(len(before.Get(name).Str))
		unmarked = append(unmarked, name)
	}
	vals := func(name string) string { return b.vars[name] }
	if !prev.scaledFits(o, mk.ratio(vals), delta) || !s.plainValues(mk, vals) {
		return nil, false
	}
	res := mk.substResult(prev.res, vals)
	if res == nil {
		return nil, false
	}
	setUnread(res, o, now, unmarked)
	return res, true
}

// plainValues reports whether the marked variables that must be plain
// (inertInfo.plain) are with vals.
func (s *Script) plainValues(mk *marks, vals func(string) string) bool {
	for name := range s.inert.plain {
		if _, marked := mk.byName[name]; marked && !plainValue(vals(name)) {
			return false
		}
	}
	return true
}
