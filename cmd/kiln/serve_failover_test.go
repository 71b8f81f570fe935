package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/server/auth"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// replica is one running `kiln serve` process of a replica test.
type replica struct {
	name   string
	base   string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan error
	done   bool
}

// replicaSetup builds kiln, starts versitygw and writes a kiln.toml for
// the demo tree (a local git checkout; the first run is an everything
// run of its 6 buildable ports on two mock builders of buildTime each) with the
// given lease TTL and a heartbeat_ttl of 2m, so a takeover that waited
// for the run's heartbeat would fail the test.
func replicaSetup(t *testing.T, leaseTTL, buildTime string) *replicaEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("builds kiln and runs two kiln serve processes on versitygw")
	}
	dir := t.TempDir()
	bin := buildKiln(t)
	srv := s3test.StartVersity(t)
	storeURL := writeS3Secret(t, srv, dir)
	token, hash, err := auth.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree")
	if _, err := demo.WriteTree(context.Background(), tree); err != nil {
		t.Fatal(err)
	}
	writeServeTarget(t, dir)
	testenv.WriteFile(t, dir, "kiln.toml", fmt.Sprintf(`[store]
url = %q
[tree]
path = "tree"
poll = "1h"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"
[[builders.mock]]
name = "mock"
count = 2
duration = "fixed"
median = %q
[build]
heartbeat_ttl = "2m"
lease_ttl = %q
[[auth.tokens]]
name = "ops"
role = "admin"
hash = %q
`, storeURL, buildTime, leaseTTL, hash.String()))
	return &replicaEnv{bin: bin, dir: dir, cfg: filepath.Join(dir, "kiln.toml"), store: storeURL, token: token}
}

// replicaEnv is the setup both replicas share.
type replicaEnv struct {
	bin, dir, cfg, store string
	token                string // an admin token
}

// startReplica starts `kiln serve` with cfg; it is killed when the test
// ends if it still runs.
func startReplica(t *testing.T, name string, e *replicaEnv) *replica {
	t.Helper()
	r := &replica{name: name, logs: &lockedBuffer{}, exited: make(chan error, 1)}
	r.cmd = exec.Command(e.bin, "serve", "--config", e.cfg, "--listen", "127.0.0.1:0")
	r.cmd.Dir, r.cmd.Env, r.cmd.Stderr = e.dir, childEnv(e.dir), r.logs
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		r.exited <- r.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !r.done {
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", r.name, r.logs.String())
		}
	})
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	timeout := time.After(30 * time.Second)
	for r.base == "" {
		select {
		case l := <-lines:
			if m := re.FindStringSubmatch(l); m != nil {
				r.base = m[1]
			}
		case err := <-r.exited:
			r.done = true
			t.Fatalf("%s exited: %v\n%s", name, err, r.logs.String())
		case <-timeout:
			t.Fatalf("%s did not start within 30 s\n%s", name, r.logs.String())
		}
	}
	return r
}

// kill stops the process with SIGKILL.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-r.exited
	r.done = true
}

// term stops the process with SIGTERM and checks it exits 0.
func (r *replica) term(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.exited:
		r.done = true
		if err != nil {
			t.Errorf("%s after SIGTERM: %v (66: the race detector found a race)", r.name, err)
		}
	case <-time.After(25 * time.Second):
		t.Fatalf("%s did not stop within 25 s of SIGTERM", r.name)
	}
	return time.Since(start)
}

// replicaTarget is what the tests read of GET /api/v1/targets/master/x86_64.
type replicaTarget struct {
	Head *struct {
		Snapshot string
		Packages int
	}
	Loop struct {
		Lease struct {
			Holder  string
			Held    bool
			Replica string
		}
	}
	RunID string
	Run   *buildrun.Status
}

func (r *replica) target(t *testing.T) replicaTarget {
	t.Helper()
	var tg replicaTarget
	if code := getJSON(t, r.base+"/api/v1/targets/master/x86_64", &tg); code != http.StatusOK {
		t.Fatalf("%s: GET /api/v1/targets/master/x86_64: %d", r.name, code)
	}
	return tg
}

// waitFor polls cond every 20 ms until it holds or limit passed, and
// returns how long it took.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// runRecord is GET /api/v1/runs/{id}.
type runRecord struct {
	Run    buildrun.Run
	Builds []buildrun.Build
}

func (r *replica) run(t *testing.T, id string) runRecord {
	t.Helper()
	var rr runRecord
	if code := getJSON(t, r.base+"/api/v1/runs/"+id, &rr); code != http.StatusOK {
		t.Fatalf("%s: GET /api/v1/runs/%s: %d", r.name, id, code)
	}
	return rr
}

