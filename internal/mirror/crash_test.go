package mirror

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

var errCrash = errors.New("injected crash")

// crashStore lets the first n writes (of anything but the lease) through
// and fails every later one, as if the process had died there; written
// counts the writes that landed.
type crashStore struct {
	store.Store
	n       int64
	allowed atomic.Int64
	written atomic.Int64
}

func (c *crashStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	if !strings.HasSuffix(key, "/.kiln/lease.json") {
		if c.allowed.Add(1) > c.n {
			return store.ObjectInfo{}, errCrash
		}
		oi, err := c.Store.Put(ctx, key, r, size, o)
		if err == nil {
			c.written.Add(1)
		}
		return oi, err
	}
	return c.Store.Put(ctx, key, r, size, o)
}

func (c *crashStore) Delete(ctx context.Context, key string) error {
	if c.allowed.Load() >= c.n {
		return errCrash
	}
	return c.Store.Delete(ctx, key)
}

// TestMirrorCrashResume crashes the mirror before one of its 36 writes:
// the destination's head, when there is one, always names a complete
// snapshot whose packages are all there (only current/ may lag), and a
// second run completes, copying exactly what the first did not. The
// writes are 5 packages (0–4), the four snapshots' files (5–25, each
// manifest last: 9, 15, 20, 25), the build-packages repository's (26–30),
// the head (31) and current/ (32–35, repo.sha256 last); the crash points
// are the first and last of each group and the manifests.
func TestMirrorCrashResume(t *testing.T) {
	ctx := context.Background()
	src := fileStore(t)
	populate(t, src)
	const total = 36
	for _, n := range []int64{0, 1, 4, 5, 9, 10, 25, 26, 30, 31, 32, 35} {
		dst := fileStore(t)
		cs := &crashStore{Store: dst, n: n}
		if _, err := Mirror(ctx, src, cs, Options{}); !errors.Is(err, errCrash) {
			t.Fatalf("crash after %d writes: %v", n, err)
		}
		if _, err := dst.Stat(ctx, "master/x86_64/.kiln/head.json"); err == nil {
			rp, err := repo.New(dst, testTarget, repo.Options{}).Verify(ctx, repo.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rp.Problems {
				if p.Check != "current" {
					t.Fatalf("crash after %d writes left a head with %v", n, p)
				}
			}
		}
		tr := mustMirror(t, src, dst, Options{})
		if got := tr.Copied.Objects + int(cs.written.Load()); got != total {
			t.Fatalf("crash after %d writes (%d landed): the rerun copied %d objects, %d in all, want %d (%+v)", n, cs.written.Load(), tr.Copied.Objects, got, total, tr)
		}
		sameObjects(t, src, dst) // byte for byte, so it verifies deep as the source does
	}
	verifyDeep(t, src)
}

// TestMirrorConcurrent: two mirrors of one source into one destination at
// the same time take turns on the destination's lease; the second finds
// everything present.
func TestMirrorConcurrent(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	populate(t, src)
	var wg sync.WaitGroup
	res := make([]*Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { res[i], errs[i] = Mirror(ctx, src, dst, Options{}) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c := res[0].Copied().Objects + res[1].Copied().Objects; c != 36 {
		t.Fatalf("%d objects copied in all, want 36", c)
	}
	verifyDeep(t, dst)
	sameObjects(t, src, dst)
}
