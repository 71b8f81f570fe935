package buildrun

import (
	"context"
	"time"
)

// Expected returns build durations learned from the target's last runs
// (at most runs of them, newest first): for each port name, the duration
// of its newest successful attempt. The result suits Options.Expected; a
// port never built successfully is unknown (0). A port's name rather than
// its version is the key, so an update of a port keeps its history.
func (rd *Reader) Expected(ctx context.Context, runs int) (func(port string) time.Duration, error) {
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]time.Duration{}
	for i := len(ids) - 1; i >= 0 && len(ids)-i <= runs; i-- {
		builds, err := rd.Builds(ctx, ids[i])
		if err != nil {
			return nil, err
		}
		for _, b := range builds {
			if _, seen := byName[b.Port.Name]; seen || b.State != BuildSucceeded {
				continue
			}
			if d := b.Duration(); d > 0 {
				byName[b.Port.Name] = d
			}
		}
	}
	return func(port string) time.Duration {
		// port is name-version; names may contain '-', versions do not.
		for i := len(port) - 1; i > 0; i-- {
			if port[i] == '-' {
				return byName[port[:i]]
			}
		}
		return byName[port]
	}, nil
}
