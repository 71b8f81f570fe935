package sandbox

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"mvdan.cc/sh/v3/expand"
)

// state is everything one evaluation shares between the interpreter's
// handlers, which may run concurrently (pipelines run in goroutines).
type state struct {
	o    *Options
	name string
	dir  string // working directory seen by the recipe

	calls atomic.Int64 // simple commands and loop iterations run
	pipes atomic.Int64 // pipelines run
	// files open (see maxOpenFiles)
	openFiles atomic.Int32
	out       atomic.Int64 // bytes written by echo/printf and emulated commands
	// bytes expansion guards allowed (see guard.go)
	expanded atomic.Int64
	// the last recipe command run, for error messages
	lastName atomic.Pointer[string]
	lastPos  atomic.Uint64 // line<<32 | column
	// tr, when set, records what the evaluation reads of its variables
	tr *tracker

	stdout limitedBuffer // discarded, only counted
	stderr limitedBuffer // kept (bounded) for error messages

	mu         sync.Mutex
	violations []error // refusals and limits, in order
	root       *os.Root
	rootErr    error
	rootOnce   sync.Once
}

func newState(o *Options, name string) *state {
	st := &state{o: o, name: name, dir: o.Dir}
	if st.dir == "" {
		st.dir = "/"
	}
	st.stdout.discard = true
	st.stdout.limit = o.MaxOutput
	st.stderr.limit = 64 << 10
	return st
}

func (st *state) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.root != nil {
		st.root.Close()
	}
}

// violate records a refusal or limit; the evaluation fails at the end even
// when the shell carries on (a refused command inside a for word list or a
// pipeline does not stop bash's set -e). It returns err for convenience.
func (st *state) violate(err error) error {
	st.mu.Lock()
	if len(st.violations) < 16 {
		st.violations = append(st.violations, err)
	}
	st.mu.Unlock()
	st.o.Logger.Debug("sandbox violation", "recipe", st.name, "err", err)
	return err
}

func (st *state) refuse(format string, args ...any) error {
	return st.violate(fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...)))
}

func (st *state) limit(format string, args ...any) error {
	return st.violate(fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, args...)))
}

func (st *state) firstViolation() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.violations) == 0 {
		return nil
	}
	return st.violations[0]
}

// produce charges n bytes about to be produced (expansions, file reads,
// printf, emulated commands' output) against the evaluation's budget,
// MaxVars. Callers charge before they allocate.
func (st *state) produce(n int64) error {
	if st.expanded.Add(n) > st.o.MaxVars {
		return st.limit("the recipe produced more than %d bytes (expansions, output, files read)", st.o.MaxVars)
	}
	return nil
}

// countOutput accounts n bytes of output against MaxOutput.
func (st *state) countOutput(n int) error {
	if st.out.Add(int64(n)) > st.o.MaxOutput {
		return st.limit("more than %d bytes of output", st.o.MaxOutput)
	}
	return nil
}

// Pinned values of the shell's non-deterministic parameters; the rewriter
// renames $$, $RANDOM, … to these variables.
var pinnedParams = map[string]string{
	"$":       internalPrefix + "pid",
	"BASHPID": internalPrefix + "pid",
	"PPID":    internalPrefix + "ppid",
	"RANDOM":  internalPrefix + "random",
	"SRANDOM": internalPrefix + "random",
}

// sandboxPath is the PATH recipes start with: nowhere.
const sandboxPath = "/nonexistent/kiln-sandbox/bin"

// fixedEnv holds what every evaluation starts with besides the caller's
// variables: what HaikuPorter's bash inherits (Utils.filteredEnvironment),
// with PATH pointing nowhere so that no lookup touches the host, and pinned
// replacements for host values. Shared, never modified.
var fixedEnv = func() map[string]expand.Variable {
	m := map[string]expand.Variable{}
	set := func(name, value string, exported bool) {
		m[name] = expand.Variable{Set: true, Kind: expand.String, Str: value, Exported: exported}
	}
	ro := func(name, value string) {
		m[name] = expand.Variable{Set: true, Kind: expand.String, Str: value, ReadOnly: true}
	}
	set("LC_ALL", "POSIX", true)
	set("TERM", "xterm", true)
	set("PATH", sandboxPath, true)
	set("recipePhases", "PATCH BUILD TEST INSTALL", true)
	set("HOME", "/nonexistent/kiln-sandbox/home", false)
	set("TMPDIR", "/nonexistent/kiln-sandbox/tmp", false)
	set("BASH_VERSION", "5.2.21(1)-release", false)
	set("HOSTNAME", "haikuporter", false)
	set("OSTYPE", "linux-gnu", false)
	ro("UID", "1000")
	ro("EUID", "1000")
	ro("GID", "1000")
	ro(internalPrefix+"pid", "4242")
	ro(internalPrefix+"ppid", "4241")
	ro(internalPrefix+"random", "17")
	return m
}()

