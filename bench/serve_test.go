package bench

// kiln serve's git watching:
//   ServePushToServed: the demo tree cloned by URL, zero-duration mock
//     builds, kiln serve's whole handler on loopback. Each round commits a
//     new revision of one recipe (libkiln) to the remote, posts a signed
//     GitHub push webhook and polls GET /repo/master/x86_64/current/repo
//     (re-read with the HPKR reader) every 10 ms until it lists the new
//     package. Reported: the median and worst push → served time over the
//     rounds, with the default debounce (2 s) and with 100 ms; goal < 3 s.
//     HaikuPorter's equivalent is its 60 s poll (30 s mean, 60 s worst wait)
//     plus a full repository step, printed as context, not measured.
//   ServeCorpusDaemon: the real corpus tree (a git repository made from
//     testenv.Corpus) cloned by URL, two targets (master/x86_64; master/x86_gcc2
//     with secondary x86) with demo system packages and mock builders, both
//     marked processed at HEAD so the daemon idles. Reported: the process's
//     RSS idle (after GC; before the daemon started, and with it), the cold
//     plan of both targets (filling the recipe cache), and the time from a
//     one-recipe push (Wake) to both targets' update plans decided (a run
//     started or nothing to build), debounce 100 ms included.
// Run: go test -run '^$' -bench Serve -benchtime 1x ./bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server"
	"github.com/haikuports/kiln/internal/server/reposerve"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

const benchSecret = "bench-webhook-secret-0123456789"

var benchRevision = regexp.MustCompile(`(?m)^REVISION=.*$`)

