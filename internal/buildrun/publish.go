package buildrun

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/repo"
)

// publishDone is a publish's outcome, sent to the loop.
type publishDone struct {
	published map[*bstate]string // build → snapshot that lists its packages
	snapshots []string
	// waiting: held because not installable yet (another build of the
	// run may still provide what they need); held: held for good.
	waiting []*bstate
	held    map[*bstate]string
	retry   []*bstate // not published because of err
	err     error
	head    *repo.Manifest
	final   bool
}

// maybePublish starts a publish of the succeeded builds when the mode
// says so (final: the run is over, publish everything).
func (r *runner) maybePublish(ctx context.Context, final bool) {
	if r.publishing || r.opts.Publish == PublishNever || r.stopping != "" || ctx.Err() != nil {
		return
	}
	if r.opts.Publish == PublishAtEnd && !final {
		return
	}
	if r.fatal != nil || r.now().Before(r.publishAfter) && !final {
		return
	}
	if len(r.toPublish) == 0 && !(final && len(r.parked) > 0) {
		return
	}
	batch := append(r.parked, r.toPublish...)
	r.toPublish, r.parked = nil, nil
	r.publishing = true
	go func() { r.request(r.publish(ctx, batch, final)) }()
}

// onPublished applies a publish's outcome.
func (r *runner) onPublished(m publishDone) {
	r.publishing = false
	if m.head != nil {
		r.head = m.head
	}
	r.mu.Lock()
	for b, snap := range m.published {
		b.rec.Published = snap
	}
	r.run.Snapshots = append(r.run.Snapshots, m.snapshots...)
	for b, why := range m.held {
		b.held = true
		for _, p := range b.products {
			r.run.Held = append(r.run.Held, Held{File: p.File, Port: b.task.ID, Build: b.rec.Number, Reason: why})
		}
	}
	r.mu.Unlock()
	for b := range m.published {
		r.saveBuild(b)
	}
	for _, s := range m.snapshots {
		r.masterf("published snapshot %s", s)
		r.bus.Publish(Event{Kind: EventPublish, Run: r.run.ID, Snapshot: s})
	}
	for b, why := range m.held {
		r.masterf("held back the packages of build %d %s: %s", b.rec.Number, b.task.ID, why)
	}
	if len(m.snapshots) > 0 || len(m.held) > 0 {
		r.saveRun()
	}
	if m.err != nil {
		r.masterf("publishing failed: %v", m.err)
		if m.final {
			r.fatal = fmt.Errorf("buildrun: publish: %w", m.err)
		}
	}
	// Builds not installable yet are tried again with the next batch, or
	// held for good at the end; a failed publish is retried after a pause.
	r.parked = append(r.parked, m.waiting...)
	if len(m.retry) > 0 {
		r.toPublish = append(r.toPublish, m.retry...)
		r.publishAfter = r.now().Add(5 * time.Second)
	}
}

// publish publishes the packages of batch (in its own goroutine; it
// reads only what does not change after a build succeeded).
func (r *runner) publish(ctx context.Context, batch []*bstate, final bool) publishDone {
	out := publishDone{published: map[*bstate]string{}, held: map[*bstate]string{}, final: final}
	_, head, err := r.opts.Repo.Current(ctx)
	if err != nil && !errors.Is(err, repo.ErrNoHead) {
		out.err, out.retry = err, batch
		return out
	}
	cands := batch
	if !r.opts.PublishUninstallable {
		var why map[*bstate]string
		cands, why = r.installable(head, batch)
		for b, w := range why {
			if final {
				out.held[b] = w
			} else {
				out.waiting = append(out.waiting, b)
			}
		}
	}
	if len(cands) == 0 {
		return out
	}
	groups := [][]*bstate{cands}
	for len(groups) > 0 {
		g := groups[0]
		groups = groups[1:]
		res, err := r.publishGroup(ctx, head == nil, g)
		var refused bool
		if err != nil && errors.Is(err, repo.ErrRefused) {
			refused = true
		}
		switch {
		case refused && len(g) > 1:
			// Find the culprits: publish port by port.
			for _, b := range g {
				groups = append(groups, []*bstate{b})
			}
			continue
		case refused:
			out.held[g[0]] = err.Error()
			continue
		case err != nil:
			out.err = err
			out.retry = append(out.retry, g...)
			for _, rest := range groups {
				out.retry = append(out.retry, rest...)
			}
			groups = nil
			continue
		}
		head = &repo.Manifest{} // not the first publish any more
		if !res.Unchanged {
			out.snapshots = append(out.snapshots, res.Snapshot)
		}
		for _, b := range g {
			out.published[b] = res.Snapshot
		}
	}
	if _, m, err := r.opts.Repo.Current(ctx); err == nil {
		out.head = m
	}
	return out
}

