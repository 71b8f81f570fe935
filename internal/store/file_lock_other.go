//go:build !unix

package store

import (
	"context"
	"sync"
)

// Without flock(2), conditional writes exclude each other only within
// one process.
var fileLocks sync.Map // root → *sync.Mutex

func (s *File) lock(ctx context.Context) (unlock func(), err error) {
	m, _ := fileLocks.LoadOrStore(s.root, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	if err := ctx.Err(); err != nil {
		mu.Unlock()
		return nil, err
	}
	return mu.Unlock, nil
}
