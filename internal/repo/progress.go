package repo

import (
	"io"
	"sync"
)

// UploadProgress is the state of a publish's uploads: bytes read for
// upload (or for comparing with a file already published) and packages
// finished, of the totals. Retried parts may be read twice, so Bytes can
// pass TotalBytes; display min(Bytes, TotalBytes).
type UploadProgress struct {
	Bytes, TotalBytes int64
	Files, TotalFiles int
}

// uploadMeter counts what the uploads of one publish read and reports it
// to fn (serialised; fn must not block for long).
type uploadMeter struct {
	mu sync.Mutex
	p  UploadProgress
	fn func(UploadProgress)
}

func newUploadMeter(fn func(UploadProgress), adds []Add) *uploadMeter {
	m := &uploadMeter{fn: fn}
	for _, a := range adds {
		m.p.TotalBytes += a.Size
	}
	m.p.TotalFiles = len(adds)
	m.fn(m.p)
	return m
}

func (m *uploadMeter) add(n int64, file bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Bytes += n
	if file {
		m.p.Files++
	}
	m.fn(m.p)
}

// reader wraps r so that what is read through it is counted.
func (m *uploadMeter) reader(r io.ReaderAt) io.ReaderAt { return meteredReaderAt{r, m} }

type meteredReaderAt struct {
	r io.ReaderAt
	m *uploadMeter
}

func (c meteredReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if n > 0 {
		c.m.add(int64(n), false)
	}
	return n, err
}
