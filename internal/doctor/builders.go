package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/ssh"
	"github.com/haikuports/kiln/internal/config"
)

// builderChecks are one check per builder of the config, as `kiln builder
// check` does it (connect through the strict known_hosts, uname -a,
// haikuporter --version, the package cache), all builders at the same
// time, then whether they run the same haikuporter. On-demand builders
// are checked the same way; one that does not answer only warns (its
// machine may be stopped, and a check does not start it).
func builderChecks(cfg *config.Config, opts Options) []Check {
	var (
		bs      []builder.Builder
		sshCfgs = map[string]*ssh.Config{}
		knownAt string
	)
	if dir := cfg.Builders.Dir; dir != "" {
		configs, err := ssh.LoadDir(dir)
		if err == nil && len(configs) == 0 {
			err = fmt.Errorf("%s holds no builder files (*.json)", dir)
		}
		if err != nil {
			return []Check{{Name: "builders", Run: func(context.Context) Result {
				return failf("correct builders.dir or the builder file named (HaikuPorter's builder JSON, docs/builders.md)", "builders.dir: %v", err)
			}}}
		}
		knownAt = cfg.Builders.KnownHosts
		kh, err := ssh.LoadKnownHosts(knownAt)
		if err != nil {
			return []Check{{Name: "builders", Run: func(context.Context) Result {
				return failf("give builders.known_hosts a known_hosts file with a line per builder and jump host (ssh-keyscan -p PORT HOST, checked against the builder's own key)",
					"builders.known_hosts: %v", err)
			}}}
		}
		for _, c := range configs {
			b, err := ssh.New(c, ssh.CheckOptions(kh))
			if err != nil {
				return []Check{{Name: "builder " + c.Name, Run: func(context.Context) Result { return failf("", "%v", err) }}}
			}
			bs = append(bs, b)
			sshCfgs[c.Name] = c
		}
	}
	for _, s := range cfg.Builders.Mock {
		ms, err := s.Builders(nil, nil)
		if err != nil {
			return []Check{{Name: "builders", Run: func(context.Context) Result {
				return failf("correct the [[builders.mock]] entry (docs/configuration.md)", "builders.mock: %v", err)
			}}}
		}
		for _, m := range ms {
			bs = append(bs, m)
		}
	}
	var (
		once    sync.Once
		results []builder.CheckResult
	)
	checkAll := func(ctx context.Context) {
		once.Do(func() {
			results = builder.CheckAll(ctx, bs, opts.Timeout)
			for _, b := range bs {
				b.Close()
			}
		})
	}
	var checks []Check
	for i, b := range bs {
		name := b.Name()
		checks = append(checks, Check{Name: "builder " + name, Run: func(ctx context.Context) Result {
			checkAll(ctx)
			r := results[i]
			if r.Err != nil {
				fix := builderFix(r.Err, sshCfgs[name], knownAt)
				if _, od := cfg.Builders.OnDemand[name]; od {
					return warnf(fix+" (an on-demand builder: kiln starts it when builds are queued; a check does not)", "%v", r.Err)
				}
				return failf(fix, "%v", r.Err)
			}
			var d []string
			if r.HostKey != "" {
				d = append(d, "host key "+r.HostKey)
			}
			d = append(d, r.Haikuporter, cached(r.CachePackages, r.CacheBytes))
			return okf("%s", strings.Join(d, ", "))
		}})
	}
	if len(bs) > 1 {
		checks = append(checks, Check{Name: "builders in lockstep", Run: func(ctx context.Context) Result {
			checkAll(ctx)
			vs := builder.HaikuporterVersions(results)
			switch len(vs) {
			case 0:
				return skipf("no builder answered")
			case 1:
				for v, names := range vs {
					return okf("%q on every builder that answered (%d)", v, len(names))
				}
			}
			var parts []string
			for v, names := range vs {
				slices.Sort(names)
				parts = append(parts, fmt.Sprintf("%q (%s)", v, strings.Join(names, ", ")))
			}
			slices.Sort(parts)
			return failf("update haikuporter on the builders so all run the same version (builds differ otherwise)",
				"haikuporter versions differ: %s", strings.Join(parts, ", "))
		}})
	}
	return checks
}

// builderFix is the hint for a builder check's error.
func builderFix(err error, c *ssh.Config, knownHosts string) string {
	switch {
	case errors.Is(err, ssh.ErrHostKey):
		return fmt.Sprintf("the host key is not the one %s holds for it: if the builder was reinstalled, compare the fingerprint above with its own host key (ssh-keygen -lf on the builder) and replace its line in %s; if not, something is in between",
			knownHosts, knownHosts)
	case errors.Is(err, ssh.ErrAuth):
		return "add the public key of the builder file's privateKey to the builder user's ~/.ssh/authorized_keys (docs/builders.md)"
	case c != nil:
		return fmt.Sprintf("is the builder up and reachable from here? (ssh -p %d %s@%s uname -a; haikuporter at %s)",
			c.Host.Port, c.Host.User, strings.Trim(c.Host.Host, "[]"), c.Haikuporter)
	}
	return "see the error above"
}

// cached says how full a builder's package cache is.
func cached(n int, size int64) string {
	if n == 1 {
		return fmt.Sprintf("1 cached package (%d bytes)", size)
	}
	return fmt.Sprintf("%d cached packages (%d bytes)", n, size)
}
