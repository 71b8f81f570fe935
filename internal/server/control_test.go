package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/config"
)

// newControlServer is a dock server whose daemon runs (loop polling once
// at start, then hourly), with mock builds of fixed length and the
// given port results.
func newControlServer(t *testing.T, build time.Duration, results map[string]string) *dockEnv {
	t.Helper()
	var tree string
	e := newDockServer(t, Options{}, func(c *config.Config) {
		tree = c.Tree.Path
		c.Tree.Poll = builder.Duration(time.Hour)
		m := &c.Builders.Mock[0]
		m.Duration, m.Median, m.Max, m.Ports = "fixed", builder.Duration(build), builder.Duration(build), results
	})
	e.d.SetRefresher(e.rs)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { e.d.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	e.tree = tree
	return e
}

// waitRun waits until the target's loop or a trigger drives a run and
// returns its id ("" on timeout).
func (e *dockEnv) activeRun(t *testing.T) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if id := e.d.Targets()[0].ActiveRun(); id != "" {
			return id
		}
	}
	t.Fatal("no run started")
	return ""
}

// waitEnded waits for run id to end and returns its record.
func (e *dockEnv) waitEnded(t *testing.T, id string) *buildrun.Run {
	t.Helper()
	tg := e.d.Targets()[0]
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if tg.ActiveRun() == id {
			continue
		}
		run, err := tg.Engine().Records().Run(context.Background(), id)
		if err == nil && run.State.Final() {
			// The daemon records the processed commit after the run.
			time.Sleep(50 * time.Millisecond)
			return run
		}
	}
	t.Fatalf("run %s did not end", id)
	return nil
}

func (e *dockEnv) postJSON(t *testing.T, role, path, body string) (int, map[string]any) {
	t.Helper()
	code, b := e.post(t, role, path, "application/json", strings.NewReader(body))
	var m map[string]any
	if err := json.Unmarshal([]byte(b), &m); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %q", path, code, b)
	}
	return code, m
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

const targetAPI = "/api/v1/targets/master/x86_64"

