package daemon

import "sync"

// coalescer runs at most one pass per key at a time: a request while a
// pass for its key runs asks for exactly one more pass after it (any
// number of requests in that time coalesce into that one). Passes run on
// goroutines tracked by Wait. The zero value is ready to use.
type coalescer[K comparable] struct {
	wg sync.WaitGroup

	mu    sync.Mutex
	state map[K]*coalesced
}

type coalesced struct{ running, again bool }

// request runs pass for key on a goroutine, or asks the running one for
// one more pass. After each pass, done (when not nil) returning true ends
// the repeats (a canceled context).
func (c *coalescer[K]) request(key K, pass func(), done func() bool) {
	c.mu.Lock()
	if c.state == nil {
		c.state = map[K]*coalesced{}
	}
	st := c.state[key]
	if st == nil {
		st = &coalesced{}
		c.state[key] = st
	}
	if st.running {
		st.again = true
		c.mu.Unlock()
		return
	}
	st.running = true
	c.mu.Unlock()
	c.wg.Go(func() {
		for {
			pass()
			c.mu.Lock()
			if !st.again || done != nil && done() {
				st.running, st.again = false, false
				c.mu.Unlock()
				return
			}
			st.again = false
			c.mu.Unlock()
		}
	})
}

// Wait waits for every pass requested so far.
func (c *coalescer[K]) Wait() { c.wg.Wait() }

// idle reports whether no pass runs.
func (c *coalescer[K]) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.state {
		if st.running {
			return false
		}
	}
	return true
}
