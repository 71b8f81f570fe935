package ui

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
)

// parseFeed reads an Atom feed back with encoding/xml (into its own
// structs, not the server's, so a wrong tag name fails the test).
type parsedFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Author  struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Links   []parsedLink `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		ID      string       `xml:"http://www.w3.org/2005/Atom id"`
		Title   string       `xml:"http://www.w3.org/2005/Atom title"`
		Updated string       `xml:"http://www.w3.org/2005/Atom updated"`
		Summary string       `xml:"http://www.w3.org/2005/Atom summary"`
		Links   []parsedLink `xml:"http://www.w3.org/2005/Atom link"`
		Cats    []struct {
			Term string `xml:"term,attr"`
		} `xml:"http://www.w3.org/2005/Atom category"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

type parsedLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

func getFeed(t *testing.T, url string) (*parsedFeed, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("GET %s: %s %s\n%s", url, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	var f parsedFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, body)
	}
	return &f, string(body)
}

// TestFailureFeed: a real run on mock builders where libkiln fails:
// the feed lists exactly the run's failed and lost builds and its
// skipped ports, with stable tag: ids, RFC 3339 times and links to the
// run page and the build's log; it is the same when read again, bounded
// by ?limit=, and the all-targets feed has the same entries.
func TestFailureFeed(t *testing.T) {
	rs := newRanServer(t, map[string]string{"libkiln": "fail"})
	want := map[string]string{} // entry id → state
	var failedNumber int64
	for _, b := range rs.builds {
		switch b.State {
		case buildrun.BuildFailed, buildrun.BuildLost:
			want[fmt.Sprintf("tag:haikuports.org,2026:kiln/master/x86_64/runs/%s/builds/%d", rs.run.ID, b.Number)] = string(b.State)
			if b.State == buildrun.BuildFailed {
				failedNumber = b.Number
			}
		}
	}
	for _, sk := range rs.run.Skipped {
		want[fmt.Sprintf("tag:haikuports.org,2026:kiln/master/x86_64/runs/%s/skipped/%s", rs.run.ID, sk.Port.RevisionedName)] = sk.State
	}
	if failedNumber == 0 || len(want) < 3 {
		t.Fatalf("the run has no failed build or too few entries: %v (builds %+v)", want, rs.builds)
	}
	f, body := getFeed(t, rs.hs.URL+"/targets/master/x86_64/failures.atom")
	if f.ID != "tag:haikuports.org,2026:kiln/targets/master/x86_64/failures" || f.Author.Name == "" || f.Title == "" {
		t.Errorf("feed id %q author %q title %q", f.ID, f.Author.Name, f.Title)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	if !hasLink(f.Links, "self", rs.hs.URL+"/targets/master/x86_64/failures.atom") {
		t.Errorf("feed links %+v", f.Links)
	}
	if len(f.Entries) != len(want) {
		t.Errorf("%d entries, want %d: %s", len(f.Entries), len(want), body)
	}
	prev := time.Now().Add(time.Hour)
	for _, e := range f.Entries {
		state, ok := want[e.ID]
		if !ok {
			t.Errorf("entry %q is not a feedEntry of the run", e.ID)
			continue
		}
		u, err := time.Parse(time.RFC3339, e.Updated)
		if err != nil {
			t.Errorf("entry %s updated %q: %v", e.ID, e.Updated, err)
		}
		if u.After(prev) {
			t.Errorf("entry %s is newer than the one before it", e.ID)
		}
		prev = u
		if len(e.Cats) == 0 || e.Cats[0].Term != state {
			t.Errorf("entry %s categories %+v, want state %s", e.ID, e.Cats, state)
		}
		if !hasLink(e.Links, "alternate", rs.hs.URL+"/runs/"+rs.run.ID) || e.Title == "" || e.Summary == "" {
			t.Errorf("entry %+v", e)
		}
		if strings.HasSuffix(e.ID, fmt.Sprintf("/builds/%d", failedNumber)) {
			if !hasLink(e.Links, "related", fmt.Sprintf("%s/builds/%s:%d/log", rs.hs.URL, rs.run.ID, failedNumber)) {
				t.Errorf("failed entry has no log link: %+v", e.Links)
			}
			if !strings.Contains(e.Title, "libkiln") || !strings.Contains(e.Title, "failed") {
				t.Errorf("failed entry title %q", e.Title)
			}
		}
	}
	again, _ := getFeed(t, rs.hs.URL+"/targets/master/x86_64/failures.atom")
	for i := range again.Entries {
		if again.Entries[i].ID != f.Entries[i].ID || again.Entries[i].Updated != f.Entries[i].Updated {
			t.Errorf("entry %d changed between two reads: %s %s / %s %s", i, f.Entries[i].ID, f.Entries[i].Updated, again.Entries[i].ID, again.Entries[i].Updated)
		}
	}
	one, _ := getFeed(t, rs.hs.URL+"/targets/master/x86_64/failures.atom?limit=1")
	if len(one.Entries) != 1 || one.Entries[0].ID != f.Entries[0].ID {
		t.Errorf("?limit=1: %d entries", len(one.Entries))
	}
	// Feed readers find it from any page.
	if _, _, page := get(t, rs.hs.URL+"/"); !strings.Contains(page, `<link rel="alternate" type="application/atom+xml" title="kiln: failed and skipped builds" href="/failures.atom">`) {
		t.Error("the layout does not link the feed")
	}
	all, _ := getFeed(t, rs.hs.URL+"/failures.atom")
	if len(all.Entries) != len(f.Entries) || all.ID == f.ID {
		t.Errorf("all-targets feed: %d entries, id %s", len(all.Entries), all.ID)
	}
	for _, c := range []struct {
		path string
		code int
	}{
		{"/targets/master/x86_64/failures.atom?limit=0", 400},
		{"/targets/master/x86_64/failures.atom?limit=201", 400},
		{"/targets/master/x86_64/failures.atom?limit=x", 400},
		{"/targets/master/nosuch/failures.atom", 404},
		{"/targets/master/x%3Cb%3E/failures.atom", 400},
	} {
		resp, err := http.Get(rs.hs.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || strings.Contains(string(b), "<b>") {
			t.Errorf("GET %s: %d %q, want %d", c.path, resp.StatusCode, b, c.code)
		}
	}
}

func hasLink(ls []parsedLink, rel, href string) bool {
	for _, l := range ls {
		if l.Rel == rel && l.Href == href {
			return true
		}
	}
	return false
}

// TestFailureFeedActiveRun: while a run runs (one build hangs), its
// failed and lost builds are in the feed from the engine's memory, with
// the ids they keep once the run ended.
func TestFailureFeedActiveRun(t *testing.T) {
	d := newDemoDaemon(t, map[string]string{"libkiln": "fail", "pkgconf_lite": "hang"}, nil)
	tg := d.Targets()[0]
	p, err := tg.Plan(t.Context(), daemonEverything())
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	hs := newTestServer(t, d)
	failedID := ""
	deadline := time.Now().Add(time.Minute)
	for failedID == "" && time.Now().Before(deadline) {
		for _, b := range h.Builds() {
			if b.State == buildrun.BuildFailed {
				failedID = fmt.Sprintf("tag:haikuports.org,2026:kiln/master/x86_64/runs/%s/builds/%d", h.ID(), b.Number)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if failedID == "" {
		t.Fatal("libkiln did not fail")
	}
	if _, ok := tg.Engine().Active(); !ok {
		t.Fatal("the run ended: pkgconf_lite did not hang")
	}
	during, _ := getFeed(t, hs.URL+"/targets/master/x86_64/failures.atom")
	ids := map[string]bool{}
	for _, e := range during.Entries {
		ids[e.ID] = true
	}
	if !ids[failedID] {
		t.Fatalf("the active run's failed build is not in the feed: %v", ids)
	}
	h.Cancel("test")
	if _, err := h.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	after, _ := getFeed(t, hs.URL+"/targets/master/x86_64/failures.atom")
	for _, e := range after.Entries {
		delete(ids, e.ID)
	}
	if len(ids) != 0 {
		t.Errorf("entries of the running run gone once it ended: %v", ids)
	}
}
