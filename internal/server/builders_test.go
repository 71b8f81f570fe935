package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
)

// builderEvents follows GET /api/v1/events?kind=builder and sends the
// events it receives.
func builderEvents(t *testing.T, e *dockEnv) <-chan buildrun.Event {
	t.Helper()
	resp, err := http.Get(e.hs.URL + "/api/v1/events?kind=builder")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	ch := make(chan buildrun.Event, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev buildrun.Event
				if json.Unmarshal([]byte(data), &ev) == nil {
					ch <- ev
				}
			}
		}
	}()
	return ch
}

func waitEvent(t *testing.T, ch <-chan buildrun.Event, builderName, state string) buildrun.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Builder == builderName && ev.State == state {
				return ev
			}
		case <-timeout:
			t.Fatalf("no builder event %s %s", builderName, state)
		}
	}
}

// TestBuilderToggle: disabling a builder over the API while it builds
// lets that build finish and gives the run's other builds to the other
// builder; the state is shown by GET /api/v1/builders, the overview and
// the metrics, sent as a builder event and kept in the store, so a kiln
// opened afterwards on the store sees it. With every builder disabled a
// run waits (its running builds finish) and no new run starts; enabling
// one lets them go on.
func TestBuilderToggle(t *testing.T) {
	e := newControlServer(t, 400*time.Millisecond, nil)
	tg := e.d.Targets()[0]
	ctx := context.Background()
	events := builderEvents(t, e)
	for _, tc := range []struct {
		role, path, body string
		code             int
		want             string
	}{
		{"", "/api/v1/builders/mock-1/disable", "", 401, ""},
		{"read", "/api/v1/builders/mock-1/disable", "", 403, ""},
		{"trigger", "/api/v1/builders/mock-1/enable", "", 403, ""},
		{"admin", "/api/v1/builders/nosuch/disable", "", 404, "unknown_builder"},
		{"admin", "/api/v1/builders/.git/disable", "", 400, "bad_builder"},
		{"admin", "/api/v1/builders/mock-1/disable", `{"reason":`, 400, "bad_json"},
		{"admin", "/api/v1/builders/mock-1/disable", `{"reason":"` + strings.Repeat("r", 1025) + `"}`, 400, "bad_reason"},
	} {
		code, body := e.post(t, tc.role, tc.path, "application/json", strings.NewReader(tc.body))
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s: %d %.200s, want %d %s", tc.role, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	if _, off := e.d.Disabled("mock-1"); off {
		t.Fatal("a refused request disabled mock-1")
	}

	// The demo's first run: wait until mock-1 builds.
	id := e.activeRun(t)
	h, _ := tg.Engine().Active()
	var onMock1 int64
	for deadline := time.Now().Add(20 * time.Second); onMock1 == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("mock-1 never built")
		}
		for _, b := range h.Builds() {
			if b.State == buildrun.BuildRunning && b.Builder == "mock-1" {
				onMock1 = b.Number
			}
		}
	}
	code, body := e.post(t, "admin", "/api/v1/builders/mock-1/disable", "application/json", strings.NewReader(`{"reason":"disk swap"}`))
	disabledAt := time.Now()
	var got []builderJSON
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || len(got) != 1 {
		t.Fatalf("disable: %d %s", code, body)
	}
	if g := got[0]; g.State != builder.StateDisabled || g.Reason != "disk swap" || g.Disabled == nil || g.Disabled.By != "api:admin-bot" || g.Target != "master/x86_64" {
		t.Errorf("disabled builder %+v", g)
	}
	if ev := waitEvent(t, events, "mock-1", "disabled"); ev.Reason != "disk swap" {
		t.Errorf("event %+v", ev)
	}
	_, b := e.get(t, "/api/v1/builders")
	if !strings.Contains(string(b), `"state": "disabled"`) || !strings.Contains(string(b), `"reason": "disk swap"`) {
		t.Errorf("GET /api/v1/builders: %s", b)
	}
	if _, b := e.get(t, "/"); !strings.Contains(string(b), `state-disabled">disabled</span> (disk swap)`) {
		t.Errorf("the overview does not show mock-1 disabled:\n%s", b)
	}
	if _, b := e.get(t, "/metrics"); !strings.Contains(string(b), `kiln_builder_state{builder="mock-1",state="disabled",target="master/x86_64"} 1`) {
		t.Error("metrics: no disabled kiln_builder_state")
	}

	// mock-2 too, while builds remain: the run finishes what runs, then
	// waits instead of ending; enabling mock-2 lets it go on.
	if code, body := e.post(t, "admin", "/api/v1/builders/mock-2/disable", "", nil); code != 200 {
		t.Fatalf("disable mock-2: %d %s", code, body)
	}
	allOffAt := time.Now()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("builds still run with every builder disabled")
		}
		running := false
		for _, b := range h.Builds() {
			running = running || b.State == buildrun.BuildRunning
		}
		if !running {
			break
		}
	}
	time.Sleep(500 * time.Millisecond) // five of the run's ticks
	pending := 0
	for _, b := range h.Builds() {
		if b.State == buildrun.BuildRunning {
			t.Errorf("build %d runs on %s with every builder disabled", b.Number, b.Builder)
		}
		if !b.State.Final() {
			pending++
		}
	}
	if tg.ActiveRun() != id || pending == 0 {
		t.Fatalf("with every builder disabled the run is %q (want %s waiting), %d builds pending", tg.ActiveRun(), id, pending)
	}
	if code, body := e.post(t, "admin", "/api/v1/builders/mock-2/enable", "", nil); code != 200 {
		t.Fatalf("enable mock-2: %d %s", code, body)
	}
	enabledAt := time.Now()

	run := e.waitEnded(t, id)
	if run.State != buildrun.RunComplete {
		t.Errorf("the run ended %s (%s), want complete", run.State, run.Reason)
	}
	builds, err := tg.Engine().Records().Builds(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	onMock2 := 0
	for _, b := range builds {
		if b.Number == onMock1 && (b.State != buildrun.BuildSucceeded || b.Builder != "mock-1") {
			t.Errorf("build %d, running on mock-1 when it was disabled: %s on %s, want succeeded there", b.Number, b.State, b.Builder)
		}
		for _, a := range b.Attempts {
			// A build the scheduler gave a builder just as it was
			// disabled is refused by it (ErrUnavailable: the attempt
			// records lost-builder, "disabled") and goes elsewhere.
			if a.Result == "lost-builder" && strings.Contains(a.Error, "disabled") {
				t.Logf("build %d refused by the disabled %s", b.Number, a.Builder)
				continue
			}
			if a.Builder == "mock-1" && a.Started.After(disabledAt) {
				t.Errorf("build %d started on the disabled mock-1 at %v", b.Number, a.Started)
			}
			if a.Builder == "mock-2" && a.Started.After(disabledAt) {
				onMock2++
			}
			if a.Started.After(allOffAt) && a.Started.Before(enabledAt) {
				t.Errorf("build %d started on %s while every builder was disabled", b.Number, a.Builder)
			}
		}
	}
	if onMock2 == 0 {
		t.Error("no build went to mock-2 after mock-1 was disabled")
	}
	t.Logf("%d builds, %d on mock-2 after mock-1 was disabled", len(builds), onMock2)

	// Kept in the store: a kiln opened now on it sees mock-1 disabled.
	d2, err := daemon.New(ctx, daemon.Options{Config: e.cfg, Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	for _, b := range d2.Targets()[0].Builders() {
		if st := b.Status(); (st.State == builder.StateDisabled) != (b.Name() == "mock-1") || (b.Name() == "mock-1" && st.Reason != "disk swap") {
			t.Errorf("after a restart: %s %+v", b.Name(), st)
		}
	}

	// Every builder disabled: no run starts.
	if code, body := e.post(t, "admin", "/api/v1/builders/mock-2/disable", "", nil); code != 200 || !strings.Contains(body, "disabled by api:admin-bot") {
		t.Fatalf("disable mock-2: %d %s", code, body)
	}
	const ports = `{"mode":"ports","ports":["kilnsh"]}`
	if code, m := e.postJSON(t, "trigger", targetAPI+"/runs", ports); code != 409 || errCode(m) != "no_builders" {
		t.Errorf("trigger with every builder disabled: %d %v", code, m)
	}
	for _, name := range []string{"mock-1", "mock-1"} { // idempotent
		if code, body := e.post(t, "admin", "/api/v1/builders/"+name+"/enable", "", nil); code != 200 || strings.Contains(body, `"disabled"`) {
			t.Fatalf("enable %s: %d %s", name, code, body)
		}
	}
	waitEvent(t, events, "mock-1", "available")
	// kilnsh is built already: the plan (made past the builder check)
	// has nothing to do.
	if code, m := e.postJSON(t, "trigger", targetAPI+"/runs", ports); code != 409 || errCode(m) != "nothing_to_do" {
		t.Fatalf("trigger with mock-1 enabled: %d %v", code, m)
	}
}
