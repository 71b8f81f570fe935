package daemon

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/builder/ondemand"
	"github.com/haikuports/kiln/internal/builder/ssh"
	"github.com/haikuports/kiln/internal/config"
)

// MakeBuilders returns the builders of a target: the SSH builders of the
// config's builder JSON files and its mock builders, those named in
// [builders.ondemand] wrapped on-demand, restricted to the target's
// builders list when it has one. known says which package files the
// master knows (SSH builders drop other cache entries). Names in the
// config that match no builder are an error.
func MakeBuilders(cfg *config.Config, tg *config.Target, log *slog.Logger, notify builder.Notifier, known func(string) bool) ([]builder.Builder, error) {
	type maker func(builder.Notifier) (builder.Builder, error)
	var names []string
	makers := map[string]maker{}
	add := func(name string, m maker) error {
		if _, dup := makers[name]; dup {
			return fmt.Errorf("config: two builders are called %q", name)
		}
		names = append(names, name)
		makers[name] = m
		return nil
	}
	if cfg.Builders.Dir != "" {
		configs, err := ssh.LoadDir(cfg.Builders.Dir)
		if err != nil {
			return nil, err
		}
		if len(configs) == 0 {
			return nil, fmt.Errorf("config: builders.dir %s holds no builder files (*.json)", cfg.Builders.Dir)
		}
		kh, err := ssh.LoadKnownHosts(cfg.Builders.KnownHosts)
		if err != nil {
			return nil, fmt.Errorf("config: builders.known_hosts: %w", err)
		}
		for _, c := range configs {
			err := add(c.Name, func(n builder.Notifier) (builder.Builder, error) {
				return ssh.New(c, ssh.Options{KnownHosts: kh, Known: known, Logger: log, Notify: n})
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for _, s := range cfg.Builders.Mock {
		configs, err := s.Configs(log, nil)
		if err != nil {
			return nil, fmt.Errorf("config: builders.mock: %w", err)
		}
		for _, c := range configs {
			err := add(c.Name, func(n builder.Notifier) (builder.Builder, error) {
				c.Notify = n
				return mock.New(c)
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for name := range cfg.Builders.OnDemand {
		if _, ok := makers[name]; !ok {
			return nil, fmt.Errorf("config: builders.ondemand.%s: no builder of that name (builders: %s)", name, strings.Join(names, ", "))
		}
	}
	use := names
	if len(tg.Builders) > 0 {
		for _, n := range tg.Builders {
			if _, ok := makers[n]; !ok {
				return nil, fmt.Errorf("config: target %s: builders: no builder %q (builders: %s)", tg.Name(), n, strings.Join(names, ", "))
			}
		}
		use = tg.Builders
	}
	slices.Sort(use)
	var out []builder.Builder
	closeAll := func() {
		for _, b := range out {
			b.Close()
		}
	}
	for _, name := range use {
		m := makers[name]
		var b builder.Builder
		var err error
		if od, ok := cfg.Builders.OnDemand[name]; ok {
			var c ondemand.Config
			if c, err = od.Config(name, log, notify); err == nil {
				b, err = ondemand.New(c, m)
			}
		} else {
			b, err = m(notify)
		}
		if err != nil {
			closeAll()
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