// midRun starts replica a, waits until it holds the target and its first
// run has a succeeded build and a running one, then starts replica b
// (which holds nothing) and returns both and the run's id.
func midRun(t *testing.T, e *replicaEnv) (a, b *replica, run string) {
	t.Helper()
	a = startReplica(t, "replica a", e)
	waitFor(t, "a holds the target's lease", 10*time.Second, func() bool { return a.target(t).Loop.Lease.Held })
	b = startReplica(t, "replica b", e)
	waitFor(t, "a's run has a succeeded and a running build", 20*time.Second, func() bool {
		tg := a.target(t)
		run = tg.RunID
		return tg.Run != nil && len(tg.Run.Builds.Complete) > 0 && len(tg.Run.Builds.Active) > 0
	})
	if tg := b.target(t); tg.Loop.Lease.Held || tg.Loop.Lease.Holder != a.target(t).Loop.Lease.Replica {
		t.Fatalf("b sees the lease %+v, want held by a (%s)", tg.Loop.Lease, a.target(t).Loop.Lease.Replica)
	}
	// A non-holder relays a run request to the holder (which refuses it
	// there: its run is in progress).
	code, body := post(t, e.token, b.base+"/api/v1/targets/master/x86_64/runs", `{"mode":"everything"}`)
	var rel struct{ Relayed, Holder, Run string }
	if err := json.Unmarshal([]byte(body), &rel); code != http.StatusAccepted || err != nil || rel.Relayed == "" || rel.Run != "" ||
		rel.Holder != a.target(t).Loop.Lease.Replica {
		t.Errorf("POST runs on the non-holder: %d %s, want 202 relayed to a", code, body)
	}
	return a, b, run
}

