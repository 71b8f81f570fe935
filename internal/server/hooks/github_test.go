package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const testSecret = "It's a Secret to Everybody, 2026"

// sign computes X-Hub-Signature-256 as GitHub documents it.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type recorder struct {
	mu     sync.Mutex
	pushes []Push
	err    error
}

func (r *recorder) push(_ context.Context, p Push) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, p)
	return r.err
}

func (r *recorder) calls() []Push {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Push(nil), r.pushes...)
}

// TestGitHub: each kind of delivery gets its status, and the push function
// runs exactly once per good push and never otherwise; the log holds
// neither the secret nor a signature.
func TestGitHub(t *testing.T) {
	good := readPush(t)
	tag := bytes.Replace(good, []byte(`"refs/heads/master"`), []byte(`"refs/tags/v1"`), 1)
	form := []byte("payload=" + url.QueryEscape(string(good)))
	big := append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), MaxBody)...), `"}`...)
	for _, tc := range []struct {
		name        string
		method      string
		event       string
		contentType string
		body        []byte
		sig         string // "" none, "good", or a literal header value
		status      int
		code        string // error code, or "" for a success body
		pushed      bool
		chunked     bool // no Content-Length
	}{
		{"good push", "POST", "push", "application/json", good, "good", 202, "", true, false},
		{"good push, form encoded", "POST", "push", "application/x-www-form-urlencoded", form, "good", 202, "", true, false},
		{"bad signature", "POST", "push", "application/json", good, sign("another secret", good), 401, "unauthorized", false, false},
		{"signature of another body", "POST", "push", "application/json", good, sign(testSecret, tag), 401, "unauthorized", false, false},
		{"missing signature", "POST", "push", "application/json", good, "", 401, "unauthorized", false, false},
		{"sha1 signature only", "POST", "push", "application/json", good, "sha1=0123", 401, "unauthorized", false, false},
		{"malformed signature", "POST", "push", "application/json", good, "sha256=zz", 401, "unauthorized", false, false},
		{"bad signature on a ping", "POST", "ping", "application/json", []byte(`{"zen":"x"}`), "sha256=" + strings.Repeat("0", 64), 401, "unauthorized", false, false},
		{"ping", "POST", "ping", "application/json", []byte(`{"zen":"Keep it logically awesome."}`), "good", 200, "", false, false},
		{"wrong event", "POST", "issues", "application/json", good, "good", 202, "", false, false},
		{"no event", "POST", "", "application/json", good, "good", 400, "bad_request", false, false},
		{"oversized body", "POST", "push", "application/json", big, "good", 413, "too_large", false, false},
		{"oversized chunked body", "POST", "push", "application/json", big, "good", 413, "too_large", false, true},
		{"good push, chunked", "POST", "push", "application/json", good, "good", 202, "", true, true},
		{"malformed JSON", "POST", "push", "application/json", []byte(`{"ref":`), "good", 400, "bad_request", false, false},
		{"tag", "POST", "push", "application/json", tag, "good", 202, "", false, false},
		{"other content type", "POST", "push", "text/plain", good, "good", 415, "unsupported_media_type", false, false},
		{"GET", "GET", "push", "application/json", nil, "good", 405, "method_not_allowed", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logBuf bytes.Buffer
			rec := &recorder{}
			g, err := NewGitHub([]byte(testSecret), rec.push, slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(g)
			defer srv.Close()
			var r io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				r = io.MultiReader(r)
			}
			req, _ := http.NewRequest(tc.method, srv.URL+"/api/v1/hooks/github", r)
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			if tc.event != "" {
				req.Header.Set("X-GitHub-Event", tc.event)
			}
			sig := tc.sig
			if sig == "good" {
				sig = sign(testSecret, tc.body)
			}
			if sig != "" {
				req.Header.Set("X-Hub-Signature-256", sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if tc.code != "" {
				e, _ := m["error"].(map[string]any)
				if e["code"] != tc.code || e["message"] == "" {
					t.Errorf("body %s, want error code %s", body, tc.code)
				}
			}
			calls := rec.calls()
			if !tc.pushed {
				if len(calls) != 0 {
					t.Errorf("push function called: %+v", calls)
				}
			} else {
				if len(calls) != 1 {
					t.Fatalf("push function called %d times, want 1", len(calls))
				}
				p := calls[0]
				if p.Branch != "master" || p.After != "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c" ||
					p.CloneURL != "https://github.com/haikuports/haikuports.git" || p.Delivery != "72d3162e-cc78-11e3-81ab-4c9367dc0958" {
					t.Errorf("push %+v", p)
				}
				if m["status"] != "accepted" || m["branch"] != "master" {
					t.Errorf("body %s", body)
				}
			}
			if tc.status == 202 && !tc.pushed && m["status"] != "ignored" {
				t.Errorf("body %s, want status ignored", body)
			}
			logs := logBuf.String()
			if strings.Contains(logs, testSecret) || (sig != "" && strings.Contains(logs, strings.TrimPrefix(sig, "sha256="))) {
				t.Errorf("the log holds the secret or the signature: %s", logs)
			}
		})
	}
}

// TestGitHubPushFails: the push function's error is a 500, the push
// having been handed over once.
func TestGitHubPushFails(t *testing.T) {
	rec := &recorder{err: errors.New("queue full")}
	g, err := NewGitHub([]byte(testSecret), rec.push, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := readPush(t)
	req := httptest.NewRequest("POST", "/api/v1/hooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	w := httptest.NewRecorder()
	g.ServeHTTP(w, req)
	if w.Code != 500 || !strings.Contains(w.Body.String(), "queue full") || len(rec.calls()) != 1 {
		t.Errorf("status %d body %s, calls %d", w.Code, w.Body, len(rec.calls()))
	}
}

// TestGitHubPushIgnored: a push function's ErrIgnored is a 202
// "ignored" with the reason.
func TestGitHubPushIgnored(t *testing.T) {
	rec := &recorder{err: fmt.Errorf("%w: not the tree's branch", ErrIgnored)}
	g, err := NewGitHub([]byte(testSecret), rec.push, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := readPush(t)
	req := httptest.NewRequest("POST", "/api/v1/hooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	w := httptest.NewRecorder()
	g.ServeHTTP(w, req)
	if w.Code != 202 || !strings.Contains(w.Body.String(), `"ignored"`) || !strings.Contains(w.Body.String(), "not the tree's branch") {
		t.Errorf("status %d body %s", w.Code, w.Body)
	}
}

func TestNewGitHubErrors(t *testing.T) {
	if _, err := NewGitHub([]byte("short"), func(context.Context, Push) error { return nil }, nil); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := NewGitHub([]byte(testSecret), nil, nil); err == nil {
		t.Error("nil push function accepted")
	}
}
