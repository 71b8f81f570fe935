package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server"
	"github.com/haikuports/kiln/internal/server/reposerve"
	"github.com/haikuports/kiln/internal/store"
)

// defaultListen is where kiln serve listens without --listen, KILN_LISTEN
// and [http] listen.
const defaultListen = config.DefaultListen

// shutdownTimeout bounds the handover of a graceful shutdown (stopping
// runs, releasing leases); Kubernetes' default grace period is 30s.
const shutdownTimeout = 20 * time.Second

func newServeCmd() *cobra.Command {
	var cfgFile, listen, dataDir string
	cmd := &cobra.Command{
		Use:   "serve [--config FILE] [--listen ADDR] [--data DIR]",
		Short: "Run the daemon: build every target as its tree moves, serve the API, repositories and metrics",
		Long: `Runs kiln as a daemon. Per target of the config it resumes an unfinished
run, then reads the tree's HEAD every [tree] poll (default 60s) and starts an
update run when it moved past the target's processed commit (kept in the store
at <branch>/<arch>/.kiln/processed.json; a target that never built starts with
an everything run). With [tree] url instead of path, the tree is cloned into
[tree] clone_dir and fetched at each poll; POST /api/v1/hooks/github (the
signed GitHub push webhook) and POST /api/v1/hooks/trigger (a trigger token)
fetch it and start the update runs at once, a burst of pushes debounced into
one run per target ([tree] debounce, default 2s). After each publish the
[[notify]] URLs are called and the [[mirror]] stores brought in step (as kiln
repo mirror does, in the background; docs/mirror.md). Nothing is ever deleted
unless [retention] sets a keep rule: then, after each run and every interval,
the rules of kiln repo prune and kiln runs prune are applied to the targets
this replica schedules (never during a run; docs/serve.md).

Every key of the config can be overridden by a KILN_ variable
(KILN_STORE_URL, KILN_TREE_POLL, KILN_TARGET_0_BRANCH, …; docs/configuration.md).
With no config file but such variables set, the config is made from the
environment alone (relative paths from the working directory).

With no config at all (no --config, no KILN_CONFIG, no KILN_ key variables) it
runs the built-in demo
in --data (default ./kiln-data): the demo ports tree as a git repository in
tree/ (kept if it exists; commit to it and kiln builds the change), demo
system packages, a directory store in store/, two mock builders and target
master/x86_64, whose first run starts at once.

HTTP (--listen, else KILN_LISTEN, else [http] listen, else 127.0.0.1:8080):
/ the overview, /api/v1/... the JSON API (reads for anyone; writes such as
package uploads, build-packages repositories and disabling a builder need a
bearer token of [auth] tokens), /api/v1/events server-sent events, /repo/...
the repositories ([http] repo_prefix: /repo by default, "/" at the root next
to the UI), /healthz, /readyz, /metrics (see docs/serve.md). Logs are JSON on
standard error.

Several replicas may share one store (two behind one Service): per target
only the holder of the target's scheduling lease (<branch>/<arch>/.kiln/
schedule-lease.json, [build] lease_ttl, default 30s) schedules and publishes;
every replica serves the UI, the API's reads and the repositories; run
requests, cancels and webhooks that reach another replica are relayed to the
holder through the store (202 "relayed"). When the holder dies, another
takes the target over once the lease expired and resumes its run. SIGTERM or
SIGINT stops scheduling, stops the runs this replica drives (running builds
are requeued, the records written) and releases the leases, so another
replica takes over at once.`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{logAnnotation: logJSON},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfgFile == "" {
				cfgFile = os.Getenv("KILN_CONFIG")
			}
			return serve(cmd, cfgFile, listen, dataDir)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfgFile, "config", "c", "", "kiln.toml (default $KILN_CONFIG; none: the built-in demo)")
	f.StringVar(&listen, "listen", "", "HTTP listen address (default $KILN_LISTEN, else [http] listen, else "+defaultListen+")")
	f.StringVar(&dataDir, "data", "kiln-data", "demo mode: the directory of the demo's tree, system packages and store")
	return cmd
}

