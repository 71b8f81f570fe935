package ssh

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ErrHostKey is wrapped when a host's key is not in known_hosts, differs
// from it, or is revoked there. A builder refused for it is lost at once:
// kiln never trusts a key on first use.
var ErrHostKey = errors.New("ssh builder: host key refused")

// KnownHosts is one strict known_hosts file (HaikuPorter's
// builders/known_hosts) covering the builders and their jump hosts.
type KnownHosts struct {
	File string
	cb   gossh.HostKeyCallback
}

// LoadKnownHosts reads an OpenSSH known_hosts file. A missing file is an
// error, as in HaikuPorter.
func LoadKnownHosts(file string) (*KnownHosts, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("ssh builder: known_hosts: %w", err)
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, fmt.Errorf("ssh builder: known_hosts %s: %w", file, err)
	}
	return &KnownHosts{File: file, cb: cb}, nil
}

// callback returns the host key callback for addr (host:port). It records
// the fingerprint of the key it accepted in *accepted.
func (k *KnownHosts) callback(accepted *string) gossh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key gossh.PublicKey) error {
		err := k.cb(hostname, remote, key)
		if err == nil {
			*accepted = gossh.FingerprintSHA256(key)
			return nil
		}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			return fmt.Errorf("%w: %s presented a key revoked in %s (%s)", ErrHostKey, hostname, k.File, gossh.FingerprintSHA256(key))
		case errors.As(err, &ke) && len(ke.Want) == 0:
			return fmt.Errorf("%w: %s is not in %s (it presented %s %s); add its key there",
				ErrHostKey, knownhosts.Normalize(hostname), k.File, key.Type(), gossh.FingerprintSHA256(key))
		case errors.As(err, &ke):
			return fmt.Errorf("%w: %s presented %s %s, which differs from its key in %s:%d — possible man-in-the-middle, or the host was reinstalled",
				ErrHostKey, knownhosts.Normalize(hostname), key.Type(), gossh.FingerprintSHA256(key), ke.Want[0].Filename, ke.Want[0].Line)
		}
		return fmt.Errorf("%w: %s: %w", ErrHostKey, hostname, err)
	}
}

// algorithms lists the host key algorithms known_hosts holds for addr, so
// the server is asked for a key that can be checked (otherwise a host
// known by its ECDSA key that offers Ed25519 first would look changed).
// nil means none known: the connection is then refused by callback.
func (k *KnownHosts) algorithms(addr string) []string {
	// Probing with a throw-away key makes the callback list the known keys.
	probe, err := gossh.NewPublicKey(probeKey)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if err := k.cb(addr, &net.TCPAddr{}, probe); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, w := range ke.Want {
		switch t := w.Key.Type(); t {
		case gossh.KeyAlgoRSA:
			add(gossh.KeyAlgoRSASHA512)
			add(gossh.KeyAlgoRSASHA256)
			add(t)
		default:
			add(t)
		}
	}
	return algos
}

// probeKey is a public key no host has (all zero bytes).
var probeKey = ed25519.PublicKey(make([]byte, ed25519.PublicKeySize))
