package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// maxSmall bounds what is read of a snapshot file (repo's manifest limit).
const maxSmall = 512 << 20

// listing is a snapshot or build-packages repository to copy: its parsed
// manifest and the manifest's bytes as the source holds them.
type listing struct {
	m   *repo.Manifest
	raw []byte
}

// readManifests reads and parses the source manifests of ids (key gives
// each one's key), in order.
func (p *pass) readManifests(ctx context.Context, ids []string, key func(string) string) ([]listing, error) {
	var out []listing
	for _, id := range ids {
		k := key(id)
		b, err := getSmall(ctx, p.src, k)
		if err != nil {
			return nil, fmt.Errorf("mirror: read %s from %s: %w", k, p.src, err)
		}
		m, err := repo.ParseManifest(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrSourceCorrupt, k, err)
		}
		if m.ID != id {
			return nil, fmt.Errorf("%w: %s holds the manifest of %s", ErrSourceCorrupt, k, m.ID)
		}
		out = append(out, listing{m, b})
	}
	return out, nil
}

// copyListing copies the generated files of l (repo checked against the
// manifest's SHA-256, repo.sha256 against it too) and then manifest.json,
// so that the destination's copy is complete once its manifest exists.
func (p *pass) copyListing(ctx context.Context, l listing, key func(name string) string) error {
	names := []string{repo.FileRepo, repo.FileRepoInfo, repo.FileRepoSHA256, repo.FilePackageList}
	if l.m.Signed {
		names = append(names, repo.FileRepoMinisig)
	}
	for _, name := range names {
		k := key(name)
		b, err := getSmall(ctx, p.src, k)
		if err != nil {
			return fmt.Errorf("mirror: read %s from %s: %w", k, p.src, err)
		}
		switch name {
		case repo.FileRepo:
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != l.m.RepoSHA256 {
				return fmt.Errorf("%w: %s in %s has SHA-256 %x, its manifest says %s", ErrSourceCorrupt, k, p.src, sum, l.m.RepoSHA256)
			}
		case repo.FileRepoSHA256:
			if !bytes.HasPrefix(b, []byte(l.m.RepoSHA256)) {
				return fmt.Errorf("%w: %s in %s does not hold the manifest's %s", ErrSourceCorrupt, k, p.src, l.m.RepoSHA256)
			}
		}
		if err := p.putSmall(ctx, k, b); err != nil {
			return err
		}
	}
	return p.putSmall(ctx, key(repo.FileManifest), l.raw)
}

// putSmall makes the destination's key hold b: created if missing (one
// conditional write), present if it holds b, replaced if it differs.
func (p *pass) putSmall(ctx context.Context, key string, b []byte) error {
	_, err := p.dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{IfNoneMatch: true})
	if err == nil {
		p.count(&p.res.Copied, int64(len(b)))
		return nil
	}
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return fmt.Errorf("mirror: write %s to %s: %w", key, p.dst, err)
	}
	old, err := getSmall(ctx, p.dst, key)
	if err != nil {
		return fmt.Errorf("mirror: read %s from %s: %w", key, p.dst, err)
	}
	if bytes.Equal(old, b) {
		p.count(&p.res.Present, int64(len(b)))
		return nil
	}
	if _, err := p.dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
		return fmt.Errorf("mirror: write %s to %s: %w", key, p.dst, err)
	}
	p.mu.Lock()
	p.res.Copied.add(int64(len(b)))
	p.res.Replaced++
	p.mu.Unlock()
	return nil
}

// headObject is a head.json as stored.
type headObject struct {
	raw  []byte
	head *repo.Head
	etag string
}

// readHead reads r's head.json from st (nil if there is none).
func (p *pass) readHead(ctx context.Context, st store.Store, r *repo.Repo) (*headObject, error) {
	rc, oi, err := st.Get(ctx, r.HeadKey(), store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: read %s from %s: %w", r.HeadKey(), st, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("mirror: read %s from %s: %w", r.HeadKey(), st, err)
	}
	h, err := repo.ParseHead(b, r.HeadKey())
	if err != nil {
		return nil, fmt.Errorf("mirror: %s: %w", st, err)
	}
	return &headObject{raw: b, head: h, etag: oi.ETag}, nil
}

// moveHead writes the source's head.json to the destination by
// compare-and-swap on the head read at the start of the pass.
func (p *pass) moveHead(ctx context.Context, src, dst *headObject) error {
	if dst != nil && bytes.Equal(dst.raw, src.raw) {
		p.count(&p.res.Present, int64(len(src.raw)))
		return nil
	}
	opts := store.PutOptions{IfNoneMatch: true, ContentType: "application/json"}
	if dst != nil {
		opts = store.PutOptions{IfMatch: dst.etag, ContentType: "application/json"}
	}
	key := p.dr.HeadKey()
	if _, err := p.dst.Put(ctx, key, bytes.NewReader(src.raw), int64(len(src.raw)), opts); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			if cur, rerr := p.readHead(ctx, p.dst, p.dr); rerr == nil && cur != nil && bytes.Equal(cur.raw, src.raw) {
				p.count(&p.res.Copied, int64(len(src.raw))) // our write landed; its answer was lost
				return nil
			}
			return fmt.Errorf("mirror: %s in %s moved during the mirror although the mirror holds its lease: %w", key, p.dst, err)
		}
		return fmt.Errorf("mirror: write %s to %s: %w", key, p.dst, err)
	}
	p.count(&p.res.Copied, int64(len(src.raw)))
	return nil
}

// getSmall reads a whole object of at most maxSmall bytes.
func getSmall(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, _, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSmall+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSmall {
		return nil, fmt.Errorf("mirror: %s is larger than %d bytes", key, maxSmall)
	}
	return b, nil
}
