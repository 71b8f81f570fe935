package buildrun

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/store"
)

// presignTTL is how long a presigned dependency URL lives.
const presignTTL = 6 * time.Hour

// dependencies returns the package files b needs on the builder of s:
// the existing packages it uses (from the repository, else the system
// packages) and every output of the ports of the run it needs (produced
// earlier in the run, or already published).
func (r *runner) dependencies(ctx context.Context, s *slot, b *bstate) ([]builder.Dependency, error) {
	var out []builder.Dependency
	seen := map[string]bool{}
	fetches := false
	if f, ok := s.b.(builder.URLFetcher); ok && f.FetchesURLs() {
		fetches = true
	}
	add := func(file string) error {
		if seen[file] {
			return nil
		}
		seen[file] = true
		if p, ok := r.products[file]; ok {
			out = append(out, p.dependency())
			return nil
		}
		if r.head != nil {
			if pk, ok := r.head.Lookup(file); ok {
				key := r.opts.Repo.PackageKey(file)
				st := r.opts.Store
				d := builder.Dependency{File: file, Size: pk.Size, SHA256: pk.SHA256,
					Open: func(ctx context.Context) (io.ReadCloser, error) {
						rc, _, err := st.Get(ctx, key, store.GetOptions{})
						return rc, err
					}}
				if ps, ok := st.(store.Presigner); ok && fetches {
					if u, err := ps.PresignGet(ctx, key, presignTTL); err == nil {
						d.URL = u
					}
				}
				out = append(out, d)
				return nil
			}
		}
		if r.opts.System != nil {
			if d, ok := r.opts.System.Dependency(file); ok {
				out = append(out, d)
				return nil
			}
		}
		return fmt.Errorf("dependency %s is neither in the repository, nor a system package, nor produced by the run", file)
	}
	for _, f := range b.rec.Uses {
		if err := add(f); err != nil {
			return nil, err
		}
	}
	for _, n := range b.rec.Needs {
		nb := r.byID[n]
		for _, f := range nb.rec.Outputs {
			if err := add(f); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out, func(a, b builder.Dependency) int {
		switch {
		case a.File < b.File:
			return -1
		case a.File > b.File:
			return 1
		}
		return 0
	})
	return out, nil
}
