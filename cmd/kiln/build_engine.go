package main

import (
	"context"
	"errors"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// engineOptions turns the config's target, builders and build settings
// into the build engine's options.
func (s *buildSession) engineOptions(ctx context.Context, st store.Store, rt repo.Target, r *repo.Repo) (buildrun.Options, error) {
	log := newLogger(s.cmd)
	b := s.cfg.Build
	o := buildrun.Options{
		Store: st, Target: rt, Repo: r, Logger: log,
		Settings: builder.Settings{TargetArch: s.tg.Arch, SecondaryArchs: s.tg.Secondary,
			AllowUntested: s.tg.AllowUntested, CreateSourcePackages: true},
		Publish:               buildrun.PublishMode(b.Publish),
		PublishUninstallable:  b.PublishUninstallable,
		AllowRegressions:      b.AllowRegressions,
		BuildTimeout:          time.Duration(b.BuildTimeout),
		HangTimeout:           time.Duration(b.HangTimeout),
		Retries:               b.Retries,
		RetryBackoff:          time.Duration(b.RetryBackoff),
		RetryFailureElsewhere: b.RetryFailureElsewhere,
		HeartbeatTTL:          time.Duration(b.HeartbeatTTL),
	}
	if s.tg.SystemPackages != "" {
		sys, err := buildrun.SystemDir(s.tg.SystemPackages)
		if err != nil {
			return o, err
		}
		o.System = sys
	}
	if s.tg.RepoInfo != "" {
		info, err := parseRepoInfoFile(s.tg.RepoInfo)
		if err != nil {
			return o, &errExitCode{exitUsageOrInput, err}
		}
		o.RepoInfo = &info
	}
	// Known package files: what the head lists and the system packages;
	// an SSH builder deletes other entries of its cache on connect.
	known := map[string]bool{}
	if _, m, err := r.Current(ctx); err == nil {
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
	bs, err := makeBuilders(s.cfg, s.tg, log, nil, func(f string) bool { return known[f] })
	if err != nil {
		return o, &errExitCode{exitUsageOrInput, err}
	}
	o.Builders = bs
	return o, nil
}
