package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// buildEnv is a kiln.toml over the demo tree (a git checkout), the
// demo's system packages and a directory store, all under t.TempDir().
type buildEnv struct {
	dir, config, tree, store string
}

const demoRepoInfo = `name kiln-demo
vendor "Haiku Project"
summary "kiln's demo repository"
priority 1
baseurl http://127.0.0.1:8080/repo/master/x86_64/current
identifier tag:kiln.invalid,2026:repositories/demo/x86_64
architecture x86_64
`

func newBuildEnv(t *testing.T, mockExtra string) *buildEnv {
	t.Helper()
	dir := t.TempDir()
	e := &buildEnv{dir: dir, config: filepath.Join(dir, "kiln.toml"), tree: filepath.Join(dir, "tree"), store: filepath.Join(dir, "store")}
	if _, err := demo.WriteTree(context.Background(), e.tree); err != nil {
		t.Fatal(err)
	}
	writeBuildConfig(t, dir, "count = 2\n"+mockExtra, `retry_backoff = "10ms"`)
	return e
}

// writeBuildConfig writes the demo's system packages, a repo.info and a
// kiln.toml for the tree in dir/tree into dir: one master/x86_64 target
// with a directory store, mock builders with the given settings and the
// given [build] settings.
func writeBuildConfig(t *testing.T, dir, mock, build string) {
	t.Helper()
	if _, err := demo.WriteSystem(filepath.Join(dir, "system"), pkginfo.ArchX86_64); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "repo.info", demoRepoInfo)
	testenv.WriteFile(t, dir, "kiln.toml", `
[store]
url = "store"
[tree]
path = "tree"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"
[[builders.mock]]
name = "mock"
`+mock+`
[build]
`+build+"\n")
}

// builtDemo returns the config of a demo environment after one build run.
func builtDemo(t *testing.T) string {
	t.Helper()
	e := newBuildEnv(t, "")
	if out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything"); err != nil {
		t.Fatalf("build: %v\n%s%s", err, out, errOut)
	}
	return e.config
}

func exitOf(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}

