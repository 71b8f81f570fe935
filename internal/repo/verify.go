package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// VerifyOptions select the checks of Verify.
type VerifyOptions struct {
	// Deep re-hashes every listed package's content and, with a
	// validating codec (PackageValidator), validates it in the same pass.
	Deep bool
	// PublicKey, if set, is a minisign public key file repo.minisig must
	// verify with.
	PublicKey string
}

// Problem is one violated invariant.
type Problem struct {
	Check string `json:"check"`
	Key   string `json:"key,omitempty"`
	Msg   string `json:"msg"`
}

func (p Problem) String() string {
	if p.Key != "" {
		return p.Check + ": " + p.Key + ": " + p.Msg
	}
	return p.Check + ": " + p.Msg
}

// Report is the result of Verify.
type Report struct {
	Target    string    `json:"target"`
	Head      string    `json:"head,omitempty"`
	Snapshots int       `json:"snapshots"`
	Packages  int       `json:"packages"`
	Hashed    int       `json:"hashed,omitempty"`
	Problems  []Problem `json:"problems"`
	Notes     []string  `json:"notes,omitempty"`
}

// OK reports whether no invariant is violated.
func (rp *Report) OK() bool { return len(rp.Problems) == 0 }

func (rp *Report) add(check, key, format string, args ...any) {
	rp.Problems = append(rp.Problems, Problem{check, key, fmt.Sprintf(format, args...)})
}

// Verify checks every invariant of the target: the head and every stored
// manifest parse; the head snapshot's repo.sha256 matches its repo, the
// repo re-reads to the manifest, package.list matches; current/ equals the
// head snapshot; every package any stored snapshot lists exists in
// current/packages/ with the right size (and SHA-256 with Deep) and none is
// in .obsolete/, and so is every package a build-packages repository lists;
// the lease record is sane. It returns an error only when
// the store cannot be read; violations are in the report.
func (r *Repo) Verify(ctx context.Context, o VerifyOptions) (*Report, error) {
	rp := &Report{Target: r.target.String(), Problems: []Problem{}}
	ld, err := r.loadAll(ctx)
	if err != nil {
		if errors.Is(err, ErrBadManifest) {
			rp.add("head", r.l.head(), "%v", err)
			return rp, nil
		}
		return nil, err
	}
	rp.Snapshots = len(ld.byID) + len(ld.bad)
	for id, err := range ld.bad {
		if errors.Is(err, ErrSnapshotNotFound) && (ld.head == nil || id != ld.head.Snapshot) {
			// Written up to (not including) its manifest by a publish that
			// died: never served; prune removes it after the grace period.
			rp.Notes = append(rp.Notes, fmt.Sprintf("snapshot %s is incomplete (interrupted publish; prune removes it)", id))
			continue
		}
		rp.add("manifest", r.l.snapshot(id, FileManifest), "%v", err)
	}
	if ld.head == nil {
		if len(ld.byID) > 0 {
			rp.add("head", r.l.head(), "missing although %d snapshots exist", len(ld.byID))
		} else {
			rp.Notes = append(rp.Notes, "target is empty (no head)")
		}
		r.verifyLease(ctx, rp)
		r.verifyTemps(ctx, rp)
		return rp, nil
	}
	rp.Head = ld.head.Snapshot
	m, ok := ld.byID[ld.head.Snapshot]
	if !ok {
		rp.add("head", r.l.head(), "points to snapshot %s, which has no readable manifest", ld.head.Snapshot)
		return rp, nil
	}
	rp.Packages = len(m.Packages)
	if ld.head.RepoSHA256 != m.RepoSHA256 {
		rp.add("head", r.l.head(), "repoSHA256 %s differs from the manifest's %s", ld.head.RepoSHA256, m.RepoSHA256)
	}
	f, err := r.verifySnapshotFiles(ctx, rp, m)
	if err != nil {
		return nil, err
	}
	if f != nil {
		if err := r.verifyCurrent(ctx, rp, m, f, o); err != nil {
			return nil, err
		}
	}
	if err := r.verifyPackages(ctx, rp, ld, o); err != nil {
		return nil, err
	}
	if err := r.verifyIncoming(ctx, rp); err != nil {
		return nil, err
	}
	r.verifyLease(ctx, rp)
	r.verifyTemps(ctx, rp)
	return rp, nil
}

