package repo

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/haikuports/kiln/internal/store"
)

// countStore counts store calls and can run a hook before and after each
// (the crash test kills the process there).
type countStore struct {
	store.Store
	n      atomic.Int64
	mu     sync.Mutex
	calls  []string
	before func(n int64, op, key string)
	after  func(n int64, op, key string)
}

func (c *countStore) call(op, key string, fn func() error) error {
	n := c.n.Add(1)
	c.mu.Lock()
	c.calls = append(c.calls, op+" "+key)
	c.mu.Unlock()
	if c.before != nil {
		c.before(n, op, key)
	}
	err := fn()
	if c.after != nil {
		c.after(n, op, key)
	}
	return err
}

func (c *countStore) Get(ctx context.Context, key string, o store.GetOptions) (rc io.ReadCloser, oi store.ObjectInfo, err error) {
	err = c.call("GET", key, func() error { rc, oi, err = c.Store.Get(ctx, key, o); return err })
	return
}

func (c *countStore) Stat(ctx context.Context, key string) (oi store.ObjectInfo, err error) {
	err = c.call("STAT", key, func() error { oi, err = c.Store.Stat(ctx, key); return err })
	return
}

func (c *countStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (oi store.ObjectInfo, err error) {
	err = c.call("PUT", key, func() error { oi, err = c.Store.Put(ctx, key, r, size, o); return err })
	return
}

func (c *countStore) Delete(ctx context.Context, key string) error {
	return c.call("DELETE", key, func() error { return c.Store.Delete(ctx, key) })
}

func (c *countStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	return c.call("LIST", prefix, func() error { return c.Store.List(ctx, prefix, delim, fn) })
}

func (c *countStore) Copy(ctx context.Context, src, dst string, o store.PutOptions) (oi store.ObjectInfo, err error) {
	err = c.call("COPY", dst, func() error {
		cp, ok := c.Store.(store.Copier)
		if !ok {
			return store.ErrNotSupported
		}
		oi, err = cp.Copy(ctx, src, dst, o)
		return err
	})
	return
}
