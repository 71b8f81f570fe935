package auth

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// testKeys makes one token of each role and returns the keyring and the
// tokens' texts by role name.
func testKeys(t testing.TB) (*Keyring, map[string]string) {
	t.Helper()
	texts := map[string]string{}
	var toks []Token
	for _, name := range Roles() {
		role, err := ParseRole(name)
		if err != nil {
			t.Fatal(err)
		}
		text, h, err := Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = text
		toks = append(toks, Token{Name: name + "-bot", Role: role, Hash: h})
	}
	k, err := NewKeyring(toks)
	if err != nil {
		t.Fatal(err)
	}
	return k, texts
}

// TestRequire: every kind of caller on a trigger endpoint gets the right
// status and body; next runs only for trigger and admin, with the caller's
// name in the context; no token text reaches the log.
func TestRequire(t *testing.T) {
	keys, texts := testKeys(t)
	var logBuf bytes.Buffer
	a := New(keys, slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var calls atomic.Int32
	var lastCaller atomic.Value
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		c, ok := CallerFrom(r.Context())
		if !ok {
			t.Error("no caller in the context")
		}
		lastCaller.Store(c.Name)
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(a.Require(RoleTrigger, next))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("server on %s, want 127.0.0.1", srv.URL)
	}
	unknown, _, _ := Generate(nil)

	for _, tc := range []struct {
		name    string
		headers []string // Authorization values
		status  int
		caller  string
	}{
		{"no token", nil, 401, ""},
		{"empty header", []string{""}, 401, ""},
		{"basic scheme", []string{"Basic " + texts["admin"]}, 401, ""},
		{"no scheme", []string{texts["admin"]}, 401, ""},
		{"bearer without token", []string{"Bearer "}, 401, ""},
		{"two spaces", []string{"Bearer  " + texts["admin"]}, 401, ""},
		{"trailing garbage", []string{"Bearer " + texts["admin"] + " x"}, 401, ""},
		{"two headers", []string{"Bearer " + texts["admin"], "Bearer " + texts["admin"]}, 401, ""},
		{"malformed token", []string{"Bearer not-a-kiln-token"}, 401, ""},
		{"truncated token", []string{"Bearer " + texts["admin"][:len(texts["admin"])-1]}, 401, ""},
		{"unknown token", []string{"Bearer " + unknown}, 401, ""},
		{"read token", []string{"Bearer " + texts["read"]}, 403, ""},
		{"trigger token", []string{"Bearer " + texts["trigger"]}, 200, "trigger-bot"},
		{"admin token", []string{"Bearer " + texts["admin"]}, 200, "admin-bot"},
		{"lower-case scheme", []string{"bearer " + texts["admin"]}, 200, "admin-bot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/targets/master/x86_64/runs", nil)
			for _, h := range tc.headers {
				req.Header.Add("Authorization", h)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			called := calls.Load() - before
			if tc.status != 200 {
				if called != 0 {
					t.Errorf("handler called %d times on a refusal", called)
				}
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("body %q: %v", body, err)
				}
				want := map[int]string{401: "unauthorized", 403: "forbidden"}[tc.status]
				if e.Error.Code != want || e.Error.Message == "" {
					t.Errorf("error %+v, want code %s and a message", e.Error, want)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				wa := resp.Header.Get("WWW-Authenticate")
				if tc.status == 401 && !strings.HasPrefix(wa, "Bearer") {
					t.Errorf("401 with WWW-Authenticate %q", wa)
				}
				for _, text := range texts {
					if strings.Contains(string(body), text) {
						t.Errorf("the response repeats a token: %s", body)
					}
				}
				return
			}
			if called != 1 {
				t.Errorf("handler called %d times, want 1", called)
			}
			if got := lastCaller.Load(); got != tc.caller {
				t.Errorf("caller %v, want %s", got, tc.caller)
			}
		})
	}
	logs := logBuf.String()
	if !strings.Contains(logs, "request refused") || !strings.Contains(logs, "read-bot") {
		t.Errorf("refusals not logged (with the 403's token name): %s", logs)
	}
	for role, text := range texts {
		if strings.Contains(logs, text) || strings.Contains(logs, text[len(Prefix):len(Prefix)+8]) {
			t.Errorf("the %s token appears in the log", role)
		}
	}
	if strings.Contains(logs, unknown[len(Prefix):]) {
		t.Error("the unknown token appears in the log")
	}
}

// TestRequireRoles: each role on an endpoint of each role.
func TestRequireRoles(t *testing.T) {
	keys, texts := testKeys(t)
	a := New(keys, nil)
	for _, need := range []Role{RoleRead, RoleTrigger, RoleAdmin} {
		h := a.Require(need, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		for _, have := range []Role{RoleRead, RoleTrigger, RoleAdmin} {
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("Authorization", "Bearer "+texts[have.String()])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			want := 200
			if have < need {
				want = 403
			}
			if rec.Code != want {
				t.Errorf("%s token on a %s endpoint: %d, want %d", have, need, rec.Code, want)
			}
		}
	}
}

// TestEmptyKeyring refuses everything.
func TestEmptyKeyring(t *testing.T) {
	k, err := NewKeyring(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _ := Generate(nil)
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	New(k, nil).Require(RoleRead, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("called") })).ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("status %d", rec.Code)
	}
}
