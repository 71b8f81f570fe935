package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/repo"
)

func newRunsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Read the build runs recorded in the store: list, show, log",
		Long: `Reads the records build runs leave in the store (<target>/.kiln/buildruns/):
no daemon is needed. The store and target come from --store and --target,
or from a kiln.toml given with --config.`,
	}
	cmd.AddCommand(newRunsListCmd(), newRunsShowCmd(), newRunsLogCmd(), newRunsPruneCmd())
	return cmd
}

// runsFlags say whose runs to read.
type runsFlags struct {
	storeFlags
	config string
}

func (f *runsFlags) add(cmd *cobra.Command) {
	f.storeFlags.add(cmd)
	cmd.Flags().StringVarP(&f.config, "config", "c", "", "take the store (and the target, if it is the only one) from this kiln.toml")
}

// openRepo opens the target's repository, taking the store (and the
// target, unless --target is given) from --config when it is set.
func (f *runsFlags) openRepo(cmd *cobra.Command) (*repo.Repo, error) {
	if f.config != "" {
		cfg, err := config.Load(f.config)
		if err != nil {
			return nil, err
		}
		name := ""
		if cmd.Flags().Changed("target") {
			name = f.target
		}
		tg, err := cfg.Target(name)
		if err != nil {
			return nil, err
		}
		f.store, f.target = cfg.Store.URL, tg.Name()
	}
	return f.open(cmd)
}

func (f *runsFlags) reader(cmd *cobra.Command) (*buildrun.Reader, error) {
	r, err := f.openRepo(cmd)
	if err != nil {
		return nil, err
	}
	return buildrun.NewReader(r.Store(), r), nil
}

func newRunsListCmd() *cobra.Command {
	var (
		f           runsFlags
		state, port string
		limit       int
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "list [--state STATE] [--port NAME] [--limit N]",
		Short: "List a target's build runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if state != "" && !slices.Contains(runStates, buildrun.RunState(state)) {
				return usagef(cmd, "--state %q: want one of %s", state, joinStates(runStates))
			}
			rd, err := f.reader(cmd)
			if err != nil {
				return err
			}
			runs, err := rd.Runs(cmd.Context())
			if err != nil {
				return err
			}
			slices.Reverse(runs)
			var rows []runRow
			for _, run := range runs {
				if state != "" && string(run.State) != state {
					continue
				}
				row := runRow{Run: run}
				builds, err := rd.Builds(cmd.Context(), run.ID)
				if err != nil {
					return err
				}
				row.count(builds)
				if port != "" && !row.has(builds, port) {
					continue
				}
				rows = append(rows, row)
				if limit > 0 && len(rows) == limit {
					break
				}
			}
			if asJSON {
				return printJSON(cmd, rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTATE\tTRIGGER\tCOMMIT\tBUILDS\tSUCCEEDED\tFAILED\tSTARTED\tDURATION")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Run.ID, r.Run.State, triggerText(r.Run.Trigger), short(r.Run.Tree.Commit),
					len(r.Run.Builds), r.Succeeded, r.Failed, r.Run.Started.Local().Format("2006-01-02 15:04"), runDuration(r.Run))
			}
			return tw.Flush()
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&state, "state", "", "only runs in this state ("+joinStates(runStates)+")")
	fl.StringVar(&port, "port", "", "only runs that built this port (name or name-version)")
	fl.IntVar(&limit, "limit", 0, "at most this many runs (0: all)")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

var runStates = []buildrun.RunState{buildrun.RunRunning, buildrun.RunComplete, buildrun.RunFailed, buildrun.RunCancelled, buildrun.RunError}

func joinStates(s []buildrun.RunState) string {
	var out []string
	for _, st := range s {
		out = append(out, string(st))
	}
	return strings.Join(out, ", ")
}

// runRow is one line of runs list.
type runRow struct {
	Run       *buildrun.Run `json:"run"`
	Succeeded int           `json:"succeeded"`
	Failed    int           `json:"failed"` // failed or lost
}

func (r *runRow) count(builds []buildrun.Build) {
	for _, b := range builds {
		switch b.State {
		case buildrun.BuildSucceeded:
			r.Succeeded++
		case buildrun.BuildFailed, buildrun.BuildLost:
			r.Failed++
		}
	}
}

func (r *runRow) has(builds []buildrun.Build, port string) bool {
	for _, b := range builds {
		if b.Port.Name == port || b.Port.ID() == port {
			return true
		}
	}
	return false
}

func triggerText(t buildrun.Trigger) string {
	s := t.Mode
	switch {
	case t.Mode == "update" && t.From != "":
		s += " " + short(t.From) + ".." + short(t.To)
	case len(t.Ports) > 0:
		s += " " + strings.Join(t.Ports, ",")
	}
	if t.By != "" {
		s += " by " + t.By
	}
	return s
}

