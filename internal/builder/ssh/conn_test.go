package ssh

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
)

// TestHostKeyRefused: a builder whose host key is unknown or differs from
// known_hosts, or whose login is refused, is lost at once with a reason,
// and nothing runs on it.
func TestHostKeyRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		setup  func(r *rig)
		reason string
		is     error
	}{
		{"unknown", func(r *rig) {
			r.write("known_hosts", "# nothing here\n")
		}, "is not in", ErrHostKey},
		{"changed", func(r *rig) {
			r.write("known_hosts", sshtest.KnownHostsLine(r.srv.Addr(), sshtest.NewKey(t).Public)+"\n")
		}, "differs from its key in", ErrHostKey},
		{"other port", func(r *rig) {
			// Known for another port only: not the same host.
			r.write("known_hosts", r.srv.KnownHostsLine("127.0.0.1:1")+"\n")
		}, "is not in", ErrHostKey},
		{"auth", func(r *rig) {
			os.WriteFile(filepath.Join(r.srv.Dir, "authorized_keys"), []byte(sshtest.NewKey(t).AuthorizedKey()+"\n"), 0o600)
		}, "authentication failed", ErrAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigOptions{})
			tc.setup(r)
			var mu sync.Mutex
			var notified []builder.Status
			b := r.builder(Options{Notify: func(_ string, st builder.Status) {
				mu.Lock()
				notified = append(notified, st)
				mu.Unlock()
			}})
			err := b.Prepare(context.Background(), r.tree())
			if !errors.Is(err, builder.ErrUnavailable) || !errors.Is(err, tc.is) {
				t.Fatalf("Prepare = %v, want ErrUnavailable and %v", err, tc.is)
			}
			st := b.Status()
			if st.State != builder.StateLost || !strings.Contains(st.Reason, tc.reason) {
				t.Errorf("status %+v, want lost with %q", st, tc.reason)
			}
			if _, err := os.Stat(filepath.Join(r.dir, "commands.log")); err == nil {
				t.Errorf("commands ran on a refused builder: %v", r.commands())
			}
			// Lost stays lost: Build does not try again.
			err = b.Build(context.Background(), builder.Job{Port: hello()})
			if !errors.Is(err, builder.ErrUnavailable) {
				t.Errorf("Build on a lost builder = %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(notified) != 1 || notified[0].State != builder.StateLost {
				t.Errorf("notified %+v, want one change to lost", notified)
			}
		})
	}
}

// TestJumpHost reaches the builder through a second sshd over a
// direct-tcpip channel; both host keys are checked against known_hosts.
func TestJumpHost(t *testing.T) {
	t.Parallel()
	jumpKey := sshtest.NewKey(t)
	jump := sshtest.Start(t, sshtest.Options{Authorized: []sshtest.Key{jumpKey}, LogLevel: "DEBUG1"})
	r := newRig(t, rigOptions{jump: jump, jumpKey: jumpKey})
	b := r.builder(Options{})
	if err := b.Prepare(context.Background(), r.tree()); err != nil {
		t.Fatal(err)
	}
	out := makePackage(t, "hello", "1.0")
	r.output("hello-1.0", out)
	col := &collector{}
	if err := b.Build(context.Background(), builder.Job{Port: hello(), Outputs: []string{out.file}, Log: &syncBuffer{}, Collect: col.collect}); err != nil {
		t.Fatal(err)
	}
	if len(col.files[out.file]) != len(out.data) {
		t.Errorf("collected %d bytes, want %d", len(col.files[out.file]), len(out.data))
	}
	// The jump host forwarded the connection to the builder's port.
	if l := jump.Log(); !strings.Contains(l, "direct-tcpip") || !strings.Contains(l, "port "+itoa(r.srv.Port)) {
		t.Errorf("jump host log shows no direct-tcpip to port %d:\n%s", r.srv.Port, l)
	}

	// An unknown jump host is refused the same way.
	r.write("known_hosts", r.srv.KnownHostsLine(r.srv.Addr())+"\n")
	b2 := r.builder(Options{})
	err := b2.Prepare(context.Background(), r.tree())
	if !errors.Is(err, ErrHostKey) || !strings.Contains(err.Error(), "jump host") || b2.Status().State != builder.StateLost {
		t.Errorf("unknown jump host: Prepare = %v, state %s", err, b2.Status().State)
	}
}

// TestConnectionCut cuts the TCP connection in the middle of a build: the
// build is ErrTransient, the builder drops to not-available, and the next
// build reconnects, sets the builder up again and succeeds.
func TestConnectionCut(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{proxy: true})
	proxy := r.proxy
	b := r.builder(Options{})
	ctx := context.Background()
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	out := makePackage(t, "hello", "1.0")
	r.output("hello-1.0", out)
	r.write("mode", "slow")
	log := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- b.Build(ctx, builder.Job{Port: hello(), Outputs: []string{out.file}, Log: log, Collect: (&collector{}).collect})
	}()
	waitFile(t, filepath.Join(r.dir, "started"))
	proxy.Cut()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Build did not return after the cut")
	}
	if !errors.Is(err, builder.ErrTransient) {
		t.Fatalf("Build after a cut = %v, want ErrTransient", err)
	}
	if !strings.Contains(log.String(), "connection failed: ") {
		t.Errorf("log lacks the connection failure:\n%s", log)
	}
	if st := b.Status(); st.State != builder.StateNotAvailable || st.Reason == "" {
		t.Errorf("status after the cut %+v, want not-available with a reason", st)
	}
	syncs := countSyncs(r)
	r.write("mode", "ok")
	col := &collector{}
	if err := b.Build(ctx, builder.Job{Port: hello(), Outputs: []string{out.file}, Log: &syncBuffer{}, Collect: col.collect}); err != nil {
		t.Fatalf("Build after reconnect: %v", err)
	}
	if len(col.files[out.file]) != len(out.data) {
		t.Errorf("collected %d bytes after reconnect", len(col.files[out.file]))
	}
	if proxy.Accepted() != 2 {
		t.Errorf("proxy accepted %d connections, want 2", proxy.Accepted())
	}
	if countSyncs(r) != syncs+1 {
		t.Errorf("the tree was not synced again after the reconnect")
	}
	if st := b.Status().State; st != builder.StateAvailable {
		t.Errorf("state %s after recovering", st)
	}
}

