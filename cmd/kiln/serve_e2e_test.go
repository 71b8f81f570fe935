package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

const e2eSecret = "e2e-webhook-secret-0123456789"

// e2e is a running `kiln serve` process and what the test needs to
// talk to it.
type e2e struct {
	base          string // http://127.0.0.1:PORT
	admin, reader string // bearer tokens
	remote        string // the git repository the tree is cloned from
	// stop sends SIGTERM and checks the exit status (once).
	stop func(*testing.T)
}

// TestServeEndToEnd runs the built kiln binary as a real process:
// `kiln serve -c kiln.toml` with the store in a real S3 server
// (versitygw), mock builders, the ports tree cloned by [tree] url from a
// local git repository and a GitHub webhook secret. After the first run
// (everything): a webhook with a bad signature is 401 and starts
// nothing; a signed push of a commit that bumps one recipe starts an
// update run, which the API lists until it completed and whose package
// the served current/repo (followed through the presigned redirect and
// re-read with the HPKR reader) then lists; a rollback through the API
// serves the older snapshot again; an uploaded package is in the next
// snapshot and in current/repo; a build-packages repository is created
// and served. SIGTERM stops the process with status 0 (under -race the
// binary is built with the race detector, which would exit 66), and
// `kiln repo verify --deep` on the bucket is clean.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiln and runs it against versitygw")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	srv := s3test.StartVersity(t)
	dir := t.TempDir()
	bin := buildKiln(t)
	storeURL := writeS3Secret(t, srv, dir)
	e := startE2E(t, bin, dir, storeURL)

	// The first run: everything, published.
	first := waitRuns(t, e.base, 90*time.Second, "first run complete", func(r []buildrun.Run) bool {
		return len(r) == 1 && r[0].State.Final()
	})[0]
	if first.State != buildrun.RunComplete || first.Trigger.Mode != "everything" {
		t.Fatalf("first run: %s, mode %s (%s)", first.State, first.Trigger.Mode, first.Reason)
	}
	e.waitProcessed(t, first.Tree.Commit)
	var firstRun struct{ Builds []buildrun.Build }
	getJSON(t, e.base+"/api/v1/runs/"+first.ID, &firstRun)
	var outputs []string
	for _, b := range firstRun.Builds {
		if b.State == buildrun.BuildSucceeded {
			outputs = append(outputs, b.Outputs...)
		}
	}
	slices.Sort(outputs)
	built := servedRepo(t, e.base+"/repo/master/x86_64/current/repo")
	if len(built) < 4 || !slices.Equal(built, outputs) {
		t.Fatalf("served current/repo lists %v, the first run built %v", built, outputs)
	}
	oldLibkiln := fileOf(t, built, "libkiln-")
	e.checkSHA256(t)

	// A commit that changes one recipe, announced with a bad signature
	// first: 401, no run, nothing processed.
	commit := e.bumpLibkiln(t)
	push := fmt.Appendf(nil, `{"ref":"refs/heads/master","before":%q,"after":%q,"repository":{"clone_url":"https://github.com/haikuports/haikuports.git","full_name":"haikuports/haikuports"}}`,
		first.Tree.Commit, commit)
	for _, sig := range []string{"", "sha256=" + strings.Repeat("0", 64), sign([]byte("another secret 0123"), push)} {
		if code, body := e.hook(t, sig, push); code != http.StatusUnauthorized {
			t.Errorf("webhook signed %.20q: %d %s, want 401", sig, code, body)
		}
	}
	time.Sleep(time.Second) // ten debounce windows
	if n := len(e.runs(t)); n != 1 {
		t.Fatalf("refused webhooks: %d runs, want 1", n)
	}
	if p := e.processed(t); p != first.Tree.Commit {
		t.Fatalf("refused webhooks: processed %s, want %s", p, first.Tree.Commit)
	}

	// The signed push: one update run of libkiln, shown until it completed.
	if code, body := e.hook(t, sign([]byte(e2eSecret), push), push); code != http.StatusAccepted || !strings.Contains(body, `"accepted"`) {
		t.Fatalf("signed webhook: %d %s", code, body)
	}
	var states []buildrun.RunState
	runs := waitRuns(t, e.base, 60*time.Second, "update run complete", func(r []buildrun.Run) bool {
		if len(r) > 1 && (len(states) == 0 || states[len(states)-1] != r[0].State) {
			states = append(states, r[0].State)
		}
		return len(r) == 2 && r[0].State.Final()
	})
	up := runs[0]
	t.Logf("update run %s: states seen %v", up.ID, states)
	if up.State != buildrun.RunComplete || up.Trigger.Mode != "update" || up.Trigger.From != first.Tree.Commit || up.Tree.Commit != commit {
		t.Fatalf("update run: %+v", up)
	}
	var one struct {
		Run    buildrun.Run
		Builds []buildrun.Build
	}
	if code := getJSON(t, e.base+"/api/v1/runs/"+up.ID, &one); code != 200 || one.Run.ID != up.ID || one.Run.State != buildrun.RunComplete {
		t.Fatalf("GET /api/v1/runs/%s: %d %+v", up.ID, code, one.Run)
	}
	if len(one.Builds) == 0 || !slices.ContainsFunc(one.Builds, func(b buildrun.Build) bool {
		return b.Port.ID() == "libkiln-1.2.0" && b.State == buildrun.BuildSucceeded
	}) {
		t.Fatalf("update run's builds %+v, want libkiln-1.2.0 succeeded", one.Builds)
	}
	e.waitProcessed(t, commit)
	updated := servedRepo(t, e.base+"/repo/master/x86_64/current/repo")
	newLibkiln := fileOf(t, updated, "libkiln-")
	if newLibkiln == oldLibkiln || slices.Contains(updated, oldLibkiln) || len(updated) != len(built) {
		t.Fatalf("after the update run: %v, before %v", updated, built)
	}
	e.checkSHA256(t)

	// Rollback to the first run's snapshot: served again.
	if code, body := e.post(t, "", "/api/v1/targets/master/x86_64/rollback", "application/json", []byte(`{"snapshot":"head~1"}`)); code != http.StatusUnauthorized {
		t.Errorf("rollback without a token: %d %s", code, body)
	}
	code, body := e.post(t, e.admin, "/api/v1/targets/master/x86_64/rollback", "application/json", []byte(`{"snapshot":"head~1"}`))
	if code != http.StatusCreated {
		t.Fatalf("rollback: %d %s", code, body)
	}
	var rolled struct{ Snapshot string }
	json.Unmarshal([]byte(body), &rolled)
	if got := servedRepo(t, e.base+"/repo/master/x86_64/current/repo"); !slices.Equal(got, built) {
		t.Fatalf("served after the rollback %v, want the first run's %v", got, built)
	}
	if h := e.head(t); h != rolled.Snapshot {
		t.Fatalf("head %s after the rollback, the answer named %s", h, rolled.Snapshot)
	}
	e.checkSHA256(t)

	// The loading dock: the upload is the next snapshot, served.
	tip, err := os.ReadFile(testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	w, _ := mw.CreateFormFile("pkg", "tipster-1.1.1-1-x86_64.hpkg")
	w.Write(tip)
	mw.Close()
	if code, body := e.post(t, e.reader, "/api/v1/targets/master/x86_64/packages", mw.FormDataContentType(), mb.Bytes()); code != http.StatusForbidden {
		t.Errorf("upload with a read token: %d %s", code, body)
	}
	code, body = e.post(t, e.admin, "/api/v1/targets/master/x86_64/packages", mw.FormDataContentType(), mb.Bytes())
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, body)
	}
	var uploaded struct{ Snapshot, Parent string }
	json.Unmarshal([]byte(body), &uploaded)
	if uploaded.Parent != rolled.Snapshot || e.head(t) != uploaded.Snapshot {
		t.Fatalf("upload: snapshot %s with parent %s, head %s; want the rollback's %s as parent", uploaded.Snapshot, uploaded.Parent, e.head(t), rolled.Snapshot)
	}
	want := append(slices.Clone(built), "tipster-1.1.1-1-x86_64.hpkg")
	slices.Sort(want)
	if got := servedRepo(t, e.base+"/repo/master/x86_64/current/repo"); !slices.Equal(got, want) {
		t.Fatalf("served after the upload %v, want %v", got, want)
	}
	if got := servedRepo(t, e.base+"/repo/master/x86_64/"+uploaded.Snapshot+"/repo"); !slices.Equal(got, want) {
		t.Fatalf("snapshot %s serves %v, want %v", uploaded.Snapshot, got, want)
	}
	e.checkSHA256(t)

	// A build-packages repository of the upload and a built package.
	code, body = e.post(t, e.admin, "/api/v1/targets/master/x86_64/build-packages", "application/json",
		[]byte(`{"name":"r1e2e","packages":["tipster","libkiln"]}`))
	if code != http.StatusCreated {
		t.Fatalf("build-packages: %d %s", code, body)
	}
	bp := servedRepo(t, e.base+"/repo/master/x86_64/build-packages/r1e2e/repo")
	if wantBP := []string{oldLibkiln, "tipster-1.1.1-1-x86_64.hpkg"}; !slices.Equal(bp, wantBP) {
		t.Fatalf("build-packages repository serves %v, want %v", bp, wantBP)
	}
	resp, err := http.Get(e.base + "/repo/master/x86_64/build-packages/r1e2e/packages/tipster-1.1.1-1-x86_64.hpkg")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, tip) {
		t.Fatalf("build-packages package: %d, %d bytes, want the fixture's %d", resp.StatusCode, len(got), len(tip))
	}
	if n := len(e.runs(t)); n != 2 {
		t.Errorf("%d runs at the end, want 2", n)
	}

	e.stop(t)
	verify := exec.Command(bin, "repo", "verify", "--deep", "--store", storeURL)
	verify.Env = childEnv(dir)
	out, err := verify.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("FAIL")) {
		t.Fatalf("kiln repo verify --deep: %v\n%s", err, out)
	}
	t.Logf("kiln repo verify --deep:\n%s", out)
}