// setRevision commits REVISION=rev of the recipe file (relative to
// remote) and returns the commit.
func setRevision(b *testing.B, remote, file string, rev int) string {
	b.Helper()
	f := filepath.Join(remote, file)
	data, err := os.ReadFile(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(f, benchRevision.ReplaceAll(data, fmt.Appendf(nil, `REVISION="%d"`, rev)), 0o644); err != nil {
		b.Fatal(err)
	}
	testenv.Git(b, remote, "commit", "-qam", fmt.Sprint("revision ", rev))
	return testenv.Git(b, remote, "rev-parse", "HEAD")
}

func BenchmarkServePushToServed(b *testing.B) {
	for _, debounce := range []time.Duration{config.DefaultDebounce, 100 * time.Millisecond} {
		b.Run("debounce="+debounce.String(), func(b *testing.B) {
			for range b.N {
				pushToServed(b, debounce)
			}
		})
	}
	fmt.Println("baseline: HaikuPorter polls every 60 s: a push waits 30 s on average, 60 s at worst, before its run starts, plus a full repository step")
}

func pushToServed(b *testing.B, debounce time.Duration) {
	ctx := context.Background()
	dir := b.TempDir()
	cfg, info, err := demo.Setup(ctx, dir, "http://127.0.0.1/repo/master/x86_64/current")
	if err != nil {
		b.Fatal(err)
	}
	remote := cfg.Tree.Path
	cfg.Tree = config.Tree{URL: remote, CloneDir: filepath.Join(dir, "clone"), Poll: builder.Duration(time.Hour), Debounce: builder.Duration(debounce)}
	cfg.Builders.Mock = []mock.Settings{{Name: "mock", Count: 2, Duration: "zero"}}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		b.Fatal(err)
	}
	d, err := daemon.New(ctx, daemon.Options{Config: cfg, Store: st, RepoInfo: map[string]*pkginfo.RepositoryInfo{"master/x86_64": info}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	rs, err := reposerve.New([]*repo.Repo{d.Targets()[0].Repo()}, reposerve.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d.SetRefresher(rs)
	srv := server.New(server.Options{Daemon: d, Repos: rs, GitHubSecret: []byte(benchSecret)})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	go func() { _ = rs.Run(runCtx) }()

	served := func(file string) bool {
		resp, err := http.Get(hs.URL + "/repo/master/x86_64/current/repo")
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return false
		}
		_, pkgs, err := repo.HPKGCodec{}.ReadRepo(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pkgs {
			if p.CanonicalFileName() == file {
				return true
			}
		}
		return false
	}
	first := time.Now()
	for !served("libkiln-1.2.0-1-x86_64.hpkg") {
		if time.Since(first) > 2*time.Minute {
			b.Fatal("the first run was not served")
		}
		time.Sleep(20 * time.Millisecond)
	}
	const rounds = 5
	var took []time.Duration
	for i := range rounds {
		rev := 100 + i
		commit := setRevision(b, remote, "dev-libs/libkiln/libkiln-1.2.0.recipe", rev)
		body := fmt.Appendf(nil, `{"ref":"refs/heads/master","before":"%s","after":"%s","repository":{"clone_url":"https://example.org/haikuports.git","full_name":"haikuports/haikuports"}}`,
			strings.Repeat("1", 40), commit)
		mac := hmac.New(sha256.New, []byte(benchSecret))
		mac.Write(body)
		req, _ := http.NewRequest("POST", hs.URL+"/api/v1/hooks/github", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 202 {
			b.Fatalf("webhook: %d", resp.StatusCode)
		}
		want := fmt.Sprintf("libkiln-1.2.0-%d-x86_64.hpkg", rev)
		for !served(want) {
			if time.Since(start) > time.Minute {
				b.Fatalf("%s not served within a minute", want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2].Seconds(), "push-served-median-s")
	b.ReportMetric(took[len(took)-1].Seconds(), "push-served-worst-s")
	b.ReportMetric((took[len(took)/2] - debounce).Seconds(), "after-debounce-median-s")
	b.Logf("debounce %s: push → served over %d rounds: %v", debounce, rounds, took)
}

// rssMiB is the process's resident set size (VmRSS) in MiB after a GC.
func rssMiB(b *testing.B) float64 {
	runtime.GC()
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	b.Skip("no VmRSS")
	return 0
}

func BenchmarkServeCorpusDaemon(b *testing.B) {
	if _, err := os.Stat(filepath.Join(testenv.SharedDir(b), "corpus")); err != nil {
		b.Skip("no corpus")
	}
	for range b.N {
		corpusDaemon(b)
	}
}

func corpusDaemon(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	remote := filepath.Join(dir, "remote")
	testenv.CopyTree(b, remote, testenv.Corpus(b))
	testenv.Git(b, remote, "init", "-q", "-b", "master")
	testenv.Git(b, remote, "add", "-A")
	testenv.Git(b, remote, "commit", "-qm", "corpus")
	head := testenv.Git(b, remote, "rev-parse", "HEAD")
	sys64, sysGcc2 := filepath.Join(dir, "system", "x86_64"), filepath.Join(dir, "system", "x86_gcc2")
	if _, err := demo.WriteSystem(sys64, pkginfo.ArchX86_64); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.WriteSystem(sysGcc2, pkginfo.ArchX86Gcc2, pkginfo.ArchX86); err != nil {
		b.Fatal(err)
	}
	cfg := &config.Config{
		Store: config.Store{URL: filepath.Join(dir, "store")},
		Tree: config.Tree{URL: remote, CloneDir: filepath.Join(dir, "clone"), Cache: filepath.Join(dir, "recipe-cache"),
			Poll: builder.Duration(time.Hour), Debounce: builder.Duration(100 * time.Millisecond), Licenses: filepath.Join(testenv.SharedDir(b), "corpus", "known-licenses.txt")},
		Targets: []config.Target{{Branch: "master", Arch: "x86_64", SystemPackages: sys64},
			{Branch: "master", Arch: "x86_gcc2", Secondary: []string{"x86"}, SystemPackages: sysGcc2}},
		Builders: config.Builders{Mock: []mock.Settings{{Name: "mock", Count: 2, Duration: "zero"}}},
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		b.Fatal(err)
	}
	before := rssMiB(b)
	d, err := daemon.New(ctx, daemon.Options{Config: cfg, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for _, t := range d.Targets() {
		if err := t.SetProcessed(ctx, daemon.Processed{Commit: head, Time: time.Now().UTC()}); err != nil {
			b.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(b, 5*time.Minute, func() bool { return d.TreeReady() == nil })
	for _, t := range d.Targets() {
		waitFor(b, time.Minute, func() bool { return !d.State(t.Name()).Polled.IsZero() })
	}
	time.Sleep(time.Second)
	idle := rssMiB(b)

	// The cold plans fill the recipe cache a long-running kiln has warm.
	start := time.Now()
	for _, t := range d.Targets() {
		if _, err := t.Preview(ctx); err != nil {
			b.Fatal(err)
		}
	}
	cold := time.Since(start)
	afterPlan := rssMiB(b)

	const recipe = "haiku-apps/tipster/tipster-1.1.3.recipe"
	if _, err := os.Stat(filepath.Join(remote, recipe)); err != nil {
		b.Fatal(err)
	}
	commit := setRevision(b, remote, recipe, 99)
	start = time.Now()
	if err := d.Wake(ctx, "master"); err != nil {
		b.Fatal(err)
	}
	planned := map[string]time.Duration{}
	waitFor(b, 5*time.Minute, func() bool {
		for _, t := range d.Targets() {
			if _, ok := planned[t.Name()]; ok {
				continue
			}
			if s := d.State(t.Name()); s.Run != "" || s.Processed == commit {
				planned[t.Name()] = time.Since(start)
			}
		}
		return len(planned) == len(d.Targets())
	})
	b.ReportMetric(before, "rss-before-MiB")
	b.ReportMetric(idle, "rss-idle-MiB")
	b.ReportMetric(afterPlan, "rss-after-plans-MiB")
	b.ReportMetric(cold.Seconds(), "cold-plans-s")
	b.ReportMetric(planned["master/x86_64"].Seconds(), "push-planned-x86_64-s")
	b.ReportMetric(planned["master/x86_gcc2"].Seconds(), "push-planned-x86_gcc2-s")
	for _, t := range d.Targets() {
		s := d.State(t.Name())
		b.Logf("%s: planned after %s (run %q, processed %.12s, error %q)", t.Name(), planned[t.Name()], s.Run, s.Processed, s.Error)
	}
}

func waitFor(b *testing.B, limit time.Duration, f func() bool) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for !f() {
		if time.Now().After(deadline) {
			b.Fatalf("not within %s", limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
