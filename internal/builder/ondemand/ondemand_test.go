package ondemand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
)

// machine is a switched-off "machine" in a directory: the start script
// makes it reachable (the file up), the stop script unreachable; both log
// their calls.
type machine struct {
	dir   string
	start []string
	stop  []string
}

func newMachine(t *testing.T, startBody string) *machine {
	dir := t.TempDir()
	m := &machine{dir: dir}
	write := func(name, body string) []string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return []string{p}
	}
	if startBody == "" {
		startBody = `echo "start $KILN_BUILDER" >> "$(dirname "$0")/calls"; touch "$(dirname "$0")/up"`
	}
	m.start = write("start.sh", startBody)
	m.stop = write("stop.sh", `echo "stop $KILN_BUILDER" >> "$(dirname "$0")/calls"; rm -f "$(dirname "$0")/up"`)
	return m
}

func (m *machine) calls(t *testing.T) []string {
	b, err := os.ReadFile(filepath.Join(m.dir, "calls"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

func (m *machine) up() bool {
	_, err := os.Stat(filepath.Join(m.dir, "up"))
	return err == nil
}

// gated is a mock builder that cannot be reached while its machine is down.
type gated struct {
	*mock.Builder
	m *machine
}

var errRefused = errors.New("connect: connection refused")

func (g *gated) Prepare(ctx context.Context, tree builder.Tree) error {
	if g.m != nil && !g.m.up() {
		return fmt.Errorf("%w: %w", builder.ErrTransient, errRefused)
	}
	return g.Builder.Prepare(ctx, tree)
}

func (g *gated) Build(ctx context.Context, job builder.Job) error {
	if g.m != nil && !g.m.up() {
		return fmt.Errorf("%w: %w", builder.ErrTransient, errRefused)
	}
	return g.Builder.Build(ctx, job)
}

type recorder struct {
	mu     sync.Mutex
	states []builder.State
}

func (r *recorder) notify(name string, st builder.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 || r.states[len(r.states)-1] != st.State {
		r.states = append(r.states, st.State)
	}
}

func (r *recorder) get() []builder.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}

func newOnDemand(t *testing.T, cfg Config, m *machine, mcfg mock.Config) (*Builder, *gated) {
	t.Helper()
	var g *gated
	if mcfg.Name == "" {
		mcfg.Name = "od1"
	}
	b, err := New(cfg, func(n builder.Notifier) (builder.Builder, error) {
		mcfg.Notify = n
		mb, err := mock.New(mcfg)
		g = &gated{mb, m}
		return g, err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, g
}

var tree = builder.Tree{Commit: "785d8af0c5a1e6b44b7d9a5b5e5a3c1d2e3f4a5b", Settings: builder.Settings{TargetArch: "x86_64"}}

func job(name string) builder.Job {
	return builder.Job{
		Port:    builder.Port{Name: name, Version: "1.0", Revision: "1"},
		Outputs: []string{name + "-1.0-1-x86_64.hpkg"},
		Log:     io.Discard,
		Collect: func(ctx context.Context, file string, r io.Reader, size int64) error {
			_, err := io.Copy(io.Discard, r)
			return err
		},
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStartBuildIdleStop(t *testing.T) {
	m := newMachine(t, "")
	rec := &recorder{}
	b, _ := newOnDemand(t, Config{
		Start: Action{Command: m.start}, Stop: Action{Command: m.stop},
		PollInterval: 10 * time.Millisecond, IdleTime: 150 * time.Millisecond, Notify: rec.notify,
	}, m, mock.Config{})
	if st := b.Status(); st.State != builder.StateStopped {
		t.Fatalf("new on-demand builder: %+v", st)
	}
	ctx := context.Background()
	if err := b.Prepare(ctx, tree); err != nil {
		t.Fatal(err)
	}
	if m.up() || len(m.calls(t)) != 0 {
		t.Fatal("Prepare started the machine; only a build should")
	}
	for i := range 2 {
		if err := b.Build(ctx, job(fmt.Sprintf("odport%d", i))); err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
		if st := b.Status(); st.State != builder.StateAvailable {
			t.Errorf("after build %d: %+v", i, st)
		}
	}
	if got := m.calls(t); !slices.Equal(got, []string{"start od1"}) {
		t.Errorf("calls after two builds in a row: %q, want one start", got)
	}
	waitFor(t, "the idle stop", func() bool { return b.Status().State == builder.StateStopped })
	if m.up() {
		t.Error("stopped but the machine is up")
	}
	if st := b.Status(); !strings.Contains(st.Reason, "idle") {
		t.Errorf("stopped reason %q", st.Reason)
	}
	// The next build starts it again.
	if err := b.Build(ctx, job("odport2")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.calls(t), ", "); got != "start od1, stop od1, start od1" {
		t.Errorf("calls %q", got)
	}
	want := []builder.State{builder.StateStarting, builder.StateAvailable, builder.StateStopped, builder.StateStarting, builder.StateAvailable}
	if got := rec.get(); !slices.Equal(got, want) {
		t.Errorf("notified %v, want %v", got, want)
	}
}

func TestStartFailure(t *testing.T) {
	m := newMachine(t, `echo "quota exceeded for instance type" >&2; exit 3`)
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop}, MaxStartFailures: 2}, m, mock.Config{})
	ctx := context.Background()
	b.Prepare(ctx, tree)
	err := b.Build(ctx, job("odfail"))
	if !errors.Is(err, builder.ErrUnavailable) || !strings.Contains(err.Error(), "quota exceeded") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Build = %v, want ErrUnavailable with the exit status and output", err)
	}
	st := b.Status()
	if st.State != builder.StateStopped || !strings.Contains(st.Reason, "quota exceeded") || st.ConnectionErrors != 1 {
		t.Errorf("after a failed start: %+v", st)
	}
	b.Build(ctx, job("odfail"))
	if st := b.Status(); st.State != builder.StateLost || !strings.Contains(st.Reason, "2 of 2") {
		t.Errorf("after two failed starts: %+v, want lost", st)
	}
	if err := b.Build(ctx, job("odfail")); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("Build on a lost builder = %v", err)
	}
}

func TestNotReachable(t *testing.T) {
	m := newMachine(t, `true`) // "starts", never comes up
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, StartTimeout: 300 * time.Millisecond, PollInterval: 20 * time.Millisecond}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	start := time.Now()
	err := b.Build(context.Background(), job("odunreach"))
	if !errors.Is(err, builder.ErrUnavailable) || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "not reachable within 300ms") {
		t.Errorf("Build = %v, want ErrUnavailable with the last connection error", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("gave up after %v, want the 300ms start timeout", d)
	}
}

