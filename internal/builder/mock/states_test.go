package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

func TestLostAfter(t *testing.T) {
	var mu sync.Mutex
	var states []builder.State
	var self *Builder
	b, err := New(Config{Name: "m1", LostAfter: 2, Notify: func(name string, st builder.Status) {
		self.Status() // the notifier may call back: no lock is held
		mu.Lock()
		states = append(states, st.State)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	self = b
	defer b.Close()
	if err := b.Prepare(context.Background(), testTree); err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	for i := range 2 {
		if err := b.Build(context.Background(), simpleJob(fmt.Sprintf("kiltlost%d", i), c, io.Discard)); err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
	}
	err = b.Build(context.Background(), simpleJob("kiltlost2", c, io.Discard))
	if !errors.Is(err, builder.ErrTransient) {
		t.Fatalf("third build = %v, want ErrTransient", err)
	}
	if st := b.Status(); st.State != builder.StateLost || st.Reason == "" {
		t.Errorf("after the third build: %+v, want lost with a reason", st)
	}
	if err := b.Build(context.Background(), simpleJob("kiltlost3", c, io.Discard)); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("build on a lost builder = %v, want ErrUnavailable", err)
	}
	b.Revive()
	for i := range 2 {
		if err := b.Build(context.Background(), simpleJob(fmt.Sprintf("kiltrevived%d", i), c, io.Discard)); err != nil {
			t.Errorf("build %d after Revive: %v", i+1, err)
		}
	}
	if st := b.Status(); st.State != builder.StateAvailable {
		t.Errorf("after Revive and two builds: %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(states, builder.StateLost) || states[len(states)-1] != builder.StateAvailable {
		t.Errorf("notified %v", states)
	}
}

func TestTransientMakesLost(t *testing.T) {
	b := newMock(t, Config{MaxConnectionErrors: 3, HistoryLimit: 6, Ports: map[string]Override{"kiltflaky": {Result: ResultTransient}}})
	c := &collector{}
	for i := 1; i <= 2; i++ {
		if err := b.Build(context.Background(), simpleJob("kiltflaky", c, io.Discard)); !errors.Is(err, builder.ErrTransient) {
			t.Fatalf("build %d = %v", i, err)
		}
		if st := b.Status(); st.State != builder.StateNotAvailable || st.ConnectionErrors != i {
			t.Errorf("after %d transient failures: %+v", i, st)
		}
	}
	// a success resets the count (and sets the builder up again)
	if err := b.Build(context.Background(), simpleJob("kiltgood", c, io.Discard)); err != nil {
		t.Fatal(err)
	}
	if st := b.Status(); st.State != builder.StateAvailable || st.ConnectionErrors != 0 {
		t.Errorf("after a success: %+v", st)
	}
	for i := 1; i <= 3; i++ {
		b.Build(context.Background(), simpleJob("kiltflaky", c, io.Discard))
	}
	if st := b.Status(); st.State != builder.StateLost || st.ConnectionErrors != 3 {
		t.Errorf("after 3 transient failures in a row: %+v, want lost", st)
	}
	if h := b.History(); len(h) != 6 || h[5].Attempt != 5 || h[2].Port.Name != "kiltgood" {
		t.Errorf("history: %d records, last %+v", len(h), h[len(h)-1])
	}
	b.Revive()
	b.Build(context.Background(), simpleJob("kiltgood", c, io.Discard))
	if h := b.History(); len(h) != 6 || h[0].Attempt != 2 || h[5].Port.Name != "kiltgood" {
		t.Errorf("history beyond its limit: %d records, first %+v", len(h), h[0])
	}
}

func TestLoseDuringBuild(t *testing.T) {
	b := newMock(t, Config{Ports: map[string]Override{"kilthang": {Result: ResultHang}}})
	done := make(chan error, 1)
	go func() { done <- b.Build(context.Background(), simpleJob("kilthang", &collector{}, io.Discard)) }()
	for {
		if _, ok := b.Running(); ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.Lose("power cut")
	select {
	case err := <-done:
		if !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "power cut") {
			t.Errorf("Build = %v, want ErrTransient with the reason", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lose did not end the build")
	}
	if st := b.Status(); st.State != builder.StateLost || st.Reason != "power cut" {
		t.Errorf("%+v", st)
	}
}
