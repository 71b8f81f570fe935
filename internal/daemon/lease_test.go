package daemon

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// clock is a settable time for leases.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// leasePair is two replicas' views of one target's lease on st, on one
// clock.
func leasePair(st store.Store) (*schedLease, *schedLease, *clock) {
	c := &clock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	a := newSchedLease(st, "master/x86_64/.kiln/schedule-lease.json", "a", 3*time.Second)
	b := newSchedLease(st, "master/x86_64/.kiln/schedule-lease.json", "b", 3*time.Second)
	a.now, b.now = c.now, c.now
	return a, b, c
}

func mustHold(t *testing.T, l *schedLease, want bool, step string) leaseTake {
	t.Helper()
	held, take, err := l.hold(context.Background())
	if err != nil {
		t.Fatalf("%s: %s: %v", step, l.holder, err)
	}
	if held != want {
		t.Fatalf("%s: %s holds %v, want %v (record %+v)", step, l.holder, held, want, l.rec)
	}
	return take
}

// testLease runs the lease's life on one store: acquire, renew, refused
// while held, stolen after expiry, the CAS loss of the old holder,
// release and an immediate takeover.
func testLease(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b, c := leasePair(st)
	if take := mustHold(t, a, true, "first acquire"); !take.Acquired || take.From != "" {
		t.Errorf("first acquire: %+v", take)
	}
	mustHold(t, b, false, "while a holds it")
	if b.rec.Holder != "a" || !b.rec.Expires.Equal(c.t.Add(3*time.Second)) {
		t.Errorf("b sees %+v, want a until +3s", b.rec)
	}
	c.t = c.t.Add(2 * time.Second)
	if take := mustHold(t, a, true, "renew"); take.Acquired {
		t.Error("a renewal counted as an acquisition")
	}
	c.t = c.t.Add(2 * time.Second) // 4s after the start: a's renewal holds until 5s
	mustHold(t, b, false, "after the renewal")

	// a dies: its lease expires and b takes it, naming a.
	c.t = c.t.Add(1500 * time.Millisecond)
	if take := mustHold(t, b, true, "steal after expiry"); !take.Acquired || take.From != "a" {
		t.Errorf("steal: %+v, want acquired from a", take)
	}
	// a comes back: its renewal loses the compare-and-swap.
	held, _, err := a.hold(ctx)
	if held || !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renewal of a stolen lease: held %v, %v; want ErrLeaseLost", held, err)
	}
	mustHold(t, a, false, "a after losing")
	rec, _, err := a.read(ctx)
	if err != nil || rec.Holder != "b" || rec.Released {
		t.Fatalf("stored lease after the steal: %+v %v", rec, err)
	}

	// b releases: a takes it at once, long before it would expire.
	if err := b.release(ctx); err != nil {
		t.Fatal(err)
	}
	if take := mustHold(t, a, true, "after the release"); !take.Acquired || take.From != "b" {
		t.Errorf("takeover after the release: %+v", take)
	}
	mustHold(t, b, false, "b after releasing")
	// A release by a replica that lost the lease leaves it alone.
	if err := b.release(ctx); err != nil {
		t.Fatal(err)
	}
	mustHold(t, a, true, "a renews after b's stray release")
}

func TestLeaseFile(t *testing.T) {
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testLease(t, st)
}

func TestLeaseFakeS3(t *testing.T) { testLease(t, s3test.StartFake(t).Store(t, "kiln")) }

func TestLeaseVersity(t *testing.T) { testLease(t, s3test.StartVersity(t).Store(t, "kiln")) }

// TestLeaseRace: of replicas taking a free lease at once, exactly one
// holds it.
func TestLeaseRace(t *testing.T) {
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	got := make(chan bool, n)
	for i := range n {
		go func() {
			l := newSchedLease(st, "t/.kiln/schedule-lease.json", string(rune('a'+i)), time.Minute)
			held, _, err := l.hold(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- held
		}()
	}
	holders := 0
	for range n {
		if <-got {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("%d replicas hold the lease, want 1", holders)
	}
}

// downStore fails every write.
type downStore struct{ store.Store }

func (downStore) Put(context.Context, string, io.Reader, int64, store.PutOptions) (store.ObjectInfo, error) {
	return store.ObjectInfo{}, errors.New("store down")
}

// TestLeaseRenewalFailure: a holder that cannot renew keeps the lease
// while it is safe and stops once less than a third of the TTL is left
// (before another replica could take it).
func TestLeaseRenewalFailure(t *testing.T) {
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, _, c := leasePair(st)
	mustHold(t, a, true, "acquire")
	a.st = downStore{st}
	c.t = c.t.Add(time.Second)
	held, _, err := a.hold(context.Background())
	if !held || err == nil || errors.Is(err, ErrLeaseLost) {
		t.Fatalf("failed renewal with 2s left: held %v, %v; want held with an error", held, err)
	}
	c.t = c.t.Add(1500 * time.Millisecond)
	held, _, err = a.hold(context.Background())
	if held || !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("failed renewal with 0.5s left: held %v, %v; want ErrLeaseLost", held, err)
	}
}
