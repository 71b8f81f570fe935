package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Info is the repository info; default: the source's repo.info, else
	// the info embedded in the source's repo file.
	Info *pkginfo.RepositoryInfo
	// Deep re-hashes package files that are already in the store instead
	// of trusting the source repo's checksums or the import checkpoint.
	Deep bool
	// Progress, if set, is called after each package with the bytes done
	// so far and the total (from several goroutines, serialised).
	Progress func(done, total int64)
	Signer   Signer
	Reason   string
}

// ImportResult describes an import.
type ImportResult struct {
	Result
	Uploaded int      `json:"uploaded"` // package files copied into the store
	Present  int      `json:"present"`  // already there (resumed or in place)
	Skipped  []string `json:"skipped,omitempty"`
	// KeptRepo: the source's repo file lists exactly the imported
	// packages, so its bytes are the snapshot's repo (clients see the same
	// repo until the first publish).
	KeptRepo bool `json:"keptRepo,omitempty"`
}

// importItem is one package of an import source.
type importItem struct {
	file   string
	size   int64  // -1: unknown until found in the store
	sha256 string // "" unless known (from a repo file)
	info   *pkginfo.PackageInfo
	open   func(ctx context.Context) (io.ReadCloser, error) // nil: no content available (stub)
	srcKey string                                           // same-store source key for a server-side copy
}

// importCheckpoint is .kiln/import.json: the packages an interrupted import
// already uploaded, so a rerun need not read them back.
type importCheckpoint struct {
	Uploaded map[string]ckEntry `json:"uploaded"`
}

type ckEntry struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func (l layout) importCheckpoint() string { return l.p + ".kiln/import.json" }

// runImport uploads what is missing and publishes the first snapshot.
//
// srcRepo, if not nil, is the source's repo file: when it lists exactly the
// imported packages (keepSourceRepo), its bytes become the snapshot's repo.
func (r *Repo) runImport(ctx context.Context, items []importItem, srcRepo []byte, o ImportOptions) (*ImportResult, error) {
	if o.Info == nil {
		return nil, fmt.Errorf("repo: import into %s: no repository info (give repo.info)", r.target)
	}
	l, lctx, err := r.acquire(ctx, "import")
	if err != nil {
		return nil, err
	}
	defer l.release(ctx)
	ctx = lctx
	if h, err := r.ReadHead(ctx); err == nil {
		return nil, fmt.Errorf("repo: %s already has snapshot %s; import only builds the first one (use publish)", r.target, h.Snapshot)
	} else if !errors.Is(err, ErrNoHead) {
		return nil, err
	}
	res := &ImportResult{}
	items, res.Skipped = newestPerName(items)
	for _, it := range items {
		if err := ValidatePackage(it.info); err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrBadPackage, it.file, err)
		}
	}

	ck := importCheckpoint{Uploaded: map[string]ckEntry{}}
	if b, _, err := getSmall(ctx, r.st, r.l.importCheckpoint(), maxManifestSize); err == nil {
		if c, err := parseImportCheckpoint(b, r.l.importCheckpoint()); err != nil {
			r.log.Warn("unreadable import checkpoint, starting afresh", "err", err)
		} else {
			ck = c
		}
	}
	// One listing of the destination tells what is already there.
	have := map[string]int64{}
	pp := r.l.packagesPrefix()
	if err := r.st.List(ctx, pp, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			have[strings.TrimPrefix(oi.Key, pp)] = oi.Size
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("repo: import: list %s: %w", pp, err)
	}
	var total int64
	for _, it := range items {
		total += max(it.size, 0)
	}
	var (
		mu       sync.Mutex
		done     int64
		lastSave = time.Now()
		pkgs     = make([]Package, len(items))
	)
	saveCk := func(force bool) error {
		if !force && time.Since(lastSave) < 5*time.Second {
			return nil
		}
		lastSave = time.Now()
		b, _ := json.Marshal(&ck)
		_, err := putBytes(ctx, r.st, r.l.importCheckpoint(), b, store.PutOptions{})
		return err
	}
	// prior is what earlier runs uploaded (read-only below; ck grows under mu).
	prior := maps.Clone(ck.Uploaded)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	for i, it := range items {
		g.Go(func() error {
			p, uploaded, err := r.importOne(gctx, it, have, prior, o)
			if err != nil {
				return err
			}
			pkgs[i] = p
			mu.Lock()
			defer mu.Unlock()
			if uploaded {
				res.Uploaded++
				ck.Uploaded[p.File] = ckEntry{p.Size, p.SHA256}
			} else {
				res.Present++
			}
			done += p.Size
			if o.Progress != nil {
				o.Progress(done, total)
			}
			if uploaded {
				return saveCk(false)
			}
			return nil
		})
	}
	err = g.Wait()
	if err != nil {
		mu.Lock()
		_ = saveCk(true)
		mu.Unlock()
		return nil, fmt.Errorf("%w (rerun the import to resume)", err)
	}
	m := &Manifest{Schema: ManifestSchema, Created: r.now(), Reason: o.Reason, Repository: *o.Info, Packages: pkgs}
	if m.Reason == "" {
		m.Reason = "import"
	}
	m.ID = newSnapshotID(m.Created)
	sortPackages(m.Packages)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	f, err := generate(r.codec, m, o.Signer)
	if err != nil {
		return nil, err
	}
	if srcRepo != nil {
		if res.KeptRepo, err = r.keepSourceRepo(&f, m, srcRepo, o.Signer); err != nil {
			return nil, err
		}
	}
	if err := r.commitFiles(ctx, l, nil, nil, m, f); err != nil {
		return nil, err
	}
	_ = r.st.Delete(ctx, r.l.importCheckpoint())
	res.Snapshot, res.RepoSHA256, res.Packages = m.ID, m.RepoSHA256, len(m.Packages)
	for _, p := range m.Packages {
		res.Added = append(res.Added, p.File)
	}
	return res, nil
}

