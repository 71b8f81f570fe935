package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
)

// Load test parameters (issue 9: 200 SSE clients and 1,000 req/s on the
// API for 30 s). KILN_LOADTEST_DURATION changes the duration; -short
// runs 3 s, and so does the race detector, at a fifth of the rate.
const (
	loadSSEClients = 200
	loadWorkers    = 128 // concurrent API clients serving the schedule
	loadEventRate  = 10  // synthetic log events per second beside the run's
)

// loadRate is the API requests per second, open loop.
var loadRate = 1000

// TestLoad: 200 event-stream clients and 1,000 API requests per second
// (GET targets, runs, one run, builders) against a server whose target
// runs a mock build run, on loopback. Every request answered must
// succeed (200), every stream must stay open and receive the run's
// events without being dropped, and after everything closed the
// goroutine count must settle back to where it was. Latency percentiles
// and the rate served go to the log.
//
// The rate is a requirement only without the race detector (scripts/test
// runs the test so, alone): then all scheduled requests must be served
// within twice the test's duration, else the server did not sustain the
// load. Under -race (slowed several times, on a 2-core machine shared
// with the rest of the suite) requests still unanswered when that time
// is up are cancelled and only counted, but each route must have
// answered.
func TestLoad(t *testing.T) {
	dur := 30 * time.Second
	if testing.Short() || raceEnabled {
		dur = 3 * time.Second
	}
	if raceEnabled {
		loadRate = 200
	}
	strictRate := !raceEnabled
	if s := os.Getenv("KILN_LOADTEST_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("KILN_LOADTEST_DURATION: %v", err)
		}
		dur = d
	}
	before := runtime.NumGoroutine()
	leakCheck(t, before)

	// Slower mock builds, so the run goes on for most of the test.
	e := newDockServer(t, Options{Keepalive: time.Second}, func(c *config.Config) {
		m := &c.Builders.Mock[0]
		m.Median, m.Max = builder.Duration(dur/6), builder.Duration(dur/2)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg := e.d.Targets()[0]
	p, err := tg.Plan(ctx, daemon.Request{Mode: "everything", By: "load test"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := tg.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Cancel("load test over"); <-run.Done() })

	// Event streams: half the default kinds, half with the log lines.
	sseTr := &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}
	defer sseTr.CloseIdleConnections()
	sseC := &http.Client{Transport: sseTr}
	var sseWG sync.WaitGroup
	var opened, sseEvents, sseErrs, dropped atomic.Int64
	var sseErrMsg atomic.Value
	sseCtx, stopSSE := context.WithCancel(ctx)
	defer stopSSE()
	for i := range loadSSEClients {
		url := e.hs.URL + "/api/v1/events"
		if i%2 == 1 {
			url += "?kind=run,build,log"
		}
		sseWG.Go(func() {
			req, _ := http.NewRequestWithContext(sseCtx, "GET", url, nil)
			resp, err := sseC.Do(req)
			if err != nil {
				sseErrs.Add(1)
				sseErrMsg.Store(err.Error())
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				sseErrs.Add(1)
				sseErrMsg.Store(resp.Status)
				return
			}
			opened.Add(1)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "event: dropped":
					dropped.Add(1)
				case strings.HasPrefix(line, "event: "):
					sseEvents.Add(1)
				}
			}
			if err := sc.Err(); err != nil && sseCtx.Err() == nil {
				sseErrs.Add(1)
				sseErrMsg.Store(err.Error())
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for opened.Load()+sseErrs.Load() < loadSSEClients && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := opened.Load(); n != loadSSEClients {
		t.Fatalf("%d of %d event streams opened (%d errors: %v)", n, loadSSEClients, sseErrs.Load(), sseErrMsg.Load())
	}

	// Synthetic log lines beside the run's own events, at a steady rate.
	bus := tg.Engine().Bus()
	var pubWG sync.WaitGroup
	pubCtx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	pubWG.Go(func() {
		tick := time.NewTicker(time.Second / loadEventRate)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-pubCtx.Done():
				return
			case <-tick.C:
				bus.Publish(buildrun.Event{Kind: buildrun.EventLog, Run: run.ID(), Build: 1, Line: fmt.Sprintf("load test line %d", i)})
			}
		}
	})

	// The API: an open-loop schedule of loadRate requests a second,
	// served by loadWorkers keep-alive clients. Nothing is dropped: a
	// request waits while the workers are behind, and its latency counts
	// from when it was due (so queueing shows), its service time from
	// when it was sent. The schedule must be served within another dur.
	paths := []string{"/api/v1/targets", "/api/v1/runs", "/api/v1/runs/" + run.ID(), "/api/v1/builders", "/api/v1/targets/master/x86_64"}
	apiTr := &http.Transport{MaxIdleConnsPerHost: loadWorkers, MaxConnsPerHost: loadWorkers}
	defer apiTr.CloseIdleConnections()
	apiC := &http.Client{Transport: apiTr, Timeout: 10 * time.Second}
	if !strictRate {
		apiC.Timeout = 0 // bounded by the drain deadline
	}
	total := int(float64(loadRate) * dur.Seconds())
	type job struct {
		path int
		due  time.Time
	}
	work := make(chan job, total)
	type sample struct {
		path       int
		d, service time.Duration
	}
	lat := make([][]sample, loadWorkers)
	var apiErrs, unfinished atomic.Int64
	var apiErrMsg atomic.Value
	var apiWG sync.WaitGroup
	drainCtx, stopDrain := context.WithCancel(ctx)
	defer stopDrain()
	for w := range loadWorkers {
		apiWG.Go(func() {
			for j := range work {
				if drainCtx.Err() != nil {
					continue // out of time: not done
				}
				path := paths[j.path]
				sent := time.Now()
				req, _ := http.NewRequestWithContext(drainCtx, "GET", e.hs.URL+path, nil)
				resp, err := apiC.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil && drainCtx.Err() != nil {
					unfinished.Add(1) // cut off at the deadline
					continue
				}
				if err != nil && resp == nil {
					apiErrs.Add(1)
					apiErrMsg.Store(err.Error())
					continue
				}
				now := time.Now()
				lat[w] = append(lat[w], sample{j.path, now.Sub(j.due), now.Sub(sent)})
				if resp.StatusCode != 200 || err != nil {
					apiErrs.Add(1)
					apiErrMsg.Store(fmt.Sprintf("GET %s: %s %v", path, resp.Status, err))
				}
			}
		})
	}
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	sent := 0
	for now := start; sent < total; now = <-tick.C {
		due := min(total, int(float64(loadRate)*now.Sub(start).Seconds()))
		for ; sent < due; sent++ {
			work <- job{sent % len(paths), start.Add(time.Duration(float64(sent) / float64(loadRate) * float64(time.Second)))}
		}
	}
	tick.Stop()
	close(work)
	drained := make(chan struct{})
	go func() { apiWG.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(dur):
		stopDrain()
		<-drained
	}
	elapsed := time.Since(start)
	stopPub()
	pubWG.Wait()
	events := sseEvents.Load()
	stopSSE()
	sseWG.Wait()

	var all, service []time.Duration
	byPath := make([][]time.Duration, len(paths))
	for _, l := range lat {
		for _, x := range l {
			all = append(all, x.d)
			service = append(service, x.service)
			byPath[x.path] = append(byPath[x.path], x.d)
		}
	}
	pct := func(ds []time.Duration, p float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(10 * time.Microsecond)
	}
	done := len(all)
	t.Logf("%d API requests scheduled at %d/s over %s, %d done in %s (%.0f/s); latency from when due: p50 %s p90 %s p99 %s max %s; service time p50 %s p99 %s",
		total, loadRate, dur, done, elapsed.Round(time.Millisecond), float64(done)/elapsed.Seconds(),
		pct(all, 0.5), pct(all, 0.9), pct(all, 0.99), pct(all, 1), pct(service, 0.5), pct(service, 0.99))
	t.Logf("%d event streams received %d events (%.0f per stream), %d dropped", loadSSEClients, events, float64(events)/loadSSEClients, dropped.Load())
	for i, p := range paths {
		t.Logf("  GET %-40s %6d requests, p50 %s p99 %s", p, len(byPath[i]), pct(byPath[i], 0.5), pct(byPath[i], 0.99))
	}
	if n := apiErrs.Load(); n > 0 {
		t.Errorf("%d API requests failed, e.g. %v", n, apiErrMsg.Load())
	}
	if n := sseErrs.Load(); n > 0 {
		t.Errorf("%d event streams failed, e.g. %v", n, sseErrMsg.Load())
	}
	if n := dropped.Load(); n > 0 {
		t.Errorf("%d event streams were dropped", n)
	}
	if served := done + int(apiErrs.Load()); served < total {
		msg := fmt.Sprintf("%d of %d scheduled requests served within twice the test's duration (%s), %d cut off in flight: the server sustained %.0f/s, not %d/s",
			served, total, 2*dur, unfinished.Load(), float64(done)/elapsed.Seconds(), loadRate)
		if strictRate {
			t.Error(msg)
		} else {
			t.Log(msg + " (the race detector's run: the rate is not required)")
		}
	}
	for i, p := range paths {
		if len(byPath[i]) == 0 {
			t.Errorf("GET %s: not answered once", p)
		}
	}
	if want := int64(loadSSEClients) * int64(dur.Seconds()) * loadEventRate / 4; events < want {
		t.Errorf("the event streams received %d events, want at least %d", events, want)
	}
}

// leakCheck registers a cleanup (run after every other cleanup of the
// test) that waits up to 10 s for the goroutine count to fall back to
// before.
func leakCheck(t *testing.T, before int) {
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		n := runtime.NumGoroutine()
		for n > before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			n = runtime.NumGoroutine()
		}
		if n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d before, %d after the load test settled:\n%s", before, n, buf)
			return
		}
		t.Logf("goroutines: %d before, %d after", before, n)
	})
}
