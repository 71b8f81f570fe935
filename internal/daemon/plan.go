package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/repo"
)

// Request says what a run builds.
type Request struct {
	// Mode: "ports", "everything" or "update" (default: ports when Ports
	// are given, else update).
	Mode string
	// From is, in update mode, the commit last built (default: the tree
	// commit of the target's last finished run).
	From  string
	Ports []string
	// IgnoreMissing plans the other ports when a port names none.
	IgnoreMissing bool
	// By is who asks, for the record.
	By string
}

// Planned is a plan with what the run records about it.
type Planned struct {
	Plan    *plan.Plan
	Tree    buildrun.Tree
	Trigger buildrun.Trigger
}

// Start starts a run of p (see buildrun.Engine.Start); with every builder
// disabled it starts none (BuildersEnabled's error).
func (t *Target) Start(ctx context.Context, p Planned) (*buildrun.Handle, error) {
	if err := t.BuildersEnabled(); err != nil {
		return nil, err
	}
	t.learnDurations(ctx)
	return t.eng.Start(ctx, buildrun.Request{Plan: p.Plan, Trigger: p.Trigger, Tree: p.Tree})
}

// Head is the commit the tree's HEAD names.
func (t *Target) Head(ctx context.Context) (string, error) {
	if t.tree != nil {
		if err := t.tree.Ready(); err != nil {
			return "", err
		}
	}
	c, err := gitOutput(ctx, t.cfg.Tree.Dir(), "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("tree %s: %w", t.cfg.Tree.Dir(), err)
	}
	return c, nil
}

// Plan decides what a run of req builds from the tree's HEAD, the head
// manifest and the system packages. A plan whose Order is empty means
// nothing to do. Errors in req are *InputError.
func (t *Target) Plan(ctx context.Context, w Request) (Planned, error) {
	var out Planned
	pi, err := t.planInput(ctx)
	if err != nil {
		return out, err
	}
	commit, tree, pl := pi.commit, pi.tree, pi.planner
	out.Tree = buildrun.Tree{OriginURL: t.origin(ctx), Commit: commit}
	req := plan.Request{Ports: w.Ports}
	switch {
	case w.Mode != "":
		if req.Mode, err = plan.ParseMode(w.Mode); err != nil {
			return out, usagef("--mode: %v", err)
		}
	case len(w.Ports) > 0:
		req.Mode = plan.ModePorts
	default:
		req.Mode = plan.ModeUpdate
	}
	out.Trigger = buildrun.Trigger{Mode: string(req.Mode), Ports: w.Ports, By: w.By}
	if req.Mode == plan.ModeUpdate {
		from := w.From
		if from == "" {
			if from, err = t.LastBuiltCommit(ctx); err != nil {
				return out, err
			}
		}
		if from == "" {
			return out, usagef("update mode: %s has no finished run to update from; give --from COMMIT or --mode everything", t.tg.Name())
		}
		out.Trigger.From, out.Trigger.To = from, commit
		files, err := plan.ChangedFiles(ctx, t.cfg.Tree.Dir(), from, commit)
		if err != nil {
			return out, err
		}
		ids, err := ActivePortsForFiles(ctx, tree, files)
		if err != nil {
			return out, err
		}
		req.Ports = append(req.Ports, ids...)
		if len(req.Ports) == 0 {
			out.Plan = &plan.Plan{Mode: req.Mode}
			return out, nil
		}
	} else if w.From != "" {
		return out, usagef("--from only applies to update mode")
	}
	if out.Plan, err = pl.Plan(ctx, req); err != nil {
		return out, err
	}
	if len(out.Plan.Unknown) > 0 && !w.IgnoreMissing {
		var names []string
		for _, u := range out.Plan.Unknown {
			names = append(names, fmt.Sprintf("%s (%s)", u.Spec, u.Reason))
		}
		return out, inputErr(fmt.Errorf("unknown port %s; --ignore-missing builds the others", strings.Join(names, ", ")))
	}
	return out, nil
}

// planInput is what planning starts from: the tree's HEAD evaluated for
// the target, the head manifest and the system packages, and the
// planner made of them.
type planInput struct {
	commit  string
	tree    *ports.Tree
	in      plan.Input
	planner *plan.Planner
}

