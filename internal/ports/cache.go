package ports

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/haikuports/kiln/internal/recipe"
)

const (
	// maxCacheEntries bounds a cache file; entries not used by the
	// current run are dropped first when it is exceeded.
	maxCacheEntries = 50000
	// maxJournal is how many entries the journal may hold before the
	// cache is rewritten in one file.
	maxJournal = 512
	// maxRecord bounds one journal record.
	maxRecord = 64 << 20
)

// cache holds evaluation results by cache key. On disk it is one gob file
// per settings and target (<name>.gob) plus a journal of entries added
// since it was last written (<name>.journal), so that a run that
// evaluates a few recipes appends a few records instead of rewriting
// everything. It is only a cache: unreadable files are ignored.
type cache struct {
	path      string // without extension
	mu        sync.Mutex
	entries   map[string]*recipe.Port
	used      map[string]bool
	added     []string // keys added in this run, in order
	journaled int      // entries in the journal file
}

type journalRecord struct {
	Key  string
	Port *recipe.Port
}

// openCache loads the cache named name from dir; "" means no cache.
func openCache(dir, name string) (*cache, error) {
	c := &cache{entries: map[string]*recipe.Port{}, used: map[string]bool{}}
	if dir == "" {
		return c, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ports: cache: %w", err)
	}
	c.path = filepath.Join(dir, name)
	if f, err := os.Open(c.path + ".gob"); err == nil {
		var m map[string]*recipe.Port
		if gob.NewDecoder(bufio.NewReaderSize(f, 1<<16)).Decode(&m) == nil && m != nil {
			c.entries = m
		}
		f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ports: cache: %w", err)
	}
	if f, err := os.Open(c.path + ".journal"); err == nil {
		c.readJournal(bufio.NewReader(f))
		f.Close()
	}
	for _, p := range c.entries {
		p.Normalize()
	}
	return c, nil
}

// readJournal reads length-prefixed gob records until the end or the
// first damaged one.
func (c *cache) readJournal(r io.Reader) {
	var n [4]byte
	for {
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return
		}
		size := binary.LittleEndian.Uint32(n[:])
		if size > maxRecord {
			return
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		var rec journalRecord
		if gob.NewDecoder(bytes.NewReader(buf)).Decode(&rec) != nil || rec.Port == nil {
			return
		}
		c.entries[rec.Key] = rec.Port
		c.journaled++
	}
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
	if _, ok := c.entries[key]; !ok {
		c.added = append(c.added, key)
	}
	c.entries[key] = p
	c.used[key] = true
}

// save stores what was added: appended to the journal, or, when the
// journal would grow too long, everything rewritten in one file.
func (c *cache) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" || len(c.added) == 0 {
		return nil
	}
	var err error
	if c.journaled+len(c.added) > maxJournal {
		err = c.rewrite()
	} else {
		err = c.appendJournal()
	}
	if err != nil {
		return fmt.Errorf("ports: cache: %w", err)
	}
	c.added = nil
	return nil
}

func (c *cache) appendJournal() error {
	var buf bytes.Buffer
	for _, k := range c.added {
		var rec bytes.Buffer
		if err := gob.NewEncoder(&rec).Encode(journalRecord{Key: k, Port: c.entries[k]}); err != nil {
			return err
		}
		var n [4]byte
		binary.LittleEndian.PutUint32(n[:], uint32(rec.Len()))
		buf.Write(n[:])
		buf.Write(rec.Bytes())
	}
	f, err := os.OpenFile(c.path+".journal", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		c.journaled += len(c.added)
	}
	return err
}

func (c *cache) rewrite() error {
	if len(c.entries) > maxCacheEntries {
		for k := range c.entries {
			if !c.used[k] {
				delete(c.entries, k)
			}
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tmp-*")
	if err != nil {
		return err
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
		err = os.Rename(tmp.Name(), c.path+".gob")
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	c.journaled = 0
	if err := os.Remove(c.path + ".journal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