// newestPerName keeps one package per name, the newest version (the rule
// HaikuPorter's prune applies: an older version with a newer one present
// is obsolete), and returns the files it dropped.
func newestPerName(items []importItem) ([]importItem, []string) {
	slices.SortFunc(items, func(a, b importItem) int {
		if c := strings.Compare(a.info.Name, b.info.Name); c != 0 {
			return c
		}
		return -a.info.Version.Compare(b.info.Version)
	})
	var out []importItem
	var skipped []string
	for i, it := range items {
		if i > 0 && items[i-1].info.Name == it.info.Name {
			skipped = append(skipped, it.file)
			continue
		}
		out = append(out, it)
	}
	return out, skipped
}

// importOne makes sure one package is in current/packages/ and returns its
// manifest entry and whether it was uploaded now.
func (r *Repo) importOne(ctx context.Context, it importItem, have map[string]int64, prior map[string]ckEntry, o ImportOptions) (Package, bool, error) {
	info := *it.info
	info.Checksum = ""
	p := Package{File: it.file, Size: it.size, SHA256: it.sha256, Info: info, Added: r.now()}
	key := r.l.pkg(it.file)
	if size, ok := have[it.file]; ok {
		if it.size >= 0 && size != it.size {
			return p, false, fmt.Errorf("%w: %s has %d bytes in the store, the source has %d", ErrImmutable, key, size, it.size)
		}
		p.Size = size
		switch c, ok := prior[it.file]; {
		case o.Deep || p.SHA256 == "" && !(ok && c.Size == size):
			sum, err := r.hashObject(ctx, key)
			if err != nil {
				return p, false, err
			}
			if p.SHA256 != "" && sum != p.SHA256 {
				return p, false, fmt.Errorf("%w: %s has sha256 %s, the source lists %s", ErrImmutable, key, sum, p.SHA256)
			}
			p.SHA256 = sum
		case p.SHA256 == "":
			p.SHA256 = c.SHA256
		case ok && c.SHA256 != p.SHA256:
			return p, false, fmt.Errorf("%w: %s was uploaded with sha256 %s, the source lists %s", ErrImmutable, key, c.SHA256, p.SHA256)
		}
		return p, false, nil
	}
	if it.open == nil {
		return p, false, fmt.Errorf("repo: import: %s is a stub (no content) and not in the store", it.file)
	}
	if it.srcKey != "" && it.sha256 != "" && !o.Deep {
		if err := r.copyObject(ctx, it.srcKey, key, store.PutOptions{IfNoneMatch: true}); err != nil && !errors.Is(err, store.ErrPreconditionFailed) {
			return p, false, err
		}
		return p, true, nil
	}
	rc, err := it.open(ctx)
	if err != nil {
		return p, false, fmt.Errorf("repo: import %s: %w", it.file, err)
	}
	defer rc.Close()
	if _, ok := r.codec.(PackageValidator); ok && it.size >= 0 {
		// Validated and hashed while it is staged, refused before it
		// reaches current/packages/.
		sp, err := r.streamPackage(ctx, it.file, rc, it.size, func(vi pkginfo.PackageInfo, sum string) (pkginfo.PackageInfo, error) {
			if f := vi.CanonicalFileName(); f != it.file {
				return vi, fmt.Errorf("%w %s: the package inside is %s", ErrBadPackage, it.file, f)
			}
			if it.sha256 != "" && sum != it.sha256 {
				return vi, fmt.Errorf("repo: import %s: content sha256 %s differs from the source repo's %s", it.file, sum, it.sha256)
			}
			return vi, nil
		})
		if err != nil {
			return p, false, err
		}
		p.SHA256, p.Size = sp.SHA256, sp.Size
		return p, true, nil
	}
	h := newHashingReader(rc)
	oi, err := r.st.Put(ctx, key, h, it.size, store.PutOptions{IfNoneMatch: true, ContentType: "application/x-vnd.haiku-package"})
	if err != nil && !errors.Is(err, store.ErrPreconditionFailed) {
		return p, false, fmt.Errorf("repo: import %s: %w", it.file, err)
	}
	if err != nil { // appeared meanwhile (retried request): check it
		sum, herr := r.hashObject(ctx, key)
		if herr != nil {
			return p, false, herr
		}
		if it.sha256 != "" && sum != it.sha256 {
			return p, false, fmt.Errorf("%w: %s differs from the source", ErrImmutable, key)
		}
		st, _ := r.st.Stat(ctx, key)
		p.SHA256, p.Size = sum, st.Size
		return p, true, nil
	}
	sum := h.sum()
	if it.sha256 != "" && sum != it.sha256 {
		_ = r.st.Delete(ctx, key)
		return p, false, fmt.Errorf("repo: import %s: content sha256 %s differs from the source repo's %s", it.file, sum, it.sha256)
	}
	_ = oi
	p.SHA256, p.Size = sum, h.n
	return p, true, nil
}
