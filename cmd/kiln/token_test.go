package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/server/auth"
)

const tokenTestConfig = `
[store]
url = "data"
[tree]
path = "haikuports"
[[target]]
branch = "master"
arch = "x86_64"
[[builders.mock]]
name = "mock"
`

// TestTokenCreate: the printed lines pasted into a config authenticate the
// printed token with its role, through config.Parse and auth.Require.
func TestTokenCreate(t *testing.T) {
	out, stderr, err := runKiln(t, "token", "create", "--name", "ci", "--role", "trigger")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tok, lines, ok := strings.Cut(out, "\n\n")
	if !ok || !strings.HasPrefix(tok, auth.Prefix) || strings.Contains(lines, tok) {
		t.Fatalf("output:\n%s", out)
	}
	c, err := config.Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(tokenTestConfig+lines))
	if err != nil {
		t.Fatalf("pasted lines do not parse: %v\n%s", err, lines)
	}
	keys, err := c.Auth.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(keys, nil)
	ok200 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, _ := auth.CallerFrom(r.Context()); c.Name != "ci" {
			t.Errorf("caller %+v", c)
		}
	})
	for _, tc := range []struct {
		need   auth.Role
		token  string
		status int
	}{
		{auth.RoleTrigger, tok, 200},
		{auth.RoleAdmin, tok, 403},
		{auth.RoleRead, tok + "x", 401},
	} {
		req := httptest.NewRequest("POST", "/api/v1/targets/master/x86_64/runs", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		a.Require(tc.need, ok200).ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s endpoint: %d, want %d", tc.need, rec.Code, tc.status)
		}
	}

	out2, _, _ := runKiln(t, "token", "create", "--name", "ci", "--role", "trigger")
	if tok2, _, _ := strings.Cut(out2, "\n"); tok2 == tok {
		t.Error("two tokens alike")
	}
}

// TestTokenCreateErrors: a typo fails as a usage error naming the roles.
func TestTokenCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "ci", "--role", "triger"}, `"triger" (want read, trigger, admin)`},
		{[]string{"--name", "c i", "--role", "read"}, `"c i"`},
		{[]string{"--role", "read"}, "--name and --role are required"},
		{[]string{"--name", "ci"}, "--name and --role are required"},
	} {
		out, _, err := runKiln(t, append([]string{"token", "create"}, tc.args...)...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want a usage error with %q", tc.args, err, exitCode(err), tc.want)
		}
		if out != "" {
			t.Errorf("%v printed %q", tc.args, out)
		}
	}
}
