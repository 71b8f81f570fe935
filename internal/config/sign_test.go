package config

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"
)

// TestSignKey: sign_key is resolved against the file and loads into a
// signer; a password without a key, both password keys, and a key that
// does not load are errors naming the key.
func TestSignKey(t *testing.T) {
	dir := t.TempDir()
	_, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := priv.MarshalText()
	os.WriteFile(filepath.Join(dir, "sign.key"), text, 0o600)
	os.WriteFile(filepath.Join(dir, "bad.key"), []byte("not a key\n"), 0o600)
	parse := func(keys string) (*Config, error) {
		return Parse(filepath.Join(dir, "kiln.toml"), []byte(strings.Replace(good, `repo_info = "repo.info"`, `repo_info = "repo.info"`+"\n"+keys, 1)))
	}
	c, err := parse(`sign_key = "sign.key"`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Targets[0].SignKey != filepath.Join(dir, "sign.key") {
		t.Errorf("sign_key %q", c.Targets[0].SignKey)
	}
	if s, err := c.Targets[0].Signer(); err != nil || s == nil || s.PublicKey().ID() != priv.ID() {
		t.Errorf("Signer: %v, %v", s, err)
	}
	if s, err := (Target{Branch: "master", Arch: "x86_64"}).Signer(); s != nil || err != nil {
		t.Errorf("no sign_key: %v, %v", s, err)
	}
	for _, tc := range []struct{ keys, want string }{
		{`sign_key_password_file = "pw"`, "target[0].sign_key: required with a sign_key password"},
		{"sign_key = \"sign.key\"\nsign_key_password = \"x\"\nsign_key_password_file = \"pw\"", "target[0].sign_key_password: sign_key_password and sign_key_password_file both set"},
	} {
		if _, err := parse(tc.keys); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.keys, err, tc.want)
		}
	}
	c, err = parse(`sign_key = "bad.key"`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Targets[0].Signer(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "target master/x86_64: sign_key: ") || !strings.Contains(err.Error(), "bad.key") {
		t.Errorf("a bad key: %v", err)
	}
}
