package sandbox

import (
	"fmt"
	"runtime/debug"
)

// Panics. The interpreter runs the left side of a pipeline (and here
// strings) in goroutines of its own, which no recover in Eval covers: a
// panic there would end the whole process. Every handler the sandbox gives
// the interpreter (call, exec, open, stat, readdir, access) therefore
// defers recovered, which turns a panic into a violation: the recipe fails
// with ErrFailed ("sandbox internal error") and the evaluation's other
// goroutines stop at their next check.

// recovered must be deferred directly by a handler with a named error
// result.
func (st *state) recovered(err *error) {
	if p := recover(); p != nil {
		st.o.Logger.Error("sandbox internal error", "recipe", st.name, "panic", p, "stack", string(debug.Stack()))
		*err = st.violate(fmt.Errorf("%w: sandbox internal error: %v", ErrFailed, p))
	}
}
