package repo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// Change is what a publish does to a target.
type Change struct {
	// Info replaces the repository info; required for a target's first
	// publish, else nil keeps the current one.
	Info *pkginfo.RepositoryInfo
	// Add are packages to upload and list; a package replaces the listed
	// package of the same name.
	Add []Add
	// Ingested are packages Ingest already uploaded, listed like Add's
	// without reading or uploading them again (each must be in
	// current/packages/ with its size).
	Ingested []Package
	// Remove are package names to drop from the listing (their files stay
	// until prune). A name the head does not list is an error wrapping
	// ErrNotListed (a typo must not pass as "unchanged"), unless
	// IgnoreMissing is set (so reruns of a removal converge).
	Remove        []string
	IgnoreMissing bool
	// AllowDowngrade lets an added package replace a newer version of itself.
	AllowDowngrade bool
	// Signer, if set, signs the repo (repo.minisig).
	Signer Signer
	// Reason is recorded in the manifest.
	Reason string
	// Guard, if set, may refuse the publish (see Guard); a refusal is
	// returned wrapped in ErrRefused and changes nothing.
	Guard Guard
	// Progress, if set, is told how the uploads advance (bytes and
	// packages); calls are serialised but come from upload goroutines.
	Progress func(UploadProgress)
}

// Result describes a publish.
type Result struct {
	Snapshot   string   `json:"snapshot"`
	Parent     string   `json:"parent,omitempty"`
	RepoSHA256 string   `json:"repoSHA256"`
	Packages   int      `json:"packages"`
	Added      []string `json:"added,omitempty"`   // files newly listed
	Removed    []string `json:"removed,omitempty"` // files no longer listed
	Unchanged  bool     `json:"unchanged,omitempty"`
	Repaired   bool     `json:"repaired,omitempty"` // current/ had to be repaired first
}

// Publish applies c to the target as one new snapshot, following the
// publishing protocol: packages are uploaded create-if-absent, the snapshot
// is written under new keys, the head is moved by compare-and-swap under the
// target's lease and current/ is refreshed with repo.sha256 last. If
// nothing changes, no snapshot is made (Result.Unchanged). Publish never
// lists the store.
func (r *Repo) Publish(ctx context.Context, c Change) (res *Result, err error) {
	defer func(start time.Time) { r.observe("publish", start, res, err) }(time.Now())
	l, lctx, err := r.acquire(ctx, "publish")
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	return r.publishLocked(ctx, lctx, l, c)
}

// publishLocked is Publish with the lease held (lctx is its context).
func (r *Repo) publishLocked(ctx, lctx context.Context, l *lease, c Change) (*Result, error) {
	ingested := map[int]Package{}
	for attempt := 0; ; attempt++ {
		res, err := r.publishOnce(lctx, l, c, ingested)
		if errors.Is(err, ErrConflict) && attempt < 3 {
			r.log.Warn("head moved during publish, retrying", "err", err)
			continue
		}
		if err != nil && context.Cause(lctx) != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w (%v)", err, context.Cause(lctx))
		}
		return res, err
	}
}

