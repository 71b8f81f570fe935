package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/store"
)

// Build-packages repositories are what Haiku's own build downloads its
// packages from (HaikuPorter's hardlink_packages.py cuts them today): a
// repository of a chosen list of packages at chosen versions, immutable
// once made. kiln makes one from packages the target's snapshots already
// list, from their manifests alone, below the target:
//
//	.kiln/build-packages/<name>/{repo,repo.info,repo.sha256,package.list}
//	.kiln/build-packages/<name>/manifest.json   (written last)
//
// The package files stay in current/packages/, where Prune keeps every
// package a build-packages manifest lists. See docs/decisions/0004.

// ErrUnknownPackage: a package asked for is not in the target's store.
var ErrUnknownPackage = errors.New("repo: package not in the store")

// ErrBuildPackagesExists: a build-packages repository of that name exists
// with other packages (they are immutable).
var ErrBuildPackagesExists = errors.New("repo: build-packages repository exists")

// ErrBuildPackagesNotFound: no build-packages repository of that name.
var ErrBuildPackagesNotFound = errors.New("repo: no such build-packages repository")

func (l layout) buildPackagesPrefix() string { return l.p + ".kiln/build-packages/" }
func (l layout) buildPackages(name, file string) string {
	return l.p + ".kiln/build-packages/" + name + "/" + file
}

// BuildPackagesKey is the store key of file (repo, repo.info, repo.sha256,
// package.list, manifest.json) of build-packages repository name. These
// files never change once written.
func (r *Repo) BuildPackagesKey(name, file string) string { return r.l.buildPackages(name, file) }

// ValidBuildPackagesName reports whether name can name a build-packages
// repository: a safe key segment (letters, digits, '-', '_', '.', not
// starting with '.') of at most 64 bytes, and not "current".
func ValidBuildPackagesName(name string) bool {
	return len(name) <= 64 && name != "current" && store.SafeSegment(name)
}

// BuildPackagesOptions say what goes into a build-packages repository.
type BuildPackagesOptions struct {
	// Name names it (ValidBuildPackagesName).
	Name string
	// Packages are package names (the head's package of that name) or
	// canonical file names (name-version-revision-arch.hpkg: the head's,
	// else the newest stored snapshot listing that file), at most one per
	// package name.
	Packages []string
	// BaseURL, if set, is the repo.info base URL; by default the head's
	// base URL with a final "/current" replaced by
	// "/build-packages/<name>" (where kiln serve serves it).
	BaseURL string
}

// BuildPackagesResult describes a made (or already existing) repository.
type BuildPackagesResult struct {
	Name       string   `json:"name"`
	RepoSHA256 string   `json:"repoSHA256"`
	Packages   []string `json:"packages"` // file names, sorted
	// From is the head snapshot the packages were resolved against.
	From string `json:"from"`
	// Unchanged: the repository existed with exactly these packages.
	Unchanged bool `json:"unchanged,omitempty"`
}

