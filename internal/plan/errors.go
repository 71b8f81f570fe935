package plan

import "errors"

// Sentinel errors of this package; errors returned by it wrap one of them.
var (
	// ErrInput means the planner's inputs are unusable (a bad target,
	// an unreadable package list).
	ErrInput = errors.New("plan: invalid input")
	// ErrUnknownMode means a mode name is not update, everything or ports.
	ErrUnknownMode = errors.New("plan: unknown mode")
	// ErrGit means the changed files between two commits could not be listed.
	ErrGit = errors.New("plan: git")
	// ErrUnknownPort means a spec names no port.
	ErrUnknownPort = errors.New("plan: unknown port")
)
