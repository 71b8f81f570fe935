package buildrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Report is what a run did: report.json, and report.txt in words.
type Report struct {
	Run       string         `json:"run"`
	Target    string         `json:"target"`
	State     RunState       `json:"state"`
	Reason    string         `json:"reason,omitempty"`
	Tree      Tree           `json:"tree"`
	Trigger   Trigger        `json:"trigger"`
	Started   time.Time      `json:"started"`
	Ended     time.Time      `json:"ended,omitzero"`
	Built     []ReportBuild  `json:"built"`
	Failed    []ReportBuild  `json:"failed"`
	Lost      []ReportBuild  `json:"lost"`
	Skipped   []ReportSkip   `json:"skipped"`
	Held      []Held         `json:"held"`
	Snapshots []string       `json:"snapshots"`
	Counts    map[string]int `json:"counts"`
}

// ReportBuild is one build in a report.
type ReportBuild struct {
	Number   int64         `json:"number"`
	Port     string        `json:"port"` // revisioned name
	Builder  string        `json:"builder,omitempty"`
	Attempts int           `json:"attempts"`
	Duration time.Duration `json:"durationNs"`
	Packages []string      `json:"packages,omitempty"`
	Reason   string        `json:"reason,omitempty"`
}

// ReportSkip is a port not built, and why.
type ReportSkip struct {
	Port   string `json:"port"`
	State  string `json:"state"`
	Reason string `json:"reason"`
}

// report builds the report; r.mu is held.
func (r *runner) report() *Report {
	rp := &Report{Run: r.run.ID, Target: r.run.Target, State: r.run.State, Reason: r.run.Reason, Tree: r.run.Tree,
		Trigger: r.run.Trigger, Started: r.run.Started, Ended: r.run.Ended, Built: []ReportBuild{}, Failed: []ReportBuild{},
		Lost: []ReportBuild{}, Skipped: []ReportSkip{}, Held: append([]Held{}, r.run.Held...),
		Snapshots: append([]string{}, r.run.Snapshots...), Counts: map[string]int{}}
	for _, b := range r.builds {
		rp.Counts[string(b.rec.State)]++
		e := ReportBuild{Number: b.rec.Number, Port: b.rec.Port.RevisionedName, Builder: b.rec.Builder,
			Attempts: len(b.rec.Attempts), Duration: b.rec.Duration(), Reason: b.rec.Reason}
		switch b.rec.State {
		case BuildSucceeded:
			e.Packages = b.rec.Outputs
			rp.Built = append(rp.Built, e)
		case BuildFailed, BuildCancelled:
			rp.Failed = append(rp.Failed, e)
		case BuildLost:
			rp.Lost = append(rp.Lost, e)
		case BuildSkipped:
			rp.Skipped = append(rp.Skipped, ReportSkip{Port: b.rec.Port.RevisionedName, State: "skipped", Reason: b.rec.Reason})
		}
	}
	for _, sk := range r.run.Skipped {
		rp.Skipped = append(rp.Skipped, ReportSkip{Port: sk.Port.RevisionedName, State: sk.State, Reason: sk.Reason})
		rp.Counts["not built"]++
	}
	return rp
}

// Text renders the report for people.
func (rp *Report) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "build run %s of %s: %s", rp.Run, rp.Target, rp.State)
	if rp.Reason != "" {
		fmt.Fprintf(&b, " (%s)", rp.Reason)
	}
	fmt.Fprintf(&b, "\ntree %s, mode %s", rp.Tree.Commit, rp.Trigger.Mode)
	if rp.Trigger.By != "" {
		fmt.Fprintf(&b, ", started by %s", rp.Trigger.By)
	}
	fmt.Fprintf(&b, "\nstarted %s", rp.Started.Format(time.RFC3339))
	if !rp.Ended.IsZero() {
		fmt.Fprintf(&b, ", ended %s (%s)", rp.Ended.Format(time.RFC3339), rp.Ended.Sub(rp.Started).Round(time.Second))
	}
	fmt.Fprintf(&b, "\n%d built, %d failed, %d lost, %d not built, %d packages held back, %d snapshots published\n",
		len(rp.Built), len(rp.Failed), len(rp.Lost), len(rp.Skipped), len(rp.Held), len(rp.Snapshots))
	section := func(title string, n int) {
		if n > 0 {
			fmt.Fprintf(&b, "\n%s (%d):\n", title, n)
		}
	}
	section("failed", len(rp.Failed))
	for _, e := range rp.Failed {
		fmt.Fprintf(&b, "  #%d %s on %s after %d attempts: %s\n", e.Number, e.Port, e.Builder, e.Attempts, oneLine(e.Reason))
	}
	section("lost (a dependency failed)", len(rp.Lost))
	for _, e := range rp.Lost {
		fmt.Fprintf(&b, "  #%d %s: %s\n", e.Number, e.Port, oneLine(e.Reason))
	}
	section("held back (not published)", len(rp.Held))
	for _, h := range rp.Held {
		fmt.Fprintf(&b, "  %s (build #%d of %s): %s\n", h.File, h.Build, h.Port, oneLine(h.Reason))
	}
	section("not built", len(rp.Skipped))
	for _, s := range rp.Skipped {
		fmt.Fprintf(&b, "  %s: %s: %s\n", s.Port, s.State, oneLine(s.Reason))
	}
	section("built", len(rp.Built))
	for _, e := range rp.Built {
		fmt.Fprintf(&b, "  #%d %s on %s in %s: %s\n", e.Number, e.Port, e.Builder, e.Duration.Round(time.Millisecond), strings.Join(e.Packages, " "))
	}
	section("snapshots", len(rp.Snapshots))
	for _, s := range rp.Snapshots {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	return b.Bytes()
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// writeReport queues report.json and report.txt.
func (r *runner) writeReport() {
	r.mu.Lock()
	rp := r.report()
	r.mu.Unlock()
	b, err := json.MarshalIndent(rp, "", "  ")
	if err == nil {
		r.rec.putBytes(r.l.reportJSON(r.run.ID), append(b, '\n'))
	}
	r.rec.putBytes(r.l.reportText(r.run.ID), rp.Text())
}
