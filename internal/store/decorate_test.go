package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/storetest"
)

// The decorated stack passes the conformance suite like the bare backend.
func TestDecoratedFileConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.WithMetrics(newFile(t), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		return store.WithLogging(store.WithRetry(s, fastRetry), slog.New(slog.DiscardHandler))
	})
}

func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			return value(m)
		}
	}
	return 0
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func TestMetrics(t *testing.T) {
	ctx := t.Context()
	reg := prometheus.NewRegistry()
	s, err := store.WithMetrics(newFile(t), reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.WithMetrics(s, reg); err == nil {
		t.Fatal("registering the same store's metrics twice succeeded")
	}
	s.Put(ctx, "a", strings.NewReader("hello"), 5, store.PutOptions{})
	s.Put(ctx, "a", strings.NewReader("again"), 5, store.PutOptions{IfNoneMatch: true})
	s.Stat(ctx, "missing")
	rc, _, _ := s.Get(ctx, "a", store.GetOptions{Offset: 1})
	io.ReadAll(rc)
	rc.Close()
	s.(store.Copier).Copy(ctx, "a", "b", store.PutOptions{})
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kiln_store_operations_total", map[string]string{"op": "put", "outcome": "ok"}, 1},
		{"kiln_store_operations_total", map[string]string{"op": "put", "outcome": "precondition_failed"}, 1},
		{"kiln_store_operations_total", map[string]string{"op": "stat", "outcome": "not_found"}, 1},
		{"kiln_store_operations_total", map[string]string{"op": "get", "outcome": "ok"}, 1},
		{"kiln_store_operations_total", map[string]string{"op": "copy", "outcome": "ok"}, 1},
		{"kiln_store_operation_duration_seconds", map[string]string{"op": "put", "outcome": "ok"}, 1},
		{"kiln_store_bytes_total", map[string]string{"op": "put"}, 5},
		{"kiln_store_bytes_total", map[string]string{"op": "get"}, 4},
	} {
		if got := metricValue(t, reg, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}

func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := store.WithLogging(newFile(t), log)
	ctx := context.Background()
	s.Put(ctx, "dir/k", strings.NewReader("x"), 1, store.PutOptions{IfNoneMatch: true})
	_, err := s.Stat(ctx, "nope")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"op=put key=dir/k outcome=ok", "if_none_match=true", "op=stat key=nope outcome=not_found", "err="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	quiet := store.WithLogging(newFile(t), slog.New(slog.NewTextHandler(&buf, nil)))
	quiet.Stat(ctx, "nope")
	if buf.Len() != 0 {
		t.Errorf("logged above debug: %s", buf.String())
	}
}
