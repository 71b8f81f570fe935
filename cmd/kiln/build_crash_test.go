package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// writeSyntheticTree writes n ports syn_000 … into dir as a git
// repository; each needs up to three earlier ones to build, so the run
// has a real dependency graph.
func writeSyntheticTree(t *testing.T, dir string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		name := fmt.Sprintf("syn_%03d", i)
		var deps []string
		for range rng.IntN(4) {
			if i > 0 {
				deps = append(deps, fmt.Sprintf("syn_%03d", rng.IntN(i)))
			}
		}
		testenv.WriteFile(t, dir, "dev-synth/"+name+"/"+name+"-1.0.recipe", fmt.Sprintf(`SUMMARY="Synthetic port %[1]s"
DESCRIPTION="A port of a generated tree for kiln's tests."
HOMEPAGE="https://example.org/%[1]s"
COPYRIGHT="2026 The kiln authors"
LICENSE="MIT"
REVISION="1"
SOURCE_URI="https://example.org/%[1]s-$portVersion.tar.gz"
ARCHITECTURES="all"
PROVIDES="
	%[1]s = $portVersion
	"
REQUIRES="
	haiku
	"
BUILD_REQUIRES="
	haiku_devel
	%[2]s
	"
BUILD_PREREQUIRES="
	cmd:gcc
	"
BUILD()
{
	make
}
INSTALL()
{
	make install
}
`, name, strings.Join(deps, "\n\t")))
	}
	testenv.Git(t, dir, "init", "-q", "-b", "master")
	testenv.Git(t, dir, "add", "-A")
	testenv.Git(t, dir, "commit", "-qm", "synthetic tree")
}

// TestBuildSurvivesKill kills `kiln build` (SIGKILL) at 20 random moments
// of one run and restarts it each time; the run must complete with no
// port built twice, no package lost and the repository verifying deep.
func TestBuildSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiln binary and runs a 40-port build 21 times")
	}
	const ports = 40
	dir := t.TempDir()
	bin := filepath.Join(dir, "kiln")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	writeSyntheticTree(t, filepath.Join(dir, "tree"), ports, 7)
	writeBuildConfig(t, dir, "count = 4\nduration = \"fixed\"\nmedian = \"150ms\"",
		"publish = \"each-build\"\nheartbeat_ttl = \"600ms\"\nretry_backoff = \"10ms\"")
	rng := rand.New(rand.NewPCG(11, 12))
	kills, starts := 0, 0
	finished := false
	for !finished && starts < 60 {
		starts++
		cmd := exec.Command(bin, "build", "-c", filepath.Join(dir, "kiln.toml"), "--mode", "everything")
		cmd.Dir = dir
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills == 20 {
			select {
			case err := <-done:
				checkFinalBuild(t, err, out.String())
				finished = true
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("the last start did not finish in 2 minutes:\n%s", out.String())
			}
			continue
		}
		select {
		case err := <-done:
			// It finished before the kill: a complete run, or nothing left.
			checkFinalBuild(t, err, out.String())
			finished = true
		case <-time.After(time.Duration(100+rng.IntN(1000)) * time.Millisecond):
			_ = cmd.Process.Kill()
			<-done
			kills++
			// The heartbeat of the killed process must age before a new
			// kiln may take the run over.
			time.Sleep(700 * time.Millisecond)
		}
	}
	t.Logf("%d kills in %d starts", kills, starts)
	if kills < 20 {
		t.Logf("the run finished after %d kills", kills)
	}

	st, err := store.Open(context.Background(), filepath.Join(dir, "store"), store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(st, repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{})
	rd := buildrun.NewReader(st, r)
	runs, err := rd.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]int{}
	for _, run := range runs {
		builds, err := rd.Builds(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range builds {
			for _, a := range b.Attempts {
				if a.Result == "succeeded" {
					built[b.Port.ID()]++
				}
			}
		}
	}
	for id, n := range built {
		if n > 1 {
			t.Errorf("%s was built %d times", id, n)
		}
	}
	_, m, err := r.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != ports {
		t.Errorf("%d packages published, want %d", len(m.Packages), ports)
	}
	if out, _, err := runKiln(t, "repo", "verify", "--deep", "--store", filepath.Join(dir, "store")); err != nil {
		t.Errorf("verify --deep: %v\n%s", err, out)
	}
}

func checkFinalBuild(t *testing.T, err error, out string) {
	t.Helper()
	var ee *exec.ExitError
	if err == nil || (errors.As(err, &ee) && ee.ExitCode() == exitNothingToDo) {
		return
	}
	t.Fatalf("kiln build: %v\n%s", err, out)
}