// kilnBuild is the kiln binary the tests of this process run as a
// process, built once (buildKiln).
var kilnBuild struct {
	once sync.Once
	bin  string
	err  error
}

// buildKiln returns the kiln binary, built at the first call into
// testenv.SharedTempDir (with the race detector when the tests run with
// it, so a race in the process fails its exit status) and shared by the
// tests of the process.
func buildKiln(t *testing.T) string {
	t.Helper()
	kilnBuild.once.Do(func() {
		bin := filepath.Join(testenv.SharedTempDir(t), "kiln")
		args := []string{"build", "-o", bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		start := time.Now()
		if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
			kilnBuild.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		t.Logf("go build (race %v): %s", raceEnabled, time.Since(start).Round(time.Millisecond))
		kilnBuild.bin = bin
	})
	if kilnBuild.err != nil {
		t.Fatal(kilnBuild.err)
	}
	if kilnBuild.bin == "" {
		t.Fatal("building kiln failed in an earlier test")
	}
	return kilnBuild.bin
}

// writeS3Secret writes an AWS credentials file for srv and returns the
// store URL that names it (?secret-file=).
func writeS3Secret(t *testing.T, srv *s3test.Server, dir string) string {
	t.Helper()
	testenv.WriteFile(t, dir, "aws-credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", srv.AccessKey, srv.SecretKey))
	creds := filepath.Join(dir, "aws-credentials")
	return srv.URL("kiln") + "?endpoint=" + srv.Endpoint + "&region=" + srv.Region + "&path-style=true&secret-file=" + creds
}

