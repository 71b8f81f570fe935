package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/testenv"
)

const hookSecret = "0123456789abcdef-webhook-secret"

// hookEnv is a running daemon whose tree is cloned from the demo's git
// repository (remote), zero-duration mock builds, behind a server with
// the webhook secret.
type hookEnv struct {
	*dockEnv
	remote string
}

func newHookEnv(t *testing.T, edit ...func(*config.Config)) *hookEnv {
	t.Helper()
	return newHookEnvWith(t, Options{}, edit...)
}

// newHookEnvWith is newHookEnv with server options o.
func newHookEnvWith(t *testing.T, o Options, edit ...func(*config.Config)) *hookEnv {
	t.Helper()
	var remote string
	o.GitHubSecret = []byte(hookSecret)
	e := newDockServer(t, o, func(c *config.Config) {
		for _, f := range edit {
			f(c)
		}
		remote = c.Tree.Path
		c.Tree = config.Tree{URL: remote, CloneDir: filepath.Join(filepath.Dir(remote), "clone"),
			Poll: builder.Duration(time.Hour), Debounce: builder.Duration(200 * time.Millisecond)}
		c.Builders.Mock = []mock.Settings{{Name: "mock", Count: 2, Duration: "zero"}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &hookEnv{dockEnv: e, remote: remote}
}

func (e *hookEnv) waitProcessed(t *testing.T, commit string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if s := e.d.State("master/x86_64"); s.Processed == commit && s.Run == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("commit %s not processed: %+v", commit, e.d.State("master/x86_64"))
}

func (e *hookEnv) runs(t *testing.T) int {
	t.Helper()
	runs, err := e.d.Targets()[0].Engine().Records().Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

var revLine = regexp.MustCompile(`(?m)^REVISION=.*$`)

// bump commits a new libkiln revision to the remote.
func (e *hookEnv) bump(t *testing.T, rev int) string {
	t.Helper()
	f := filepath.Join(e.remote, "dev-libs/libkiln/libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, revLine.ReplaceAll(b, fmt.Appendf(nil, `REVISION="%d"`, rev)), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, e.remote, "commit", "-qam", fmt.Sprint("libkiln revision ", rev))
	return testenv.Git(t, e.remote, "rev-parse", "HEAD")
}

// hook posts a GitHub delivery; sig "" signs with the secret, "-" sends
// no signature.
func (e *hookEnv) hook(t *testing.T, event, sig string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.hs.URL+"/api/v1/hooks/github", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", "test-delivery")
	switch sig {
	case "":
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func pushBody(branch, after string) []byte {
	return fmt.Appendf(nil, `{"ref":"refs/heads/%s","before":"%s","after":"%s","repository":{"clone_url":"https://github.com/haikuports/haikuports.git","full_name":"haikuports/haikuports"}}`,
		branch, strings.Repeat("1", 40), after)
}

// TestGitHubWebhook: over kiln serve's handler with a running daemon, a
// delivery with a wrong or missing signature is 401 and starts nothing,
// a ping is answered, a push to another branch is ignored and says so,
// and a signed push of a commit to the tree's branch is fetched and built
// in an update run.
func TestGitHubWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree")
	}
	e := newHookEnv(t)
	e.waitProcessed(t, testenv.Git(t, e.remote, "rev-parse", "HEAD"))
	before := e.runs(t)
	c := e.bump(t, 50)

	for _, sig := range []string{"-", "sha256=" + strings.Repeat("0", 64), "sha1=abc"} {
		if code, body := e.hook(t, "push", sig, pushBody("master", c)); code != 401 || !strings.Contains(body, "unauthorized") {
			t.Errorf("signature %q: %d %s", sig, code, body)
		}
	}
	if code, body := e.hook(t, "ping", "", []byte(`{"zen":"Keep it logically awesome."}`)); code != 200 || !strings.Contains(body, "pong") {
		t.Errorf("ping: %d %s", code, body)
	}
	if code, body := e.hook(t, "push", "", pushBody("other", c)); code != 202 || !strings.Contains(body, `"ignored"`) || !strings.Contains(body, "not the tree's branch") {
		t.Errorf("push to other: %d %s", code, body)
	}
	time.Sleep(600 * time.Millisecond) // three debounce windows
	if n := e.runs(t); n != before || e.d.State("master/x86_64").Processed == c {
		t.Fatalf("refused deliveries started %d runs", n-before)
	}

	if code, body := e.hook(t, "push", "", pushBody("master", c)); code != 202 || !strings.Contains(body, `"accepted"`) {
		t.Fatalf("push to master: %d %s", code, body)
	}
	e.waitProcessed(t, c)
	if n := e.runs(t); n != before+1 {
		t.Errorf("%d runs after one push, want 1", n-before)
	}
}

// TestTriggerHook: POST /api/v1/hooks/trigger needs a trigger token,
// ignores another branch, refuses a bad body and wakes the daemon.
func TestTriggerHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree")
	}
	e := newHookEnv(t)
	e.waitProcessed(t, testenv.Git(t, e.remote, "rev-parse", "HEAD"))
	before := e.runs(t)
	c := e.bump(t, 60)
	for _, tc := range []struct {
		role, body string
		code       int
		want       string
	}{
		{"", "", 401, "unauthorized"},
		{"read", "", 403, "forbidden"},
		{"trigger", `{"branch":"other"}`, 202, `"ignored"`},
		{"trigger", `{"branch":`, 400, "bad_request"},
		{"trigger", `{"brunch":"master"}`, 400, "brunch"},
		{"trigger", `{"branch":"` + strings.Repeat("x", 5000) + `"}`, 413, "too_large"},
	} {
		code, body := e.post(t, tc.role, "/api/v1/hooks/trigger", "application/json", strings.NewReader(tc.body))
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %.40q: %d %s, want %d %s", tc.role, tc.body, code, body, tc.code, tc.want)
		}
	}
	time.Sleep(600 * time.Millisecond)
	if n := e.runs(t); n != before {
		t.Fatalf("refused triggers started %d runs", n-before)
	}
	if code, body := e.post(t, "trigger", "/api/v1/hooks/trigger", "application/json", strings.NewReader("")); code != 202 || !strings.Contains(body, `"master"`) {
		t.Fatalf("trigger: %d %s", code, body)
	}
	e.waitProcessed(t, c)
}

// TestGitHubWebhookNoSecret: without a configured secret every delivery
// is refused.
func TestGitHubWebhookNoSecret(t *testing.T) {
	e := newDockServer(t, Options{})
	h := &hookEnv{dockEnv: e}
	if code, body := h.hook(t, "ping", "", []byte(`{}`)); code != 403 || !strings.Contains(body, "github_secret") {
		t.Errorf("no secret: %d %s", code, body)
	}
}
