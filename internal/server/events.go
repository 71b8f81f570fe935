package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// sseEvent is an event as the stream sends it: the bus event and its
// target.
type sseEvent struct {
	Target string `json:"target"`
	buildrun.Event
}

// events streams the targets' bus events as server-sent events (event:
// the kind, data: JSON), with a comment line as a keepalive every
// Options.Keepalive. ?target=branch/arch selects one target,
// ?kind=run,build,… some kinds (default: all but log lines; log includes
// them), ?run=<id> one run's events and ?build=<run>:<n> one build's.
//
// Each event's id is the stream's position in every target it follows
// ("master/x86_64=41,r1beta5/x86_gcc2=7"): a client that reconnects
// with it as Last-Event-ID (EventSource does so itself) first gets the
// events it missed from the buses' replay buffers (buildrun.Replay per
// target), then the live ones, none twice. When some are no longer kept
// (or the id is from before a restart) an "event: gap" says so for that
// target, and the stream goes on from what is kept.
//
// Each client has a buffer of Options.EventBuffer events per target: a
// client that falls behind is dropped (the stream ends with an "event:
// dropped"), and one that stops reading is cut off after
// Options.EventWriteTimeout. The handler returns when the client goes,
// the server closes, or it is dropped.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "no_streaming", "the connection cannot stream")
		return
	}
	q := r.URL.Query()
	targets := s.opts.Daemon.Targets()
	if name := q.Get("target"); name != "" {
		t := s.opts.Daemon.Target(name)
		if t == nil {
			writeError(w, http.StatusNotFound, "target_not_found", fmt.Sprintf("no target %q", name))
			return
		}
		targets = targets[:0:0]
		targets = append(targets, t)
	}
	if _, err := parseKinds(q.Get("kind")); err != nil {
		writeError(w, http.StatusBadRequest, "bad_kind", err.Error())
		return
	}
	filter, err := eventFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_filter", err.Error())
		return
	}
	resume, err := parseEventID(r.Header.Get("Last-Event-ID"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_last_event_id", err.Error())
		return
	}
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(r.Context().Done())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf((<-chan struct{})(s.stop))},
		{Dir: reflect.SelectRecv}, // keepalive, set below
	}
	pos := make([]uint64, len(targets)) // the last seq sent per target
	type backlog struct {
		missed   []buildrun.Event
		complete bool
		resumed  bool
	}
	backlogs := make([]backlog, len(targets))
	for i, t := range targets {
		bus := t.Engine().Bus()
		var sub *buildrun.Subscription
		if after, ok := resume[t.Name()]; ok {
			var bl backlog
			sub, bl.missed, bl.complete = bus.SubscribeAfter(s.opts.EventBuffer, filter, after)
			bl.resumed = true
			backlogs[i] = bl
			pos[i] = after
		} else {
			// From now: the events published since Seq are returned, not lost.
			var bl backlog
			pos[i] = bus.Seq()
			sub, bl.missed, _ = bus.SubscribeAfter(s.opts.EventBuffer, filter, pos[i])
			backlogs[i] = bl
		}
		defer sub.Close()
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
	send := func(i int, e buildrun.Event) error {
		if e.Seq <= pos[i] && e.Seq != 0 {
			return nil // replayed already
		}
		pos[i] = max(pos[i], e.Seq)
		b, _ := json.Marshal(sseEvent{Target: targets[i].Name(), Event: e})
		_, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", eventID(targets, pos), e.Kind, b)
		return err
	}
	for i, bl := range backlogs {
		if bl.resumed && !bl.complete {
			b, _ := json.Marshal(map[string]any{"target": targets[i].Name(), "after": pos[i],
				"reason": "events after the resumed position are no longer kept (or kiln restarted): reload the state"})
			fmt.Fprintf(w, "event: gap\ndata: %s\n\n", b)
			pos[i] = 0
		}
		for _, e := range bl.missed {
			if err := send(i, e); err != nil {
				return
			}
		}
	}
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
			if err := send(i-3, v.Interface().(buildrun.Event)); err != nil {
				return
			}
		}
		fl.Flush()
	}
}

// eventFilter selects the events of a stream from its query: kind, run
// and build.
func eventFilter(q url.Values) (func(buildrun.Event) bool, error) {
	kinds, err := parseKinds(q.Get("kind"))
	if err != nil {
		return nil, err
	}
	run := q.Get("run")
	if run != "" && !validRunID(run) {
		return nil, fmt.Errorf("run %q: not a run id", run)
	}
	var build int64
	if b := q.Get("build"); b != "" {
		i := strings.LastIndexByte(b, ':')
		var err error
		if i > 0 {
			build, err = strconv.ParseInt(b[i+1:], 10, 64)
		}
		if i <= 0 || err != nil || build < 1 || !validRunID(b[:i]) || (run != "" && run != b[:i]) {
			return nil, fmt.Errorf("build %q: want <run id>:<build number> (of the run given)", b)
		}
		run = b[:i]
	}
	return func(e buildrun.Event) bool {
		return kinds[e.Kind] && (run == "" || e.Run == run) && (build == 0 || e.Build == build)
	}, nil
}

// eventID is a stream's position: target=seq for each target, in order.
func eventID(targets []*daemon.Target, pos []uint64) string {
	var b strings.Builder
	for i, t := range targets {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Name())
		b.WriteByte('=')
		b.WriteString(strconv.FormatUint(pos[i], 10))
	}
	return b.String()
}

// maxEventID bounds a Last-Event-ID header.
const maxEventID = 4096

// parseEventID reads eventID's form back (empty: no resume). Targets the
// daemon does not have are ignored: the client resumes what exists.
func parseEventID(s string) (map[string]uint64, error) {
	out := map[string]uint64{}
	if s == "" {
		return out, nil
	}
	if len(s) > maxEventID {
		return nil, fmt.Errorf("Last-Event-ID: longer than %d bytes", maxEventID)
	}
	for _, part := range strings.Split(s, ",") {
		name, seq, ok := strings.Cut(part, "=")
		n, err := strconv.ParseUint(seq, 10, 64)
		if !ok || err != nil || name == "" {
			return nil, fmt.Errorf("Last-Event-ID %q: want target=seq,… as the stream's ids are", s)
		}
		out[name] = n
	}
	return out, nil
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
