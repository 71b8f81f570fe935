package repo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"
)

// Signer signs a generated repo file; the result is stored as repo.minisig.
// created is the snapshot's creation time (signatures are deterministic for
// a given snapshot).
type Signer interface {
	Sign(repo []byte, created time.Time) ([]byte, error)
}

// MinisignSigner signs with a minisign private key, producing what
// `minisign -Sm repo` (HaikuPorter's --sign-package-repository-privkey-file)
// writes.
type MinisignSigner struct {
	key minisign.PrivateKey
}

// NewMinisignSigner loads an (optionally encrypted) minisign private key
// file. password may be empty for unencrypted keys.
func NewMinisignSigner(keyFile, password string) (*MinisignSigner, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("repo: signing key: %w", err)
	}
	var k minisign.PrivateKey
	if minisign.IsEncrypted(b) {
		if password == "" {
			return nil, fmt.Errorf("repo: signing key %s is encrypted, and no password was given", keyFile)
		}
		k, err = minisign.DecryptKey(password, b)
	} else {
		err = k.UnmarshalText(b)
	}
	if err != nil {
		return nil, fmt.Errorf("repo: signing key %s: %w", keyFile, err)
	}
	return &MinisignSigner{key: k}, nil
}

// NewMinisignSignerFromKey wraps an in-memory key.
func NewMinisignSignerFromKey(k minisign.PrivateKey) *MinisignSigner {
	return &MinisignSigner{key: k}
}

// Sign implements Signer.
func (s *MinisignSigner) Sign(repo []byte, created time.Time) ([]byte, error) {
	trusted := "timestamp:" + strconv.FormatInt(created.Unix(), 10) + "\tfile:repo"
	untrusted := "signature from minisign secret key " + strings.ToUpper(strconv.FormatUint(s.key.ID(), 16))
	return minisign.SignWithComments(s.key, repo, trusted, untrusted), nil
}

// VerifySignature checks a repo.minisig against repo with a public key file.
func VerifySignature(pubKeyFile string, repo, sig []byte) error {
	pk, err := minisign.PublicKeyFromFile(pubKeyFile)
	if err != nil {
		return fmt.Errorf("repo: public key: %w", err)
	}
	if !minisign.Verify(pk, repo, sig) {
		return fmt.Errorf("repo: repo.minisig does not verify with %s", pubKeyFile)
	}
	return nil
}

// PublicKey is the public half of the signer's key (what clients verify
// repo.minisig with).
func (s *MinisignSigner) PublicKey() minisign.PublicKey {
	return s.key.Public().(minisign.PublicKey)
}