func (r *Repo) publishOnce(ctx context.Context, l *lease, c Change, ingested map[int]Package) (*Result, error) {
	head, prev, err := r.Current(ctx)
	res := &Result{}
	switch {
	case errors.Is(err, ErrNoHead):
		head, prev = nil, nil
		if c.Info == nil {
			return nil, fmt.Errorf("repo: %s has no snapshot yet: repository info (repo.info) is required", r.target)
		}
		// A repository kiln did not publish (HaikuPorter's) must be
		// imported, not overwritten by a first snapshot that lacks its
		// packages.
		if _, err := r.st.Stat(ctx, r.l.current(FileRepo)); err == nil {
			return nil, fmt.Errorf("%w: %s holds a repository kiln did not publish (%s exists); import it first: kiln repo import store:%s",
				ErrForeignRepo, r.target, r.l.current(FileRepo), strings.TrimSuffix(r.l.current(""), "/"))
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("repo: stat %s: %w", r.l.current(FileRepo), err)
		}
	case err != nil:
		return nil, err
	default:
		res.Repaired, err = r.repairCurrent(ctx, head, prev)
		if err != nil {
			return nil, err
		}
	}
	info := c.Info
	if info == nil {
		info = &prev.Repository
	}
	if arch, err := r.target.Architecture(); err != nil || info.Architecture != arch {
		return nil, fmt.Errorf("repo: repository info architecture %s does not match target %s", info.Architecture, r.target)
	}

	// Validate everything before uploading anything, Concurrency packages
	// at a time (inflating is CPU-bound); the first bad package in Add
	// order is reported.
	infos := make([]pkginfo.PackageInfo, len(c.Add))
	sums := make([]string, len(c.Add))
	errs := make([]error, len(c.Add))
	var pg errgroup.Group
	pg.SetLimit(r.opts.Concurrency)
	for i, a := range c.Add {
		if _, done := ingested[i]; done {
			infos[i] = ingested[i].Info // validated by the first attempt
			continue
		}
		pg.Go(func() error {
			infos[i], sums[i], errs[i] = r.parsePackage(a, *info)
			return nil
		})
	}
	pg.Wait()
	seen := map[string]string{}
	for i, a := range c.Add {
		if errs[i] != nil {
			return nil, errs[i]
		}
		n := infos[i].Name
		if o, dup := seen[n]; dup {
			return nil, fmt.Errorf("%w: %s and %s are both package %q", ErrBadPackage, o, a.Name, n)
		}
		seen[n] = a.Name
		if prev != nil && !c.AllowDowngrade {
			if old, ok := prev.ByName(n); ok && infos[i].Version.Compare(old.Info.Version) < 0 {
				return nil, fmt.Errorf("%w: %s would replace %s", ErrDowngrade, infos[i].CanonicalFileName(), old.File)
			}
		}
	}
	for _, p := range c.Ingested {
		if err := r.checkIngested(ctx, p, *info); err != nil {
			return nil, err
		}
		n := p.Info.Name
		if o, dup := seen[n]; dup {
			return nil, fmt.Errorf("%w: %s and %s are both package %q", ErrBadPackage, o, p.File, n)
		}
		seen[n] = p.File
		if prev != nil && !c.AllowDowngrade {
			if old, ok := prev.ByName(n); ok && p.Info.Version.Compare(old.Info.Version) < 0 {
				return nil, fmt.Errorf("%w: %s would replace %s", ErrDowngrade, p.File, old.File)
			}
		}
	}
	if !c.IgnoreMissing {
		var missing []string
		for _, n := range c.Remove {
			if _, ok := seen[n]; ok {
				continue // replaced by an added package of that name
			}
			if prev == nil {
				missing = append(missing, n)
			} else if _, ok := prev.ByName(n); !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%w: %s does not list %s", ErrNotListed, r.target, strings.Join(quoteAll(missing), ", "))
		}
	}
	if c.Guard != nil {
		all := infos
		for _, p := range c.Ingested {
			all = append(all[:len(all):len(all)], p.Info)
		}
		if err := r.guard(ctx, c, prev, all); err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	added := make([]Package, len(c.Add))
	var meter *uploadMeter
	if c.Progress != nil {
		meter = newUploadMeter(c.Progress, c.Add)
	}
	for i, a := range c.Add {
		if p, ok := ingested[i]; ok {
			added[i] = p
			continue
		}
		g.Go(func() error {
			if meter != nil {
				a.R = meter.reader(a.R)
			}
			p, err := r.ingest(gctx, a, infos[i], sums[i], prev)
			added[i] = p
			if meter != nil && err == nil {
				meter.add(0, true)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, p := range added {
		ingested[i] = p
	}
	added = append(added, c.Ingested...)

	m := &Manifest{Schema: ManifestSchema, Created: r.now(), Reason: c.Reason, Repository: *info}
	m.ID = newSnapshotID(m.Created)
	byName := map[string]Package{}
	if prev != nil {
		m.Parent = prev.ID
		for _, p := range prev.Packages {
			byName[p.Info.Name] = p
		}
	}
	for _, n := range c.Remove {
		delete(byName, n)
	}
	for _, p := range added {
		byName[p.Info.Name] = p
	}
	for _, p := range byName {
		m.Packages = append(m.Packages, p)
	}
	sortPackages(m.Packages)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	res.Added, res.Removed = diffFiles(prev, m)
	if prev != nil && len(res.Added) == 0 && len(res.Removed) == 0 && repoInfoEqual(prev, m) && prev.Signed == (c.Signer != nil) {
		res.Snapshot, res.Parent, res.RepoSHA256, res.Packages, res.Unchanged = prev.ID, prev.Parent, prev.RepoSHA256, len(prev.Packages), true
		return res, nil
	}
	if err := r.commit(ctx, l, head, prev, m, c.Signer); err != nil {
		return nil, err
	}
	res.Snapshot, res.Parent, res.RepoSHA256, res.Packages = m.ID, m.Parent, m.RepoSHA256, len(m.Packages)
	return res, nil
}

// guard calls c.Guard with the packages of prev and those of the new
// manifest (prev + infos − c.Remove, as publishOnce builds it).
func (r *Repo) guard(ctx context.Context, c Change, prev *Manifest, infos []pkginfo.PackageInfo) error {
	var old []pkginfo.PackageInfo
	byName := map[string]pkginfo.PackageInfo{}
	if prev != nil {
		old = make([]pkginfo.PackageInfo, len(prev.Packages))
		for i, p := range prev.Packages {
			old[i] = p.Info
			byName[p.Info.Name] = p.Info
		}
	}
	for _, n := range c.Remove {
		delete(byName, n)
	}
	for _, p := range infos {
		byName[p.Name] = p
	}
	names := slices.Sorted(maps.Keys(byName))
	next := make([]pkginfo.PackageInfo, len(names))
	for i, n := range names {
		next[i] = byName[n]
	}
	return r.askGuard(ctx, c.Guard, old, next)
}

// askGuard asks g about replacing the packages old by new; a refusal is
// wrapped in ErrRefused.
func (r *Repo) askGuard(ctx context.Context, g Guard, old, next []pkginfo.PackageInfo) error {
	if err := g(ctx, old, next); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: %s: %w", ErrRefused, r.target, err)
	}
	return nil
}

// commit generates m's files, writes the snapshot, moves the head from
// head (nil: none) and refreshes current/ (prev is the manifest current/
// held, may be nil).
func (r *Repo) commit(ctx context.Context, l *lease, head *Head, prev, m *Manifest, sign Signer) error {
	f, err := generate(r.codec, m, sign)
	if err != nil {
		return err
	}
	return r.commitFiles(ctx, l, head, prev, m, f)
}

// commitFiles is commit with the snapshot's files already made.
func (r *Repo) commitFiles(ctx context.Context, l *lease, head *Head, prev, m *Manifest, f files) error {
	if err := r.writeSnapshot(ctx, m, f); err != nil {
		return err
	}
	if err := l.check(ctx); err != nil {
		return err
	}
	if _, err := r.moveHead(ctx, head, m); err != nil {
		return err
	}
	r.log.Info("head moved", "snapshot", m.ID, "parent", m.Parent, "packages", len(m.Packages))
	if err := r.refreshCurrent(ctx, m, f, prev); err != nil {
		return fmt.Errorf("%w (the head moved to %s; the next publish, or kiln repo verify --repair, repairs current/)", err, m.ID)
	}
	return nil
}

// diffFiles returns the files in b but not a, and in a but not b.
func diffFiles(a, b *Manifest) (added, removed []string) {
	var af map[string]bool
	if a != nil {
		af = a.Files()
	}
	bf := b.Files()
	for f := range bf {
		if !af[f] {
			added = append(added, f)
		}
	}
	for f := range af {
		if !bf[f] {
			removed = append(removed, f)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
