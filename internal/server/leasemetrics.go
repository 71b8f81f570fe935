package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/haikuports/kiln/internal/daemon"
)

// leaseCollector reports at scrape time whether this replica holds each
// target's scheduling lease.
type leaseCollector struct{ d *daemon.Daemon }

var leaseDesc = prometheus.NewDesc("kiln_lease_held",
	"1 while this replica holds the target's scheduling lease (schedules and publishes it), else 0.", []string{"target"}, nil)

func (c leaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- leaseDesc }

func (c leaseCollector) Collect(ch chan<- prometheus.Metric) {
	if c.d == nil {
		return
	}
	for _, t := range c.d.Targets() {
		v := 0.0
		if c.d.Lease(t.Name()).Held {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(leaseDesc, prometheus.GaugeValue, v, t.Name())
	}
}
