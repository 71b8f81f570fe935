package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder/mock"
)

func TestApplyEnv(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "hook")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"KILN_STORE_URL=s3://bucket/p?region=x",
		"KILN_TREE_POLL=5s",
		"KILN_AUTH_GITHUB_SECRET_FILE=" + secret,
		"KILN_TARGET_0_SECONDARY=x86, x86_64",
		"KILN_TARGET_1_BRANCH=r1beta5", // one past the last: adds a target
		"KILN_TARGET_1_ARCH=x86_64",
		"KILN_BUILDERS_MOCK_0_COUNT=3",
		"KILN_BUILD_RETRIES=-1",
		"KILN_BUILD_ALLOW_REGRESSIONS=true",
		"KILN_DOCK_MAX_UPLOAD=1MiB",
		"KILN_CONFIG=ignored", "KILN_LISTEN=ignored", "KILN_TEST_X=ignored", "PATH=/bin",
	}
	c, err := ParseEnv(filepath.Join(dir, "kiln.toml"), []byte(good), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.URL != "s3://bucket/p?region=x" || time.Duration(c.Tree.Poll) != 5*time.Second ||
		c.Auth.GitHubSecretFile != secret || c.Build.Retries != -1 || !c.Build.AllowRegressions ||
		c.Dock.MaxUpload != 1<<20 || c.Builders.Mock[0].Count != 3 || c.Builders.Mock[0].Name != "mock" {
		t.Errorf("overrides not applied: %+v", c)
	}
	if len(c.Targets) != 2 || c.Targets[1].Name() != "r1beta5/x86_64" || strings.Join(c.Targets[0].Secondary, " ") != "x86 x86_64" ||
		c.Targets[0].Branch != "master" {
		t.Errorf("targets %+v", c.Targets)
	}
	if s, err := c.Auth.WebhookSecret(); err != nil || string(s) != "0123456789abcdef0123" {
		t.Errorf("webhook secret from the file: %q %v", s, err)
	}
	// Relative paths from the environment resolve like the file's.
	c, err = ParseEnv(filepath.Join(dir, "kiln.toml"), []byte(good), []string{"KILN_TREE_PATH=other"})
	if err != nil || c.Tree.Path != filepath.Join(dir, "other") {
		t.Errorf("relative path: %q %v", c.Tree.Path, err)
	}
}

