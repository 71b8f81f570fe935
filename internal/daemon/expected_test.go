package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/store"
)

// TestLearnDurations: after a run, the next run's scheduler knows how
// long each port took.
func TestLearnDurations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, info, err := demo.Setup(ctx, dir, "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := OpenTarget(ctx, TargetOptions{Config: cfg, Target: &cfg.Targets[0], Store: st, RepoInfo: info})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if d := tg.expectedDuration("libkiln-1.2.0"); d != 0 {
		t.Fatalf("before any run: %v", d)
	}
	p, err := tg.Plan(ctx, Request{Mode: "everything"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil || run.State != buildrun.RunComplete {
		t.Fatalf("run: %v %v", run, err)
	}
	tg.learnDurations(ctx)
	var want time.Duration
	for _, b := range h.Builds() {
		if b.Port.ID() == "libkiln-1.2.0" {
			want = b.Duration()
		}
	}
	if got := tg.expectedDuration("libkiln-1.2.0"); got == 0 || got != want {
		t.Errorf("learned %v for libkiln, its build took %v", got, want)
	}
	if got := tg.expectedDuration("nosuchport-1"); got != 0 {
		t.Errorf("unknown port: %v", got)
	}
}