func countSyncs(r *rig) int {
	n := 0
	for _, c := range r.commands() {
		if strings.Contains(c, "git fetch && git checkout") {
			n++
		}
	}
	return n
}

func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(p); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTransientFailuresMakeLost: the builder drops the connection on
// every build (its sshd dies); each build is ErrTransient and after
// MaxTransientFailures in a row the builder is lost.
func TestTransientFailuresMakeLost(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.write("mode", "drop")
	b := r.builder(Options{MaxTransientFailures: 2})
	ctx := context.Background()
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	err := b.Build(ctx, builder.Job{Port: hello(), Log: &syncBuffer{}})
	if !errors.Is(err, builder.ErrTransient) || b.Status().State != builder.StateNotAvailable {
		t.Fatalf("first dropped build: %v, state %s", err, b.Status().State)
	}
	err = b.Build(ctx, builder.Job{Port: hello(), Log: &syncBuffer{}})
	if !errors.Is(err, builder.ErrUnavailable) {
		t.Fatalf("second dropped build: %v, want ErrUnavailable", err)
	}
	if st := b.Status(); st.State != builder.StateLost || !strings.Contains(st.Reason, "2 consecutive transient failures") {
		t.Errorf("status %+v", st)
	}
}

// TestConnectErrors: a builder that cannot be reached goes to reconnecting
// with a growing error count, waits the backoff after each error, and is
// lost after MaxConnectionErrors.
func TestConnectErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	// Point the builder at a port where nothing listens.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	r.cfg.Host.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	var mu sync.Mutex
	var waits []int
	var states []builder.State
	b := r.builder(Options{MaxConnectionErrors: 3,
		Backoff: func(n int) time.Duration { mu.Lock(); waits = append(waits, n); mu.Unlock(); return time.Millisecond },
		Notify: func(_ string, st builder.Status) {
			mu.Lock()
			states = append(states, st.State)
			mu.Unlock()
		}})
	for i := 1; i <= 2; i++ {
		err := b.Prepare(context.Background(), r.tree())
		if !errors.Is(err, builder.ErrTransient) {
			t.Fatalf("attempt %d: %v, want ErrTransient", i, err)
		}
		if st := b.Status(); st.State != builder.StateReconnecting || st.ConnectionErrors != i || st.MaxConnectionErrors != 3 {
			t.Fatalf("attempt %d: status %+v", i, st)
		}
	}
	err := b.Prepare(context.Background(), r.tree())
	if !errors.Is(err, builder.ErrUnavailable) || b.Status().State != builder.StateLost {
		t.Fatalf("third attempt: %v, state %s", err, b.Status().State)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(waits, []int{1, 2}) {
		t.Errorf("backoff called with %v, want [1 2]", waits)
	}
	if !slices.Equal(states, []builder.State{builder.StateReconnecting, builder.StateLost}) {
		t.Errorf("notified %v", states)
	}
	// Close during the wait after a connection error ends it at once.
	b2 := r.builder(Options{Backoff: func(int) time.Duration { return time.Hour }})
	done := make(chan error, 1)
	go func() { done <- b2.Prepare(context.Background(), r.tree()) }()
	for deadline := time.Now().Add(10 * time.Second); b2.Status().State != builder.StateReconnecting; {
		if time.Now().After(deadline) {
			t.Fatalf("not reconnecting: %+v", b2.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	b2.Close()
	select {
	case err := <-done:
		if !errors.Is(err, builder.ErrUnavailable) {
			t.Errorf("Prepare cut short by Close = %v, want ErrUnavailable", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Close did not end the wait after a connection error")
	}
	if DefaultBackoff(1) != 6200*time.Millisecond || DefaultBackoff(10) != 17*time.Second {
		t.Errorf("DefaultBackoff(1) = %v, (10) = %v; HaikuPorter waits 5+1.2n s", DefaultBackoff(1), DefaultBackoff(10))
	}
}

// TestKeepalive: the network goes silent in the middle of a build (no
// reset, nothing passes); the keepalive notices and the build ends
// ErrTransient instead of hanging.
func TestKeepalive(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{proxy: true})
	b := r.builder(Options{Keepalive: 300 * time.Millisecond})
	if err := b.Prepare(context.Background(), r.tree()); err != nil {
		t.Fatal(err)
	}
	r.write("mode", "hang")
	done := make(chan error, 1)
	go func() { done <- b.Build(context.Background(), builder.Job{Port: hello(), Log: &syncBuffer{}}) }()
	waitPIDs(t, r, "hang.pid")
	r.proxy.Freeze()
	start := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, builder.ErrTransient) {
			t.Errorf("Build = %v, want ErrTransient", err)
		}
		t.Logf("a silent connection ended the build after %v", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("Build still running 10 s after the network went silent")
	}
	if st := b.Status(); st.State != builder.StateNotAvailable {
		t.Errorf("state %+v", st)
	}
}
