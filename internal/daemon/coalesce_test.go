package daemon

import (
	"sync/atomic"
	"testing"
)

// TestCoalescer: requests during a pass coalesce into one more pass; keys
// are independent; done ends the repeats; Wait waits for all.
func TestCoalescer(t *testing.T) {
	var c coalescer[string]
	var passes atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	pass := func() { passes.Add(1); started <- struct{}{}; <-release }
	c.request("a", pass, nil)
	<-started
	for range 5 {
		c.request("a", pass, nil) // during the first pass: one more
	}
	c.request("b", pass, nil) // another key runs at once
	<-started
	if c.idle() {
		t.Fatal("idle while passes run")
	}
	release <- struct{}{} // a's first
	<-started             // a's second
	release <- struct{}{}
	release <- struct{}{} // b
	c.Wait()
	if n := passes.Load(); n != 3 {
		t.Errorf("%d passes, want 3 (a twice, b once)", n)
	}
	if !c.idle() {
		t.Error("not idle after Wait")
	}

	passes.Store(0)
	c.request("c", func() { passes.Add(1); c.request("c", pass, nil) }, func() bool { return true })
	c.Wait()
	if n := passes.Load(); n != 1 {
		t.Errorf("%d passes with done true, want 1", n)
	}
}
