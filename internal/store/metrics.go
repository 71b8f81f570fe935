package store

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcome classifies an operation's error for metrics and logs: "ok",
// "not_found", "precondition_failed", "invalid_key", "invalid_range",
// "not_supported", "canceled" or "error".
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrPreconditionFailed):
		return "precondition_failed"
	case errors.Is(err, ErrInvalidKey):
		return "invalid_key"
	case errors.Is(err, ErrInvalidRange):
		return "invalid_range"
	case errors.Is(err, ErrNotSupported):
		return "not_supported"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	default:
		return "error"
	}
}

// WithMetrics counts s's operations on reg (never a global registry):
//
//	kiln_store_operations_total{store,op,outcome}
//	kiln_store_operation_duration_seconds{store,op,outcome}   histogram
//	kiln_store_bytes_total{store,op}                        bytes put and read by get
//
// op is get, stat, put, delete, list, copy, presign_get or presign_put;
// outcome as Outcome. The store label is s.String(). Wrapped outside
// WithRetry it counts operations, inside it counts attempts.
func WithMetrics(s Store, reg prometheus.Registerer) (Store, error) {
	labels := prometheus.Labels{"store": s.String()}
	m := &metricStore{
		s:       s,
		copy:    copyOf(s),
		presign: presignerOf(s),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiln_store_operations_total", Help: "Store operations by operation and outcome.",
			ConstLabels: labels,
		}, []string{"op", "outcome"}),
		dur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kiln_store_operation_duration_seconds", Help: "Duration of store operations (for get: until the object is open).",
			ConstLabels: labels, Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"op", "outcome"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiln_store_bytes_total", Help: "Bytes written by put and read from get bodies.",
			ConstLabels: labels,
		}, []string{"op"}),
	}
	for _, c := range []prometheus.Collector{m.ops, m.dur, m.bytes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return expose(s, m), nil
}

type metricStore struct {
	s       Store
	copy    func(context.Context, string, string, PutOptions) (ObjectInfo, error)
	presign Presigner
	ops     *prometheus.CounterVec
	dur     *prometheus.HistogramVec
	bytes   *prometheus.CounterVec
}

func (m *metricStore) Unwrap() Store  { return m.s }
func (m *metricStore) String() string { return m.s.String() }

func (m *metricStore) observe(op string, start time.Time, err error) {
	o := Outcome(err)
	m.ops.WithLabelValues(op, o).Inc()
	m.dur.WithLabelValues(op, o).Observe(time.Since(start).Seconds())
}

func (m *metricStore) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error) {
	start := time.Now()
	rc, info, err := m.s.Get(ctx, key, opts)
	m.observe("get", start, err)
	if err != nil {
		return nil, info, err
	}
	return &countingReadCloser{rc, m.bytes.WithLabelValues("get")}, info, nil
}

type countingReadCloser struct {
	io.ReadCloser
	c prometheus.Counter
}

func (c *countingReadCloser) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.c.Add(float64(n))
	return n, err
}

func (m *metricStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	start := time.Now()
	info, err := m.s.Stat(ctx, key)
	m.observe("stat", start, err)
	return info, err
}

func (m *metricStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	start := time.Now()
	info, err := m.s.Put(ctx, key, r, size, opts)
	m.observe("put", start, err)
	if err == nil {
		m.bytes.WithLabelValues("put").Add(float64(info.Size))
	}
	return info, err
}

func (m *metricStore) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := m.s.Delete(ctx, key)
	m.observe("delete", start, err)
	return err
}

func (m *metricStore) List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error {
	start := time.Now()
	err := m.s.List(ctx, prefix, delimiter, fn)
	m.observe("list", start, err)
	return err
}

func (m *metricStore) Copy(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	start := time.Now()
	info, err := m.copy(ctx, src, dst, opts)
	m.observe("copy", start, err)
	return info, err
}

func (m *metricStore) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	start := time.Now()
	u, err := m.presign.PresignGet(ctx, key, ttl)
	m.observe("presign_get", start, err)
	return u, err
}

func (m *metricStore) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	start := time.Now()
	u, err := m.presign.PresignPut(ctx, key, ttl)
	m.observe("presign_put", start, err)
	return u, err
}
