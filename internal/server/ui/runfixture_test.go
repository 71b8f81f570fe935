package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// ranServer is a server of the demo config after one real everything
// run on its mock builders (zero durations; results per port as given).
type ranServer struct {
	hs     *httptest.Server
	d      *daemon.Daemon
	store  store.Store
	target *daemon.Target
	run    *buildrun.Run
	builds []buildrun.Build
}

// newRanServer runs the demo's everything plan with the mock builders'
// per-port results ports (e.g. {"libkiln": "fail"}) and serves the
// daemon. The daemon's loop is not started.
func newRanServer(t testing.TB, ports map[string]string) *ranServer {
	return newRanServerEdited(t, ports, nil)
}

// newDemoDaemon is a daemon of the demo config whose mock builders give
// the per-port results ports, with edit applied to the demo tree (and
// committed) first; not running.
func newDemoDaemon(t testing.TB, ports map[string]string, edit func(tree string)) *daemon.Daemon {
	t.Helper()
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, filepath.Join(t.TempDir(), "data"), "http://127.0.0.1/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg.Tree.Path)
		testenv.Git(t, cfg.Tree.Path, "commit", "-qam", "test edit")
	}
	m := &cfg.Builders.Mock[0]
	m.Duration, m.Ports, m.LogLines = "zero", ports, 5
	cfg.Build.Retries = 0
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(ctx, daemon.Options{Config: cfg, Store: st, RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// newRanServerEdited is newRanServer with edit applied to the demo tree
// (and committed) before the run.
func newRanServerEdited(t testing.TB, ports map[string]string, edit func(tree string)) *ranServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := newDemoDaemon(t, ports, edit)
	tg := d.Targets()[0]
	p, err := tg.Plan(ctx, daemon.Request{Mode: "everything", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	builds, err := tg.Engine().Records().Builds(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &ranServer{hs: newTestServer(t, d), d: d, store: tg.Repo().Store(), target: tg, run: run, builds: builds}
}

func daemonEverything() daemon.Request { return daemon.Request{Mode: "everything", By: "test"} }