// verifySnapshotFiles checks the head snapshot's stored files against its
// manifest and returns them (nil if they cannot be read).
func (r *Repo) verifySnapshotFiles(ctx context.Context, rp *Report, m *Manifest) (*files, error) {
	f, err := r.readSnapshotFiles(ctx, m)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rp.add("snapshot", r.l.snapshot(m.ID, ""), "%v", err)
		return nil, nil
	}
	sum := sha256.Sum256(f.repo)
	repoOK := hex.EncodeToString(sum[:]) == m.RepoSHA256
	if !repoOK {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "SHA-256 %x differs from the manifest's %s", sum, m.RepoSHA256)
	}
	if string(f.repoSHA256) != m.RepoSHA256 {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepoSHA256), "holds %q, want %s", truncate(f.repoSHA256), m.RepoSHA256)
	}
	if !bytes.Equal(f.packageList, packageList(m)) {
		rp.add("snapshot", r.l.snapshot(m.ID, FilePackageList), "does not list exactly the manifest's packages")
	}
	if ri, err := pkginfo.ParseRepositoryInfo(bytes.NewReader(f.repoInfo), r.l.snapshot(m.ID, FileRepoInfo)); err != nil {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepoInfo), "does not parse: %v", err)
	} else if ri.Name != m.Repository.Name || ri.Identifier != m.Repository.Identifier || ri.Architecture != m.Repository.Architecture || ri.Vendor != m.Repository.Vendor {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepoInfo), "differs from the manifest's repository info")
	}
	if !repoOK {
		// Not the file publish wrote: it is not parsed (it may be hostile).
		return &f, nil
	}
	info, pkgs, err := r.codec.ReadRepo(bytes.NewReader(f.repo), int64(len(f.repo)))
	if err != nil {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "does not read back: %v", err)
		return &f, nil
	}
	if info.Name != m.Repository.Name || info.Architecture != m.Repository.Architecture || info.Vendor != m.Repository.Vendor {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "repository info %q/%s differs from the manifest's %q/%s", info.Name, info.Architecture, m.Repository.Name, m.Repository.Architecture)
	}
	want := map[string]Package{}
	for _, p := range m.Packages {
		want[p.File] = p
	}
	for _, p := range pkgs {
		file := p.CanonicalFileName()
		mp, ok := want[file]
		switch {
		case !ok:
			rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "lists %s, which the manifest does not", file)
		case p.Checksum != mp.SHA256:
			rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "checksum of %s is %s, the manifest says %s", file, p.Checksum, mp.SHA256)
		}
		delete(want, file)
	}
	for file := range want {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepo), "does not list %s", file)
	}
	if m.Signed && len(f.minisig) == 0 {
		rp.add("snapshot", r.l.snapshot(m.ID, FileRepoMinisig), "missing although the snapshot is signed")
	}
	return &f, nil
}

// verifyCurrent checks that current/ is a copy of the head snapshot.
func (r *Repo) verifyCurrent(ctx context.Context, rp *Report, m *Manifest, f *files, o VerifyOptions) error {
	for _, nf := range f.named() {
		b, _, err := getSmall(ctx, r.st, r.l.current(nf.name), maxManifestSize)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			rp.add("current", r.l.current(nf.name), "missing")
			continue
		}
		if !bytes.Equal(b, nf.data) {
			rp.add("current", r.l.current(nf.name), "differs from snapshot %s", m.ID)
		}
		if nf.name == FileRepoMinisig && o.PublicKey != "" {
			if err := VerifySignature(o.PublicKey, f.repo, b); err != nil {
				rp.add("signature", r.l.current(nf.name), "%v", err)
			}
		}
	}
	if !m.Signed {
		if _, err := r.st.Stat(ctx, r.l.current(FileRepoMinisig)); err == nil {
			rp.add("current", r.l.current(FileRepoMinisig), "present although snapshot %s is not signed", m.ID)
		}
	}
	if o.PublicKey != "" && !m.Signed {
		rp.add("signature", r.l.current(FileRepoMinisig), "a public key was given but the head snapshot is not signed")
	}
	return nil
}

