package recipe

import (
	"errors"
	"fmt"
)

// Errors of this package. A recipe that HaikuPorter would reject (its
// evaluation fails, or validation fails) yields an error wrapping ErrBroken;
// the port is then broken on every target.
var (
	ErrBroken      = errors.New("broken recipe")
	ErrRecipeName  = errors.New("recipe file name is not <port>-<version>.recipe")
	ErrBadTarget   = errors.New("bad target")
	ErrNoEvaluator = errors.New("no shell evaluator")
	ErrTooLarge    = errors.New("recipe too large")
)

func brokenf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBroken, fmt.Sprintf(format, args...))
}
