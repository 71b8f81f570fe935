package daemon

import (
	"errors"
	"fmt"
)

// ErrNothingToDo is returned by Target.Plan callers' helpers when a plan
// orders nothing; see Plan.
var ErrNothingToDo = errors.New("daemon: nothing to build")

// InputError is an error in what the caller asked for or configured (a
// bad mode, an unknown port, a config value): the caller's fault, not a
// failure of kiln. Usage says it is about how a run was requested (a
// command line shows its usage line), not about the config.
type InputError struct {
	Usage bool
	Err   error
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &InputError{Usage: true, Err: fmt.Errorf(format, args...)}
}

func inputErr(err error) error { return &InputError{Err: err} }
