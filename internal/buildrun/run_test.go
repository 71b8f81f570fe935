package buildrun

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// runAll starts a run of everything and waits for it.
func runAll(t *testing.T, e *testEnv, opts Options) (*Run, *Engine) {
	t.Helper()
	eng, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := e.plan(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, err := eng.Start(ctx, Request{Plan: p, Trigger: Trigger{Mode: "everything", By: "test"}, Tree: Tree{OriginURL: "https://example.com/haikuports", Commit: "0123456789abcdef0123456789abcdef01234567"}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatalf("run %s: %v", h.ID(), err)
	}
	return run, eng
}

func testWholeRun(t *testing.T, st store.Store, n, builders int, mode PublishMode) {
	ports := synthGraph(t, n, 7)
	e := newEnv(t, st, ports)
	fs, bs := fakes(t, builders, ports)
	opts := e.options(bs)
	opts.Publish = mode
	run, eng := runAll(t, e, opts)
	if run.State != RunComplete {
		t.Fatalf("run %s: %s (%s)", run.ID, run.State, run.Reason)
	}
	// Every port built exactly once, over all builders.
	seen := map[string]int{}
	for _, f := range fs {
		for _, id := range f.builtPorts() {
			seen[id]++
		}
	}
	for id := range ports {
		if seen[id] != 1 {
			t.Errorf("%s built %d times", id, seen[id])
		}
	}
	// Every package published, with its source.
	_, m, err := e.repo.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != 2*n {
		t.Errorf("head lists %d packages, want %d", len(m.Packages), 2*n)
	}
	for _, p := range m.Packages {
		if p.Source.Port == "" || p.Source.RecipeCommit == "" || !strings.HasPrefix(p.Source.BuildID, run.ID+"/") {
			t.Errorf("%s: source %+v", p.File, p.Source)
		}
	}
	if !strings.HasPrefix(m.Reason, "buildrun "+run.ID) {
		t.Errorf("snapshot reason %q", m.Reason)
	}
	e.verify(t)

	// Records.
	rd := eng.Records()
	builds, err := rd.Builds(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(builds) != n {
		t.Fatalf("%d build records, want %d", len(builds), n)
	}
	for _, b := range builds {
		if b.State != BuildSucceeded || len(b.Products) != 2 || b.Published == "" {
			t.Errorf("build %d %s: %s, %d products, published %q", b.Number, b.Port.ID(), b.State, len(b.Products), b.Published)
		}
	}
	var log bytes.Buffer
	if _, err := rd.Log(context.Background(), run.ID, BuildLog(builds[0].Number), &log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "build completed successfully") || !strings.Contains(log.String(), "running command: haikuporter") {
		t.Errorf("build log:\n%s", log.String())
	}
	sb, err := rd.File(context.Background(), run.ID, "status.json")
	if err != nil {
		t.Fatal(err)
	}
	var status Status
	if err := json.Unmarshal(sb, &status); err != nil {
		t.Fatal(err)
	}
	if len(status.Builds.Complete) != n || status.BuildStatus != "complete" || status.EndTime == nil {
		t.Errorf("status: %d complete, %q", len(status.Builds.Complete), status.BuildStatus)
	}
	// The old frontend's index of runs.
	for key, want := range map[string]string{"last_buildrun": run.ID + "\n", "buildruns.txt": run.ID + "\n"} {
		rc, _, err := st.Get(context.Background(), "master/x86_64/.kiln/buildruns/"+key, store.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != want {
			t.Errorf("%s = %q, want %q", key, b, want)
		}
	}
	rt, err := rd.File(context.Background(), run.ID, "report.txt")
	if err != nil || !bytes.Contains(rt, []byte("built")) {
		t.Errorf("report.txt: %v\n%s", err, rt)
	}
}

func TestWholeRunFile(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 40
	}
	testWholeRun(t, openFileStore(t), n, 4, PublishAtEnd)
}

func TestWholeRunFileEachBuild(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 20
	}
	testWholeRun(t, openFileStore(t), n, 4, PublishEachBuild)
}
