//go:build race

package server

// raceEnabled: the race detector slows everything down several times;
// the load test then runs briefly at a fifth of the rate (scripts/test
// runs it in full without -race).
const raceEnabled = true
