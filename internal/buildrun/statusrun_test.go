package buildrun

import (
	"context"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder/mock"
)

// TestStatusJSONFailures: the status.json of a run with failed and lost
// builds has the frontend's shape, and lists them.
func TestStatusJSONFailures(t *testing.T) {
	ports := synthGraph(t, 40, 11)
	e := newEnv(t, openFileStore(t), ports)
	p := e.plan(t)
	failed := independent(p, []string{"p004-1.0", "p020-1.0", "p030-1.0", "p035-1.0"}, 2)
	_, bs := mocks(t, 3, func(i int, c *mock.Config) {
		c.Ports = map[string]mock.Override{failed[0]: {Result: mock.ResultFail}, failed[1]: {Result: mock.ResultFail}}
	})
	run, eng := runAll(t, e, e.options(bs))
	if run.State != RunFailed {
		t.Fatalf("run %s, want failed", run.State)
	}
	sb, err := eng.Records().File(context.Background(), run.ID, "status.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := checkStatusJSON(t, sb)
	lost := len(dependents(p, failed))
	if statusLen(doc, "builds", "failed") != 2 || statusLen(doc, "builds", "lost") != lost || lost == 0 ||
		statusLen(doc, "builds", "complete") != len(p.Order)-2-lost {
		t.Errorf("status.json: %d failed, %d lost, %d complete; want 2, %d, %d", statusLen(doc, "builds", "failed"),
			statusLen(doc, "builds", "lost"), statusLen(doc, "builds", "complete"), lost, len(p.Order)-2-lost)
	}
	if doc["buildStatus"] != "complete (with 2 failures)" || doc["endTime"] == nil {
		t.Errorf("status.json: buildStatus %q, endTime %v", doc["buildStatus"], doc["endTime"])
	}
	for _, b := range doc["builds"].(map[string]any)["lost"].([]any) {
		if b.(map[string]any)["lost"] != true || b.(map[string]any)["buildable"] != false {
			t.Errorf("status.json: lost build %v", b)
		}
	}
}

// TestStatusJSONRunning: status.json read while builds run (builders
// busy, builds active, scheduled and blocked) has the frontend's shape.
func TestStatusJSONRunning(t *testing.T) {
	ports := synthGraph(t, 16, 5)
	e := newEnv(t, openFileStore(t), ports)
	_, bs := mocks(t, 2, func(i int, c *mock.Config) {
		c.Durations = mock.Durations{Dist: mock.DistFixed, Median: 150 * time.Millisecond}
		c.LogLines = 20
	})
	eng, err := New(e.options(bs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, err := eng.Start(ctx, Request{Plan: e.plan(t), Trigger: Trigger{Mode: "everything", By: "test"},
		Tree: Tree{OriginURL: "https://example.com/haikuports", Commit: "0123456789abcdef0123456789abcdef01234567"}})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for ctx.Err() == nil {
		if _, ok := eng.Active(); !ok {
			break
		}
		sb, err := eng.Records().File(ctx, h.ID(), "status.json")
		if err == nil {
			doc := checkStatusJSON(t, sb)
			if statusLen(doc, "builds", "active") > 0 && statusLen(doc, "builders", "active") > 0 {
				if doc["endTime"] != nil || doc["startTime"] == nil {
					t.Errorf("running: startTime %v, endTime %v", doc["startTime"], doc["endTime"])
				}
				checked++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != RunComplete {
		t.Fatalf("run %s (%s)", run.State, run.Reason)
	}
	if checked == 0 {
		t.Fatal("status.json never showed an active build on a busy builder")
	}
	t.Logf("checked %d status.json documents of the running run", checked)
}