func post(t *testing.T, token, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// finishedOnce checks the run's records after a takeover: complete, held
// by b, every port built by exactly one build record that succeeded and
// is published, the builds a stopped at the handover interrupted and
// built again; then the served head and `kiln repo verify --deep`.
func finishedOnce(t *testing.T, e *replicaEnv, b *replica, id string) {
	t.Helper()
	waitFor(t, "b finishes the run", 30*time.Second, func() bool { return b.run(t, id).Run.State.Final() })
	rr := b.run(t, id)
	if rr.Run.State != buildrun.RunComplete || rr.Run.Holder != b.target(t).Loop.Lease.Replica {
		t.Fatalf("run %s: %s (%s), holder %s; want complete, held by b", id, rr.Run.State, rr.Run.Reason, rr.Run.Holder)
	}
	ports, numbers, interrupted := map[string]int{}, map[int64]bool{}, 0
	for _, bd := range rr.Builds {
		ports[bd.Port.ID()]++
		if numbers[bd.Number] {
			t.Errorf("build number %d twice", bd.Number)
		}
		numbers[bd.Number] = true
		if bd.State != buildrun.BuildSucceeded || bd.Published == "" {
			t.Errorf("build %d %s: %s, published %q", bd.Number, bd.Port.ID(), bd.State, bd.Published)
		}
		for _, at := range bd.Attempts {
			if at.Result == "interrupted" {
				interrupted++
			}
		}
	}
	for p, n := range ports {
		if n != 1 {
			t.Errorf("port %s has %d builds in the run", p, n)
		}
	}
	if len(rr.Builds) != len(rr.Run.Builds) || len(rr.Builds) < 6 {
		t.Errorf("%d build records, the run lists %d, want the demo's 6", len(rr.Builds), len(rr.Run.Builds))
	}
	t.Logf("run %s: %d builds, %d attempts interrupted by the handover, all succeeded once", id, len(rr.Builds), interrupted)
	if tg := b.target(t); tg.Head == nil || tg.Head.Packages == 0 {
		t.Errorf("b serves no head after the run: %+v", tg.Head)
	}
}

// verifyStore stops b and runs `kiln repo verify --deep` on the store.
func verifyStore(t *testing.T, e *replicaEnv, b *replica) {
	t.Helper()
	b.term(t)
	verify := exec.Command(e.bin, "repo", "verify", "--deep", "--store", e.store)
	verify.Env = childEnv(e.dir)
	out, err := verify.CombinedOutput()
	if err != nil || regexp.MustCompile(`FAIL`).Match(out) {
		t.Fatalf("kiln repo verify --deep: %v\n%s", err, out)
	}
}

// TestServeFailover: two replicas on one store; the one that does not
// hold the target shows the other's run; kill -9 of the one running the
// build run; the other takes the target over within the
// lease TTL (3 s: its lease expires, the survivor's next check, every
// second, takes it), resumes the run at once (not after heartbeat_ttl,
// 2m) and finishes it: every build once, nothing lost, verify green.
func TestServeFailover(t *testing.T) {
	e := replicaSetup(t, "3s", "1500ms")
	a, b, id := midRun(t, e)
	// The non-holder shows the holder's run in progress (the lease names
	// it, the run's status.json has its state).
	waitFor(t, "b shows a's run", 5*time.Second, func() bool {
		tg := b.target(t)
		return tg.RunID == id && tg.Run != nil && len(tg.Run.Builds.Complete) > 0
	})
	if tg := a.target(t); tg.Run == nil || len(tg.Run.Builds.Active) == 0 {
		t.Fatal("a's run has no running build left to interrupt")
	}
	a.kill(t)
	killed := time.Now()
	took := waitFor(t, "b takes the target over", 10*time.Second, func() bool { return b.target(t).Loop.Lease.Held })
	t.Logf("b holds the target %s after the kill -9 (lease_ttl 3s)", took.Round(time.Millisecond))
	if took > 3*time.Second+1500*time.Millisecond {
		t.Errorf("takeover %s after the kill, want within the TTL (3 s) and one check (1 s)", took)
	}
	waitFor(t, "b drives the run", 10*time.Second, func() bool { return b.target(t).RunID == id })
	t.Logf("b drives run %s %s after the kill", id, time.Since(killed).Round(time.Millisecond))
	finishedOnce(t, e, b, id)

	// A replica that does not hold the target serves the holder's next
	// publish within a few seconds.
	c := startReplica(t, "replica c", e)
	if c.target(t).Loop.Lease.Held {
		t.Fatal("c holds the target b holds")
	}
	var before string
	waitFor(t, "c serves the repository", 10*time.Second, func() bool { before = served(t, c, "repo.sha256"); return before != "" })
	bumpRecipe(t, filepath.Join(e.dir, "tree"))
	if code, body := post(t, e.token, b.base+"/api/v1/targets/master/x86_64/runs", `{"mode":"update"}`); code != http.StatusAccepted {
		t.Fatalf("update run on b: %d %s", code, body)
	}
	waitFor(t, "b publishes the update", 20*time.Second, func() bool { s := served(t, b, "repo.sha256"); return s != "" && s != before })
	lag := waitFor(t, "c serves b's publish", 10*time.Second, func() bool { return served(t, c, "repo.sha256") == served(t, b, "repo.sha256") })
	t.Logf("c serves b's publish %s after b does (follows every %s)", lag.Round(time.Millisecond), daemon.FollowInterval)
	if lag > daemon.FollowInterval+2*time.Second {
		t.Errorf("c followed b's publish after %s, want within %s", lag, daemon.FollowInterval+2*time.Second)
	}
	c.term(t)
	verifyStore(t, e, b)
}

// served is what r serves at /repo/master/x86_64/current/<file>
// (following a redirect to the store); "" until it serves it.
func served(t *testing.T, r *replica, file string) string {
	t.Helper()
	resp, err := http.Get(r.base + "/repo/master/x86_64/current/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// bumpRecipe commits a new revision of libkiln's recipe to the tree.
func bumpRecipe(t *testing.T, tree string) {
	t.Helper()
	f := filepath.Join(tree, "dev-libs", "libkiln", "libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	nb := regexp.MustCompile(`(?m)^REVISION="\d+"`).ReplaceAll(b, []byte(`REVISION="9"`))
	if err := os.WriteFile(f, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, tree, "commit", "-qam", "libkiln: revision 9")
}

// TestServeSIGTERMHandover: SIGTERM on the replica running the build
// run stops it (builds requeued, records written, heartbeat and lease
// released) and exits 0; the other replica takes the target over at
// once: well before the lease TTL (9 s) could have run out, at its next
// check (every 3 s), and finishes the run.
func TestServeSIGTERMHandover(t *testing.T) {
	e := replicaSetup(t, "9s", "800ms")
	a, b, id := midRun(t, e)
	aID := a.target(t).Loop.Lease.Replica
	stopped := a.term(t)
	t.Logf("a stopped %s after SIGTERM", stopped.Round(time.Millisecond))
	// The records a wrote when it stopped (unless b resumed the run
	// already).
	if rr := b.run(t, id); rr.Run.Holder == aID {
		if rr.Run.State != buildrun.RunRunning || !rr.Run.Heartbeat.IsZero() {
			t.Errorf("run after a's SIGTERM: %s, heartbeat %s; want running with no heartbeat", rr.Run.State, rr.Run.Heartbeat)
		}
		requeued := 0
		for _, bd := range rr.Builds {
			if bd.State == buildrun.BuildRunning {
				t.Errorf("build %d %s still running after a's SIGTERM", bd.Number, bd.Port.ID())
			}
			if n := len(bd.Attempts); n > 0 && bd.Attempts[n-1].Result == "interrupted" && bd.State == buildrun.BuildQueued {
				requeued++
			}
		}
		if requeued == 0 {
			t.Error("no build was requeued by a's SIGTERM")
		}
	} else {
		t.Logf("b resumed the run before its records were read")
	}
	took := waitFor(t, "b takes the target over", 9*time.Second, func() bool { return b.target(t).Loop.Lease.Held })
	t.Logf("b holds the target %s after a exited (lease_ttl 9s, checks every 3s)", took.Round(time.Millisecond))
	// Without the release a's lease would outlive its last renewal
	// (at most 3 s before the SIGTERM) by 9 s: at least 6 s.
	if took+stopped >= 6*time.Second {
		t.Errorf("takeover %s after SIGTERM, want < 6 s (the lease's remaining life)", took+stopped)
	}
	finishedOnce(t, e, b, id)
	verifyStore(t, e, b)
}
