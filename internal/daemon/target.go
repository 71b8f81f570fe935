// Package daemon owns the per-target logic shared by `kiln build` and
// `kiln serve`: a Target opens a target's repository and build engine
// from the config (builders, system packages, engine options), resumes an
// unfinished run and plans new runs from the tree's HEAD, the head
// manifest and the system packages; a Daemon drives several Targets,
// polling the tree and starting update runs.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/toggle"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// TargetOptions say how a Target is opened.
type TargetOptions struct {
	Config *config.Config
	Target *config.Target
	Store  store.Store
	Logger *slog.Logger
	// RepoInfo, if set, is the repository info of the target's first
	// publish (overrides the target's repo_info file).
	RepoInfo *pkginfo.RepositoryInfo
	// OnLeaseWait is called when a publish waits for another holder.
	OnLeaseWait func(repo.LeaseInfo)
	// Bus receives the engine's events (default: a new bus).
	Bus *buildrun.Bus
	// Holder names this kiln in run records and the publisher lease
	// (default: the engine's and the repository's own).
	Holder string
	// OnPublish, if set, is told about every publish and rollback of the
	// target's repository (repo.Options.OnPublish).
	OnPublish func(repo.PublishStat)
	// Toggles says which builders are disabled (toggle.Switch; every
	// builder is wrapped by it). Default: the state the store holds now.
	Toggles *toggle.Switch
}

// Target is one target (branch × architecture) of a config with its
// repository, builders and build engine. Its methods may be called from
// several goroutines; Close once, after the last run ended.
type Target struct {
	cfg  *config.Config
	tg   *config.Target
	log  *slog.Logger
	rt   repo.Target
	repo *repo.Repo
	opts buildrun.Options
	eng  *buildrun.Engine
	// expected are the build durations learned from past runs (see
	// learnDurations).
	expected atomic.Pointer[func(string) time.Duration]
	preview  previewCache
	// tree, set by the Daemon, guards the working copy during planning.
	tree *gitTree
	// onPublish is TargetOptions.OnPublish; onPublished, set by the
	// Daemon, is told about snapshots the loading dock and rollbacks
	// made (afterPublish).
	onPublish   func(repo.PublishStat)
	onPublished func(snapshot string)
}

// OpenTarget opens the target's repository and engine and makes its
// builders. Config mistakes are *InputError.
func OpenTarget(ctx context.Context, o TargetOptions) (*Target, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		o.Logger = log
	}
	rt, err := o.Target.RepoTarget()
	if err != nil {
		return nil, inputErr(err)
	}
	// The engine names the target in its records itself; the builders
	// and the planner log with it.
	t := &Target{cfg: o.Config, tg: o.Target, log: log.With("target", o.Target.Name()), rt: rt, onPublish: o.OnPublish}
	t.repo = repo.New(o.Store, rt, repo.Options{Logger: log, OnLeaseWait: o.OnLeaseWait, OnPublish: o.OnPublish, Holder: o.Holder})
	if t.opts, err = t.engineOptions(ctx, o); err != nil {
		return nil, err
	}
	if t.eng, err = buildrun.New(t.opts); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close closes the target's builders.
func (t *Target) Close() {
	for _, b := range t.opts.Builders {
		b.Close()
	}
}

// Name is the target's "branch/arch".
func (t *Target) Name() string { return t.tg.Name() }

// Config is the target's config section.
func (t *Target) Config() *config.Target { return t.tg }

// RepoTarget is the target as the repository names it.
func (t *Target) RepoTarget() repo.Target { return t.rt }

// Repo is the target's repository.
func (t *Target) Repo() *repo.Repo { return t.repo }

// Engine is the target's build engine.
func (t *Target) Engine() *buildrun.Engine { return t.eng }

// Builders are the target's builders.
func (t *Target) Builders() []builder.Builder { return t.opts.Builders }

// engineOptions turns the config's target, builders and build settings
// into the build engine's options.
func (t *Target) engineOptions(ctx context.Context, to TargetOptions) (buildrun.Options, error) {
	b := t.cfg.Build
	o := buildrun.Options{
		Store: to.Store, Target: t.rt, Repo: t.repo, Logger: to.Logger, Bus: to.Bus, Holder: to.Holder,
		Settings: builder.Settings{TargetArch: t.tg.Arch, SecondaryArchs: t.tg.Secondary,
			AllowUntested: t.tg.AllowUntested, CreateSourcePackages: true},
		Publish:               buildrun.PublishMode(b.Publish),
		PublishUninstallable:  b.PublishUninstallable,
		AllowRegressions:      b.AllowRegressions,
		BuildTimeout:          time.Duration(b.BuildTimeout),
		HangTimeout:           time.Duration(b.HangTimeout),
		Retries:               b.Retries,
		RetryBackoff:          time.Duration(b.RetryBackoff),
		RetryFailureElsewhere: b.RetryFailureElsewhere,
		HeartbeatTTL:          time.Duration(b.HeartbeatTTL),
		Expected:              t.expectedDuration,
	}
	if t.tg.SystemPackages != "" {
		sys, err := buildrun.SystemDir(t.tg.SystemPackages)
		if err != nil {
			return o, err
		}
		o.System = sys
	}
	signer, err := t.tg.Signer()
	if err != nil {
		return o, inputErr(err)
	}
	if signer != nil {
		o.Signer = signer
	}
	switch {
	case to.RepoInfo != nil:
		o.RepoInfo = to.RepoInfo
	case t.tg.RepoInfo != "":
		info, err := parseRepoInfoFile(t.tg.RepoInfo)
		if err != nil {
			return o, inputErr(err)
		}
		o.RepoInfo = &info
	}
	// Known package files: what the head lists and the system packages;
	// an SSH builder deletes other entries of its cache on connect.
	known := map[string]bool{}
	if _, m, err := t.repo.Current(ctx); err == nil {
		for _, p := range m.Packages {
			known[p.File] = true
		}
	} else if !errors.Is(err, repo.ErrNoHead) {
		return o, err
	}
	if o.System != nil {
		for _, info := range o.System.Infos() {
			known[info.CanonicalFileName()] = true
		}
	}
	sw := to.Toggles
	if sw == nil {
		var err error
		if sw, err = loadSwitch(ctx, to.Store); err != nil {
			return o, err
		}
	}
	bs, err := MakeBuilders(t.cfg, t.tg, t.log, nil, func(f string) bool { return known[f] })
	if err != nil {
		return o, inputErr(err)
	}
	for _, b := range bs {
		o.Builders = append(o.Builders, toggle.Wrap(b, sw))
	}
	return o, nil
}

func parseRepoInfoFile(name string) (pkginfo.RepositoryInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return pkginfo.RepositoryInfo{}, fmt.Errorf("repo_info: %w", err)
	}
	defer f.Close()
	info, err := pkginfo.ParseRepositoryInfo(f, name)
	if err != nil {
		return pkginfo.RepositoryInfo{}, err
	}
	return *info, nil
}
