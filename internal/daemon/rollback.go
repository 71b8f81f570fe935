package daemon

import (
	"context"
	"fmt"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

// publishGuard is the guard a publish people ask for goes through: it
// refuses a repository that makes installed packages uninstallable
// (repo.NoRegressions against the system packages), nil when [build]
// allow_regressions is set.
func (t *Target) publishGuard() (repo.Guard, error) {
	if t.opts.AllowRegressions {
		return nil, nil
	}
	arch, err := t.rt.Architecture()
	if err != nil {
		return nil, err
	}
	var sys []*pkginfo.PackageInfo
	if t.opts.System != nil {
		sys = t.opts.System.Infos()
	}
	return repo.NoRegressions(arch, sys), nil
}

// Rollback makes the content of snapshot (an id, head~N) current again as
// a new snapshot (repo.Rollback), through the publish guard unless force
// is set, signed as the target's publishes are. A target with a run in
// progress is ErrRunActive (the run publishes from the head it read); a
// lease another publisher holds is repo.ErrLeaseHeld at once; an unknown
// snapshot is repo.ErrSnapshotNotFound. Rolling back to the head's
// content changes nothing (Result.Unchanged); a new snapshot is announced
// to the notify URLs.
func (t *Target) Rollback(ctx context.Context, snapshot string, force bool, reason string) (*repo.Result, error) {
	if id := t.ActiveRun(); id != "" {
		return nil, fmt.Errorf("%w on %s (run %s): roll back when it ended", ErrRunActive, t.Name(), id)
	}
	o := repo.RollbackOptions{Signer: t.opts.Signer, Reason: reason}
	if !force {
		g, err := t.publishGuard()
		if err != nil {
			return nil, err
		}
		o.Guard = g
	}
	res, err := t.dockRepo().Rollback(ctx, snapshot, o)
	if err == nil {
		t.afterPublish(res)
	}
	return res, err
}
