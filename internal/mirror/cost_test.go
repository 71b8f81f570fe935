package mirror

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// countStore counts operations by kind and notes package and manifest reads.
type countStore struct {
	store.Store
	mu    sync.Mutex
	ops   map[string]int
	heavy []string // gets of packages or manifests
}

func (c *countStore) note(op, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	c.ops[op]++
	if op == "get" && (strings.Contains(key, "/current/packages/") || strings.HasSuffix(key, "/manifest.json")) {
		c.heavy = append(c.heavy, key)
	}
}

func (c *countStore) total() int {
	n := 0
	for _, v := range c.ops {
		n += v
	}
	return n
}

func (c *countStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	c.note("get", key)
	return c.Store.Get(ctx, key, o)
}

func (c *countStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	c.note("stat", key)
	return c.Store.Stat(ctx, key)
}

func (c *countStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	c.note("put", key)
	return c.Store.Put(ctx, key, r, size, o)
}

func (c *countStore) Delete(ctx context.Context, key string) error {
	c.note("delete", key)
	return c.Store.Delete(ctx, key)
}

func (c *countStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	c.note("list", prefix)
	return c.Store.List(ctx, prefix, delim, fn)
}

// TestMirrorUpToDateCost: a pass over an up-to-date mirror reads no
// package and no manifest on either side and writes only the lease: 6
// requests to the source and 17 to the destination for this target (the
// numbers docs/mirror.md gives); one new snapshot adds its package, its
// manifest and the destination's copy of its parent's (the packages it
// vouches for), however many snapshots there are, and hashes nothing.
func TestMirrorUpToDateCost(t *testing.T) {
	ctx := context.Background()
	src, dst := fileStore(t), fileStore(t)
	r := populate(t, src)
	mustMirror(t, src, dst, Options{})
	cs, cd := &countStore{Store: src}, &countStore{Store: dst}
	tr := mustMirror(t, cs, cd, Options{Targets: []repo.Target{testTarget}})
	if tr.Copied.Objects != 0 || len(cs.heavy)+len(cd.heavy) != 0 || cd.ops["put"] != 2 || cd.ops["delete"] != 0 {
		t.Fatalf("up-to-date pass: %+v; heavy reads %v %v; destination ops %v", tr, cs.heavy, cd.heavy, cd.ops)
	}
	if cs.total() != 6 || cd.total() != 17 {
		t.Errorf("up-to-date pass: %d source requests %v, %d destination requests %v", cs.total(), cs.ops, cd.total(), cd.ops)
	}
	if _, err := r.Publish(ctx, repo.Change{Add: []repo.Add{add(t, "epsilon", "1-1", 7_000)}}); err != nil {
		t.Fatal(err)
	}
	cs, cd = &countStore{Store: src}, &countStore{Store: dst}
	tr = mustMirror(t, cs, cd, Options{Targets: []repo.Target{testTarget}})
	if tr.Hashed.Objects != 0 || len(cs.heavy) != 2 || len(cd.heavy) != 1 {
		t.Fatalf("one new snapshot: %+v; source heavy reads %v, destination %v", tr, cs.heavy, cd.heavy)
	}
	t.Logf("one new snapshot: %d source requests %v, %d destination requests %v", cs.total(), cs.ops, cd.total(), cd.ops)
}
