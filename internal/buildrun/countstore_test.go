package buildrun

import (
	"context"
	"io"
	"sync/atomic"

	"github.com/haikuports/kiln/internal/store"
)

// countStore counts the requests made to a store (Copy passes through to
// a Copier, so server-side copies stay server-side).
type countStore struct {
	store.Store
	n atomic.Int64
}

func (c *countStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	c.n.Add(1)
	return c.Store.Get(ctx, key, o)
}

func (c *countStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	c.n.Add(1)
	return c.Store.Stat(ctx, key)
}

func (c *countStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	c.n.Add(1)
	return c.Store.Put(ctx, key, r, size, o)
}

func (c *countStore) Delete(ctx context.Context, key string) error {
	c.n.Add(1)
	return c.Store.Delete(ctx, key)
}

func (c *countStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	c.n.Add(1)
	return c.Store.List(ctx, prefix, delim, fn)
}

type countCopier struct{ *countStore }

func (c countCopier) Copy(ctx context.Context, src, dst string, o store.PutOptions) (store.ObjectInfo, error) {
	c.n.Add(1)
	return c.Store.(store.Copier).Copy(ctx, src, dst, o)
}

// counting wraps st; the second result reads the count.
func counting(st store.Store) (store.Store, func() int64) {
	c := &countStore{Store: st}
	if _, ok := st.(store.Copier); ok {
		return countCopier{c}, c.n.Load
	}
	return c, c.n.Load
}