func TestCancelDuringStart(t *testing.T) {
	m := newMachine(t, `exec sleep 30`)
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop}}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("run cancelled")
	done := make(chan error, 1)
	go func() { done <- b.Build(ctx, job("odcancel")) }()
	waitFor(t, "starting", func() bool { return b.Status().State == builder.StateStarting })
	cancel(cause)
	select {
	case err := <-done:
		if !errors.Is(err, cause) {
			t.Errorf("Build = %v, want the cause", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not end the start")
	}
	if st := b.Status(); st.State != builder.StateStopped || st.ConnectionErrors != 0 {
		t.Errorf("after a cancelled start: %+v (a cancelled start is no failure)", st)
	}
}

func TestHTTPActions(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Kiln-Builder"))
		if fail {
			http.Error(w, "no capacity in region", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	b, _ := newOnDemand(t, Config{
		Start: Action{URL: srv.URL + "/start"}, Stop: Action{URL: srv.URL + "/stop", Method: http.MethodPut},
		IdleTime: 50 * time.Millisecond,
	}, nil, mock.Config{Name: "cloud1"})
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odhttp")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the idle stop", func() bool { return b.Status().State == builder.StateStopped })
	mu.Lock()
	got := slices.Clone(calls)
	fail = true
	mu.Unlock()
	if want := []string{"POST /start cloud1", "PUT /stop cloud1"}; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	err := b.Build(context.Background(), job("odhttp"))
	if !errors.Is(err, builder.ErrUnavailable) || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "no capacity in region") {
		t.Errorf("Build with a failing start URL = %v", err)
	}
}

func TestCloseStops(t *testing.T) {
	m := newMachine(t, "")
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop}, PollInterval: 10 * time.Millisecond}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odclose")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if m.up() {
		t.Error("Close left the machine running")
	}
	if err := b.Build(context.Background(), job("odclose")); !errors.Is(err, builder.ErrUnavailable) {
		t.Errorf("Build after Close = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no start"},
		{Config{Start: Action{Command: []string{"x"}, URL: "http://h/"}}, "not both"},
		{Config{Start: Action{URL: "ftp://h/start"}}, `"ftp://h/start"`},
		{Config{Start: Action{Command: []string{"x"}}, Stop: Action{URL: "http://h/", Method: "DELETE"}}, `stop: method "DELETE"`},
		{Config{Start: Action{Command: []string{""}}}, "empty command"},
	} {
		_, err := New(c.cfg, func(builder.Notifier) (builder.Builder, error) { return nil, errors.New("not reached") })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestActionOutputBounded(t *testing.T) {
	a := Action{Command: []string{"/bin/sh", "-c", `head -c 100000 /dev/zero | tr '\0' x; echo; echo the end; exit 1`}}
	err := a.run(context.Background(), http.DefaultClient, "b")
	if err == nil || len(err.Error()) > maxOutput+200 || !strings.HasSuffix(err.Error(), "the end") {
		t.Errorf("error of %d bytes: %.200q", len(fmt.Sprint(err)), err)
	}
	var buf bytes.Buffer
	buf.WriteString(fmt.Sprint(err))
}

func TestSettings(t *testing.T) {
	c, err := Settings{Start: []string{"vm", "start"}, StopURL: "https://cloud.example/stop", IdleTime: builder.Duration(time.Minute)}.Config("riscv", nil, nil)
	if err != nil || c.Start.Command[1] != "start" || c.Stop.URL == "" || c.IdleTime != time.Minute {
		t.Errorf("%+v, %v", c, err)
	}
	if _, err := (Settings{StartURL: "cloud"}).Config("riscv", nil, nil); err == nil || !strings.Contains(err.Error(), `builder riscv: ondemand: start: URL "cloud"`) {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := (Settings{}).Config("riscv", nil, nil); err == nil || !strings.Contains(err.Error(), "riscv") {
		t.Errorf("no start: %v", err)
	}
}

func TestStartAgainAfterTransient(t *testing.T) {
	m := newMachine(t, "")
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop}, PollInterval: 10 * time.Millisecond}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odpre0")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(m.dir, "up")) // the cloud took the machine away
	if err := b.Build(context.Background(), job("odpre1")); !errors.Is(err, builder.ErrTransient) {
		t.Fatalf("build on a vanished machine = %v, want ErrTransient", err)
	}
	if err := b.Build(context.Background(), job("odpre1")); err != nil {
		t.Fatalf("build after the transient failure: %v", err)
	}
	if got := strings.Join(m.calls(t), ", "); got != "start od1, start od1" {
		t.Errorf("calls %q, want start run again", got)
	}
}

