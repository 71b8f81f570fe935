package repo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// memStore is an in-memory store.Store with faithful conditional writes,
// for unit tests.
type memStore struct {
	mu   sync.Mutex
	objs map[string]memObj
}

type memObj struct {
	data []byte
	etag string
	mod  time.Time
}

func newMemStore() *memStore { return &memStore{objs: map[string]memObj{}} }

func (m *memStore) String() string { return "mem://" }

func (m *memStore) info(k string, o memObj) store.ObjectInfo {
	return store.ObjectInfo{Key: k, Size: int64(len(o.data)), ETag: o.etag, Modified: o.mod}
}

func (m *memStore) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return nil, store.ObjectInfo{}, fmt.Errorf("%s: %w", key, store.ErrNotFound)
	}
	d := o.data
	if opts.Offset > 0 || opts.Length > 0 {
		d = d[min(opts.Offset, int64(len(d))):]
		if opts.Length > 0 && opts.Length < int64(len(d)) {
			d = d[:opts.Length]
		}
	}
	return io.NopCloser(bytes.NewReader(d)), m.info(key, o), nil
}

func (m *memStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return store.ObjectInfo{}, fmt.Errorf("%s: %w", key, store.ErrNotFound)
	}
	return m.info(key, o), nil
}

func (m *memStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.ObjectInfo, error) {
	if err := store.ValidateKey(key); err != nil {
		return store.ObjectInfo{}, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	if size >= 0 && int64(len(b)) != size {
		return store.ObjectInfo{}, fmt.Errorf("short body for %s", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(key, opts); err != nil {
		return store.ObjectInfo{}, err
	}
	e := make([]byte, 8)
	rand.Read(e)
	o := memObj{data: b, etag: hex.EncodeToString(e), mod: time.Now()}
	m.objs[key] = o
	return m.info(key, o), nil
}

func (m *memStore) check(key string, opts store.PutOptions) error {
	o, ok := m.objs[key]
	if opts.IfNoneMatch && ok {
		return fmt.Errorf("%s exists: %w", key, store.ErrPreconditionFailed)
	}
	if opts.IfMatch != "" && (!ok || o.etag != opts.IfMatch) {
		return fmt.Errorf("%s etag: %w", key, store.ErrPreconditionFailed)
	}
	return nil
}

func (m *memStore) Copy(ctx context.Context, src, dst string, opts store.PutOptions) (store.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[src]
	if !ok {
		return store.ObjectInfo{}, fmt.Errorf("%s: %w", src, store.ErrNotFound)
	}
	if err := m.check(dst, opts); err != nil {
		return store.ObjectInfo{}, err
	}
	o.mod = time.Now()
	m.objs[dst] = o
	return m.info(dst, o), nil
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *memStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.objs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []store.ObjectInfo
	lastPrefix := ""
	for _, k := range keys {
		rest := k[len(prefix):]
		if delim != "" {
			if i := strings.Index(rest, delim); i >= 0 {
				p := prefix + rest[:i+len(delim)]
				if p != lastPrefix {
					out = append(out, store.ObjectInfo{Key: p, IsPrefix: true})
					lastPrefix = p
				}
				continue
			}
		}
		out = append(out, m.info(k, m.objs[k]))
	}
	m.mu.Unlock()
	for _, oi := range out {
		if err := fn(oi); err != nil {
			return err
		}
	}
	return nil
}

// keys returns every key with the prefix.
func (m *memStore) keys(prefix string) []string {
	var ks []string
	m.List(context.Background(), prefix, "", func(oi store.ObjectInfo) error { ks = append(ks, oi.Key); return nil })
	return ks
}
