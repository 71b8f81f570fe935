// Package buildrun runs build runs: it takes the planner's work for a
// target, hands each build to a free builder (internal/builder) in
// dependency order, keeps the produced packages for the later builds of
// the run, publishes them through internal/repo, and records everything
// in the store under <target>/.kiln/buildruns/<id>/ (run and build
// records, logs as numbered segments, report, HaikuPorter's status.json).
//
// An Engine drives the runs of one target, one at a time: Start records
// a new run and runs it in the background, Resume continues a run that
// stopped without finishing (a restarted kiln), and the Handle they
// return waits for, cancels or inspects it. A Reader reads the records
// without an engine. Events go to an in-process Bus whose subscribers
// never slow a run down.
//
// Scheduling (Scheduler) is free of time and goroutines: ready builds are
// taken by longest remaining dependency chain (critical path), with
// affinity for builders that cache a build's inputs; Simulate runs the
// same policy on synthetic durations.
//
// Goroutines: one loop per run owns the run's state; each attempt of a
// build runs in its own goroutine, as does each publish; records are
// written by a few background writers (recorder) so the loop never waits
// for the store.
package buildrun
