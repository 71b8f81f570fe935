package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/plan"
)

// Exit statuses of kiln build (HaikuPorter's buildmaster uses 3 and 4 the
// same way).
const (
	exitBuildFailed  = 4 // the run ended with failed or lost builds, or held-back packages
	exitNothingToDo  = 3 // nothing to build
	exitCouldNotRun  = 1 // the run could not start or stopped on an error
	exitUsageOrInput = 2
)

func newBuildCmd() *cobra.Command {
	var (
		cfgFile, target, mode, from, by string
		ignoreMissing, noResume         bool
	)
	cmd := &cobra.Command{
		Use:   "build --config FILE [--target BRANCH/ARCH] [--mode update|everything] [PORT...]",
		Short: "Run one build run in the foreground: plan, build on the builders, publish",
		Long: `Plans a build run for a target of the config file, builds each port on a
free builder in dependency order (longest remaining chain first), streams
the produced packages into the store and publishes the repository, showing
progress (done/total, running builds, failures, ETA) and a summary.

Modes: ports (the PORT arguments), everything (every port whose packages are
missing from the repository), update (the ports whose files changed between
the commit of the target's last finished run, or --from, and the tree's
HEAD). Default: ports when PORTs are given, else update.

A run is recorded in the store as it goes (.kiln/buildruns/<id>/: run and
build records, logs, report, status.json); "kiln runs" reads them. If the
target has an unfinished run (kiln was stopped or killed), kiln build
resumes it first, without rebuilding what was finished (--no-resume: fail
instead).

Exit status: 0 every build succeeded and was published; 3 nothing to do;
4 some builds failed or were lost, or packages were held back; 1 the run
could not start or stopped on an error; 2 usage or config errors.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfgFile == "" {
				cfgFile = os.Getenv("KILN_CONFIG")
			}
			if cfgFile == "" {
				return usagef(cmd, "--config is required (or KILN_CONFIG)")
			}
			cfg, err := config.Load(cfgFile)
			if err != nil {
				return &errExitCode{exitUsageOrInput, err}
			}
			tg, err := cfg.Target(target)
			if err != nil {
				return &errExitCode{exitUsageOrInput, err}
			}
			b := &buildSession{cmd: cmd, cfg: cfg, tg: tg, by: by}
			return b.run(cmd.Context(), buildWhat{mode: mode, from: from, ports: args, ignoreMissing: ignoreMissing, noResume: noResume})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfgFile, "config", "c", "", "kiln.toml (default $KILN_CONFIG)")
	f.StringVar(&target, "target", "", "target as branch/arch (default: the config's only target)")
	f.StringVar(&mode, "mode", "", "update, everything or ports (default: ports with PORTs, else update)")
	f.StringVar(&from, "from", "", "update mode: the commit last built (default: the tree commit of the target's last finished run)")
	f.StringVar(&by, "by", "", "who starts the run, for the record (default $USER)")
	f.BoolVar(&ignoreMissing, "ignore-missing", false, "plan the other ports when a PORT names no port")
	f.BoolVar(&noResume, "no-resume", false, "fail instead of resuming an unfinished run")
	return cmd
}

type buildWhat struct {
	mode, from    string
	ports         []string
	ignoreMissing bool
	noResume      bool
}

// buildSession is one kiln build invocation.
type buildSession struct {
	cmd *cobra.Command
	cfg *config.Config
	tg  *config.Target
	by  string
}

func (s *buildSession) run(ctx context.Context, w buildWhat) error {
	log := newLogger(s.cmd)
	st, err := createStore(ctx, s.cfg.Store.URL)
	if err != nil {
		return err
	}
	t, err := daemon.OpenTarget(ctx, daemon.TargetOptions{Config: s.cfg, Target: s.tg, Store: st, Logger: log,
		OnLeaseWait: leaseWaitNotice(s.cmd.ErrOrStderr(), 5*60e9)})
	if err != nil {
		return s.targetErr(err)
	}
	defer t.Close()
	// Builders disabled through kiln serve's API stay disabled here; with
	// all of them disabled a run would wait for one forever.
	if err := t.BuildersEnabled(); err != nil {
		return &errExitCode{exitCouldNotRun, err}
	}
	// A kiln serve that schedules the target would build beside this run.
	if err := t.Unscheduled(ctx); err != nil {
		return &errExitCode{exitCouldNotRun, err}
	}
	sub := subscribeProgress(t.Engine())
	defer sub.Close()
	h, old, err := t.Resume(ctx, w.noResume)
	if err != nil {
		return err
	}
	if h != nil {
		fmt.Fprintf(s.cmd.ErrOrStderr(), "kiln: resuming run %s (started %s)\n", old.ID, old.Started.Local().Format("2006-01-02 15:04"))
	} else {
		by := s.by
		if by == "" {
			by = os.Getenv("USER")
		}
		p, err := t.Plan(ctx, daemon.Request{Mode: w.mode, From: w.from, Ports: w.ports, IgnoreMissing: w.ignoreMissing, By: by})
		if err != nil {
			return s.targetErr(err)
		}
		if len(p.Plan.Order) == 0 {
			fmt.Fprintf(s.cmd.OutOrStdout(), "nothing to build for %s at %s (%s)\n", s.tg.Name(), short(p.Tree.Commit), planSummary(p.Plan))
			return &errExitCode{exitNothingToDo, errors.New("nothing to do")}
		}
		if h, err = t.Start(ctx, p); err != nil {
			return err
		}
	}
	run, err := followRun(ctx, s.cmd, sub, h)
	if err != nil {
		return &errExitCode{exitCouldNotRun, err}
	}
	printRunSummary(s.cmd.OutOrStdout(), run, h.Builds())
	switch run.State {
	case buildrun.RunComplete:
		return nil
	case buildrun.RunFailed:
		return &errExitCode{exitBuildFailed, fmt.Errorf("run %s finished with failures", run.ID)}
	}
	return &errExitCode{exitCouldNotRun, fmt.Errorf("run %s %s: %s", run.ID, run.State, run.Reason)}
}

// targetErr gives the daemon package's input errors their exit status.
func (s *buildSession) targetErr(err error) error {
	var ie *daemon.InputError
	if errors.As(err, &ie) {
		if ie.Usage {
			return &usageError{s.cmd, err}
		}
		return &errExitCode{exitUsageOrInput, err}
	}
	return err
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// planSummary counts a plan's verdicts in one line.
func planSummary(p *plan.Plan) string {
	counts := map[plan.State]int{}
	for _, pp := range p.Ports {
		counts[pp.State]++
	}
	if len(counts) == 0 {
		return "no port changed"
	}
	var parts []string
	for _, st := range []plan.State{plan.StateUpToDate, plan.StateBlocked, plan.StateBroken, plan.StateCycle, plan.StateUnsupported, plan.StateUntested, plan.StateBumpRequired} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}
