package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/haikuports/kiln/internal/buildrun"
)

// logShown bounds how much of a log the page renders: the last logShown
// bytes (from a line start); the raw log has everything.
const logShown = 2 << 20

type logPage struct {
	ID     string // <run>:<n>
	Target string
	Build  buildrun.Build
	HTML   template.HTML // the log so far, rendered
	// Size is the log's length in bytes, Shown how many of its last
	// bytes HTML renders.
	Size, Shown int64
	// Follow: the build is not over and its run is active here, so
	// log.js follows it (Events, from offset Size).
	Follow bool
	Events string
	Raw    string
}

// buildLog renders a build's log so far (ANSI colours as spans, other
// escapes stripped, HTML-escaped) and, while the build runs, has log.js
// follow it over the event stream. Without JavaScript the page reloads
// itself while the build runs; "jump to end" is a plain anchor.
func (u *UI) buildLog(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	runID, n, err := parseBuildID(id)
	if err != nil {
		u.badRequest(w, r, err.Error()+".")
		return
	}
	ctx := r.Context()
	t, _, err := u.findRun(ctx, runID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if t == nil {
		u.notFound(w, r, fmt.Sprintf("No run %s.", runID))
		return
	}
	var b *buildrun.Build
	active := false
	if h, ok := t.Engine().Active(); ok && h.ID() == runID {
		active = true
		for _, x := range h.Builds() {
			if x.Number == n {
				b = &x
				break
			}
		}
	} else if b, err = t.Engine().Records().Build(ctx, runID, n); err != nil && !errors.Is(err, buildrun.ErrNotFound) {
		u.fail(w, r, err)
		return
	}
	if b == nil {
		u.notFound(w, r, fmt.Sprintf("Run %s has no build %d.", runID, n))
		return
	}
	tail := &tailBuffer{max: logShown}
	if _, err := t.Engine().Records().Log(ctx, runID, buildrun.BuildLog(n), tail); err != nil && !errors.Is(err, buildrun.ErrNotFound) {
		u.fail(w, r, err)
		return
	}
	shown := tail.lines()
	rendered, _ := ansiHTML(string(shown), sgr{})
	p := logPage{
		ID: id, Target: t.Name(), Build: *b, Size: tail.total, Shown: int64(len(shown)),
		HTML:   template.HTML(rendered), // ansiHTML escapes the text and writes only its spans
		Follow: active && !b.State.Final(),
		Raw:    "/api/v1/builds/" + url.PathEscape(id) + "/log",
	}
	if p.Follow {
		q := url.Values{"kind": {"log,build"}, "target": {t.Name()}, "build": {id}}
		p.Events = "/api/v1/events?" + q.Encode()
	}
	pg := page{Title: fmt.Sprintf("Log of build %d, %s", n, b.Port.RevisionedName), Nav: "runs", Scripts: []string{"log.js"}, Data: p}
	if p.Follow {
		pg.Refresh = 5
	}
	u.render(w, r, http.StatusOK, "log.html", pg)
}

// tailBuffer keeps the last max bytes written to it (and a little more,
// trimmed by lines) and counts them all. Memory stays below 2*max.
type tailBuffer struct {
	max   int
	buf   []byte
	total int64
	cut   bool // bytes before buf were dropped
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.total += int64(len(p))
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
		t.cut = true
	}
	return len(p), nil
}

// lines returns at most the last max bytes, starting at a line start.
func (t *tailBuffer) lines() []byte {
	b := t.buf
	cut := t.cut
	if len(b) > t.max {
		b, cut = b[len(b)-t.max:], true
	}
	if cut {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return b
}
