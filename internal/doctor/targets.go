package doctor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// targetChecks open each target as kiln serve and kiln build do at start
// (daemon.OpenTarget: its repository, system packages, repo_info,
// sign_key and builders, none of them connected) and report its head. A
// head that is signed while the target has no sign_key warns: its next
// publish would drop repo.minisig.
func (p *storeProbe) targetChecks(cfg *config.Config) []Check {
	var checks []Check
	for i := range cfg.Targets {
		tg := &cfg.Targets[i]
		checks = append(checks, Check{Name: "target " + tg.Name(), Run: func(ctx context.Context) Result {
			if r, ok := p.needStore(); !ok {
				return r
			}
			t, err := daemon.OpenTarget(ctx, daemon.TargetOptions{Config: cfg, Target: tg, Store: p.st, Logger: p.opts.Logger})
			if err != nil {
				var se *store.S3Error
				if errors.As(err, &se) {
					return failf(storeFix(err), "%v", err)
				}
				return failf("kiln serve and kiln build do not start with this target: correct what the error names (docs/configuration.md)", "%v", err)
			}
			defer t.Close()
			head, m, err := t.Repo().Current(ctx)
			switch {
			case errors.Is(err, repo.ErrNoHead):
				return okf("opens; nothing published yet (the first run publishes)")
			case err != nil:
				return failf("kiln repo verify --store "+cfg.Store.URL+" says more (kiln repo verify --repair mends current/)", "the head: %v", err)
			}
			what := fmt.Sprintf("opens; head %s: %s, published %s", head.Snapshot, packages(len(m.Packages)), head.Updated.UTC().Format(time.RFC3339))
			if m.Signed {
				what += ", signed"
			}
			if m.Signed && tg.SignKey == "" {
				return warnf("set the target's sign_key to the key it was signed with, or clients that check repo.minisig will refuse the next one",
					"%s, but the target has no sign_key: its next publish will not be signed", what)
			}
			return okf("%s", what)
		}})
	}
	return checks
}

func packages(n int) string {
	if n == 1 {
		return "1 package"
	}
	return fmt.Sprintf("%d packages", n)
}
