package server

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// parseRange reads a single-range "bytes=" Range header against a log of
// size bytes: first-last, first- and -suffix forms. ok is false for what
// is not one byte range (several, another unit: serve the whole log);
// start is -1 for a range the log cannot satisfy (416).
func parseRange(spec string, size int64) (start, end int64, ok bool) {
	r, found := strings.CutPrefix(spec, "bytes=")
	if !found || strings.Contains(r, ",") {
		return 0, 0, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(r), "-")
	if !found {
		return -1, 0, true
	}
	if first == "" { // the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return -1, 0, true
		}
		return max(size-n, 0), size - 1, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 || a >= size {
		return -1, 0, true
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return -1, 0, true
		}
		b = min(b, size-1)
	}
	return a, b, true
}

// errWindowFull ends a copy into a window that has all it wants.
var errWindowFull = errors.New("server: range complete")

// window passes on the bytes of a stream from skip on, left of them, then
// fails with errWindowFull so the copy stops reading.
type window struct {
	w          io.Writer
	skip, left int64
}

func (w *window) Write(p []byte) (int, error) {
	n := len(p)
	if w.skip >= int64(len(p)) {
		w.skip -= int64(len(p))
		return n, nil
	}
	p = p[w.skip:]
	w.skip = 0
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	if _, err := w.w.Write(p); err != nil {
		return 0, err
	}
	w.left -= int64(len(p))
	if w.left == 0 {
		return n, errWindowFull
	}
	return n, nil
}
