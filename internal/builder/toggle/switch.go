// Package toggle is a builder decorator that lets an operator take a
// builder out of service and back (kiln serve's POST
// /api/v1/builders/{name}/disable and /enable). A Switch holds which
// builders are disabled, by name; every target's decorator of a builder
// reads the same Switch, so disabling a name takes that machine out of
// service for every target.
//
// A disabled builder reports builder.StateDisabled with the reason, so
// the build run gives it no new builds (the state is not Usable); Prepare
// and Build return errors wrapping builder.ErrUnavailable, which the run
// treats as a lost builder (the build is requeued for another builder
// without using a retry). A build already running when the builder is
// disabled runs to its end.
package toggle

import (
	"maps"
	"sync"
	"time"
)

// Off says why and since when a builder is disabled.
type Off struct {
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	Time   time.Time `json:"time"`
}

// Switch is the set of disabled builders. The zero value is not usable;
// use NewSwitch. Safe for concurrent use; its methods do no I/O.
type Switch struct {
	mu  sync.Mutex
	off map[string]Off
}

// NewSwitch returns a Switch with every builder enabled.
func NewSwitch() *Switch { return &Switch{off: map[string]Off{}} }

// Disabled reports whether name is disabled, and why.
func (s *Switch) Disabled(name string) (Off, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.off[name]
	return o, ok
}

// Disable disables name (again: its reason and time are replaced).
func (s *Switch) Disable(name string, o Off) {
	if o.Time.IsZero() {
		o.Time = time.Now().UTC()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.off[name] = o
}

// Enable enables name; it reports whether it was disabled.
func (s *Switch) Enable(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, was := s.off[name]
	delete(s.off, name)
	return was
}

// All returns a copy of the disabled builders.
func (s *Switch) All() map[string]Off {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.off)
}

// Replace makes off the set of disabled builders (a state read from the
// store) and returns the names whose state changed (disabled, enabled,
// or disabled for another reason).
func (s *Switch) Replace(off map[string]Off) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []string
	for name, o := range off {
		if old, ok := s.off[name]; !ok || old != o {
			changed = append(changed, name)
		}
	}
	for name := range s.off {
		if _, ok := off[name]; !ok {
			changed = append(changed, name)
		}
	}
	s.off = maps.Clone(off)
	if s.off == nil {
		s.off = map[string]Off{}
	}
	return changed
}
