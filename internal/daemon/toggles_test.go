package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/toggle"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/store"
)

// twoDaemons opens two daemons of the demo config on one directory store
// (as two replicas; neither runs).
func twoDaemons(t *testing.T) (*Daemon, *Daemon, store.Store) {
	t.Helper()
	ctx := context.Background()
	cfg, _, err := demo.Setup(ctx, t.TempDir(), "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ds [2]*Daemon
	for i := range ds {
		if ds[i], err = New(ctx, Options{Config: cfg, Store: st}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ds[i].Close)
	}
	return ds[0], ds[1], st
}

func state(d *Daemon, name string) builder.Status {
	for _, b := range d.Targets()[0].Builders() {
		if b.Name() == name {
			return b.Status()
		}
	}
	return builder.Status{}
}

// TestBuilderToggles: SetBuilder records the state in the store; the
// other replica takes it at its next reload and announces it on its bus;
// concurrent toggles of different builders by two replicas lose none
// (compare-and-swap); with every builder of a target disabled its loop
// plans nothing and says why.
func TestBuilderToggles(t *testing.T) {
	ctx := context.Background()
	d1, d2, st := twoDaemons(t)
	if _, err := d1.SetBuilder(ctx, "nosuch", &toggle.Off{}); !errors.Is(err, ErrUnknownBuilder) {
		t.Errorf("unknown builder: %v", err)
	}
	sub := d2.Targets()[0].Engine().Bus().Subscribe(16, func(e buildrun.Event) bool { return e.Kind == buildrun.EventBuilder })
	defer sub.Close()

	for _, tc := range []struct {
		off     *toggle.Off
		changed bool
		state   builder.State
	}{
		{&toggle.Off{Reason: "flaky disk", By: "test"}, true, builder.StateDisabled},
		{&toggle.Off{Reason: "new disk", By: "test"}, true, builder.StateDisabled}, // a new reason
		{nil, true, builder.StateNotAvailable},
		{nil, false, builder.StateNotAvailable},
		{&toggle.Off{Reason: "again"}, true, builder.StateDisabled},
	} {
		changed, err := d1.SetBuilder(ctx, "mock-1", tc.off)
		if err != nil || changed != tc.changed {
			t.Fatalf("SetBuilder(%+v) = %v, %v; want changed %v", tc.off, changed, err, tc.changed)
		}
		if s := state(d1, "mock-1"); s.State != tc.state {
			t.Errorf("after SetBuilder(%+v): %+v", tc.off, s)
		}
	}
	if s := state(d2, "mock-1"); s.State == builder.StateDisabled {
		t.Fatal("the other replica changed before reading the store")
	}
	if err := d2.reloadToggles(ctx); err != nil {
		t.Fatal(err)
	}
	if s := state(d2, "mock-1"); s.State != builder.StateDisabled || s.Reason != "again" {
		t.Errorf("the other replica after a reload: %+v", s)
	}
	select {
	case ev := <-sub.C:
		if ev.Builder != "mock-1" || ev.State != "disabled" || ev.Reason != "again" {
			t.Errorf("event %+v", ev)
		}
	default:
		t.Error("the reload sent no builder event")
	}
	if err := d2.reloadToggles(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C:
		t.Errorf("a reload without change sent %+v", ev)
	default:
	}

	// Concurrent toggles of two builders by both replicas.
	var wg sync.WaitGroup
	for i := range 6 {
		d, name := d1, "mock-1"
		if i%2 == 1 {
			d, name = d2, "mock-2"
		}
		wg.Go(func() {
			if _, err := d.SetBuilder(ctx, name, &toggle.Off{Reason: fmt.Sprint("round ", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	off, _, err := readToggles(ctx, st)
	if err != nil || len(off) != 2 {
		t.Fatalf("stored after concurrent toggles: %v %v", off, err)
	}

	// Every builder disabled: the loop plans nothing and says why.
	if err := d1.reloadToggles(ctx); err != nil {
		t.Fatal(err)
	}
	tg := d1.Targets()[0]
	if err := d1.poll(ctx, d1.log, tg); err != nil {
		t.Fatal(err)
	}
	if s := d1.State(tg.Name()); !strings.Contains(s.Error, "every builder of master/x86_64 is disabled") || s.Run != "" || tg.ActiveRun() != "" {
		t.Errorf("loop state with every builder disabled: %+v", s)
	}
}
