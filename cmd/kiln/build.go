package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/repo"
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
	rt, err := s.tg.RepoTarget()
	if err != nil {
		return &errExitCode{exitUsageOrInput, err}
	}
	st, err := createStore(ctx, s.cfg.Store.URL)
	if err != nil {
		return err
	}
	r := repo.New(st, rt, repo.Options{Logger: log, OnLeaseWait: leaseWaitNotice(s.cmd.ErrOrStderr(), 5*60e9)})
	opts, err := s.engineOptions(ctx, st, rt, r)
	if err != nil {
		return err
	}
	defer func() {
		for _, b := range opts.Builders {
			b.Close()
		}
	}()
	eng, err := buildrun.New(opts)
	if err != nil {
		return err
	}
	h, err := s.resume(ctx, eng, w.noResume)
	if err != nil {
		return err
	}
	if h == nil {
		p, tree, trig, err := s.plan(ctx, eng, r, opts, w)
		if err != nil {
			return err
		}
		if len(p.Order) == 0 {
			fmt.Fprintf(s.cmd.OutOrStdout(), "nothing to build for %s at %s (%s)\n", s.tg.Name(), short(tree.Commit), planSummary(p))
			return &errExitCode{exitNothingToDo, errors.New("nothing to do")}
		}
		if h, err = eng.Start(ctx, buildrun.Request{Plan: p, Trigger: trig, Tree: tree}); err != nil {
			return err
		}
	}
	run, err := followRun(ctx, s.cmd, eng, h)
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

// resume continues the target's unfinished run, if there is one.
func (s *buildSession) resume(ctx context.Context, eng *buildrun.Engine, noResume bool) (*buildrun.Handle, error) {
	runs, err := eng.Records().Runs(ctx)
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		if run.State.Final() {
			continue
		}
		if noResume {
			return nil, fmt.Errorf("run %s of %s is unfinished (%s); run kiln build without --no-resume to finish it", run.ID, s.tg.Name(), run.State)
		}
		h, err := eng.Resume(ctx, run.ID)
		if errors.Is(err, buildrun.ErrActive) {
			return nil, fmt.Errorf("run %s is being driven by another kiln: %w", run.ID, err)
		}
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(s.cmd.ErrOrStderr(), "kiln: resuming run %s (started %s)\n", run.ID, run.Started.Local().Format("2006-01-02 15:04"))
		return h, nil
	}
	return nil, nil
}

// plan decides what the run builds.
func (s *buildSession) plan(ctx context.Context, eng *buildrun.Engine, r *repo.Repo, opts buildrun.Options, w buildWhat) (*plan.Plan, buildrun.Tree, buildrun.Trigger, error) {
	var tree buildrun.Tree
	var trig buildrun.Trigger
	commit, err := gitOutput(ctx, s.cfg.Tree.Path, "rev-parse", "HEAD")
	if err != nil {
		return nil, tree, trig, fmt.Errorf("tree.path %s: %w", s.cfg.Tree.Path, err)
	}
	tree = buildrun.Tree{OriginURL: s.origin(ctx), Commit: commit}
	src := &planSource{tree: s.cfg.Tree.Path, cacheDir: s.cfg.Tree.Cache, licenses: s.cfg.Tree.Licenses,
		arch: s.tg.Arch, secondary: s.tg.Secondary, allowUntested: s.tg.AllowUntested, mode: w.mode}
	target, err := src.target()
	if err != nil {
		return nil, tree, trig, &errExitCode{exitUsageOrInput, err}
	}
	in := plan.Input{Target: target}
	if in.Ports, err = loadTreePorts(s.cmd, src, target); err != nil {
		return nil, tree, trig, err
	}
	if _, m, err := r.Current(ctx); err == nil {
		for i := range m.Packages {
			in.Repository = append(in.Repository, &m.Packages[i].Info)
		}
	} else if !errors.Is(err, repo.ErrNoHead) {
		return nil, tree, trig, err
	}
	if opts.System != nil {
		in.System = opts.System.Infos()
	}
	pl, err := plan.New(in, plan.Options{AllowUntested: s.tg.AllowUntested, Logger: newLogger(s.cmd)})
	if err != nil {
		return nil, tree, trig, err
	}
	req := plan.Request{Ports: w.ports}
	switch {
	case w.mode != "":
		if req.Mode, err = plan.ParseMode(w.mode); err != nil {
			return nil, tree, trig, usagef(s.cmd, "--mode: %v", err)
		}
	case len(w.ports) > 0:
		req.Mode = plan.ModePorts
	default:
		req.Mode = plan.ModeUpdate
	}
	trig = buildrun.Trigger{Mode: string(req.Mode), Ports: w.ports, By: s.by}
	if trig.By == "" {
		trig.By = os.Getenv("USER")
	}
	if req.Mode == plan.ModeUpdate {
		from := w.from
		if from == "" {
			if from, err = lastBuiltCommit(ctx, eng); err != nil {
				return nil, tree, trig, err
			}
		}
		if from == "" {
			return nil, tree, trig, usagef(s.cmd, "update mode: %s has no finished run to update from; give --from COMMIT or --mode everything", s.tg.Name())
		}
		trig.From, trig.To = from, commit
		files, err := plan.ChangedFiles(ctx, s.cfg.Tree.Path, from, commit)
		if err != nil {
			return nil, tree, trig, err
		}
		ids, err := src.mapFiles(ctx, files)
		if err != nil {
			return nil, tree, trig, err
		}
		req.Ports = append(req.Ports, ids...)
		if len(req.Ports) == 0 {
			return &plan.Plan{Mode: req.Mode}, tree, trig, nil
		}
	} else if w.from != "" {
		return nil, tree, trig, usagef(s.cmd, "--from only applies to update mode")
	}
	p, err := pl.Plan(ctx, req)
	if err != nil {
		return nil, tree, trig, err
	}
	if len(p.Unknown) > 0 && !w.ignoreMissing {
		var names []string
		for _, u := range p.Unknown {
			names = append(names, fmt.Sprintf("%s (%s)", u.Spec, u.Reason))
		}
		return nil, tree, trig, &errExitCode{exitUsageOrInput, fmt.Errorf("unknown port %s; --ignore-missing builds the others", strings.Join(names, ", "))}
	}
	return p, tree, trig, nil
}

// lastBuiltCommit is the tree commit of the target's newest finished run.
func lastBuiltCommit(ctx context.Context, eng *buildrun.Engine) (string, error) {
	runs, err := eng.Records().Runs(ctx)
	if err != nil {
		return "", err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].State.Final() && runs[i].State != buildrun.RunCancelled {
			return runs[i].Tree.Commit, nil
		}
	}
	return "", nil
}

// origin is where builders clone the tree from.
func (s *buildSession) origin(ctx context.Context) string {
	if s.cfg.Tree.Origin != "" {
		return s.cfg.Tree.Origin
	}
	if u, err := gitOutput(ctx, s.cfg.Tree.Path, "config", "--get", "remote.origin.url"); err == nil && u != "" {
		return u
	}
	return s.cfg.Tree.Path
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, "git", args...)
	c.Dir = dir
	out, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("git %s: %s", args[0], strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
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
