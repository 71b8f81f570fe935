package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/server/auth"
)

func TestAuth(t *testing.T) {
	dir := t.TempDir()
	tok, h, err := auth.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, h2, _ := auth.Generate(nil)
	if err := os.WriteFile(filepath.Join(dir, "ci.hash"), []byte(h2.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gh.secret"), []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := good + `
[auth]
github_secret_file = "gh.secret"

[[auth.tokens]]
name = "ops"
role = "admin"
hash = "` + h.String() + `"

[[auth.tokens]]
name = "ci"
role = "trigger"
hash_file = "ci.hash"
`
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.Auth.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := k.Lookup(tok); !ok || got.Name != "ops" || got.Role != auth.RoleAdmin {
		t.Errorf("Lookup = %+v, %v", got, ok)
	}
	toks, _ := c.Auth.KeyringTokens()
	if len(toks) != 2 || toks[1].Hash != h2 || toks[1].Role != auth.RoleTrigger {
		t.Errorf("tokens %+v", toks)
	}
	s, err := c.Auth.WebhookSecret()
	if err != nil || string(s) != "0123456789abcdef0123" {
		t.Errorf("secret %q, %v (the trailing newline is trimmed)", s, err)
	}
}

// TestSecretRedacted: a config printed or logged shows no secret.
func TestSecretRedacted(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	c, err := Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(good+"\n[auth]\ngithub_secret = \""+secret+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := c.Auth.WebhookSecret(); err != nil || string(s) != secret {
		t.Fatalf("WebhookSecret = %q, %v", s, err)
	}
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("config", "auth", c.Auth, "secret", c.Auth.GitHubSecret)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c.Auth), fmt.Sprintf("%#v", c.Auth), fmt.Sprint(c.Auth.GitHubSecret), logBuf.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("secret shown: %s", out)
		}
	}
}

// TestAuthErrors: each mistake names its key, and no secret is repeated.
func TestAuthErrors(t *testing.T) {
	_, h, _ := auth.Generate(nil)
	hash := h.String()
	for _, tc := range []struct {
		name, section, want string
	}{
		{"bad role", "[[auth.tokens]]\nname = \"ci\"\nrole = \"triger\"\nhash = \"" + hash + "\"", `auth.tokens[0].role: auth: invalid: role "triger" (want read, trigger, admin)`},
		{"bad hash", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\nhash = \"" + hash[:20] + "\"", "auth.tokens[0].hash: "},
		{"plain token as hash", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\nhash = \"kiln_abc\"", `auth.tokens[0].hash: auth: invalid: hash must start with "sha256:"`},
		{"no hash", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"", "auth.tokens[0].hash: required"},
		{"both hashes", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\nhash = \"" + hash + "\"\nhash_file = \"x\"", "auth.tokens[0]: hash and hash_file both set"},
		{"missing hash file", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\nhash_file = \"nope\"", "auth.tokens[0].hash_file: open "},
		{"bad name", "[[auth.tokens]]\nname = \"c i\"\nrole = \"read\"\nhash = \"" + hash + "\"", "auth.tokens[0].name: "},
		{"name twice", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\nhash = \"" + hash + "\"\n[[auth.tokens]]\nname = \"ci\"\nrole = \"admin\"\nhash = \"" + auth.HashToken("x").String() + "\"", "ci given twice"},
		{"unknown key", "[[auth.tokens]]\nname = \"ci\"\nrole = \"read\"\ntoken = \"kiln_x\"", "auth.tokens.token: unknown key"},
		{"short secret", "[auth]\ngithub_secret = \"short\"", "auth.github_secret: shorter than 16"},
		{"both secrets", "[auth]\ngithub_secret = \"0123456789abcdef\"\ngithub_secret_file = \"x\"", "github_secret and github_secret_file both set"},
		{"missing secret file", "[auth]\ngithub_secret_file = \"nope\"", "auth.github_secret_file: open "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(good+"\n"+tc.section+"\n"))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrInvalid containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "short\"") || strings.Contains(err.Error(), "0123456789abcdef") {
				t.Errorf("the error repeats a secret: %v", err)
			}
		})
	}
}
