package reposerve

import (
	"sync"

	"github.com/haikuports/kiln/internal/repo"
)

// manifestCache holds the manifests of recently requested non-head
// snapshots (immutable, so never stale), at most max of them; the least
// recently used goes first. The lock is held only for map operations.
type manifestCache struct {
	mu    sync.Mutex
	max   int
	tick  uint64
	items map[string]*cacheItem
}

type cacheItem struct {
	m    *repo.Manifest
	used uint64
}

func newManifestCache(max int) *manifestCache {
	return &manifestCache{max: max, items: map[string]*cacheItem{}}
}

func (c *manifestCache) get(id string) *repo.Manifest {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.items[id]
	if it == nil {
		return nil
	}
	c.tick++
	it.used = c.tick
	return it.m
}

func (c *manifestCache) put(m *repo.Manifest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 {
		return
	}
	c.tick++
	c.items[m.ID] = &cacheItem{m: m, used: c.tick}
	for len(c.items) > c.max {
		oldest := ""
		var at uint64
		for id, it := range c.items {
			if oldest == "" || it.used < at {
				oldest, at = id, it.used
			}
		}
		delete(c.items, oldest)
	}
}
