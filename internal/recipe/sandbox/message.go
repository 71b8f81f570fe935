package sandbox

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error messages. They go into logs, `ports list` and the daemon's pages,
// so they are cut to a short excerpt (a recipe of 300,000 `(` once gave an
// error of 300 KB) and never name the sandbox's internal commands and
// variables, which mean nothing to a recipe's author.

// maxMessage bounds the length of an evaluation error's message.
const maxMessage = 512

var internalName = regexp.MustCompile(regexp.QuoteMeta(internalPrefix) + `[A-Za-z0-9_]+`)

// internalMeaning describes each internal name for a message.
var internalMeaning = map[string]string{
	cmdGuard:    "the expansion check",
	cmdTick:     "the loop check",
	cmdDepth:    "the function check",
	depthVar:    "the function depth",
	cmdPipe:     "the pipeline check",
	cmdBg:       "a background command",
	cmdDDIP:     "defineDebugInfoPackage",
	cmdRevision: "updateRevisionVariables",
}

// describeInternal names a command for messages: itself, or what an
// internal one stands for.
func describeInternal(name string) string {
	if !strings.HasPrefix(name, internalPrefix) {
		return name
	}
	if m, ok := internalMeaning[name]; ok {
		return m
	}
	return "a sandbox check"
}

// tidyError returns err with its message cut to maxMessage bytes and
// internal names replaced; errors.Is and errors.As see the original.
func tidyError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	tidy := msg
	if strings.Contains(tidy, internalPrefix) {
		tidy = internalName.ReplaceAllStringFunc(tidy, describeInternal)
	}
	if len(tidy) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(tidy[cut]) {
			cut--
		}
		tidy = tidy[:cut] + "… (" + strconv.Itoa(len(msg)) + " bytes cut)"
	}
	if tidy == msg {
		return err
	}
	return &tidiedError{msg: tidy, err: err}
}

type tidiedError struct {
	msg string
	err error
}

func (e *tidiedError) Error() string { return e.msg }
func (e *tidiedError) Unwrap() error { return e.err }
