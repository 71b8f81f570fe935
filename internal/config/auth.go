package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/haikuports/kiln/internal/server/auth"
)

// Auth is the [auth] section of `kiln serve`: the API's bearer tokens and
// the GitHub webhook secret (see docs/api-auth.md). Secrets can be read
// from files (…_file) so the config itself can be world-readable; a token's
// hash is not a secret, but a hash_file lets a deployment keep its tokens
// out of the config too.
type Auth struct {
	// Tokens are the API's tokens, each as `kiln token create` prints it.
	Tokens []AuthToken `toml:"tokens"`
	// GitHubSecret is the push webhook's secret, at least 16 characters
	// (or github_secret_file; neither: the webhook is refused).
	GitHubSecret Secret `toml:"github_secret"`
	// GitHubSecretFile is a file holding the webhook's secret (or
	// github_secret).
	GitHubSecretFile string `toml:"github_secret_file"`
}

// Secret is a secret value of the config. It prints and logs as
// "[redacted]", so a config dumped with %v or slog shows no secret.
type Secret string

// String is "[redacted]" (or "" when unset).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue is String, for slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON is String as JSON (slog's JSON handler encodes structs with
// encoding/json).
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// AuthToken is one [[auth.tokens]] entry.
type AuthToken struct {
	// Name names the token in logs and records (letters, digits, - _ .).
	Name string `toml:"name"`
	// Role is read, trigger or admin.
	Role string `toml:"role"`
	// Hash is "sha256:<hex>" of the token (or hash_file).
	Hash string `toml:"hash"`
	// HashFile is a file holding the hash (or hash).
	HashFile string `toml:"hash_file"`
}

// maxSecretFile bounds a secret or hash file.
const maxSecretFile = 4 << 10

// readSecret reads a secret file, trimming one trailing newline (and
// surrounding white space) as editors and `echo` leave them.
func readSecret(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("%s: larger than %d bytes", path, maxSecretFile)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("%s: empty", path)
	}
	return string(b), nil
}

// KeyringTokens returns the configured tokens, reading hash files. Errors
// name the key ("auth.tokens[1].role: …") and never contain a secret.
func (a Auth) KeyringTokens() ([]auth.Token, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	var toks []auth.Token
	for i, t := range a.Tokens {
		key := fmt.Sprintf("auth.tokens[%d]", i)
		if err := auth.ValidName(t.Name); err != nil {
			bad(key+".name", "%v", err)
		}
		role, err := auth.ParseRole(t.Role)
		if err != nil {
			bad(key+".role", "%v", err)
		}
		text := t.Hash
		switch {
		case t.Hash != "" && t.HashFile != "":
			bad(key, "hash and hash_file both set (want one)")
			continue
		case t.HashFile != "":
			text, err = readSecret(t.HashFile)
			if err != nil {
				bad(key+".hash_file", "%v", err)
				continue
			}
		case t.Hash == "":
			bad(key+".hash", "required (or hash_file): the hash `kiln token create` prints")
			continue
		}
		h, err := auth.ParseHash(text)
		if err != nil {
			k := key + ".hash"
			if t.HashFile != "" {
				k += "_file"
			}
			bad(k, "%v", err)
			continue
		}
		toks = append(toks, auth.Token{Name: t.Name, Role: role, Hash: h})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if _, err := auth.NewKeyring(toks); err != nil {
		return nil, fmt.Errorf("%w: auth.tokens: %w", ErrInvalid, err)
	}
	return toks, nil
}

// Keyring returns the configured tokens as an auth.Keyring.
func (a Auth) Keyring() (*auth.Keyring, error) {
	toks, err := a.KeyringTokens()
	if err != nil {
		return nil, err
	}
	return auth.NewKeyring(toks)
}

// minGitHubSecret is the shortest webhook secret accepted: GitHub's HMAC
// is only as strong as the secret.
const minGitHubSecret = 16

// WebhookSecret returns the GitHub webhook secret (nil when none is set),
// reading github_secret_file.
func (a Auth) WebhookSecret() ([]byte, error) {
	s := string(a.GitHubSecret)
	switch {
	case a.GitHubSecret != "" && a.GitHubSecretFile != "":
		return nil, fmt.Errorf("%w: auth: github_secret and github_secret_file both set (want one)", ErrInvalid)
	case a.GitHubSecretFile != "":
		var err error
		if s, err = readSecret(a.GitHubSecretFile); err != nil {
			return nil, fmt.Errorf("%w: auth.github_secret_file: %v", ErrInvalid, err)
		}
	case s == "":
		return nil, nil
	}
	if len(s) < minGitHubSecret {
		key := "auth.github_secret"
		if a.GitHubSecretFile != "" {
			key += "_file"
		}
		return nil, fmt.Errorf("%w: %s: shorter than %d characters (use e.g. `openssl rand -hex 32`)", ErrInvalid, key, minGitHubSecret)
	}
	return []byte(s), nil
}

// validate checks the section, reading its files.
func (a Auth) validate() error {
	_, err1 := a.KeyringTokens()
	_, err2 := a.WebhookSecret()
	return errors.Join(err1, err2)
}
