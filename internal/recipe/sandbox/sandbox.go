// Package sandbox evaluates the bash of a HaikuPorts recipe in-process, the
// way HaikuPorter's recipe parser sources it, without ever running bash or
// any other program.
//
// The recipe runs in mvdan.cc/sh's interpreter with the variables the caller
// sets (HaikuPorter's shellVariables), `set -e`, the helper functions
// HaikuPorter's wrapper defines (defineDebugInfoPackage, getPackagePrefix,
// updateRevisionVariables, …) and the REVISION="x" line rewriting HaikuPorter
// applies. Eval returns every shell variable and function that exists after
// sourcing; picking the recipe attributes out of them is the caller's job.
//
// Sandbox contract: no external command ever executes (a small set of pure
// commands recipes use at top level — sed, cut, tr, head, grep, basename,
// dirname, expr, uname -m, python3 --version — is emulated in Go with pinned
// host values; anything else fails the recipe with ErrRefused); files are
// read only inside Options.Dir, never written (redirects to /dev/null are
// allowed); the evaluation is bounded in time, commands, function nesting,
// pipes, output and variable size; `$$`, RANDOM and friends are pinned.
package sandbox

import (
	"errors"
	"log/slog"
	"time"
)

// Errors returned by Eval, wrapped with details (use errors.Is).
var (
	// ErrSyntax: the recipe is not valid bash.
	ErrSyntax = errors.New("recipe syntax error")
	// ErrFailed: the recipe exited non-zero (set -e, exit, a failed source…).
	ErrFailed = errors.New("recipe evaluation failed")
	// ErrRefused: the recipe tried to run a command or touch a file the
	// sandbox does not allow.
	ErrRefused = errors.New("refused by sandbox")
	// ErrLimit: the recipe exceeded a time, size or count limit.
	ErrLimit = errors.New("sandbox limit exceeded")
	// ErrTimeLimit: the recipe ran out of time (it also wraps ErrLimit).
	// Callers should not cache such a result: the recipe may be fine on a
	// less loaded machine.
	ErrTimeLimit = errors.New("time limit")
)

// Defaults for zero Options fields.
const (
	DefaultTimeout    = 2 * time.Second
	DefaultMaxOutput  = 16 << 20  // bytes written by echo/printf/emulated commands
	DefaultMaxVarSize = 256 << 10 // bytes of one variable value, argument list or statement's expansions
	DefaultMaxVars    = 64 << 20  // bytes of all variables, and of all expansions together
	DefaultMaxSource  = 4 << 20   // bytes of the recipe and each eval'd/sourced text
	DefaultMaxCalls   = 20_000    // commands and loop iterations (the corpus needs < 600)
	DefaultMaxDepth   = 100       // nested function calls
	DefaultMaxPipes   = 500       // pipelines run
)

// Var is one shell variable set before the recipe is sourced.
type Var struct {
	Name, Value string
}

// Options configure one evaluation. The zero value of every limit means its
// default.
type Options struct {
	// Vars are the variables HaikuPorter sets before sourcing the recipe
	// (portName, portVersion, prefix, …), in order; later ones win. Values
	// containing the literal text "$REVISION" are re-evaluated by
	// updateRevisionVariables, as HaikuPorter's revisionVariables are,
	// unless Vars already sets revisionVariables itself.
	Vars []Var
	// Dir is the port directory (an absolute host path): the only place the
	// recipe may read files from (source, [ -e … ], globs). It is also the
	// shell's working directory, so $PWD and $(pwd) are Dir. Empty means no
	// file access at all (working directory "/").
	Dir string
	// Arch is what `uname -m` prints (default: x86_64).
	Arch string
	// PythonVersion is what `python3 --version` reports (default 3.10.19,
	// pinned so evaluation never depends on the host).
	PythonVersion string
	// UpperOnly keeps only the variables whose names start with A–Z in
	// Result.Vars and Result.Arrays (HaikuPorter reads no other key), which
	// saves collecting the hundred or so others.
	UpperOnly bool
	// Variants is read by Prepare only: the script will be evaluated for
	// several target variants (a primary and a secondary architecture)
	// through EvalTraced and EvalReusing, which then run it once for all
	// variants when it only copies the variables that differ (inert.go).
	// It costs one more walk of the syntax tree.
	Variants bool

	Timeout    time.Duration
	MaxOutput  int64
	MaxVarSize int
	MaxVars    int64
	MaxSource  int
	MaxCalls   int64
	MaxDepth   int
	MaxPipes   int64

	// Logger receives debug records (refusals, failures); nil discards.
	Logger *slog.Logger

	// noShortcuts disables the evaluation shortcuts that are equivalent to
	// the general path (revision.go), for the tests proving that.
	noShortcuts bool
}

// Result is the shell state after the recipe was sourced.
type Result struct {
	// Vars holds every set variable as `${!name}` expands it: a string's
	// value, an indexed array's element 0, an associative array's key "0".
	// This is what HaikuPorter prints for a key. It includes the input
	// variables and the shell's own (PWD, IFS, …), unless
	// Options.UpperOnly leaves them out.
	Vars map[string]string
	// Arrays holds the elements of every indexed array variable (in index
	// order), for callers that need more than element 0.
	Arrays map[string][]string
	// Funcs lists the names of all defined functions, sorted, including
	// the wrapper's helpers. HaikuPorter's <PHASE>_DEFINED is whether the
	// phase name (BUILD, INSTALL, PATCH, TEST) is among them.
	Funcs []string
	// Stderr is what the recipe wrote to standard error (bounded), useful
	// in error messages. Standard output is discarded, as HaikuPorter does.
	Stderr string
	// Calls is how many commands and loop iterations ran (see MaxCalls).
	Calls int64
}

// HasFunc reports whether a function of that name was defined.
func (r *Result) HasFunc(name string) bool {
	lo, hi := 0, len(r.Funcs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r.Funcs[m] == name:
			return true
		case r.Funcs[m] < name:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

func (o *Options) withDefaults() Options {
	c := *o
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.MaxVarSize <= 0 {
		c.MaxVarSize = DefaultMaxVarSize
	}
	if c.MaxVars <= 0 {
		c.MaxVars = DefaultMaxVars
	}
	if c.MaxSource <= 0 {
		c.MaxSource = DefaultMaxSource
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = DefaultMaxCalls
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxPipes <= 0 {
		c.MaxPipes = DefaultMaxPipes
	}
	if c.Arch == "" {
		c.Arch = "x86_64"
	}
	if c.PythonVersion == "" {
		c.PythonVersion = "3.10.19"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
