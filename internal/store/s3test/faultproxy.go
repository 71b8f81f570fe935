package s3test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Faults says which share (0..1) of requests a FaultProxy disturbs, and
// how. Every fault happens before the request reaches the server, so a
// retried request is always safe; LostResponses is the exception.
type Faults struct {
	Seed   uint64        // decisions are drawn from this seed, in arrival order
	Errors float64       // answered 500 InternalError or 503 SlowDown
	Drops  float64       // connection closed without an answer
	Delays float64       // held back for Delay, then forwarded
	Delay  time.Duration // default 50ms
	// LostResponses are forwarded, but the connection is closed instead
	// of returning the server's answer: the client cannot know whether
	// the request took effect.
	LostResponses float64
	// Truncates are GETs whose successful answer breaks off after half
	// of its body (the client reads an unexpected EOF).
	Truncates float64
}

// FaultProxy is an HTTP reverse proxy in front of an S3 server that
// injects errors, delays and dropped connections.
type FaultProxy struct {
	URL      string // http://127.0.0.1:PORT
	faults   Faults
	proxy    *httputil.ReverseProxy
	mu       sync.Mutex
	rnd      *rand.Rand
	Requests atomic.Int64 // requests seen
	Injected atomic.Int64 // requests disturbed (errors, drops, lost responses)
}

// StartFaultProxy starts a FaultProxy for target (an http:// URL), closed
// when the test ends.
func StartFaultProxy(t testing.TB, target string, f Faults) *FaultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	if f.Delay <= 0 {
		f.Delay = 50 * time.Millisecond
	}
	p := &FaultProxy{
		faults: f,
		rnd:    rand.New(rand.NewPCG(f.Seed, f.Seed+1)),
		proxy:  httputil.NewSingleHostReverseProxy(u),
	}
	// The Host header stays the proxy's: SigV4 signed it.
	p.proxy.ErrorLog = nil
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Through returns a copy of srv whose endpoint is the proxy.
func (p *FaultProxy) Through(srv *Server) *Server {
	c := *srv
	c.Endpoint = p.URL
	c.Name = srv.Name + " via fault proxy"
	return &c
}

type fault int

const (
	none fault = iota
	errorFault
	dropFault
	delayFault
	lostFault
	truncateFault
)

func (p *FaultProxy) decide() (fault, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	x := p.rnd.Float64()
	code := http.StatusInternalServerError
	if p.rnd.IntN(2) == 0 {
		code = http.StatusServiceUnavailable
	}
	f := p.faults
	switch {
	case x < f.Errors:
		return errorFault, code
	case x < f.Errors+f.Drops:
		return dropFault, 0
	case x < f.Errors+f.Drops+f.LostResponses:
		return lostFault, 0
	case x < f.Errors+f.Drops+f.LostResponses+f.Delays:
		return delayFault, 0
	case x < f.Errors+f.Drops+f.LostResponses+f.Delays+f.Truncates:
		return truncateFault, 0
	}
	return none, 0
}

func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.Requests.Add(1)
	kind, code := p.decide()
	switch kind {
	case errorFault:
		p.Injected.Add(1)
		io.Copy(io.Discard, r.Body)
		s3code := "InternalError"
		if code == http.StatusServiceUnavailable {
			s3code = "SlowDown"
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(code)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by s3test.FaultProxy</Message><RequestId>fault</RequestId></Error>`, s3code)
		return
	case dropFault:
		p.Injected.Add(1)
		drop(w)
		return
	case delayFault:
		select {
		case <-time.After(p.faults.Delay):
		case <-r.Context().Done():
			return
		}
	case lostFault:
		p.Injected.Add(1)
		rec := httptest.NewRecorder()
		p.proxy.ServeHTTP(rec, r)
		drop(w)
		return
	case truncateFault:
		if r.Method == http.MethodGet {
			p.truncate(w, r)
			return
		}
	}
	p.proxy.ServeHTTP(w, r)
}

// drop closes the client connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "s3test: cannot drop this connection", http.StatusBadGateway)
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// truncate forwards r and sends the headers and half the body of a
// successful answer, then aborts the connection.
func (p *FaultProxy) truncate(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	p.proxy.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	if rec.Code/100 != 2 || len(body) < 2 {
		w.Write(body)
		return
	}
	p.Injected.Add(1)
	w.Write(body[:len(body)/2])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler) // net/http's way to cut a response short
}
