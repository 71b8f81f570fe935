package ssh

import (
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// setState changes the state and calls the notifier (outside the lock)
// when the state or reason changed. b.mu must not be held.
func (b *Builder) setState(st builder.State, reason string) {
	b.mu.Lock()
	changed := b.status.State != st || b.status.Reason != reason
	if changed {
		b.status.State = st
		b.status.Reason = reason
		b.status.Since = time.Now()
	}
	snap := b.status
	b.mu.Unlock()
	if changed && b.opts.Notify != nil {
		b.opts.Notify(b.cfg.Name, snap)
	}
}

// Status implements builder.Builder.
func (b *Builder) Status() builder.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// connectFailed counts a failed connection attempt (HaikuPorter: state
// Reconnecting, 100 errors make the builder lost). Host key and
// authentication failures make it lost at once. It reports whether the
// builder is now lost.
func (b *Builder) connectFailed(reason string, fatal bool) bool {
	b.mu.Lock()
	b.status.ConnectionErrors++
	lost := fatal || b.status.ConnectionErrors >= b.status.MaxConnectionErrors
	n := b.status.ConnectionErrors
	b.mu.Unlock()
	if lost {
		if !fatal {
			reason = "giving up after " + itoa(n) + " consecutive connection errors: " + reason
		}
		b.setState(builder.StateLost, reason)
		return true
	}
	b.setState(builder.StateReconnecting, reason)
	return false
}

// connected resets the connection error count.
func (b *Builder) connected() {
	b.mu.Lock()
	b.status.ConnectionErrors = 0
	b.mu.Unlock()
}

// transientFailed counts a transient build failure: the connection is
// dropped (the next build sets the builder up from scratch) and after
// MaxTransientFailures in a row the builder is lost. It reports whether
// the builder is now lost.
func (b *Builder) transientFailed(reason string) bool {
	b.dropConn()
	b.mu.Lock()
	b.transient++
	n := b.transient
	lost := n >= b.opts.MaxTransientFailures
	b.mu.Unlock()
	if lost {
		b.setState(builder.StateLost, "giving up after "+itoa(n)+" consecutive transient failures: "+reason)
		return true
	}
	b.setState(builder.StateNotAvailable, reason)
	return false
}

// settled resets the transient failure count (a success or a real
// failure, as in HaikuPorter).
func (b *Builder) settled() {
	b.mu.Lock()
	b.transient = 0
	b.mu.Unlock()
}

func (b *Builder) lost() (bool, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status.State == builder.StateLost || b.closed, b.status.Reason
}
