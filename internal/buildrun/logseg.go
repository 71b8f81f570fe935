package buildrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// A log is stored as numbered segments <prefix>00000001.log, … : each
// flush writes the bytes gathered since the previous one as a new,
// immutable object (create-if-absent). A reader lists and concatenates
// them, and can follow a log being written by polling for the next
// segment. After a crash the log holds everything up to the last flush;
// a resumed writer continues with the next number.

// segLog is a log being written. Write is safe for concurrent use; the
// flusher goroutine runs until Close.
type segLog struct {
	st       store.Store
	prefix   string
	maxBytes int
	// onLine, if not nil, is called with each complete line (without
	// its "\n" or "\r\n") and the byte offset in the log where it starts.
	onLine func(line string, offset int64)

	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte // the unfinished last line, for onLine
	partOff int64  // the offset of partial in the log
	last    time.Time
	err     error

	flushMu sync.Mutex
	seq     int

	stop chan struct{}
	done chan struct{}
}

func segmentKey(prefix string, seq int) string { return fmt.Sprintf("%s%08d.log", prefix, seq) }

// openSegLog starts a log under prefix, after the segments already there.
// It flushes every interval and whenever maxBytes are buffered.
func openSegLog(ctx context.Context, st store.Store, prefix string, interval time.Duration, maxBytes int, onLine func(string, int64)) (*segLog, error) {
	n, size, err := countSegments(ctx, st, prefix)
	if err != nil {
		return nil, err
	}
	l := &segLog{st: st, prefix: prefix, maxBytes: maxBytes, onLine: onLine, seq: n, partOff: size, last: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	go l.flusher(context.WithoutCancel(ctx), interval)
	return l, nil
}

// countSegments returns the highest segment number under prefix and
// the segments' total size (where a resumed writer's bytes start).
func countSegments(ctx context.Context, st store.Store, prefix string) (int, int64, error) {
	n, size := 0, int64(0)
	err := st.List(ctx, prefix, "/", func(oi store.ObjectInfo) error {
		var seq int
		if _, err := fmt.Sscanf(strings.TrimPrefix(oi.Key, prefix), "%08d.log", &seq); err == nil {
			n = max(n, seq)
			size += oi.Size
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("buildrun: list %s: %w", prefix, err)
	}
	return n, size, nil
}

func (l *segLog) flusher(ctx context.Context, interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if err := l.flush(ctx); err != nil {
				l.mu.Lock()
				if l.err == nil {
					l.err = err
				}
				l.mu.Unlock()
			}
		}
	}
}

// Write appends p. It returns the error of an earlier failed flush (the
// log can no longer be complete) or of a flush p triggered.
func (l *segLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.err != nil {
		err := l.err
		l.mu.Unlock()
		return 0, err
	}
	l.buf.Write(p)
	l.last = time.Now()
	var lines []logLine
	if l.onLine != nil {
		l.partial = append(l.partial, p...)
		for {
			i := bytes.IndexByte(l.partial, '\n')
			if i < 0 {
				break
			}
			lines = append(lines, logLine{strings.TrimRight(string(l.partial[:i]), "\r"), l.partOff})
			l.partial = l.partial[i+1:]
			l.partOff += int64(i + 1)
		}
		if len(l.partial) > 64<<10 { // an endless line: pass it on in pieces
			lines = append(lines, logLine{string(l.partial), l.partOff})
			l.partOff += int64(len(l.partial))
			l.partial = nil
		}
	}
	full := l.buf.Len() >= l.maxBytes
	l.mu.Unlock()
	for _, ln := range lines {
		l.onLine(ln.text, ln.offset)
	}
	if full {
		if err := l.flush(context.Background()); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// logLine is a complete line for onLine.
type logLine struct {
	text   string
	offset int64
}

// Printf writes one formatted line.
func (l *segLog) Printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, _ = l.Write([]byte(s))
}

// LastWrite is when Write was last called (hang detection).
func (l *segLog) LastWrite() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Touch resets LastWrite (a new attempt starts).
func (l *segLog) Touch() {
	l.mu.Lock()
	l.last = time.Now()
	l.mu.Unlock()
}

// flush writes the buffered bytes as the next segment.
func (l *segLog) flush(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	if l.buf.Len() == 0 {
		l.mu.Unlock()
		return nil
	}
	b := bytes.Clone(l.buf.Bytes())
	l.buf.Reset()
	l.mu.Unlock()
	for tries := 0; ; tries++ {
		l.seq++
		key := segmentKey(l.prefix, l.seq)
		_, err := l.st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{IfNoneMatch: true, ContentType: "text/plain; charset=utf-8"})
		if err == nil {
			return nil
		}
		// Another writer of the same log (a resumed run racing a stale
		// one) took the number: take the next one.
		if !errors.Is(err, store.ErrPreconditionFailed) || tries > 100 {
			return fmt.Errorf("buildrun: write log segment %s: %w", key, err)
		}
	}
}

// Close flushes what is buffered and stops the flusher. It is idempotent.
func (l *segLog) Close() error {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	l.mu.Lock()
	if len(l.partial) > 0 && l.onLine != nil {
		s, off := string(l.partial), l.partOff
		l.partOff += int64(len(l.partial))
		l.partial = nil
		l.mu.Unlock()
		l.onLine(s, off)
	} else {
		l.mu.Unlock()
	}
	if err := l.flush(context.Background()); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// abandon stops the log without writing what it buffered.
func (l *segLog) abandon() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	l.mu.Lock()
	l.buf.Reset()
	l.partial = nil
	if l.err == nil {
		l.err = errLogAbandoned
	}
	l.mu.Unlock()
}

var errLogAbandoned = errors.New("buildrun: log abandoned (the run was taken over)")