func serve(cmd *cobra.Command, cfgFile, listen, dataDir string) error {
	ctx := cmd.Context()
	log := newLogger(cmd) // JSON at INFO (logAnnotation)
	var cfg *config.Config
	var err error
	switch {
	case cfgFile != "":
		if cfg, err = config.Load(cfgFile); err != nil {
			return &errExitCode{exitUsageOrInput, err}
		}
	case config.HasEnv(os.Environ()):
		if cfg, err = config.FromEnv(os.Environ()); err != nil {
			return &errExitCode{exitUsageOrInput, err}
		}
	}
	var httpCfg config.HTTP // the demo's: the defaults
	if cfg != nil {
		httpCfg = cfg.HTTP
	}
	addr, from := listenAddr(listen, os.Getenv("KILN_LISTEN"), httpCfg)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &errExitCode{exitUsageOrInput, fmt.Errorf("%s: %w", from, err)}
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	demoMode := cfg == nil
	infos := map[string]*pkginfo.RepositoryInfo{}
	if demoMode {
		var info *pkginfo.RepositoryInfo
		if cfg, info, err = demo.Setup(ctx, dataDir, base+httpCfg.Prefix()+"/master/x86_64/current"); err != nil {
			return err
		}
		cfg.HTTP = httpCfg
		infos["master/x86_64"] = info
		log.Info("demo mode", "data", dataDir, "tree", cfg.Tree.Path, "store", cfg.Store.URL)
	}
	st, err := createStore(ctx, cfg.Store.URL)
	if err != nil {
		return err
	}
	// One registry for /metrics: the store's operations (counted outside
	// the retries: what kiln asked for), the daemon's publishes, the
	// server's runs, builds, builders and HTTP requests.
	reg := prometheus.NewRegistry()
	if st, err = store.WithMetrics(st, reg); err != nil {
		return err
	}
	d, err := daemon.New(ctx, daemon.Options{Config: cfg, Store: st, Logger: log, RepoInfo: infos, Metrics: reg})
	if err != nil {
		var ie *daemon.InputError
		if errors.As(err, &ie) {
			return &errExitCode{exitUsageOrInput, err}
		}
		return err
	}
	defer d.Close()
	var repos []*repo.Repo
	for _, t := range d.Targets() {
		repos = append(repos, t.Repo())
	}
	rs, err := reposerve.New(repos, server.RepoOptions(cfg.HTTP, log))
	if err != nil {
		return err
	}
	d.SetRefresher(rs)
	authn, demoToken, err := authenticator(cfg, demoMode, log)
	if err != nil {
		return &errExitCode{exitUsageOrInput, err}
	}
	secret, err := cfg.Auth.WebhookSecret()
	if err != nil {
		return &errExitCode{exitUsageOrInput, err}
	}
	srv := server.New(server.Options{Daemon: d, Repos: rs, Logger: log, Ready: readiness(st, d), Registry: reg,
		Auth: authn, MaxUpload: cfg.Dock.Limit(), UploadDir: cfg.Dock.TempDir, GitHubSecret: secret})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(cmd.OutOrStdout(), "kiln: serving on %s (%d target(s))\n", base, len(d.Targets()))
	if demoToken != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "kiln: demo admin token (valid until kiln stops): %s\n", demoToken)
	}
	log.Info("serving", "addr", ln.Addr().String(), "targets", len(d.Targets()), "config", cfg.File, "replica", d.Replica())

	// Not cancelled by the signal: Shutdown stops the runs gracefully
	// first, stopRuns then ends the rest.
	runCtx, stopRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRuns()
	ran := make(chan error, 1)
	go func() { ran <- d.Run(runCtx) }()
	refreshed := make(chan struct{})
	go func() { _ = rs.Run(runCtx); close(refreshed) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	log.Info("shutting down", "replica", d.Replica())
	// First hand the targets over: stop scheduling, stop the runs this
	// replica drives (running builds requeued, records written, heartbeats
	// released) and release the scheduling leases, so another replica or
	// the next start takes over at once. Then the HTTP server.
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer dcancel()
	if err := d.Shutdown(dctx); err != nil {
		log.Warn("graceful shutdown incomplete; the other replica takes over once the leases expire", "err", err)
	}
	srv.Close() // ends event streams, so Shutdown does not wait for them
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	stopRuns()
	<-ran
	<-refreshed
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	log.Info("stopped")
	return nil
}

// listenAddr is where kiln serve listens and what chose it (for errors):
// the --listen flag, else KILN_LISTEN, else [http] listen (which
// KILN_HTTP_LISTEN overrides like any key), else the default.
func listenAddr(flag, env string, h config.HTTP) (addr, from string) {
	switch {
	case flag != "":
		return flag, "--listen"
	case env != "":
		return env, "KILN_LISTEN"
	case h.Listen != "":
		return h.Listen, "http.listen"
	}
	return defaultListen, "listen"
}

// readiness reports whether the store answers and the tree is there (a
// URL tree cloned, a checkout present).
func readiness(st store.Store, d *daemon.Daemon) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := d.TreeReady(); err != nil {
			return err
		}
		err := st.List(ctx, "", "/", func(store.ObjectInfo) error { return errStopList })
		if err != nil && !errors.Is(err, errStopList) {
			return fmt.Errorf("store %s: %w", st, err)
		}
		return nil
	}
}

var errStopList = errors.New("stop")