// childEnv is the test's environment without AWS_ and KILN_ variables
// (the config alone counts), HOME in dir and instance metadata off.
func childEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "KILN_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+dir, "AWS_EC2_METADATA_DISABLED=true")
}

// startE2E writes the demo tree as a git repository, the system
// packages, repo.info, tokens and kiln.toml into dir and starts
// `kiln serve`; it is stopped when the test ends.
func startE2E(t *testing.T, bin, dir, storeURL string) *e2e {
	t.Helper()
	e := &e2e{remote: filepath.Join(dir, "remote")}
	if _, err := demo.WriteTree(context.Background(), e.remote); err != nil {
		t.Fatal(err)
	}
	writeServeTarget(t, dir)
	var hashes [2]string
	for i, tok := range []*string{&e.admin, &e.reader} {
		tk, h, err := auth.Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		*tok, hashes[i] = tk, h.String()
	}
	testenv.WriteFile(t, dir, "github-secret", e2eSecret+"\n")
	cfg := filepath.Join(dir, "kiln.toml")
	testenv.WriteFile(t, dir, "kiln.toml", fmt.Sprintf(`[store]
url = %q
[tree]
url = %q
clone_dir = "clone"
poll = "1h"
debounce = "100ms"
cache = "cache/recipes"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"
[[builders.mock]]
name = "mock"
count = 2
duration = "fixed"
median = "150ms"
[build]
heartbeat_ttl = "5s"
[auth]
github_secret_file = "github-secret"
[[auth.tokens]]
name = "ops"
role = "admin"
hash = %q
[[auth.tokens]]
name = "viewer"
role = "read"
hash = %q
`, storeURL, e.remote, hashes[0], hashes[1]))

	cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = childEnv(dir)
	var logs lockedBuffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		exited <- cmd.Wait()
	}()
	stopped := false
	e.stop = func(t *testing.T) {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		start := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			t.Logf("kiln serve stopped in %s", time.Since(start).Round(time.Millisecond))
			if err != nil {
				t.Errorf("kiln serve after SIGTERM: %v (66: the race detector found a race)\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("kiln serve did not stop within 20 s of SIGTERM")
		}
	}
	t.Cleanup(func() {
		e.stop(t)
		if t.Failed() {
			t.Logf("kiln serve's log:\n%s", logs.String())
		}
	})
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	timeout := time.After(60 * time.Second)
	for e.base == "" {
		select {
		case l := <-lines:
			if m := re.FindStringSubmatch(l); m != nil {
				e.base = m[1]
			}
		case err := <-exited:
			exited <- err
			t.Fatalf("kiln serve exited: %v\n%s", err, logs.String())
		case <-timeout:
			t.Fatalf("kiln serve did not start within 60 s\n%s", logs.String())
		}
	}
	return e
}

