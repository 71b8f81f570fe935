package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildrun"
)

// subscribeProgress subscribes to the build and publish events followRun
// shows. Call it before the run starts or resumes: an event published
// before the subscription is not seen (a first build that starts at once
// would miss its "running on" line).
func subscribeProgress(eng *buildrun.Engine) *buildrun.Subscription {
	return eng.Bus().Subscribe(1024, func(e buildrun.Event) bool { return e.Kind == buildrun.EventBuild || e.Kind == buildrun.EventPublish })
}

// followRun shows a run's progress until it ends and returns its final
// record. On a terminal one status line is redrawn (done/total, running
// builds and their builders, failures, ETA); otherwise each event of sub
// (from subscribeProgress) is printed as a line, so logs of CI jobs stay
// readable.
func followRun(ctx context.Context, cmd *cobra.Command, sub *buildrun.Subscription, h *buildrun.Handle) (*buildrun.Run, error) {
	w := cmd.ErrOrStderr()
	_, tty := terminal(cmd)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	events := sub.C
	for {
		select {
		case <-h.Done():
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			return h.Wait(ctx)
		case e, ok := <-events:
			if !ok {
				events = nil // dropped: the ticker still draws
				continue
			}
			if !tty {
				printEvent(w, e)
			}
		case <-tick.C:
			if tty {
				fmt.Fprint(w, "\r\033[K"+progressLine(h.Builds(), time.Since(start)))
			}
		}
	}
}

func printEvent(w io.Writer, e buildrun.Event) {
	switch {
	case e.Kind == buildrun.EventPublish:
		fmt.Fprintf(w, "published snapshot %s\n", e.Snapshot)
	case buildrun.BuildState(e.State) == buildrun.BuildRunning:
		fmt.Fprintf(w, "build %d %s: running on %s\n", e.Build, e.Port, e.Builder)
	case buildrun.BuildState(e.State).Final():
		line := fmt.Sprintf("build %d %s: %s", e.Build, e.Port, e.State)
		if e.Reason != "" {
			line += " (" + oneLineText(e.Reason) + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// progressLine is the terminal status line.
func progressLine(builds []buildrun.Build, elapsed time.Duration) string {
	var done, failed int
	var running []string
	for _, b := range builds {
		switch {
		case b.State == buildrun.BuildRunning:
			running = append(running, b.Port.ID()+"@"+b.Builder)
		case b.State == buildrun.BuildFailed || b.State == buildrun.BuildLost:
			failed++
			done++
		case b.State.Final():
			done++
		}
	}
	slices.Sort(running)
	s := fmt.Sprintf("[%d/%d]", done, len(builds))
	if failed > 0 {
		s += fmt.Sprintf(" %d failed", failed)
	}
	if done > 0 && done < len(builds) {
		eta := time.Duration(float64(elapsed) / float64(done) * float64(len(builds)-done)).Round(time.Second)
		s += " ETA " + eta.String()
	}
	if len(running) > 0 {
		s += " running " + strings.Join(running, ", ")
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// printRunSummary prints what a run built, failed, skipped and published.
func printRunSummary(w io.Writer, run *buildrun.Run, builds []buildrun.Build) {
	counts := map[buildrun.BuildState]int{}
	for _, b := range builds {
		counts[b.State]++
	}
	var parts []string
	for _, st := range []buildrun.BuildState{buildrun.BuildSucceeded, buildrun.BuildFailed, buildrun.BuildLost, buildrun.BuildSkipped, buildrun.BuildCancelled} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no builds")
	}
	fmt.Fprintf(w, "run %s %s: %s of %d %s\n", run.ID, run.State, strings.Join(parts, ", "), len(builds), plural(len(builds), "build", "builds"))
	for _, b := range builds {
		switch b.State {
		case buildrun.BuildFailed:
			fmt.Fprintf(w, "  failed  %d %s: %s\n", b.Number, b.Port.ID(), oneLineText(b.Reason))
		case buildrun.BuildLost:
			fmt.Fprintf(w, "  lost    %d %s: %s\n", b.Number, b.Port.ID(), strings.Join(b.LostChain, " <- "))
		}
	}
	for _, hp := range run.Held {
		fmt.Fprintf(w, "  held back %s: %s\n", hp.File, oneLineText(hp.Reason))
	}
	if n := len(run.Snapshots); n > 0 {
		fmt.Fprintf(w, "published %s (%d %s by this run)\n", run.Snapshots[n-1], n, plural(n, "snapshot", "snapshots"))
	}
	if len(run.Skipped) > 0 {
		fmt.Fprintf(w, "%d %s not built (kiln runs show %s)\n", len(run.Skipped), plural(len(run.Skipped), "port", "ports"), run.ID)
	}
}

func oneLineText(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
