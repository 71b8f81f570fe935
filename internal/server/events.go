package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
)

// sseEvent is an event as the stream sends it: the bus event and its
// target.
type sseEvent struct {
	Target string `json:"target"`
	buildrun.Event
}

// events streams the targets' bus events as server-sent events (event:
// the kind, id: target/seq, data: JSON), with a comment line as a
// keepalive every Options.Keepalive. ?target=branch/arch selects one
// target, ?kind=run,build,… some kinds (default: all but log lines; log
// includes them). Each client has a buffer of Options.EventBuffer events
// per target: a client that falls behind is dropped (the stream ends
// with an "event: dropped"), and one that stops reading is cut off after
// Options.EventWriteTimeout. The handler returns when the client goes,
// the server closes, or it is dropped.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "no_streaming", "the connection cannot stream")
		return
	}
	targets := s.opts.Daemon.Targets()
	if name := r.URL.Query().Get("target"); name != "" {
		t := s.opts.Daemon.Target(name)
		if t == nil {
			writeError(w, http.StatusNotFound, "target_not_found", fmt.Sprintf("no target %q", name))
			return
		}
		targets = targets[:0:0]
		targets = append(targets, t)
	}
	kinds, err := parseKinds(r.URL.Query().Get("kind"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_kind", err.Error())
		return
	}
	filter := func(e buildrun.Event) bool { return kinds[e.Kind] }
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(r.Context().Done())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf((<-chan struct{})(s.stop))},
		{Dir: reflect.SelectRecv}, // keepalive, set below
	}
	var subs []*buildrun.Subscription
	for _, t := range targets {
		sub := t.Engine().Bus().Subscribe(s.opts.EventBuffer, filter)
		defer sub.Close()
		subs = append(subs, sub)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(sub.C)})
	}
	tick := time.NewTicker(s.opts.Keepalive)
	defer tick.Stop()
	cases[2].Chan = reflect.ValueOf(tick.C)

	rc := http.NewResponseController(w)
	deadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(s.opts.EventWriteTimeout)) }
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	deadline()
	fmt.Fprint(w, ": kiln events\n\n")
	fl.Flush()
	for {
		i, v, ok := reflect.Select(cases)
		deadline()
		switch {
		case i < 2:
			return
		case i == 2:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		case !ok:
			fmt.Fprint(w, "event: dropped\ndata: {\"reason\":\"the client fell behind\"}\n\n")
			fl.Flush()
			s.log.Info("event stream client dropped", "remote", r.RemoteAddr)
			return
		default:
			t := targets[i-3]
			e := v.Interface().(buildrun.Event)
			b, _ := json.Marshal(sseEvent{Target: t.Name(), Event: e})
			if _, err := fmt.Fprintf(w, "id: %s/%d\nevent: %s\ndata: %s\n\n", t.Name(), e.Seq, e.Kind, b); err != nil {
				return
			}
		}
		fl.Flush()
	}
}

func parseKinds(s string) (map[buildrun.EventKind]bool, error) {
	all := []buildrun.EventKind{buildrun.EventRun, buildrun.EventBuild, buildrun.EventBuilder, buildrun.EventLog, buildrun.EventPublish}
	out := map[buildrun.EventKind]bool{}
	if s == "" {
		for _, k := range all {
			out[k] = k != buildrun.EventLog
		}
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		ok := false
		for _, k := range all {
			if string(k) == part {
				out[k], ok = true, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("unknown event kind %q (want run, build, builder, log or publish)", part)
		}
	}
	return out, nil
}