// verifyPackages checks the package files of every stored snapshot with
// one listing of current/packages/ (with .obsolete/).
func (r *Repo) verifyPackages(ctx context.Context, rp *Report, ld *loaded, o VerifyOptions) error {
	have := map[string]int64{}
	obsolete := map[string]bool{}
	pp, op := r.l.packagesPrefix(), r.l.obsoletePrefix()
	err := r.st.List(ctx, pp, "", func(oi store.ObjectInfo) error {
		if strings.HasPrefix(oi.Key, op) {
			obsolete[strings.TrimPrefix(oi.Key, op)] = true
		} else {
			have[strings.TrimPrefix(oi.Key, pp)] = oi.Size
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("repo: list packages of %s: %w", r.target, err)
	}
	checked := map[string]bool{}
	headID := ld.head.Snapshot
	type listing struct {
		m     *Manifest
		where string
	}
	var all []listing
	for _, m := range ld.byID {
		where := "snapshot " + m.ID
		if m.ID == headID {
			where = "the head snapshot"
		}
		all = append(all, listing{m, where})
	}
	// Build-packages repositories list packages of current/packages/ too.
	names, err := r.BuildPackagesNames(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		m, err := r.BuildPackages(ctx, n)
		switch {
		case errors.Is(err, ErrBuildPackagesNotFound):
			rp.Notes = append(rp.Notes, fmt.Sprintf("build-packages %s is incomplete (an interrupted create; not served)", n))
			continue
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rp.add("build-packages", r.l.buildPackages(n, FileManifest), "%v", err)
			continue
		}
		all = append(all, listing{m, "build-packages " + n})
	}
	for _, l := range all {
		m, where := l.m, l.where
		for _, p := range m.Packages {
			if checked[p.File] {
				continue
			}
			checked[p.File] = true
			size, ok := have[p.File]
			switch {
			case !ok:
				rp.add("package", r.l.pkg(p.File), "listed by %s but missing", where)
			case size != p.Size:
				rp.add("package", r.l.pkg(p.File), "has %d bytes, %s lists %d", size, where, p.Size)
			case o.Deep:
				sum, invalid, err := r.scanObject(ctx, r.l.pkg(p.File))
				if err != nil {
					return err
				}
				rp.Hashed++
				if sum != p.SHA256 {
					rp.add("package", r.l.pkg(p.File), "SHA-256 %s, %s lists %s", sum, where, p.SHA256)
				} else if invalid != nil {
					rp.add("package", r.l.pkg(p.File), "is not a valid package: %v", invalid)
				}
			}
			if obsolete[p.File] {
				if ok {
					// Re-published after a prune: served from packages/; the
					// next prune drops the stale .obsolete/ copy.
					rp.Notes = append(rp.Notes, fmt.Sprintf("%s is listed and also has a stale copy in .obsolete/", p.File))
				} else {
					rp.add("obsolete", r.l.obsolete(p.File), "referenced by %s but moved to .obsolete/", where)
				}
			}
		}
	}
	return nil
}

// verifyTemps notes temporary files interrupted writes left behind.
func (r *Repo) verifyTemps(ctx context.Context, rp *Report) {
	temps, err := r.staleTemps(ctx, false)
	if err != nil {
		rp.add("temp files", r.l.p, "%v", err)
	}
	for _, t := range temps {
		rp.Notes = append(rp.Notes, fmt.Sprintf("%s: temp file of an interrupted write (%d bytes, %s); prune removes it", t.Key, t.Size, t.Modified.Format(time.RFC3339)))
	}
}

func (r *Repo) verifyLease(ctx context.Context, rp *Report) {
	li, _, err := r.ReadLease(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		rp.add("lease", r.l.lease(), "%v", err)
	case li.Released:
	case li.Expires.Sub(r.now()) > 24*time.Hour:
		rp.add("lease", r.l.lease(), "held by %s until %s, implausibly far ahead", li.Holder, li.Expires.Format(time.RFC3339))
	case li.Expires.Before(r.now()):
		rp.Notes = append(rp.Notes, fmt.Sprintf("lease of %s expired at %s without release (a publisher died; the next one takes it over)", li.Holder, li.Expires.Format(time.RFC3339)))
	default:
		rp.Notes = append(rp.Notes, fmt.Sprintf("lease held by %s until %s (%s)", li.Holder, li.Expires.Format(time.RFC3339), li.Purpose))
	}
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