// TestApplyEnvErrors: an unknown variable fails naming it; a bad value
// names the variable and the key, never the value.
func TestApplyEnvErrors(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"KILN_STORE_URI=x", []string{"KILN_STORE_URI", "no such key in store"}},
		{"KILN_STOR_URL=x", []string{"KILN_STOR_URL", "no such config key"}},
		{"KILN_STORE=x/", nil}, // KILN_STORE is kiln repo's, not a key
		{"KILN_TREE=x", []string{"KILN_TREE", "tree is a table"}},
		{"KILN_BUILD_RETRIES=three-secret", []string{"KILN_BUILD_RETRIES", "build.retries", "want an integer"}},
		{"KILN_BUILD_RETRY_FAILURE_ELSEWHERE=yes-secret", []string{"KILN_BUILD_RETRY_FAILURE_ELSEWHERE", "build.retry_failure_elsewhere"}},
		{"KILN_TREE_POLL=soon", []string{"KILN_TREE_POLL", "tree.poll"}},
		{"KILN_TARGET_5_BRANCH=x", []string{"KILN_TARGET_5_BRANCH", "target[5]: no such entry"}},
		{"KILN_TARGET_X_BRANCH=x", []string{"KILN_TARGET_X_BRANCH", "KILN_TARGET_<index>_<KEY>"}},
		{"KILN_TARGET_0_BRANC=x", []string{"KILN_TARGET_0_BRANC", "no such key in target[0]"}},
		{"KILN_TARGET_0=x", []string{"KILN_TARGET_0", "target[0] is a table"}},
		{"KILN_BUILDERS_ONDEMAND_B1_START=x", []string{"KILN_BUILDERS_ONDEMAND_B1_START", "builders.ondemand", "not overridable"}},
		{"KILN_BUILDERS_MOCK_0_PORTS_GCC=fail", []string{"KILN_BUILDERS_MOCK_0_PORTS_GCC", "builders.mock[0].ports", "not overridable"}},
		{"KILN_STORE_URL=", []string{"store.url: required"}},
		{"KILN_FILE=x", []string{"KILN_FILE", "no such config key"}},
	} {
		t.Run(tc.env, func(t *testing.T) {
			_, err := ParseEnv("kiln.toml", []byte(good), []string{tc.env})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: want %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the value is in the error: %v", err)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"store.url": "KILN_STORE_URL", "auth.github_secret_file": "KILN_AUTH_GITHUB_SECRET_FILE",
		"target[0].branch": "KILN_TARGET_0_BRANCH", "auth.tokens[12].hash_file": "KILN_AUTH_TOKENS_12_HASH_FILE",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestEveryKeyOverridable: every leaf key of the reference (the same walk
// that writes docs/configuration.md) can be set by its variable, or is
// listed as not overridable.
func TestEveryKeyOverridable(t *testing.T) {
	for _, k := range Keys() {
		if !k.Env {
			continue
		}
		name := strings.ReplaceAll(k.EnvVar, "<N>", "0")
		c := &Config{Targets: []Target{{}}, Builders: Builders{Mock: make([]mock.Settings, 1)}, Auth: Auth{Tokens: []AuthToken{{}}}}
		v := sampleValue(k.Type)
		if s, ok := sampleKeyValue[k.Path]; ok {
			v = s
		}
		err := c.ApplyEnv([]string{name + "=" + v})
		if err != nil {
			t.Errorf("%s (%s, %s): %v", name, k.Path, k.Type, err)
		}
	}
}

// sampleKeyValue are samples of string keys Validate checks (ApplyEnv
// does not check, but a sample should be valid).
var sampleKeyValue = map[string]string{
	"http.listen":          ":8080",
	"http.repo_prefix":     "/haikuports",
	"http.public_base_url": "https://cdn.example.org/haikuports",
}

func sampleValue(typ string) string {
	switch typ {
	case "duration":
		return "1m"
	case "size":
		return "1MiB"
	case "integer":
		return "1"
	case "number":
		return "0.5"
	case "boolean":
		return "true"
	}
	return "x"
}

// TestOtherEnvComplete: every KILN_ name in kiln's source is a config
// key's variable or in OtherEnv, so a new variable cannot make every
// config fail with "no such config key".
func TestOtherEnvComplete(t *testing.T) {
	known := map[string]bool{}
	for _, o := range OtherEnv {
		known[o] = true
	}
	re := regexp.MustCompile(`\bKILN_[A-Z0-9_]*[A-Z0-9]\b`)
	root := filepath.Join("..", "..")
	for _, sub := range []string{"cmd", "internal", "bench"} {
		err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || d.Name() == "env_test.go" || d.Name() == "serve_env_test.go" {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, name := range re.FindAllString(string(b), -1) {
				if known[name] || strings.HasPrefix(name, "KILN_TEST_") || name == "KILN_" {
					continue
				}
				c := &Config{Targets: []Target{{}}, Builders: Builders{Mock: make([]mock.Settings, 1)}, Auth: Auth{Tokens: []AuthToken{{}}}}
				err := c.ApplyEnv([]string{name + "=1"})
				var nk noKeyError
				if err != nil && errors.As(err, &nk) {
					t.Errorf("%s: %s is neither a config key nor in config.OtherEnv: add it to OtherEnv (internal/config/env.go)", p, name)
				}
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// TestSecretsNotLogged: a config logged at DEBUG (text and JSON) shows
// no secret given in the file or the environment.
func TestSecretsNotLogged(t *testing.T) {
	const hook, token = "hook-secret-0123456789", "notify-token-9876"
	c, err := ParseEnv("kiln.toml", []byte(good), []string{"KILN_AUTH_GITHUB_SECRET=" + hook,
		"KILN_NOTIFY_0_URL=https://depot.example.org/import?token=" + token, "KILN_NOTIFY_0_METHOD=GET"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notify) != 1 || !strings.Contains(string(c.Notify[0].URL), token) {
		t.Fatalf("notify %+v", c.Notify)
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
		func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Debug("config", "config", c, "auth", c.Auth, "secret", c.Auth.GitHubSecret, "notify", c.Notify)
		log.Debug("config %v", "printf", fmt.Sprintf("%v %+v %#v", c, c, c))
		if !strings.Contains(buf.String(), "redacted") || strings.Contains(buf.String(), hook) || strings.Contains(buf.String(), token) {
			t.Errorf("logged: %s", buf.String())
		}
	}
}

// TestEverySecretHasFile: every secret key can be read from a file
// instead (a sibling key <name>_file), so a config needs no secret in it.
func TestEverySecretHasFile(t *testing.T) {
	paths := map[string]bool{}
	for _, k := range Keys() {
		paths[k.Path] = true
	}
	n := 0
	for _, k := range Keys() {
		if k.Type == "secret" {
			n++
			if !paths[k.Path+"_file"] {
				t.Errorf("secret %s has no %s_file", k.Path, k.Path)
			}
		}
	}
	if n == 0 {
		t.Fatal("no secret keys found")
	}
}

// TestFromEnv: a whole config from the environment alone, relative paths
// from the working directory.
func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, err := FromEnv([]string{"KILN_STORE_URL=data", "KILN_TREE_PATH=/srv/haikuports",
		"KILN_TARGET_0_BRANCH=master", "KILN_TARGET_0_ARCH=x86_64",
		"KILN_BUILDERS_MOCK_0_NAME=mock", "KILN_BUILDERS_MOCK_0_COUNT=2", "KILN_LISTEN=:0"})
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if c.File != "" || c.Store.URL != filepath.Join(wd, "data") || c.Targets[0].Name() != "master/x86_64" || c.Builders.Mock[0].Count != 2 {
		t.Errorf("FromEnv = %+v", c)
	}
	if !HasEnv([]string{"KILN_TREE_POLL=1s"}) || HasEnv([]string{"KILN_CONFIG=x", "KILN_LISTEN=y", "KILN_TEST_Z=1", "HOME=/"}) {
		t.Error("HasEnv")
	}
	if _, err := FromEnv([]string{"KILN_TREE_POLL=1s"}); err == nil || !strings.Contains(err.Error(), "store.url: required") {
		t.Errorf("incomplete: %v", err)
	}
}
