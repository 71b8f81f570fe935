package demo

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// Poll is how often the demo reads its tree's HEAD.
const Poll = 3 * time.Second

// HeartbeatTTL is the demo's [build] heartbeat_ttl: a demo stopped while
// it builds resumes its run this long after (its heartbeat must age).
const HeartbeatTTL = 6 * time.Second

// LeaseTTL is the demo's [build] lease_ttl: a demo killed and started
// again schedules its target at most this long after.
const LeaseTTL = 6 * time.Second

// Setup writes the demo into dir (created if missing; an existing tree
// is kept): the ports tree as a git repository in dir/tree, the system
// packages in dir/system/x86_64, and returns the config of kiln serve's
// demo: a directory store in dir/store, target master/x86_64, two mock
// builders with short log-normal durations, and its repo.info (base URL
// baseURL, kiln's own /repo/master/x86_64/current).
func Setup(ctx context.Context, dir, baseURL string) (*config.Config, *pkginfo.RepositoryInfo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	tree := filepath.Join(dir, "tree")
	if _, err := WriteTree(ctx, tree); err != nil {
		return nil, nil, err
	}
	arch := pkginfo.ArchX86_64
	sys := filepath.Join(dir, "system", arch.String())
	if _, err := WriteSystem(sys, arch); err != nil {
		return nil, nil, err
	}
	cfg := &config.Config{
		Store:   config.Store{URL: filepath.Join(dir, "store")},
		Tree:    config.Tree{Path: tree, Poll: builder.Duration(Poll)},
		Targets: []config.Target{{Branch: "master", Arch: arch.String(), SystemPackages: sys}},
		Builders: config.Builders{Mock: []mock.Settings{{Name: "mock", Count: 2, Seed: 1, Duration: "lognormal",
			Median: builder.Duration(300 * time.Millisecond), Sigma: 0.6, Max: builder.Duration(3 * time.Second), LogLines: 40}}},
		// A restarted demo resumes its run after this long.
		Build: config.Build{HeartbeatTTL: builder.Duration(HeartbeatTTL), LeaseTTL: builder.Duration(LeaseTTL)},
		File:  "(built-in demo)",
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	info := RepoInfo(arch, baseURL)
	return cfg, &info, nil
}
