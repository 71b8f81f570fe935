package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// packageScan hashes and counts the package bytes written to it and, when
// the codec is a PackageValidator, validates them in the same pass. Write
// fails once the package is known to be invalid (so an upload reading
// through it stops); finish must be called once.
type packageScan struct {
	h     hash.Hash
	n     int64
	check PackageCheck // nil: the codec does not validate
	err   error        // the check's first error
}

func (r *Repo) newPackageScan() *packageScan {
	s := &packageScan{h: sha256.New()}
	if pv, ok := r.codec.(PackageValidator); ok {
		s.check = pv.NewPackageCheck()
	}
	return s
}

func (s *packageScan) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	s.h.Write(p)
	s.n += int64(len(p))
	if s.check != nil {
		if _, err := s.check.Write(p); err != nil {
			s.err = err
			return 0, err
		}
	}
	return len(p), nil
}

// finish returns the SHA-256 and, with a validating codec, the package
// info (validated is false without one) or why the package is invalid.
func (s *packageScan) finish() (info pkginfo.PackageInfo, sum string, validated bool, err error) {
	sum = hex.EncodeToString(s.h.Sum(nil))
	if s.check == nil {
		return info, sum, false, nil
	}
	info, err = s.check.Close()
	s.check = nil
	if s.err != nil {
		err = s.err
	}
	return info, sum, true, err
}

// isScanError reports whether err (from a copy through s) is s's
// validation error rather than a read or write error.
func (s *packageScan) isScanError(err error) bool { return err != nil && err == s.err }

// scanObject streams a stored package through a packageScan: its SHA-256
// and, with a validating codec, why it is invalid (nil if it is valid).
// err is for a store that cannot be read.
func (r *Repo) scanObject(ctx context.Context, key string) (sum string, invalid, err error) {
	rc, _, err := r.st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("repo: read %s: %w", key, err)
	}
	defer rc.Close()
	s := r.newPackageScan()
	_, cerr := io.Copy(s, rc)
	if cerr != nil && !s.isScanError(cerr) {
		s.finish()
		return "", nil, fmt.Errorf("repo: read %s: %w", key, cerr)
	}
	if cerr != nil {
		// Invalid: hash the rest so the SHA-256 is still reported.
		if _, err := io.Copy(s.h, rc); err != nil {
			s.finish()
			return "", nil, fmt.Errorf("repo: read %s: %w", key, err)
		}
	}
	_, sum, _, invalid = s.finish()
	return sum, invalid, nil
}
