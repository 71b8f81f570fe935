//go:build race

package main

// raceEnabled: the test binary runs with the race detector, so the kiln
// binary TestServeEndToEnd runs is built with it too.
const raceEnabled = true