// sign is GitHub's X-Hub-Signature-256 of body with secret.
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// hook posts a push delivery with the signature sig ("" for none).
func (e *e2e) hook(t *testing.T, sig string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/api/v1/hooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "e2e")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	return e.do(t, req)
}

func (e *e2e) post(t *testing.T, token, path, ctype string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(t, req)
}

func (e *e2e) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *e2e) runs(t *testing.T) []buildrun.Run {
	t.Helper()
	var runs []buildrun.Run
	if code := getJSON(t, e.base+"/api/v1/runs", &runs); code != 200 {
		t.Fatalf("GET /api/v1/runs: %d", code)
	}
	return runs
}

// target is GET /api/v1/targets/master/x86_64.
func (e *e2e) target(t *testing.T) (head, processed string) {
	t.Helper()
	var tg struct {
		Head *struct{ Snapshot string }
		Loop struct{ Processed string }
	}
	if code := getJSON(t, e.base+"/api/v1/targets/master/x86_64", &tg); code != 200 {
		t.Fatalf("GET /api/v1/targets/master/x86_64: %d", code)
	}
	if tg.Head != nil {
		head = tg.Head.Snapshot
	}
	return head, tg.Loop.Processed
}

func (e *e2e) head(t *testing.T) string      { h, _ := e.target(t); return h }
func (e *e2e) processed(t *testing.T) string { _, p := e.target(t); return p }

func (e *e2e) waitProcessed(t *testing.T, commit string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); e.processed(t) != commit; {
		if time.Now().After(deadline) {
			t.Fatalf("processed commit %s, want %s", e.processed(t), commit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bumpLibkiln commits a new revision of libkiln's recipe to the remote
// and returns the commit.
func (e *e2e) bumpLibkiln(t *testing.T) string {
	t.Helper()
	f := filepath.Join(e.remote, "dev-libs", "libkiln", "libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	nb := regexp.MustCompile(`(?m)^REVISION="\d+"`).ReplaceAll(b, []byte(`REVISION="9"`))
	if bytes.Equal(nb, b) {
		t.Fatalf("%s: no REVISION line to bump", f)
	}
	if err := os.WriteFile(f, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, e.remote, "commit", "-qam", "libkiln: revision 9")
	return testenv.Git(t, e.remote, "rev-parse", "HEAD")
}

// checkSHA256: the served current/repo.sha256 is the served repo's.
func (e *e2e) checkSHA256(t *testing.T) {
	t.Helper()
	get := func(p string) []byte {
		resp, err := http.Get(e.base + "/repo/master/x86_64/current/" + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET current/%s: %d %s", p, resp.StatusCode, b)
		}
		return b
	}
	repoFile, sum := get("repo"), get("repo.sha256")
	if h := sha256.Sum256(repoFile); !strings.HasPrefix(string(sum), hex.EncodeToString(h[:])) {
		t.Fatalf("served repo.sha256 %q, the served repo's is %x", sum, h)
	}
}

// fileOf returns the one file of files starting with prefix.
func fileOf(t *testing.T, files []string, prefix string) string {
	t.Helper()
	var found []string
	for _, f := range files {
		if strings.HasPrefix(f, prefix) {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d files %s* in %v, want 1", len(found), prefix, files)
	}
	return found[0]
}