func runDuration(r *buildrun.Run) string {
	if r.Ended.IsZero() {
		return "-"
	}
	return r.Ended.Sub(r.Started).Round(time.Second).String()
}

func newRunsShowCmd() *cobra.Command {
	var (
		f      runsFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run: its trigger, every build with state, builder, duration, attempts and reason, and what was not built",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rd, err := f.reader(cmd)
			if err != nil {
				return err
			}
			id, err := resolveRunID(cmd.Context(), rd, args[0])
			if err != nil {
				return err
			}
			run, err := rd.Run(cmd.Context(), id)
			if err != nil {
				return err
			}
			builds, err := rd.Builds(cmd.Context(), id)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, struct {
					Run    *buildrun.Run    `json:"run"`
					Builds []buildrun.Build `json:"builds"`
				}{run, builds})
			}
			return printRun(cmd.OutOrStdout(), run, builds)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run and build records as JSON")
	return cmd
}

// resolveRunID accepts a run id, or "last" for the newest run.
func resolveRunID(ctx context.Context, rd *buildrun.Reader, arg string) (string, error) {
	if arg != "last" {
		return arg, nil
	}
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("%w: the target has no runs", buildrun.ErrNotFound)
	}
	return ids[len(ids)-1], nil
}

func printRun(w io.Writer, run *buildrun.Run, builds []buildrun.Build) error {
	fmt.Fprintf(w, "run %s of %s: %s", run.ID, run.Target, run.State)
	if run.Reason != "" {
		fmt.Fprintf(w, " (%s)", oneLineText(run.Reason))
	}
	fmt.Fprintf(w, "\ntrigger %s; tree %s at %s\nstarted %s, took %s\n", triggerText(run.Trigger), run.Tree.OriginURL, run.Tree.Commit,
		run.Started.Local().Format(time.RFC3339), runDuration(run))
	for _, s := range run.Snapshots {
		fmt.Fprintf(w, "published %s\n", s)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nBUILD\tPORT\tSTATE\tBUILDER\tDURATION\tATTEMPTS\tREASON")
	for _, b := range builds {
		reason := b.Reason
		if b.State == buildrun.BuildLost {
			reason = "lost: " + strings.Join(b.LostChain, " <- ")
		}
		if b.State == buildrun.BuildBlocked {
			reason = "waiting for " + strings.Join(b.Waiting, ", ")
		}
		d := "-"
		if x := b.Duration(); x > 0 {
			d = x.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", b.Number, b.Port.RevisionedName, b.State, orDash(b.Builder), d, len(b.Attempts), oneLineText(reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(run.Held) > 0 {
		fmt.Fprintln(w, "\nheld back:")
		for _, h := range run.Held {
			fmt.Fprintf(w, "  %s (build %d): %s\n", h.File, h.Build, oneLineText(h.Reason))
		}
	}
	if len(run.Skipped) > 0 {
		fmt.Fprintln(w, "\nnot built:")
		for _, s := range run.Skipped {
			fmt.Fprintf(w, "  %s: %s: %s\n", orDash(s.Port.RevisionedName), s.State, oneLineText(s.Reason))
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newRunsLogCmd() *cobra.Command {
	var (
		f      runsFlags
		follow bool
		poll   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "log RUN [BUILD|master|builder/NAME]",
		Short: "Print a build's log (default: the run's master log); --follow a running build",
		Long: `Prints a log of a run as stored: a build's (by build number), the run's master
log (the default), or a builder's (builder/NAME). RUN may be "last". With
--follow and a build number, waits for new lines until the build is over.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rd, err := f.reader(cmd)
			if err != nil {
				return err
			}
			id, err := resolveRunID(cmd.Context(), rd, args[0])
			if err != nil {
				return err
			}
			which := buildrun.MasterLog
			var build int64
			if len(args) == 2 {
				switch a := args[1]; {
				case a == "master":
				case strings.HasPrefix(a, "builder/"):
					which = buildrun.BuilderLog(strings.TrimPrefix(a, "builder/"))
				default:
					n, err := strconv.ParseInt(a, 10, 64)
					if err != nil || n <= 0 {
						return usagef(cmd, "log %q: want a build number, master or builder/NAME", a)
					}
					if _, err := rd.Build(cmd.Context(), id, n); err != nil {
						return err
					}
					build, which = n, buildrun.BuildLog(n)
				}
			}
			if follow {
				if build == 0 {
					return usagef(cmd, "--follow needs a build number")
				}
				return rd.Follow(cmd.Context(), id, build, cmd.OutOrStdout(), poll)
			}
			n, err := rd.Log(cmd.Context(), id, which, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%w: run %s has no %s log", buildrun.ErrNotFound, id, which)
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow a running build's log")
	cmd.Flags().DurationVar(&poll, "poll", 2*time.Second, "with --follow, how often to look for new lines")
	return cmd
}