// fixedEnvList is fixedEnv sorted by name (Each ranges over a slice,
// faster than over the map).
var fixedEnvList = func() []fixedVar {
	var l []fixedVar
	for _, name := range slices.Sorted(maps.Keys(fixedEnv)) {
		l = append(l, fixedVar{name, fixedEnv[name]})
	}
	return l
}()

type fixedVar struct {
	name string
	vr   expand.Variable
}

// initialVars returns the variables an evaluation starts with over
// fixedEnv: the architecture, the caller's variables and
// revisionVariables (rv: revisionNames of them), or the revision
// variables already updated when rev says so (revision.go).
func initialVars(o *Options, rv revisionVars, rev revisionUse) map[string]string {
	vars := *varMaps.Get().(*map[string]string)
	vars["MACHTYPE"] = o.Arch + "-pc-linux-gnu"
	vars["HOSTTYPE"] = o.Arch
	for _, v := range o.Vars {
		vars[v.Name] = v.Value
	}
	if !rv.callerList && len(rv.names) > 0 {
		if rev.preset {
			// updateRevisionVariables done ahead (revision.go).
			for _, name := range rv.names {
				vars[name] = substituteRevision(vars[name], rev.revision)
			}
		} else {
			vars["revisionVariables"] = strings.Join(rv.names, " ")
		}
	}
	return vars
}

// varMaps pools the maps of initial variables: an evaluation that keeps no
// Trace returns its map (releaseVars) once it is done.
var varMaps = sync.Pool{New: func() any {
	m := make(map[string]string, 128)
	return &m
}}

// releaseVars returns a map of initial variables nothing refers to any
// more to varMaps (unless it grew huge: a map never shrinks).
func releaseVars(m map[string]string) {
	if len(m) <= maxPooledVars {
		clear(m)
		varMaps.Put(&m)
	}
}

// revisionVars is what revisionNames found in the caller's variables.
type revisionVars struct {
	names      []string // the variables whose value holds $REVISION, in order
	callerList bool     // the caller sets revisionVariables itself
}

// revisionNames returns the names env puts in revisionVariables, and
// whether the caller sets revisionVariables itself.
func revisionNames(vars []Var) revisionVars {
	n := 0
	for _, v := range vars {
		if v.Name == "revisionVariables" {
			return revisionVars{callerList: true}
		}
		if strings.Contains(v.Value, "$REVISION") {
			n++
		}
	}
	rv := revisionVars{names: make([]string, 0, n)}
	for _, v := range vars {
		if strings.Contains(v.Value, "$REVISION") {
			rv.names = append(rv.names, v.Name)
		}
	}
	return rv
}

// layeredEnviron is a read-only expand.Environ: the values of the static
// prefix (preset.go) over the evaluation's (string, unexported) initial
// variables over fixedEnv; pre never holds a name of the layers below
// (preset never assigns one). With a tracker, it records what the
// evaluation reads of the initial variables (trace.go).
type layeredEnviron struct {
	pre  map[string]string
	vars map[string]string
	tr   *tracker
}

// initial reports whether name is one of the initial variables or fixed.
func (e layeredEnviron) initial(name string) bool {
	if _, ok := e.vars[name]; ok {
		return true
	}
	_, ok := fixedEnv[name]
	return ok
}

func stringVar(s string) expand.Variable {
	return expand.Variable{Set: true, Kind: expand.String, Str: s}
}

func (e layeredEnviron) Get(name string) expand.Variable {
	if v, ok := e.pre[name]; ok {
		return stringVar(v)
	}
	if e.tr != nil {
		e.tr.get(name)
	}
	if v, ok := e.vars[name]; ok {
		return stringVar(v)
	}
	v, ok := fixedEnv[name]
	if !ok && strings.HasPrefix(name, "HOME ") {
		// The interpreter expands ~user from the variable "HOME user"
		// before asking the host's user database: no user exists, so
		// ~user stays as written, as bash leaves it for an unknown user.
		return stringVar("~" + name[len("HOME "):])
	}
	return v
}

func (e layeredEnviron) Each(f func(name string, vr expand.Variable) bool) {
	if e.tr != nil {
		e.tr.each()
	}
	for name, v := range e.pre {
		if !f(name, stringVar(v)) {
			return
		}
	}
	for _, v := range fixedEnvList {
		if _, ok := e.vars[v.name]; ok {
			continue
		}
		if !f(v.name, v.vr) {
			return
		}
	}
	for name, v := range e.vars {
		if !f(name, stringVar(v)) {
			return
		}
	}
}

// limitedBuffer keeps at most limit bytes (or none when discard is set) and
// fails writes beyond limit.
type limitedBuffer struct {
	mu      sync.Mutex
	buf     []byte
	n       int64
	limit   int64
	discard bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += int64(len(p))
	if b.discard {
		if b.n > b.limit {
			return 0, fmt.Errorf("%w: more than %d bytes of output", ErrLimit, b.limit)
		}
		return len(p), nil
	}
	if room := b.limit - int64(len(b.buf)); room > 0 {
		if int64(len(p)) > room {
			b.buf = append(b.buf, p[:room]...)
		} else {
			b.buf = append(b.buf, p...)
		}
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
