package recipe

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
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

// maxMessage bounds a broken recipe's message: values it quotes can be
// 256 KB (the sandbox's variable bound), and the message ends up in
// Port.Error, ports list and logs.
const maxMessage = 512

func brokenf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "… (" + strconv.Itoa(len(msg)) + " bytes cut)"
	}
	return fmt.Errorf("%w: %s", ErrBroken, msg)
}