// publishGroup publishes the packages of some builds as one snapshot.
func (r *runner) publishGroup(ctx context.Context, first bool, g []*bstate) (*repo.Result, error) {
	c := repo.Change{Reason: r.reason(g), Signer: r.opts.Signer}
	if first {
		if r.opts.RepoInfo == nil {
			return nil, fmt.Errorf("buildrun: %s has no snapshot yet and no repository info is configured", r.opts.Target)
		}
		c.Info = r.opts.RepoInfo
	}
	if !r.opts.AllowRegressions {
		arch, _ := r.opts.Target.Architecture()
		c.Guard = repo.NoRegressions(arch, r.systemInfos())
	}
	for _, b := range g {
		for _, p := range b.products {
			c.Ingested = append(c.Ingested, p.Package)
		}
	}
	return r.opts.Repo.Publish(ctx, c)
}

func (r *runner) systemInfos() []*pkginfo.PackageInfo {
	if r.opts.System == nil {
		return nil
	}
	return r.opts.System.Infos()
}

// reason is a snapshot's reason: the run and its builds.
func (r *runner) reason(g []*bstate) string {
	nums := make([]string, 0, len(g))
	for _, b := range g {
		nums = append(nums, fmt.Sprint(b.rec.Number))
	}
	s := "buildrun " + r.run.ID + ": build"
	if len(g) > 1 {
		s += "s"
	}
	if len(nums) > 20 {
		return fmt.Sprintf("%s %s … %s (%d builds)", s, strings.Join(nums[:10], " "), nums[len(nums)-1], len(nums))
	}
	return s + " " + strings.Join(nums, " ")
}

// installable splits batch into the builds whose packages can all be
// installed from the repository the publish would make (head plus the
// packages of the builds kept, plus the system packages) and those that
// cannot, with why. Builds are kept or dropped whole (a port is
// published with all its packages or not at all), to a fixpoint.
//
// Only what the run causes holds a package back: a package that would
// not be installable even if every build of the run succeeded (a
// requirement nothing in the tree provides) is not held for it (the
// publish guard still refuses regressions).
func (r *runner) installable(head *repo.Manifest, batch []*bstate) ([]*bstate, map[*bstate]string) {
	arch, _ := r.opts.Target.Architecture()
	inBatch := map[*bstate]bool{}
	for _, b := range batch {
		inBatch[b] = true
	}
	check := func(extra func(byName map[string]*pkginfo.PackageInfo), keep []*bstate) (map[string]string, map[string]*bstate) {
		byName := map[string]*pkginfo.PackageInfo{}
		if head != nil {
			for i := range head.Packages {
				byName[head.Packages[i].Info.Name] = &head.Packages[i].Info
			}
		}
		if extra != nil {
			extra(byName)
		}
		owner := map[string]*bstate{}
		for _, b := range keep {
			for _, p := range b.products {
				byName[p.Info.Name] = &p.Info
				owner[p.File] = b
			}
		}
		infos := make([]*pkginfo.PackageInfo, 0, len(byName))
		for _, n := range slices.Sorted(maps.Keys(byName)) {
			infos = append(infos, byName[n])
		}
		rep := plan.Check(plan.CheckInput{Arch: arch, Repository: infos, System: r.systemInfos()})
		bad := map[string]string{}
		for _, u := range rep.Uninstallable {
			bad[u.Package] = u.Because
		}
		return bad, owner
	}
	// As if every build of the run succeeded (the recipes' infos of the
	// outputs not built yet or not at all).
	ideal, _ := check(func(byName map[string]*pkginfo.PackageInfo) {
		for _, b := range r.builds {
			if inBatch[b] {
				continue
			}
			for _, f := range b.rec.Outputs {
				if info := b.rec.OutputInfos[f]; info != nil {
					byName[info.Name] = info
				}
			}
		}
	}, batch)
	keep := slices.Clone(batch)
	why := map[*bstate]string{}
	for {
		bad, owner := check(nil, keep)
		dropped := false
		for file, because := range bad {
			b, ok := owner[file]
			if !ok {
				continue
			}
			if _, pre := ideal[file]; pre {
				continue
			}
			if _, done := why[b]; done {
				continue
			}
			why[b] = fmt.Sprintf("%s would not be installable: %s", file, because)
			dropped = true
		}
		if !dropped {
			return keep, why
		}
		keep = slices.DeleteFunc(keep, func(b *bstate) bool { _, out := why[b]; return out })
	}
}

// source is what the manifest records of a build's packages.
func (r *runner) source(port string, number int64) repo.Source {
	return repo.Source{Port: port, RecipeCommit: r.run.Tree.Commit, BuildID: fmt.Sprintf("%s/%d", r.run.ID, number)}
}