func (t *Target) planInput(ctx context.Context) (*planInput, error) {
	if t.tree != nil {
		t.tree.mu.RLock()
		defer t.tree.mu.RUnlock()
	}
	commit, err := t.Head(ctx)
	if err != nil {
		return nil, err
	}
	target, err := t.recipeTarget()
	if err != nil {
		return nil, inputErr(err)
	}
	in := plan.Input{Target: target}
	tree, err := t.loadTree(ctx, target)
	if err != nil {
		return nil, err
	}
	in.Ports = plan.TreePorts(tree.Active, SkipsOf(tree.Skipped))
	if _, m, err := t.repo.Current(ctx); err == nil {
		for i := range m.Packages {
			in.Repository = append(in.Repository, &m.Packages[i].Info)
		}
	} else if !errors.Is(err, repo.ErrNoHead) {
		return nil, err
	}
	if t.opts.System != nil {
		in.System = t.opts.System.Infos()
	}
	pl, err := plan.New(in, plan.Options{AllowUntested: t.tg.AllowUntested, Logger: t.log})
	if err != nil {
		return nil, err
	}
	return &planInput{commit: commit, tree: tree, in: in, planner: pl}, nil
}

func (t *Target) recipeTarget() (recipe.Target, error) {
	a, err := pkginfo.ParseArchitecture(t.tg.Arch)
	if err != nil {
		return recipe.Target{}, fmt.Errorf("target %s: arch: %w", t.tg.Name(), err)
	}
	rt := recipe.Target{Arch: a}
	for _, s := range t.tg.Secondary {
		b, err := pkginfo.ParseArchitecture(s)
		if err != nil {
			return recipe.Target{}, fmt.Errorf("target %s: secondary: %w", t.tg.Name(), err)
		}
		rt.Secondary = append(rt.Secondary, b)
	}
	return rt, nil
}

// loadTree evaluates the tree for the target.
func (t *Target) loadTree(ctx context.Context, target recipe.Target) (*ports.Tree, error) {
	settings := recipe.DefaultSettings()
	settings.AllowUntested = t.tg.AllowUntested
	if t.cfg.Tree.Licenses != "" {
		l, err := ReadLicenses(t.cfg.Tree.Licenses)
		if err != nil {
			return nil, inputErr(fmt.Errorf("tree.licenses: %w", err))
		}
		settings.KnownLicenses = l
	}
	return ports.Load(ctx, t.cfg.Tree.Dir(), target, ports.Options{Settings: &settings, Logger: t.log, CacheDir: t.cfg.Tree.Cache})
}

// SkipsOf turns a tree's skipped ports into the planner's.
func SkipsOf(l []ports.Skip) []plan.Skipped {
	out := make([]plan.Skipped, len(l))
	for i, s := range l {
		out[i] = plan.Skipped{Name: s.Name, Version: s.Version, Status: s.Status, Reason: s.Reason}
	}
	return out
}

// ActivePortsForFiles maps changed files to the active ports that reference
// them (HaikuPorter's --ports-for-files --active-versions-only).
func ActivePortsForFiles(ctx context.Context, t *ports.Tree, files []string) ([]string, error) {
	refs, err := t.PortsForFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	active := make(map[string]bool, len(t.Active))
	for _, p := range t.Active {
		active[p.ID()] = true
	}
	var ids []string
	for _, r := range refs {
		if !r.Removed && active[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// LastBuiltCommit is the tree commit of the target's newest finished run
// ("" when there is none).
func (t *Target) LastBuiltCommit(ctx context.Context) (string, error) {
	runs, err := t.eng.Records().Runs(ctx)
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
func (t *Target) origin(ctx context.Context) string {
	if t.cfg.Tree.Origin != "" {
		return t.cfg.Tree.Origin
	}
	if t.cfg.Tree.URL != "" {
		return t.cfg.Tree.URL
	}
	if u, err := gitOutput(ctx, t.cfg.Tree.Path, "config", "--get", "remote.origin.url"); err == nil && u != "" {
		return u
	}
	return t.cfg.Tree.Path
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, "git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
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
