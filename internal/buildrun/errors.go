package buildrun

import "errors"

// Sentinel errors; errors of this package wrap them where callers may
// want to react.
var (
	// ErrPlan: the plan cannot be run (a cycle, duplicate ports).
	ErrPlan = errors.New("buildrun: invalid plan")
	// ErrNotFound: no such run, build or log.
	ErrNotFound = errors.New("buildrun: not found")
	// ErrFinished: the run is over and cannot be resumed or changed.
	ErrFinished = errors.New("buildrun: run is finished")
	// ErrActive: another live kiln process drives the run.
	ErrActive = errors.New("buildrun: run is driven by another process")
	// ErrNoBuilders: no builder can take builds: all lost (a running run
	// waits instead while one is disabled, builder.StateDisabled), or all
	// disabled for a run about to start (kiln serve refuses it).
	ErrNoBuilders = errors.New("buildrun: no usable builder")
	// ErrBadRecord: a stored record cannot be read.
	ErrBadRecord = errors.New("buildrun: invalid record")
	// ErrCancelled: the run or build was cancelled by an operator.
	ErrCancelled = errors.New("buildrun: cancelled")
	// ErrTakenOver: another process took the run over (its run record
	// changed under this one's compare-and-swap); this one stopped
	// driving it.
	ErrTakenOver = errors.New("buildrun: run taken over by another process")
	// ErrStopped: the run was stopped for a shutdown (Handle.Stop) and is
	// left for the next kiln to resume.
	ErrStopped = errors.New("buildrun: run stopped for a shutdown")
	// ErrBusy: the engine already drives a run.
	ErrBusy = errors.New("buildrun: engine busy")
)

func isNotFoundErr(err error) bool { return errors.Is(err, ErrNotFound) }
