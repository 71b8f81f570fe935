package mirror

import (
	"io"
	"sync"

	"github.com/haikuports/kiln/internal/repo"
)

// Progress is the state of a target's pass: package files checked or
// copied of all the pass looks at, and the bytes read for that (copied or
// hashed; files trusted by size count their size). Retried copies may read
// bytes twice, so Bytes can pass TotalBytes; display min(Bytes,
// TotalBytes). Done is set by the last call of a pass.
type Progress struct {
	Target            string
	Files, TotalFiles int
	Bytes, TotalBytes int64
	// Snapshots is the number of new snapshots and build-packages
	// repositories the pass copies after the packages.
	Snapshots int
	Done      bool
}

// meter reports a pass's progress to fn (serialised).
type meter struct {
	mu sync.Mutex
	p  Progress
	fn func(Progress)
}

func newMeter(fn func(Progress), target string, pkgs []repo.Package, snaps, bps []listing) *meter {
	m := &meter{fn: fn}
	m.p.Target = target
	m.p.TotalFiles = len(pkgs)
	for _, pk := range pkgs {
		m.p.TotalBytes += pk.Size
	}
	m.p.Snapshots = len(snaps) + len(bps)
	m.report()
	return m
}

func (m *meter) report() {
	if m.fn != nil {
		m.fn(m.p)
	}
}

func (m *meter) add(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Bytes += n
	m.report()
}

func (m *meter) fileDone() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Files++
	m.report()
}

func (m *meter) finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Done = true
	m.report()
}

// reader counts what is read through r.
func (m *meter) reader(r io.Reader) io.Reader { return meteredReader{r, m} }

type meteredReader struct {
	r io.Reader
	m *meter
}

func (c meteredReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.m.add(int64(n))
	}
	return n, err
}
