package repo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// keepSourceRepo makes the source's repo file (a HaikuPorter repository
// being imported) the snapshot's repo instead of the generated one, so
// that clients are served the very bytes they were served before the
// migration until the first publish. It does so only when src reads back
// to exactly the manifest's packages (file names and checksums) with the
// manifest's repository name, architecture and vendor (what verify
// checks); otherwise f stays as generated. repo.sha256 follows, and the
// signature is made over the kept bytes. It reports whether it kept src.
//
// HaikuPorter's repo differs from the generated one in the packages'
// order (package_repo appends new packages; kiln sorts them) and in what
// its embedded repository info holds, so a regenerated repo is not
// byte-identical even when it lists the same packages.
func (r *Repo) keepSourceRepo(f *files, m *Manifest, src []byte, sign Signer) (bool, error) {
	info, pkgs, err := r.codec.ReadRepo(bytes.NewReader(src), int64(len(src)))
	if err != nil || len(pkgs) != len(m.Packages) {
		return false, nil
	}
	if info.Name != m.Repository.Name || info.Architecture != m.Repository.Architecture || info.Vendor != m.Repository.Vendor {
		return false, nil
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		file := p.CanonicalFileName()
		mp, ok := m.Lookup(file)
		if !ok || seen[file] || mp.SHA256 != p.Checksum {
			return false, nil
		}
		seen[file] = true
	}
	f.repo = bytes.Clone(src)
	sum := sha256.Sum256(f.repo)
	m.RepoSHA256 = hex.EncodeToString(sum[:])
	f.repoSHA256 = []byte(m.RepoSHA256)
	if sign != nil {
		sig, err := sign.Sign(f.repo, m.Created)
		if err != nil {
			return false, fmt.Errorf("repo: sign snapshot %s: %w", m.ID, err)
		}
		f.minisig = sig
	}
	return true, nil
}
