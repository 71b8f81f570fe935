package server

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/haikuports/kiln/internal/testenv"
)

// scrape reads /metrics with Prometheus' text parser.
func scrape(t *testing.T, e *dockEnv) map[string]*dto.MetricFamily {
	t.Helper()
	code, b := e.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mf
}

// sum adds the values (counter, gauge, or histogram count) of the
// family's series whose labels include want.
func sum(mf *dto.MetricFamily, want map[string]string) (float64, int) {
	total, n := 0.0, 0
	if mf == nil {
		return 0, 0
	}
series:
	for _, m := range mf.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue series
			}
		}
		n++
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total, n
}

// TestMetricsAfterRun scrapes /metrics of kiln serve's wiring (one
// registry for the store, the daemon and the server) after the demo's
// first run: every family the operations docs list is there with values
// that fit the run.
func TestMetricsAfterRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree")
	}
	e := newHookEnvWith(t, Options{Registry: prometheus.NewRegistry()})
	e.waitProcessed(t, testenv.Git(t, e.remote, "rev-parse", "HEAD"))
	if code, _ := e.get(t, "/api/v1/targets"); code != 200 {
		t.Fatal("GET /api/v1/targets")
	}
	mf := scrape(t, e.dockEnv)
	tg := map[string]string{"target": "master/x86_64"}
	built, _ := sum(mf["kiln_builds_total"], map[string]string{"target": "master/x86_64", "state": "succeeded"})
	for _, c := range []struct {
		family string
		labels map[string]string
		min    float64 // the summed value is at least this
		max    float64 // and at most this (0: no bound)
	}{
		{"kiln_runs_total", map[string]string{"target": "master/x86_64", "state": "complete"}, 1, 1},
		{"kiln_builds_total", map[string]string{"target": "master/x86_64", "state": "succeeded"}, 3, 0},
		{"kiln_build_duration_seconds", map[string]string{"target": "master/x86_64", "state": "succeeded"}, built, built},
		{"kiln_builder_state", map[string]string{"target": "master/x86_64", "state": "available"}, 2, 2},
		{"kiln_builder_state", tg, 2, 2},
		{"kiln_lease_held", tg, 1, 1}, // the only replica schedules its target
		{"kiln_store_operations_total", map[string]string{"op": "put", "outcome": "ok"}, 10, 0},
		{"kiln_store_operations_total", map[string]string{"op": "get", "outcome": "not_found"}, 1, 0}, // the head before the first publish
		{"kiln_store_operation_duration_seconds", map[string]string{"op": "get", "outcome": "ok"}, 1, 0},
		{"kiln_store_bytes_total", map[string]string{"op": "put"}, 1000, 0},
		{"kiln_publish_duration_seconds", map[string]string{"target": "master/x86_64", "outcome": "ok"}, 1, 0},
		{"kiln_http_requests_total", map[string]string{"route": "GET /api/v1/targets", "code": "200"}, 1, 1},
		{"kiln_http_request_duration_seconds", map[string]string{"route": "GET /api/v1/targets"}, 1, 1},
	} {
		v, n := sum(mf[c.family], c.labels)
		if n == 0 || v < c.min || (c.max > 0 && v > c.max) {
			t.Errorf("%s%v = %v over %d series, want %v..%v", c.family, c.labels, v, n, c.min, c.max)
		}
	}
	// Store errors are counted by outcome: no operation failed here.
	if v, _ := sum(mf["kiln_store_operations_total"], map[string]string{"outcome": "error"}); v != 0 {
		t.Errorf("%v store operations failed", v)
	}
	if v, _ := sum(mf["kiln_publish_duration_seconds"], map[string]string{"outcome": "error"}); v != 0 {
		t.Errorf("%v publishes failed", v)
	}
}
