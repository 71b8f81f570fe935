package ports

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/haikuports/kiln/internal/recipe"
)

// maxCacheEntries bounds a cache file; entries not used by the current
// run are dropped first when it is exceeded.
const maxCacheEntries = 50000

// cache holds evaluation results by cache key, loaded from and saved to
// one file per settings and target in the cache directory.
type cache struct {
	path    string
	mu      sync.Mutex
	entries map[string]*recipe.Port
	used    map[string]bool
	dirty   bool
}

// openCache loads the cache file for the given name from dir; a missing
// or unreadable file gives an empty cache (it is only a cache).
func openCache(dir, name string) (*cache, error) {
	c := &cache{entries: map[string]*recipe.Port{}, used: map[string]bool{}}
	if dir == "" {
		return c, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ports: cache: %w", err)
	}
	c.path = filepath.Join(dir, name+".gob")
	f, err := os.Open(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ports: cache: %w", err)
	}
	defer f.Close()
	var m map[string]*recipe.Port
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<16)).Decode(&m); err == nil && m != nil {
		for _, p := range m {
			p.Normalize()
		}
		c.entries = m
	}
	return c, nil
}

func (c *cache) get(key string) *recipe.Port {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.entries[key]
	if p != nil {
		c.used[key] = true
	}
	return p
}

func (c *cache) put(key string, p *recipe.Port) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = p
	c.used[key] = true
	c.dirty = true
}

// save writes the cache file if anything was added, atomically.
func (c *cache) save() error {
	if c.path == "" || !c.dirty {
		return nil
	}
	if len(c.entries) > maxCacheEntries {
		for k := range c.entries {
			if !c.used[k] {
				delete(c.entries, k)
			}
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("ports: cache: %w", err)
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	err = gob.NewEncoder(w).Encode(c.entries)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ports: cache: %w", err)
	}
	c.dirty = false
	return nil
}
