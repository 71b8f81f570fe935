package daemon

import (
	"context"
	"time"
)

// every calls f every interval until ctx ends, on the calling goroutine:
// one call never overlaps the next, and a call that outlasts the interval
// delays the next one rather than queueing more.
func every(ctx context.Context, interval time.Duration, f func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f()
		}
	}
}
