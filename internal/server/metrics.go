package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// metrics are the daemon's Prometheus metrics. Run and build counts come
// from the targets' event buses (one goroutine per target, ended by stop),
// builder states are read at scrape time (Status does no I/O), HTTP
// requests by the ServeHTTP wrapper.
type metrics struct {
	reg       *prometheus.Registry
	runs      *prometheus.CounterVec
	builds    *prometheus.CounterVec
	durations *prometheus.HistogramVec
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec

	mu      sync.Mutex
	started map[string]time.Time // run/build → when it started running
}

func newMetrics(reg *prometheus.Registry, d *daemon.Daemon, stop <-chan struct{}) *metrics {
	m := &metrics{reg: reg, started: map[string]time.Time{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_runs_total",
			Help: "Build runs entering a state, by target and state."}, []string{"target", "state"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_builds_total",
			Help: "Builds entering a state, by target and state."}, []string{"target", "state"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kiln_build_duration_seconds",
			Help:    "Time from a build's start on a builder to its end, by target and final state.",
			Buckets: prometheus.ExponentialBuckets(0.1, 4, 10)}, []string{"target", "state"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiln_http_requests_total",
			Help: "HTTP requests by method, route and status code."}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kiln_http_request_duration_seconds",
			Help: "HTTP request latency by route (event streams excluded)."}, []string{"route"}),
	}
	reg.MustRegister(m.runs, m.builds, m.durations, m.requests, m.latency, builderCollector{d}, notifyCollector{d}, leaseCollector{d},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if d != nil {
		for _, t := range d.Targets() {
			bus := t.Engine().Bus()
			go m.follow(t.Name(), bus, subscribeCounted(bus), stop)
		}
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// follow counts a target's events until stop; a subscription dropped for
// falling behind is renewed (its lost events are not counted).
func (m *metrics) follow(target string, bus *buildrun.Bus, sub *buildrun.Subscription, stop <-chan struct{}) {
	for ; ; sub = subscribeCounted(bus) {
		for open := true; open; {
			select {
			case <-stop:
				sub.Close()
				return
			case e, ok := <-sub.C:
				if !ok {
					open = false
					break
				}
				m.event(target, e)
			}
		}
	}
}

func subscribeCounted(bus *buildrun.Bus) *buildrun.Subscription {
	return bus.Subscribe(4096, func(e buildrun.Event) bool {
		return e.Kind == buildrun.EventRun || e.Kind == buildrun.EventBuild
	})
}

func (m *metrics) event(target string, e buildrun.Event) {
	if e.Kind == buildrun.EventRun {
		m.runs.WithLabelValues(target, e.State).Inc()
		return
	}
	m.builds.WithLabelValues(target, e.State).Inc()
	key := e.Run + "/" + strconv.FormatInt(e.Build, 10)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch buildrun.BuildState(e.State) {
	case buildrun.BuildRunning:
		m.started[key] = e.Time
	case buildrun.BuildSucceeded, buildrun.BuildFailed, buildrun.BuildCancelled, buildrun.BuildQueued:
		if t, ok := m.started[key]; ok {
			delete(m.started, key)
			m.durations.WithLabelValues(target, e.State).Observe(e.Time.Sub(t).Seconds())
		}
	}
}

// serve runs h, counting the request by the route pattern it matched.
func (m *metrics) serve(h *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	h.ServeHTTP(sw, r)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.code)).Inc()
	if route != "GET /api/v1/events" {
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}

// builderCollector reports each builder's state at scrape time.
type builderCollector struct{ d *daemon.Daemon }

var builderDesc = prometheus.NewDesc("kiln_builder_state", "1 for a builder's current state.", []string{"target", "builder", "state"}, nil)

func (c builderCollector) Describe(ch chan<- *prometheus.Desc) { ch <- builderDesc }

func (c builderCollector) Collect(ch chan<- prometheus.Metric) {
	if c.d == nil {
		return
	}
	for _, t := range c.d.Targets() {
		for _, b := range t.Builders() {
			ch <- prometheus.MustNewConstMetric(builderDesc, prometheus.GaugeValue, 1, t.Name(), b.Name(), string(b.Status().State))
		}
	}
}

// statusWriter records the status code; it passes Flush through (SSE).
type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
