package ui

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/daemon"
)

// The feedEntry feed (HaikuPorter issue #272): an Atom 1.0 document (RFC
// 4287) of the failed, lost and skipped builds of one target or of all.

const (
	atomNS = "http://www.w3.org/2005/Atom"
	// tagPrefix starts every feed and entry id: tag: URIs (RFC 4151) that
	// depend only on the target, run id and build, never on the host name
	// the feed was read through, so a reader sees an entry once.
	tagPrefix = "tag:haikuports.org,2026:kiln/"
	// feedDefault and feedMax bound a feed's length (?limit=).
	feedDefault = 50
	feedMax     = 200
)

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:"title,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID       string         `xml:"id"`
	Title    string         `xml:"title"`
	Updated  string         `xml:"updated"`
	Links    []atomLink     `xml:"link"`
	Category []atomCategory `xml:"category"`
	Summary  atomText       `xml:"summary"`
}

// failureFeed serves GET /targets/{branch}/{arch}/failures.atom.
func (u *UI) failureFeed(w http.ResponseWriter, r *http.Request) {
	t := u.pathTarget(w, r)
	if t == nil {
		return
	}
	u.serveFeed(w, r, []*daemon.Target{t}, "targets/"+t.Name()+"/failures")
}

// allFailuresFeed serves GET /failures.atom: every target's failures.
func (u *UI) allFailuresFeed(w http.ResponseWriter, r *http.Request) {
	u.serveFeed(w, r, u.d.Targets(), "failures")
}

func (u *UI) serveFeed(w http.ResponseWriter, r *http.Request, targets []*daemon.Target, what string) {
	limit := feedDefault
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > feedMax {
			u.badRequest(w, r, fmt.Sprintf("?limit=%q: a feed has 1 to %d entries.", v, feedMax))
			return
		}
		limit = n
	}
	var all []feedEntry
	for _, t := range targets {
		fs, err := feedEntries(r.Context(), t, limit)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		all = append(all, fs...)
	}
	sortFeed(all)
	if len(all) > limit {
		all = all[:limit]
	}
	base := baseURL(r)
	title := "kiln: failed and skipped builds"
	if len(targets) == 1 {
		title += " of " + targets[0].Name()
	}
	f := atomFeed{ID: tagPrefix + what, Title: title, Author: atomPerson{Name: "kiln"}, Generator: "kiln",
		Subtitle: "Failed builds, builds lost because a dependency failed, and ports not built, newest first",
		Links: []atomLink{{Rel: "self", Href: base + r.URL.EscapedPath(), Type: "application/atom+xml"},
			{Rel: "alternate", Href: base + "/", Type: "text/html"}}}
	updated := time.Unix(0, 0)
	for _, fl := range all {
		if fl.Time.After(updated) {
			updated = fl.Time
		}
		f.Entries = append(f.Entries, atomEntryOf(base, fl))
	}
	f.Updated = atomTime(updated)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		u.fail(w, r, err)
		return
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}

func atomEntryOf(base string, f feedEntry) atomEntry {
	run := url.PathEscape(f.Run)
	e := atomEntry{Updated: atomTime(f.Time), Category: []atomCategory{{Term: f.State}, {Term: f.Target}},
		Links: []atomLink{{Rel: "alternate", Href: base + "/runs/" + run, Type: "text/html", Title: "run " + f.Run}}}
	var sum strings.Builder
	switch {
	case f.Build > 0:
		e.ID = fmt.Sprintf("%s%s/runs/%s/builds/%d", tagPrefix, f.Target, run, f.Build)
		e.Title = fmt.Sprintf("%s %s on %s", f.Port, f.State, f.Target)
		if f.Attempts > 0 {
			e.Links = append(e.Links, atomLink{Rel: "related", Href: fmt.Sprintf("%s/builds/%s:%d/log", base, run, f.Build),
				Type: "text/html", Title: "build log"})
		}
		fmt.Fprintf(&sum, "Build #%d of run %s", f.Build, f.Run)
		if f.Builder != "" {
			fmt.Fprintf(&sum, " on %s", f.Builder)
		}
		if f.Attempts > 0 {
			fmt.Fprintf(&sum, " after %d attempts", f.Attempts)
		}
		sum.WriteString(": " + f.State)
	default:
		e.ID = fmt.Sprintf("%s%s/runs/%s/skipped/%s", tagPrefix, f.Target, run, url.PathEscape(f.Port))
		e.Title = fmt.Sprintf("%s not built on %s (%s)", f.Port, f.Target, f.State)
		fmt.Fprintf(&sum, "Run %s did not build %s: %s", f.Run, f.Port, f.State)
	}
	if f.Reason != "" {
		sum.WriteString(": " + f.Reason)
	}
	if len(f.LostChain) > 0 {
		sum.WriteString(". Chain: " + strings.Join(f.LostChain, " → "))
	}
	e.Summary = atomText{Type: "text", Body: sum.String()}
	return e
}

// atomTime is an RFC 3339 date-time as Atom wants it.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// baseURL is the scheme and host the request reached kiln by, for the
// absolute links of a feed (X-Forwarded-Proto is honoured when it says
// http or https).
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