// TestRunControl: trigger, conflict, cancel, pause, retry and rollback
// through the API on a running daemon.
func TestRunControl(t *testing.T) {
	e := newControlServer(t, 150*time.Millisecond, map[string]string{"tilecraft": "fail"})
	tg := e.d.Targets()[0]
	ctx := context.Background()

	// The never-built target's loop starts an everything run at once.
	first := e.activeRun(t)
	if code, m := e.postJSON(t, "trigger", targetAPI+"/runs", `{"mode":"everything"}`); code != 409 || errCode(m) != "run_active" {
		t.Errorf("trigger during a run: %d %v", code, m)
	}
	if code, m := e.postJSON(t, "trigger", "/api/v1/runs/"+first+"/cancel", `{"reason":"test"}`); code != 202 {
		t.Fatalf("cancel: %d %v", code, m)
	}
	if run := e.waitEnded(t, first); run.State != buildrun.RunCancelled {
		t.Fatalf("cancelled run ended %s", run.State)
	}
	if code, m := e.postJSON(t, "trigger", "/api/v1/runs/"+first+"/cancel", ``); code != 409 || errCode(m) != "finished" {
		t.Errorf("cancel of a finished run: %d %v", code, m)
	}

	// Pause: no run on request; visible in the target.
	if code, m := e.postJSON(t, "admin", targetAPI+"/pause", `{"reason":"maintenance"}`); code != 200 || m["paused"] != true {
		t.Fatalf("pause: %d %v", code, m)
	}
	if code, m := e.postJSON(t, "trigger", targetAPI+"/runs", `{"mode":"everything"}`); code != 409 || errCode(m) != "paused" {
		t.Errorf("trigger while paused: %d %v", code, m)
	}
	_, b := e.get(t, targetAPI)
	if !strings.Contains(string(b), "maintenance") {
		t.Errorf("paused target does not say so: %s", b)
	}
	if p, err := tg.Pause(ctx); err != nil || !p.Paused || p.By != "api:admin-bot" {
		t.Errorf("stored pause: %+v %v", p, err)
	}
	if code, m := e.postJSON(t, "admin", targetAPI+"/resume", ``); code != 200 || m["paused"] != false {
		t.Fatalf("resume: %d %v", code, m)
	}

	// Bad requests, each named.
	for _, c := range []struct{ body, code, says string }{
		{`{"mode":"sometimes"}`, "bad_mode", "sometimes"},
		{`{"mode":"ports"}`, "bad_ports", "ports"},
		{`{"mode":"ports","ports":["no_such_port"]}`, "bad_request", "no_such_port"},
		{`{"mode":"update","ports":["kilnsh"]}`, "bad_ports", "update"},
		{`{"mode":"everything","extra":1}`, "bad_json", "extra"},
		{`{"mode":`, "bad_json", "want"},
		{``, "bad_json", "empty"},
	} {
		code, m := e.postJSON(t, "trigger", targetAPI+"/runs", c.body)
		msg, _ := m["error"].(map[string]any)["message"].(string)
		if code != 400 || errCode(m) != c.code || !strings.Contains(msg, c.says) {
			t.Errorf("POST runs %s: %d %v (want 400 %s naming %q)", c.body, code, m, c.code, c.says)
		}
	}

	// Everything: tilecraft fails, the rest is published; the commit counts as processed.
	code, m := e.postJSON(t, "trigger", targetAPI+"/runs", `{"mode":"everything"}`)
	if code != 202 {
		t.Fatalf("trigger everything: %d %v", code, m)
	}
	run := e.waitEnded(t, m["run"].(string))
	if run.Trigger.By != "api:trigger-bot" || run.Trigger.Mode != "everything" {
		t.Errorf("run trigger %+v", run.Trigger)
	}
	head, _ := tg.Head(ctx)
	if p, _ := tg.Processed(ctx); p.Commit != head {
		t.Errorf("processed %q after an everything run of %q", p.Commit, head)
	}
	snap1 := e.head(t)
	if snap1 == "" {
		t.Fatal("nothing published")
	}
	if code, m := e.postJSON(t, "trigger", targetAPI+"/runs", `{"mode":"update"}`); code != 409 || errCode(m) != "nothing_to_do" {
		t.Errorf("update with nothing changed: %d %v", code, m)
	}

	// Retry the failed build: a ports run of its port.
	builds, err := tg.Engine().Records().Builds(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var failed, ok int64
	for _, b := range builds {
		switch {
		case b.Port.Name == "tilecraft" && b.State == buildrun.BuildFailed:
			failed = b.Number
		case b.State == buildrun.BuildSucceeded:
			ok = b.Number
		}
	}
	if failed == 0 || ok == 0 {
		t.Fatalf("want a failed tilecraft build and a succeeded one: %+v", builds)
	}
	bid := func(n int64) string { return run.ID + ":" + strconv.FormatInt(n, 10) }
	checkLogRanges(t, e, bid(ok))
	if code, m := e.postJSON(t, "trigger", "/api/v1/builds/"+bid(ok)+"/retry", ``); code != 409 || errCode(m) != "not_failed" {
		t.Errorf("retry of a succeeded build: %d %v", code, m)
	}
	code, m = e.postJSON(t, "trigger", "/api/v1/builds/"+bid(failed)+"/retry", ``)
	if code != 202 {
		t.Fatalf("retry: %d %v", code, m)
	}
	retry := e.waitEnded(t, m["run"].(string))
	if retry.Trigger.Mode != "ports" || len(retry.Trigger.Ports) != 1 || !strings.HasPrefix(retry.Trigger.Ports[0], "tilecraft-") {
		t.Errorf("retry run trigger %+v", retry.Trigger)
	}
	if code, m := e.postJSON(t, "trigger", "/api/v1/builds/"+run.ID+":999/retry", ``); code != 404 {
		t.Errorf("retry of no build: %d %v", code, m)
	}

	// Update after a commit builds the changed port, and a rollback through the API undoes it.
	bumpRevision(t, e.tree, "kilnpaint")
	code, m = e.postJSON(t, "trigger", targetAPI+"/runs", `{"mode":"update"}`)
	if code != 202 {
		t.Fatalf("update: %d %v", code, m)
	}
	upd := e.waitEnded(t, m["run"].(string))
	if upd.State != buildrun.RunComplete {
		t.Fatalf("update run %s: %s", upd.State, upd.Reason)
	}
	snap2 := e.head(t)
	served := strings.Join(e.servedPackages(t, "/repo/master/x86_64/current/repo"), " ")
	if snap2 == snap1 || !strings.Contains(served, "kilnpaint-0.4-2-") {
		t.Fatalf("update did not publish kilnpaint 0.4-2: %s → %s, served %s", snap1, snap2, served)
	}
	if code, m := e.postJSON(t, "admin", targetAPI+"/rollback", `{"snapshot":"no-such-snapshot"}`); code != 404 || errCode(m) != "snapshot_not_found" {
		t.Errorf("rollback to nothing: %d %v", code, m)
	}
	if code, m := e.postJSON(t, "admin", targetAPI+"/rollback", `{"snapshot":"../x"}`); code != 400 {
		t.Errorf("rollback to a path: %d %v", code, m)
	}
	if code, m := e.postJSON(t, "admin", targetAPI+"/rollback", `{"snapshot":"`+snap1+`"}`); code != 201 || m["unchanged"] == true {
		t.Fatalf("rollback: %d %v", code, m)
	}
	checkRunPages(t, e, []string{upd.ID, retry.ID, run.ID, first})
	served = strings.Join(e.servedPackages(t, "/repo/master/x86_64/current/repo"), " ")
	if !strings.Contains(served, "kilnpaint-0.4-1-") || strings.Contains(served, "kilnpaint-0.4-2-") {
		t.Errorf("after the rollback current/repo serves %s", served)
	}
}

// bumpRevision commits REVISION+1 of port's recipe to the daemon's tree.
func bumpRevision(t *testing.T, tree, port string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(tree, "*", port, port+"-*.recipe"))
	if len(matches) != 1 {
		t.Fatalf("recipes of %s: %v", port, matches)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `REVISION="1"`, `REVISION="2"`, 1)
	if s == string(b) {
		t.Fatalf("%s has no REVISION=\"1\"", matches[0])
	}
	if err := os.WriteFile(matches[0], []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "bump " + port}} {
		if out, err := exec.Command("git", append([]string{"-C", tree}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
}

// checkRunPages: GET /api/v1/runs in pages of two follows the Link
// header through every run, newest first; the port filter and bad
// parameters.
func checkRunPages(t *testing.T, e *dockEnv, want []string) {
	t.Helper()
	var got []string
	next := "/api/v1/runs?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > len(want) {
			t.Fatalf("more pages than runs: %v", got)
		}
		resp, err := http.Get(e.hs.URL + next)
		if err != nil {
			t.Fatal(err)
		}
		var runs []buildrun.Run
		if err := json.NewDecoder(resp.Body).Decode(&runs); err != nil || resp.StatusCode != 200 || len(runs) > 2 {
			t.Fatalf("GET %s: %d %v, %d runs", next, resp.StatusCode, err, len(runs))
		}
		resp.Body.Close()
		for _, r := range runs {
			got = append(got, r.ID)
		}
		next = ""
		if l := resp.Header.Get("Link"); l != "" {
			u, _, ok := strings.Cut(strings.TrimPrefix(l, "<"), ">")
			if !ok || !strings.HasSuffix(l, `rel="next"`) {
				t.Fatalf("Link %q", l)
			}
			next = u
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("runs by pages: %v, want %v", got, want)
	}
	_, b := e.get(t, "/api/v1/runs?port=kilnpaint")
	if !strings.Contains(string(b), want[0]) || strings.Contains(string(b), want[1]) {
		t.Errorf("?port=kilnpaint: %s", b)
	}
	for q, code := range map[string]int{"limit=0": 400, "limit=1001": 400, "limit=x": 400, "after=../x": 400, "after=20990101T000000.000Z-000000": 404, "port=" + strings.Repeat("p", 201): 400} {
		if c, b := e.get(t, "/api/v1/runs?"+q); c != code {
			t.Errorf("?%s: %d %s (want %d)", q, c, b, code)
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
