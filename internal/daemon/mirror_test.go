package daemon

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestMirrorInStep: with a [[mirror]] on versitygw the daemon brings the
// mirror in step after its first run's publishes and again after an
// update run, and after a rollback made by another process (by the
// interval's pass): the mirror's head is the store's and verifies deep. A second
// mirror that refuses every pass (it was published to on its own) is
// given up after its retries, counted as failed, and blocks nothing.
func TestMirrorInStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo tree twice")
	}
	ctx := context.Background()
	srv := s3test.StartVersity(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)
	mirrorURL := srv.URL("mirror") + "?path-style=true&endpoint=" + srv.Endpoint
	diverged := t.TempDir()
	ds, err := store.OpenFile(diverged)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(`{"schema":1,"snapshot":"20200101T000000.000Z-00000000","repoSHA256":"` + string(bytes.Repeat([]byte("0"), 64)) + `","updated":"2020-01-01T00:00:00Z"}`)
	ds.Put(ctx, "master/x86_64/.kiln/head.json", bytes.NewReader(b), int64(len(b)), store.PutOptions{})

	u := startURLDaemon(t, 100*time.Millisecond, func(c *config.Config) {
		c.Mirrors = []config.Mirror{{URL: mirrorURL, Interval: builder.Duration(time.Second)}, {URL: diverged, Retries: intp(1), Backoff: builder.Duration(20 * time.Millisecond)}}
	})
	tg := u.d.Target("master/x86_64")
	mirrorRepo := repo.New(srv.Store(t, "mirror"), repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{})
	// inStep waits until the mirror verifies deep with the store's head
	// (the head moves before current/ is written: a pass may be midway).
	inStep := func() {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			h, err := tg.Repo().ReadHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rp, err := mirrorRepo.Verify(ctx, repo.VerifyOptions{Deep: true})
			if err == nil && rp.OK() && rp.Head == h.Snapshot && rp.Packages > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("mirror not in step with head %s: %v %+v", h.Snapshot, err, rp)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	u.waitProcessed(t, testenv.Git(t, u.remote, "rev-parse", "HEAD"))
	inStep()
	last := u.bump(t, 78)
	if err := u.d.Wake(ctx, ""); err != nil {
		t.Fatal(err)
	}
	u.waitProcessed(t, last)
	inStep()
	// A rollback made by another process (not through the daemon's hook)
	// is caught up with by the interval's pass.
	if _, err := repo.New(tg.Repo().Store(), repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{}).Rollback(ctx, "head~1", repo.RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	inStep()
	m := u.d.mirrors
	deadline := time.Now().Add(30 * time.Second)
	for value(m.passes.WithLabelValues(diverged, "master/x86_64", "failed")) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the diverged mirror's failure was not counted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok := value(m.passes.WithLabelValues(srv.URL("mirror"), "master/x86_64", "ok")); ok < 2 {
		t.Errorf("%v passes ok, want at least 2", ok)
	}
	if c := value(m.copied.WithLabelValues(srv.URL("mirror"), "master/x86_64")); c == 0 {
		t.Error("no bytes counted as copied")
	}
	if _, err := ds.Stat(ctx, "master/x86_64/current/repo"); err == nil {
		t.Error("the diverged mirror was written to")
	}
}

// value reads a counter.
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
