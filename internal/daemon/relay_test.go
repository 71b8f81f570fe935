package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestRelay: two daemons (replicas) on one store, the first holding the
// target. A run requested on the second is relayed through the store
// (RelayedError naming the holder) and started by the holder at its next
// lease renewal, recorded as relayed; a cancel of the holder's run on
// the second is relayed and cancels it; a Wake on the second leaves a
// wake request the holder takes; a request on the holder itself is never
// relayed.
func TestRelay(t *testing.T) {
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, t.TempDir(), "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tree.Poll = builder.Duration(time.Hour) // only the relayed request starts the second run
	cfg.Builders.Mock = []mock.Settings{{Name: "mock", Count: 2, Seed: 1, Duration: "fixed", Median: builder.Duration(1500 * time.Millisecond)}}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string) *Daemon {
		// The TTL paces renewals, where relayed requests are taken; 300 ms
		// lapsed once under load (the other replica took over). The builds
		// take long enough for a relayed cancel to arrive during the run.
		d, err := New(ctx, Options{Config: cfg, Store: st, Replica: name, LeaseTTL: time.Second,
			RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
		if err != nil {
			t.Fatal(err)
		}
		runDaemon(t, d)
		return d
	}
	holder := start("holder")
	tg := "master/x86_64"
	waitUntil(t, "the holder holds the target and finished its first run", 30*time.Second, func() bool {
		return holder.Lease(tg).Held && holder.State(tg).Processed != "" && holder.State(tg).Run == ""
	})
	other := start("other")
	waitUntil(t, "the other replica sees the holder", 5*time.Second, func() bool { return other.Lease(tg).Holder == "holder" })
	if other.Lease(tg).Held {
		t.Fatal("both replicas hold the target")
	}

	bump(t, cfg.Tree.Path, 7)
	_, err = other.Trigger(ctx, other.Target(tg), Request{Mode: "update", By: "test"})
	var re *RelayedError
	if !errors.As(err, &re) || re.Holder != "holder" || re.ID == "" {
		t.Fatalf("Trigger on the non-holder: %v, want a RelayedError naming the holder", err)
	}
	var run *buildrun.Run
	waitUntil(t, "the holder starts the relayed run", 10*time.Second, func() bool {
		runs, err := holder.Target(tg).Engine().Records().Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.Trigger.Mode == "update" {
				run = r
				return true
			}
		}
		return false
	})
	if run.Holder != "holder" || !strings.Contains(run.Trigger.By, "relayed by other") {
		t.Errorf("relayed run: holder %s, trigger %+v", run.Holder, run.Trigger)
	}
	if n := relayedCount(t, other.Target(tg)); n != 0 {
		t.Errorf("%d relayed requests left after the holder took them", n)
	}

	// A cancel of the holder's run: relayed, the run ends cancelled.
	waitUntil(t, "the relayed run ends", 30*time.Second, func() bool {
		r, err := holder.Target(tg).Engine().Records().Run(ctx, run.ID)
		return err == nil && r.State.Final() && holder.Target(tg).ActiveRun() == ""
	})
	bump(t, cfg.Tree.Path, 8)
	h, err := holder.Trigger(ctx, holder.Target(tg), Request{Mode: "update", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CancelRun(ctx, other.Target(tg), h.ID(), "relayed cancel"); !errors.As(err, &re) || re.Holder != "holder" {
		t.Fatalf("CancelRun on the non-holder: %v, want a RelayedError naming the holder", err)
	}
	done, err := h.Wait(ctx)
	if err != nil || done.State != buildrun.RunCancelled || !strings.Contains(done.Reason, "relayed cancel") {
		t.Errorf("the run after a relayed cancel: %v %v", done, err)
	}
	// The holder does not relay what it cannot do itself.
	if err := holder.CancelRun(ctx, holder.Target(tg), h.ID(), "again"); !errors.Is(err, buildrun.ErrFinished) {
		t.Errorf("cancel of a finished run on the holder: %v", err)
	}

	// A wake: written for the holder, taken by it.
	if err := other.Wake(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := relayedCount(t, other.Target(tg)); n != 1 {
		t.Fatalf("%d relayed requests after a Wake on the non-holder, want 1", n)
	}
	waitUntil(t, "the holder takes the wake", 10*time.Second, func() bool { return relayedCount(t, other.Target(tg)) == 0 })

	// The holder never relays to itself.
	if err := holder.Wake(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := relayedCount(t, holder.Target(tg)); n != 0 {
		t.Errorf("the holder relayed %d requests to itself", n)
	}
}

func relayedCount(t *testing.T, tg *Target) int {
	t.Helper()
	n := 0
	if err := tg.opts.Store.List(context.Background(), tg.relayPrefix(), "", func(store.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
	}
}

// bump commits revision rev of libkiln's recipe to the tree.
func bump(t *testing.T, tree string, rev int) {
	t.Helper()
	f := filepath.Join(tree, "dev-libs", "libkiln", "libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	nb := regexp.MustCompile(`(?m)^REVISION="\d+"`).ReplaceAll(b, []byte(fmt.Sprintf(`REVISION="%d"`, rev)))
	if err := os.WriteFile(f, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, tree, "commit", "-qam", fmt.Sprintf("libkiln: revision %d", rev))
}