func TestBuildDemo(t *testing.T) {
	e := newBuildEnv(t, "")
	out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if err != nil {
		t.Fatalf("build: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "complete: 6 succeeded of 6 builds") || !strings.Contains(out, "2 ports not built") {
		t.Errorf("summary:\n%s", out)
	}
	// Not a terminal: one line per build state change.
	if !strings.Contains(errOut, "build 5 kilnpaint-0.4: succeeded") {
		t.Errorf("progress lines:\n%s", errOut)
	}
	if out, _, err := runKiln(t, "repo", "verify", "--deep", "--store", e.store); err != nil || !strings.Contains(out, "8 packages") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	// Everything is built: nothing to do, status 3.
	out, _, err = runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if exitOf(err) != exitNothingToDo || !strings.Contains(out, "nothing to build") {
		t.Fatalf("second build: status %d, %v\n%s", exitOf(err), err, out)
	}

	// A revision bump of tilecraft: update mode builds just it.
	recipe := filepath.Join(e.tree, "games-puzzle/tilecraft/tilecraft-3.0.2.recipe")
	b, _ := os.ReadFile(recipe)
	testenv.WriteFile(t, e.tree, "games-puzzle/tilecraft/tilecraft-3.0.2.recipe", strings.Replace(string(b), `REVISION="1"`, `REVISION="2"`, 1))
	testenv.Git(t, e.tree, "commit", "-qam", "tilecraft: bump")
	out, errOut, err = runKiln(t, "build", "-c", e.config)
	if err != nil || !strings.Contains(out, "1 succeeded of 1 build") {
		t.Fatalf("update build: %v\n%s%s", err, out, errOut)
	}
	out, _, err = runKiln(t, "repo", "list", "--store", e.store)
	if err != nil || !strings.Contains(out, "tilecraft-3.0.2-2-x86_64.hpkg") || strings.Contains(out, "tilecraft-3.0.2-1-") {
		t.Fatalf("after update: %v\n%s", err, out)
	}
	// Nothing changed since: update has nothing to do.
	if _, _, err := runKiln(t, "build", "-c", e.config); exitOf(err) != exitNothingToDo {
		t.Fatalf("idle update: %v", err)
	}

	// The records, read back.
	out, _, err = runKiln(t, "runs", "list", "-c", e.config)
	if err != nil || strings.Count(out, "complete") != 2 || !strings.Contains(out, "update ") {
		t.Fatalf("runs list: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "runs", "show", "-c", e.config, "last")
	if err != nil || !strings.Contains(out, "tilecraft-3.0.2-2") || !strings.Contains(out, "succeeded") {
		t.Fatalf("runs show: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "runs", "show", "-c", e.config, "--json", "last")
	var shown struct {
		Run    buildrun.Run     `json:"run"`
		Builds []buildrun.Build `json:"builds"`
	}
	if err != nil || json.Unmarshal([]byte(out), &shown) != nil || len(shown.Builds) != 1 {
		t.Fatalf("runs show --json: %v\n%s", err, out)
	}
	n := shown.Builds[0].Number
	out, _, err = runKiln(t, "runs", "log", "-c", e.config, shown.Run.ID, jsonNumber(n))
	if err != nil || !strings.Contains(out, `--purge "tilecraft-3.0.2"`) {
		t.Fatalf("runs log: %v\n%s", err, out)
	}
	if _, _, err := runKiln(t, "runs", "log", "-c", e.config, shown.Run.ID, "999"); err == nil {
		t.Error("log of a build that does not exist succeeded")
	}
	if _, _, err := runKiln(t, "runs", "list", "--state", "finished", "-c", e.config); exitOf(err) != 2 {
		t.Errorf("bad --state: %v", err)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestBuildFailure: a failing port makes exactly its dependents lost, the
// others are published, and kiln build exits 4.
func TestBuildFailure(t *testing.T) {
	e := newBuildEnv(t, "[builders.mock.ports]\nlibglaze = \"fail\"\n")
	out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if exitOf(err) != exitBuildFailed {
		t.Fatalf("status %d (%v), want %d\n%s%s", exitOf(err), err, exitBuildFailed, out, errOut)
	}
	for _, want := range []string{"4 succeeded, 1 failed, 1 lost of 6 builds", "failed", "libglaze-0.9.1", "lost", "kilnpaint-0.4"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runKiln(t, "repo", "list", "--store", e.store)
	if err != nil || !strings.Contains(out, "tilecraft-3.0.2-1") || strings.Contains(out, "kilnpaint") || strings.Contains(out, "libglaze") {
		t.Fatalf("published after a failure: %v\n%s", err, out)
	}
}

func TestBuildUsage(t *testing.T) {
	e := newBuildEnv(t, "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"build"}, 2, "--config"},
		{[]string{"build", "-c", filepath.Join(e.dir, "none.toml")}, 2, "none.toml"},
		{[]string{"build", "-c", e.config, "--target", "master/riscv64"}, 2, "master/x86_64"},
		{[]string{"build", "-c", e.config, "nosuchport"}, 2, "nosuchport"},
		{[]string{"build", "-c", e.config}, 2, "--mode everything"}, // no earlier run to update from
		{[]string{"build", "-c", e.config, "--mode", "sometimes"}, 2, "sometimes"},
	} {
		_, _, err := runKiln(t, tc.args...)
		if exitOf(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: status %d, %v; want %d naming %q", tc.args, exitOf(err), err, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(e.store); err == nil {
		entries, _ := os.ReadDir(filepath.Join(e.store, "master/x86_64/.kiln/buildruns"))
		if len(entries) > 0 {
			t.Errorf("a refused build left %d runs", len(entries))
		}
	}
}

// TestRunsPrune: old runs' records go, the newest and those of retained
// snapshots stay.
func TestRunsPrune(t *testing.T) {
	e := newBuildEnv(t, "")
	if _, _, err := runKiln(t, "build", "-c", e.config, "--mode", "everything"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // two more runs, each building tilecraft anew
		rel := "games-puzzle/tilecraft/tilecraft-3.0.2.recipe"
		b, _ := os.ReadFile(filepath.Join(e.tree, rel))
		testenv.WriteFile(t, e.tree, rel, strings.Replace(string(b), fmt.Sprintf(`REVISION="%d"`, i+1), fmt.Sprintf(`REVISION="%d"`, i+2), 1))
		testenv.Git(t, e.tree, "commit", "-qam", "bump")
		if out, errOut, err := runKiln(t, "build", "-c", e.config); err != nil {
			t.Fatalf("build %d: %v\n%s%s", i, err, out, errOut)
		}
	}
	// Every run published a snapshot the repository keeps: nothing goes.
	out, _, err := runKiln(t, "runs", "prune", "-c", e.config, "--keep", "1", "--keep-age", "0")
	if err != nil || !strings.Contains(out, "deleted 0 runs") || !strings.Contains(out, "kept 3") {
		t.Fatalf("prune with all snapshots kept: %v\n%s", err, out)
	}
	// Once the snapshots are pruned, only the newest run stays.
	if out, _, err := runKiln(t, "repo", "prune", "--store", e.store, "--keep", "1", "--keep-age", "0", "--grace", "0"); err != nil || !strings.Contains(out, "2 deleted") {
		t.Fatalf("repo prune: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "runs", "prune", "-c", e.config, "--keep", "1", "--keep-age", "0", "--dry-run")
	if err != nil || !strings.Contains(out, "would delete 2 runs") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if out, _, err := runKiln(t, "runs", "prune", "-c", e.config, "--keep", "1", "--keep-age", "0"); err != nil || !strings.Contains(out, "deleted 2 runs") {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "runs", "list", "-c", e.config)
	if err != nil || strings.Count(out, "complete") != 1 {
		t.Fatalf("after prune: %v\n%s", err, out)
	}
	if _, _, err := runKiln(t, "runs", "prune", "-c", e.config, "--keep", "0"); exitOf(err) != 2 {
		t.Errorf("--keep 0: %v", err)
	}
}

// TestBuildDisabledBuilders: builders disabled through kiln serve's API
// (.kiln/builders.json in the store) stay disabled for kiln build: with
// all of them disabled it refuses to start (exit 1, naming them); with
// one disabled the other builds everything.
func TestBuildDisabledBuilders(t *testing.T) {
	e := newBuildEnv(t, "")
	off := func(names ...string) {
		m := map[string]any{}
		for _, n := range names {
			m[n] = map[string]string{"reason": "maintenance", "by": "test", "time": "2026-12-03T15:00:00Z"}
		}
		b, _ := json.Marshal(map[string]any{"disabled": m})
		testenv.WriteFile(t, e.store, ".kiln/builders.json", string(b))
	}
	off("mock-1", "mock-2")
	out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if exitOf(err) != exitCouldNotRun || !strings.Contains(err.Error(), "every builder of master/x86_64 is disabled (mock-1, mock-2)") {
		t.Fatalf("every builder disabled: status %d (%v)\n%s%s", exitOf(err), err, out, errOut)
	}
	off("mock-1")
	out, errOut, err = runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if err != nil || !strings.Contains(out, "complete: 6 succeeded of 6 builds") {
		t.Fatalf("mock-1 disabled: %v\n%s%s", err, out, errOut)
	}
	if strings.Contains(out+errOut, "on mock-1") || strings.Count(errOut, "running on mock-2") != 6 {
		t.Errorf("a build went to the disabled mock-1:\n%s%s", out, errOut)
	}
}

// TestBuildBesideServe: kiln build refuses a target a kiln serve replica
// schedules (its scheduling lease is live), naming the replica, and runs
// once the lease was released.
func TestBuildBesideServe(t *testing.T) {
	e := newBuildEnv(t, "")
	lease := func(expires time.Time, released bool) {
		b, _ := json.Marshal(map[string]any{"holder": "pod-a:1:cafe", "token": "t", "acquired": expires.Add(-time.Minute),
			"renewed": expires.Add(-time.Minute), "expires": expires, "released": released})
		testenv.WriteFile(t, e.store, "master/x86_64/.kiln/schedule-lease.json", string(b))
	}
	lease(time.Now().Add(time.Hour), false)
	out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything")
	if exitOf(err) != exitCouldNotRun || !strings.Contains(err.Error(), "master/x86_64 is scheduled by kiln serve replica pod-a:1:cafe") {
		t.Fatalf("build beside a live lease: status %d (%v)\n%s%s", exitOf(err), err, out, errOut)
	}
	lease(time.Now().Add(time.Hour), true)
	if out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything"); err != nil {
		t.Fatalf("build after the release: %v\n%s%s", err, out, errOut)
	}
}
