//go:build race

package sandbox

// The race detector multiplies a program's memory (Go's documentation: 5
// to 10 times), so under it the hostile tests allow more; scripts/test
// also runs them without it, where the 1 GiB bound holds.
const raceEnabled = true