// CreateBuildPackages makes build-packages repository o.Name from
// packages the target's store holds: their manifest entries are copied
// into a new manifest (nothing is uploaded or read but manifests), whose
// repo, repo.info, repo.sha256 and package.list are generated as a
// snapshot's and written create-if-absent, manifest.json last. Packages
// that no stored snapshot lists are an error wrapping ErrUnknownPackage
// naming every one. An existing repository of that name with the same
// packages is success (Unchanged); with others ErrBuildPackagesExists.
// It holds the target's lease (so Prune sees it whole).
func (r *Repo) CreateBuildPackages(ctx context.Context, o BuildPackagesOptions) (*BuildPackagesResult, error) {
	if !ValidBuildPackagesName(o.Name) {
		return nil, fmt.Errorf("repo: bad build-packages name %q: 1 to 64 letters, digits, '-', '_' or '.', not starting with '.', not \"current\"", o.Name)
	}
	if len(o.Packages) == 0 {
		return nil, fmt.Errorf("repo: build-packages %s: no packages given", o.Name)
	}
	l, lctx, err := r.acquire(ctx, "build-packages "+o.Name)
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	ctx = lctx
	head, hm, err := r.Current(ctx)
	if err != nil {
		return nil, err
	}
	pkgs, err := r.resolvePackages(ctx, hm, o.Packages)
	if err != nil {
		return nil, fmt.Errorf("build-packages %s: %w", o.Name, err)
	}
	res := &BuildPackagesResult{Name: o.Name, From: head.Snapshot}
	for _, p := range pkgs {
		res.Packages = append(res.Packages, p.File)
	}
	if old, err := r.BuildPackages(ctx, o.Name); err == nil {
		var files []string
		for _, p := range old.Packages {
			files = append(files, p.File)
		}
		if !slices.Equal(files, res.Packages) {
			return nil, fmt.Errorf("%w: %s in %s lists other packages (%d); build-packages repositories never change, choose another name", ErrBuildPackagesExists, o.Name, r.target, len(files))
		}
		res.Unchanged, res.RepoSHA256, res.From = true, old.RepoSHA256, old.Parent
		return res, nil
	} else if !errors.Is(err, ErrBuildPackagesNotFound) {
		return nil, err
	}
	m := &Manifest{Schema: ManifestSchema, ID: o.Name, Parent: head.Snapshot, Created: r.now(),
		Reason: "build-packages " + o.Name, Repository: hm.Repository, Packages: pkgs}
	switch {
	case o.BaseURL != "":
		m.Repository.BaseURL = o.BaseURL
	case strings.HasSuffix(m.Repository.BaseURL, "/current"):
		m.Repository.BaseURL = strings.TrimSuffix(m.Repository.BaseURL, "/current") + "/build-packages/" + o.Name
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	f, err := generate(r.codec, m, nil)
	if err != nil {
		return nil, err
	}
	for _, nf := range f.named() {
		if err := putImmutable(ctx, r.st, r.l.buildPackages(o.Name, nf.name), nf.data); err != nil {
			return nil, fmt.Errorf("build-packages %s: %w", o.Name, err)
		}
	}
	mb, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := putImmutable(ctx, r.st, r.l.buildPackages(o.Name, FileManifest), mb); err != nil {
		return nil, fmt.Errorf("build-packages %s: %w", o.Name, err)
	}
	r.log.Info("build-packages repository created", "name", o.Name, "packages", len(pkgs), "from", head.Snapshot)
	res.RepoSHA256 = m.RepoSHA256
	return res, nil
}

// resolvePackages finds each asked-for package: a name in the head, a
// file name in the head or else in the stored snapshots, newest first.
func (r *Repo) resolvePackages(ctx context.Context, head *Manifest, want []string) ([]Package, error) {
	var out []Package
	var unknown, files []string
	for _, w := range want {
		if strings.HasSuffix(w, ".hpkg") {
			if p, ok := head.Lookup(w); ok {
				out = append(out, p)
			} else {
				files = append(files, w)
			}
			continue
		}
		if p, ok := head.ByName(w); ok {
			out = append(out, p)
		} else {
			unknown = append(unknown, w)
		}
	}
	if len(files) > 0 {
		ids, err := r.snapshotIDs(ctx)
		if err != nil {
			return nil, err
		}
		for i := len(ids) - 1; i >= 0 && len(files) > 0; i-- {
			if ids[i] == head.ID {
				continue
			}
			m, err := r.Manifest(ctx, ids[i])
			if err != nil {
				continue // an incomplete or unreadable snapshot lists nothing
			}
			files = slices.DeleteFunc(files, func(f string) bool {
				p, ok := m.Lookup(f)
				if ok {
					out = append(out, p)
				}
				return ok
			})
		}
		unknown = append(unknown, files...)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: no snapshot of %s lists %s", ErrUnknownPackage, r.target, strings.Join(quoteAll(unknown), ", "))
	}
	sortPackages(out)
	for i := 1; i < len(out); i++ {
		if out[i].File == out[i-1].File {
			out = slices.Delete(out, i, i+1) // asked for twice
			i--
		}
	}
	byName := map[string]string{}
	for _, p := range out {
		if o, dup := byName[p.Info.Name]; dup {
			return nil, fmt.Errorf("%w: %s and %s are both package %q", ErrBadPackage, o, p.File, p.Info.Name)
		}
		byName[p.Info.Name] = p.File
	}
	return out, nil
}

// BuildPackages reads the manifest of build-packages repository name
// (ErrBuildPackagesNotFound if there is none, or it is incomplete).
func (r *Repo) BuildPackages(ctx context.Context, name string) (*Manifest, error) {
	if !ValidBuildPackagesName(name) {
		return nil, fmt.Errorf("%w: bad name %q", ErrBuildPackagesNotFound, name)
	}
	b, _, err := getSmall(ctx, r.st, r.l.buildPackages(name, FileManifest), maxManifestSize)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s in %s", ErrBuildPackagesNotFound, name, r.target)
	}
	if err != nil {
		return nil, fmt.Errorf("repo: read build-packages %s: %w", name, err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("build-packages %s: %w", name, err)
	}
	if m.ID != name {
		return nil, fmt.Errorf("%w: build-packages %s holds the manifest of %s", ErrBadManifest, name, m.ID)
	}
	return m, nil
}

// BuildPackagesNames lists the names of the target's build-packages
// repositories in key order (one delimited listing; a name may be
// incomplete, without its manifest, if a create was interrupted).
func (r *Repo) BuildPackagesNames(ctx context.Context) ([]string, error) {
	var names []string
	p := r.l.buildPackagesPrefix()
	err := r.st.List(ctx, p, "/", func(oi store.ObjectInfo) error {
		if oi.IsPrefix {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(oi.Key, p), "/"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("repo: list build-packages of %s: %w", r.target, err)
	}
	return names, nil
}

// buildPackagesFiles are the package files every build-packages manifest
// lists (Prune keeps them). An unreadable manifest is an error: pruning
// without knowing what it protects could break it.
func (r *Repo) buildPackagesFiles(ctx context.Context) (map[string]bool, error) {
	names, err := r.BuildPackagesNames(ctx)
	if err != nil {
		return nil, err
	}
	files := map[string]bool{}
	for _, n := range names {
		m, err := r.BuildPackages(ctx, n)
		if errors.Is(err, ErrBuildPackagesNotFound) {
			continue // interrupted create: nothing served from it
		}
		if err != nil {
			return nil, err
		}
		for _, p := range m.Packages {
			files[p.File] = true
		}
	}
	return files, nil
}
