package server

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/daemon"
)

// listNotifications is GET /api/v1/targets/{branch}/{arch}/notifications:
// the target's newest notify records, newest first (?limit=1…100,
// default 100).
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit: want 1 to 100")
			return
		}
		limit = n
	}
	recs, err := t.Notifications(r.Context(), limit)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

// notifyCollector is kiln_notify_total, read from the daemon at scrape
// time.
type notifyCollector struct{ d *daemon.Daemon }

var notifyDesc = prometheus.NewDesc("kiln_notify_total", "Notify URL calls after publishes, by target and outcome (ok, failed, cancelled).", []string{"target", "outcome"}, nil)

func (c notifyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- notifyDesc }

func (c notifyCollector) Collect(ch chan<- prometheus.Metric) {
	if c.d == nil {
		return
	}
	for k, v := range c.d.NotifyCounts() {
		ch <- prometheus.MustNewConstMetric(notifyDesc, prometheus.CounterValue, float64(v), k[0], k[1])
	}
}