func TestBuildDuringIdleStop(t *testing.T) {
	m := newMachine(t, "")
	// a slow stop: the build arrives while it runs
	os.WriteFile(m.stop[0], []byte("#!/bin/sh\necho \"stop $KILN_BUILDER\" >> \"$(dirname \"$0\")/calls\"; rm -f \"$(dirname \"$0\")/up\"; exec sleep 0.4\n"), 0o755)
	rec := &recorder{}
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop},
		PollInterval: 10 * time.Millisecond, IdleTime: 30 * time.Millisecond, Notify: rec.notify}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odidle0")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stop to begin", func() bool { return len(m.calls(t)) == 2 })
	if st := b.Status(); st.State == builder.StateStopped {
		t.Fatal("stopped before the stop action ended")
	}
	if err := b.Build(context.Background(), job("odidle1")); err != nil {
		t.Fatalf("build given during the stop: %v", err)
	}
	if got := strings.Join(m.calls(t), ", "); got != "start od1, stop od1, start od1" {
		t.Errorf("calls %q", got)
	}
	if st := b.Status(); st.State != builder.StateAvailable {
		t.Errorf("after the build: %+v", st)
	}
}

func TestCheck(t *testing.T) {
	m := newMachine(t, "")
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop}, PollInterval: 10 * time.Millisecond}, m, mock.Config{})
	if _, err := b.Check(context.Background()); !errors.Is(err, builder.ErrUnavailable) || !strings.Contains(err.Error(), "stopped (not started for a check)") {
		t.Errorf("Check of a stopped builder = %v", err)
	}
	if len(m.calls(t)) != 0 {
		t.Error("Check started the machine")
	}
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odcheck")); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Check(context.Background())
	if err != nil || rep.Name != "od1" || rep.CachePackages != 1 {
		t.Errorf("Check of a running builder = %+v, %v", rep, err)
	}
}

func TestStartIsLogged(t *testing.T) {
	m := newMachine(t, `echo start >> "$(dirname "$0")/calls"; (sleep 0.2; touch "$(dirname "$0")/up") >/dev/null 2>&1 &`)
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, PollInterval: 20 * time.Millisecond}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	var log bytes.Buffer
	j := job("odlog")
	j.Log = &log
	if err := b.Build(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	text := log.String()
	for _, want := range []string{"starting on-demand builder od1: " + m.start[0] + "\n",
		"waiting for builder od1 to become reachable: builder: transient failure: connect: connection refused\n",
		"builder od1 started after ", "running command: "} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "started after") > strings.Index(text, "running command: ") {
		t.Errorf("the start lines are not first:\n%s", text)
	}
}

func TestStopFailureRetried(t *testing.T) {
	m := newMachine(t, "")
	// the first stop fails, the second succeeds
	os.WriteFile(m.stop[0], []byte(`#!/bin/sh
d="$(dirname "$0")"
echo "stop $KILN_BUILDER" >> "$d/calls"
if [ ! -e "$d/failed-once" ]; then touch "$d/failed-once"; echo "API rate limit" >&2; exit 1; fi
rm -f "$d/up"
`), 0o755)
	b, _ := newOnDemand(t, Config{Start: Action{Command: m.start}, Stop: Action{Command: m.stop},
		PollInterval: 10 * time.Millisecond, IdleTime: 100 * time.Millisecond}, m, mock.Config{})
	b.Prepare(context.Background(), tree)
	if err := b.Build(context.Background(), job("odstopfail")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed stop", func() bool { return strings.Contains(b.Status().Reason, "API rate limit") })
	if st := b.Status(); !st.State.Usable() || st.State == builder.StateStopped || !strings.Contains(st.Reason, "stop failed") {
		t.Errorf("after a failed stop: %+v", st)
	}
	waitFor(t, "the second stop", func() bool { return b.Status().State == builder.StateStopped })
	if got := strings.Join(m.calls(t), ", "); got != "start od1, stop od1, stop od1" || m.up() {
		t.Errorf("calls %q, up %v", got, m.up())
	}
}
