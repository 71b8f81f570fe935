package recipe

import (
	"sync"

	"github.com/haikuports/kiln/internal/recipe/sandbox"
)

// Source is the content of one recipe file, parsed and rewritten for the
// sandbox at most once however many targets it is evaluated for: on
// x86_gcc2 HaikuPorter evaluates every recipe for the primary architecture
// and again for the secondary x86, with different variables but the same
// text, and parsing costs about as much as running a typical recipe. Once
// the source is evaluated for a target with secondary architectures, its
// evaluations are traced, and the shell run is shared too when the earlier
// evaluation never read a variable that differs, or only copied it into
// other variables (sandbox.Script.EvalTraced, prepared with
// sandbox.Options.Variants): the results are always those of separate
// evaluations.
//
// A Source belongs to one recipe path (its messages name the first path it
// is evaluated under). It is safe for concurrent use.
type Source struct {
	data []byte

	once     sync.Once
	prepared *sandbox.Script
	err      error

	// tracing is set once the source is evaluated for a target with
	// secondary architectures: only then can a later evaluation reuse one
	mu      sync.Mutex
	tracing bool
	trace   *sandbox.Trace // of the last successful traced evaluation

	dir folders // of the port directory (portdir.go)
}

// NewSource returns a Source for the recipe content data (not copied; the
// caller must not modify it).
func NewSource(data []byte) *Source { return &Source{data: data} }

// script prepares the source once.
func (s *Source) script(name string) (*sandbox.Script, error) {
	s.once.Do(func() {
		s.mu.Lock()
		variants := s.tracing
		s.mu.Unlock()
		s.prepared, s.err = sandbox.Prepare(s.data, name, sandbox.Options{Variants: variants})
	})
	return s.prepared, s.err
}

// Bytes returns the content (not a copy).
func (s *Source) Bytes() []byte { return s.data }

// evaluatedFor notes a target the source is evaluated for: one with
// secondary architectures turns tracing on.
func (s *Source) evaluatedFor(t Target) {
	if len(t.Secondary) > 0 {
		s.mu.Lock()
		s.tracing = true
		s.mu.Unlock()
	}
}

// traced returns whether evaluations are traced, and the trace of the last
// successful one (or nil).
func (s *Source) traced() (bool, *sandbox.Trace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracing, s.trace
}

// keepTrace keeps t for the next evaluation.
func (s *Source) keepTrace(t *sandbox.Trace) {
	s.mu.Lock()
	s.trace = t
	s.mu.Unlock()
}
