package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/haikuports/kiln/internal/repo"
)

// ErrRunActive: the target has a build run in progress, so the loading
// dock does not publish into it (the run plans and publishes from the
// head it read; a package published beside it could make its publish a
// downgrade).
var ErrRunActive = errors.New("daemon: a build run is in progress")

// dockRepo is the target's repository as the loading dock and the
// build-packages API use it: its lease is never waited for (a held lease
// is repo.ErrLeaseHeld at once, an HTTP 409, instead of a request that
// hangs for minutes).
func (t *Target) dockRepo() *repo.Repo {
	return repo.New(t.repo.Store(), t.rt, repo.Options{Logger: t.log, LeaseWait: -1, OnPublish: t.onPublish})
}

// ActiveRun is the id of the target's build run in progress ("" if none).
func (t *Target) ActiveRun() string {
	if h, ok := t.eng.Active(); ok {
		return h.ID()
	}
	return ""
}

// PublishUploads publishes packages people gave (the loading dock) into
// the target as one snapshot, as a run would: every package is parsed and
// validated before anything is uploaded (repo.Publish: hpkg validation,
// repo.ValidatePackage, the target's architecture, any or source, the
// repository's vendor, no downgrade), and the publish guard refuses a
// repository that would make installed packages uninstallable unless
// [build] allow_regressions is set; a new snapshot is announced to the
// notify URLs. A target with a run in progress is ErrRunActive; a lease another publisher holds is repo.ErrLeaseHeld
// (not waited for). The first publish of a target uses its configured
// repository info. Safe to call concurrently; the lease serialises.
func (t *Target) PublishUploads(ctx context.Context, adds []repo.Add, reason string) (*repo.Result, error) {
	if id := t.ActiveRun(); id != "" {
		return nil, fmt.Errorf("%w on %s (run %s): upload when it ended", ErrRunActive, t.Name(), id)
	}
	c := repo.Change{Add: adds, Reason: reason, Signer: t.opts.Signer}
	if _, err := t.repo.ReadHead(ctx); errors.Is(err, repo.ErrNoHead) {
		if t.opts.RepoInfo == nil {
			return nil, inputErr(fmt.Errorf("%s has no snapshot yet and no repo_info is configured", t.Name()))
		}
		c.Info = t.opts.RepoInfo
	} else if err != nil {
		return nil, err
	}
	g, err := t.publishGuard()
	if err != nil {
		return nil, err
	}
	c.Guard = g
	res, err := t.dockRepo().Publish(ctx, c)
	if err == nil {
		t.afterPublish(res)
	}
	return res, err
}

// CreateBuildPackages makes a build-packages repository of the target
// from packages its store holds (repo.CreateBuildPackages), without
// waiting for the lease (repo.ErrLeaseHeld).
func (t *Target) CreateBuildPackages(ctx context.Context, o repo.BuildPackagesOptions) (*repo.BuildPackagesResult, error) {
	return t.dockRepo().CreateBuildPackages(ctx, o)
}
