package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

func nopSeeker(s string) io.ReadSeeker { return strings.NewReader(s) }

func testCreateIfAbsent(t *testing.T, s store.Store, o Options) {
	put(t, s, "cia", []byte("first"), store.PutOptions{IfNoneMatch: true})
	_, err := s.Put(ctx(t), "cia", nopSeeker("second"), 6, store.PutOptions{IfNoneMatch: true})
	wantErr(t, "second create-if-absent", err, store.ErrPreconditionFailed)
	big := Data(5, LargeSize)
	_, err = s.Put(ctx(t), "cia", onlyReader{bytes.NewReader(big)}, -1, store.PutOptions{IfNoneMatch: true})
	wantErr(t, "large create-if-absent of unknown size", err, store.ErrPreconditionFailed)
	if got, _ := get(t, s, "cia", store.GetOptions{}); string(got) != "first" {
		t.Fatalf("after a lost create-if-absent: %q", got)
	}
	// Large, of unknown size, on a free key.
	info, err := s.Put(ctx(t), "cia-large", onlyReader{bytes.NewReader(big)}, -1, store.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatalf("large create-if-absent: %v", err)
	}
	if info.Size != LargeSize {
		t.Fatalf("large create-if-absent: size %d", info.Size)
	}
}

func testIfMatch(t *testing.T, s store.Store, o Options) {
	_, err := s.Put(ctx(t), "cas", nopSeeker("x"), 1, store.PutOptions{IfMatch: `"0123"`})
	wantErr(t, "If-Match on a missing key", err, store.ErrPreconditionFailed)
	if _, err := s.Stat(ctx(t), "cas"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed If-Match on a missing key created it: %v", err)
	}
	v1 := put(t, s, "cas", []byte("v1"), store.PutOptions{})
	v2 := put(t, s, "cas", []byte("v2"), store.PutOptions{IfMatch: v1.ETag})
	_, err = s.Put(ctx(t), "cas", nopSeeker("v3"), 2, store.PutOptions{IfMatch: v1.ETag})
	wantErr(t, "If-Match with a stale ETag", err, store.ErrPreconditionFailed)
	big := Data(6, LargeSize)
	_, err = s.Put(ctx(t), "cas", onlyReader{bytes.NewReader(big)}, -1, store.PutOptions{IfMatch: v1.ETag})
	wantErr(t, "large If-Match of unknown size with a stale ETag", err, store.ErrPreconditionFailed)
	got, info := get(t, s, "cas", store.GetOptions{})
	if string(got) != "v2" || info.ETag != v2.ETag {
		t.Fatalf("after a lost CAS: %q (ETag %s), want v2 (%s)", got, info.ETag, v2.ETag)
	}
	v3, err := s.Put(ctx(t), "cas", onlyReader{bytes.NewReader(big)}, -1, store.PutOptions{IfMatch: v2.ETag})
	if err != nil {
		t.Fatalf("large If-Match of unknown size: %v", err)
	}
	if o.MultipartETagDiffers {
		if v3, err = s.Stat(ctx(t), "cas"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put(ctx(t), "cas", nopSeeker("v4"), 2, store.PutOptions{IfMatch: v3.ETag}); err != nil {
		t.Fatalf("If-Match with the ETag of a large write: %v", err)
	}
	if err := s.Delete(ctx(t), "cas"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx(t), "cas", nopSeeker("v5"), 2, store.PutOptions{IfMatch: v3.ETag})
	wantErr(t, "If-Match after Delete", err, store.ErrPreconditionFailed)
}

// Racers is the number of concurrent writers in the race tests.
const Racers = 20

func testRaceCreate(t *testing.T, s store.Store, o Options) {
	var wg sync.WaitGroup
	errs := make([]error, Racers)
	for i := range Racers {
		wg.Go(func() {
			body := fmt.Sprintf("writer %d", i)
			_, errs[i] = s.Put(ctx(t), "race/create", nopSeeker(body), int64(len(body)), store.PutOptions{IfNoneMatch: true})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("writers %d and %d both created the key", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrPreconditionFailed):
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got, _ := get(t, s, "race/create", store.GetOptions{}); string(got) != fmt.Sprintf("writer %d", winner) {
		t.Fatalf("content %q, but writer %d won", got, winner)
	}
}

// Increment adds one to the decimal counter in key by compare-and-swap
// (creating it with IfNoneMatch), retrying lost races. The race tests
// and cross-process tests use it.
func Increment(ctx context.Context, s store.Store, key string) error {
	for attempt := 0; ; attempt++ {
		if attempt > 10000 {
			return fmt.Errorf("increment %s: too many lost races", key)
		}
		rc, info, err := s.Get(ctx, key, store.GetOptions{})
		opts := store.PutOptions{IfMatch: info.ETag}
		n := 0
		switch {
		case errors.Is(err, store.ErrNotFound):
			opts = store.PutOptions{IfNoneMatch: true}
		case err != nil:
			return err
		default:
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			if n, err = strconv.Atoi(string(b)); err != nil {
				return fmt.Errorf("increment %s: %w", key, err)
			}
		}
		body := strconv.Itoa(n + 1)
		_, err = s.Put(ctx, key, nopSeeker(body), int64(len(body)), opts)
		if errors.Is(err, store.ErrPreconditionFailed) {
			// Back off a little so that the racers do not all collide again.
			time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 5))))
			continue
		}
		return err
	}
}

func testRaceCAS(t *testing.T, s store.Store, o Options) {
	const each = 5
	var wg sync.WaitGroup
	errs := make([]error, Racers)
	for i := range Racers {
		wg.Go(func() {
			for range each {
				if err := Increment(ctx(t), s, "race/counter"); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "race/counter", store.GetOptions{}); string(got) != strconv.Itoa(Racers*each) {
		t.Fatalf("counter = %s after %d increments: lost updates", got, Racers*each)
	}
}
