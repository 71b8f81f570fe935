package buildrun

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/ports"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/testenv"
)

// fixtureSystem writes the shared fixture's x86_64 system packages (only
// .PackageInfo files) as real .hpkg files (package info, no content) into
// a temporary directory and reads them back as SystemPackages.
func fixtureSystem(t testing.TB) SystemPackages {
	t.Helper()
	infos, err := plan.LoadPackages(testenv.Fixture(t, "system-packages/x86_64"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, info := range infos {
		var buf bytes.Buffer
		if err := hpkg.WritePackage(&buf, info, nil, hpkg.WriteOptions{}); err != nil {
			t.Fatalf("%s: %v", info.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, info.CanonicalFileName()), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys, err := SystemDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sys.Infos()) != len(infos) {
		t.Fatalf("%d system packages read back, %d written", len(sys.Infos()), len(infos))
	}
	return sys
}

// realTreeInput evaluates every recipe of the corpus (kiln's own
// evaluation, as internal/plan's TestRealTree): the planner's input for
// x86_64 with the system packages sys and an empty repository.
func realTreeInput(t testing.TB, sys SystemPackages) plan.Input {
	t.Helper()
	settings := recipe.DefaultSettings()
	settings.PackageLinksDirectory = "/packages"
	settings.BuildArchitecture = "x86_64"
	settings.KnownLicenses = testenv.KnownLicenses(t)
	target := recipe.Target{Arch: pkginfo.ArchX86_64}
	tree, err := ports.Load(context.Background(), testenv.Corpus(t), target, ports.Options{Settings: &settings})
	if err != nil {
		t.Fatal(err)
	}
	skipped := make([]plan.Skipped, len(tree.Skipped))
	for i, s := range tree.Skipped {
		skipped[i] = plan.Skipped{Name: s.Name, Version: s.Version, Status: s.Status, Reason: s.Reason}
	}
	return plan.Input{Target: target, Ports: plan.TreePorts(tree.Active, skipped), System: sys.Infos()}
}

// planEverything plans everything for in against e's head.
func (e *testEnv) planEverything(t testing.TB, in plan.Input) *plan.Plan {
	t.Helper()
	in.Repository = nil
	if _, m, err := e.repo.Current(context.Background()); err == nil {
		for i := range m.Packages {
			in.Repository = append(in.Repository, &m.Packages[i].Info)
		}
	}
	pl, err := plan.New(in, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pl.Plan(context.Background(), plan.Request{Mode: plan.ModeEverything})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// bootstrapCycles publishes the packages of the ports in the plan's
// dependency cycles, made by a mock builder, as HaikuPorts' bootstrap
// does (against an empty repository every port needs bash or autoconf,
// which are in the toolchain's cycle, so nothing else is buildable), and
// plans again until no cycle is left. It returns the last plan and how
// many ports it bootstrapped.
func (e *testEnv) bootstrapCycles(t testing.TB, in plan.Input) (*plan.Plan, int) {
	t.Helper()
	ctx := context.Background()
	b, err := mock.New(mock.Config{Name: "bootstrap", PayloadSize: 64, LogLines: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Prepare(ctx, builder.Tree{Commit: realTreeCommit, Settings: builder.Settings{TargetArch: "x86_64"}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for round := 0; ; round++ {
		p := e.planEverything(t, in)
		if len(p.Cycles) == 0 {
			return p, n
		}
		if round == 20 {
			t.Fatalf("still %d cycles after %d bootstrap rounds", len(p.Cycles), round)
		}
		var pkgs []repo.Package
		for _, c := range p.Cycles {
			for _, id := range c {
				pp := p.Port(id)
				if pp == nil || pp.Port() == nil {
					t.Fatalf("cycle port %s has no verdict", id)
				}
				infos, err := builder.OutputInfos(pp.Port(), pp.Outputs)
				if err != nil {
					t.Fatal(err)
				}
				job := builder.Job{Number: int64(n + 1), Port: builder.PortOf(pp.Port()), Outputs: pp.Outputs, OutputInfos: infos, Log: io.Discard,
					Collect: func(ctx context.Context, f string, rd io.Reader, size int64) error {
						pk, err := e.repo.Ingest(ctx, f, rd, size, repo.Source{Port: id, BuildID: "bootstrap"})
						pkgs = append(pkgs, pk)
						return err
					}}
				if err := b.Build(ctx, job); err != nil {
					t.Fatalf("bootstrap %s: %v", id, err)
				}
				n++
			}
		}
		if _, err := e.repo.Publish(ctx, repo.Change{Info: e.info, Ingested: pkgs, Reason: "bootstrap"}); err != nil {
			t.Fatal(err)
		}
	}
}

// realTreeCommit stands for the corpus's commit (785d8af).
const realTreeCommit = "785d8af000000000000000000000000000000000"

// TestRealTreeRunEvaluated runs the planner's everything plan of the real
// tree as kiln itself evaluates it (every recipe of the corpus through
// internal/ports; TestRealTreeRun uses HaikuPorter's evaluation), after
// the ports in dependency cycles are bootstrapped (see bootstrapCycles),
// on four zero-duration mock builders over a file store: every planned
// build succeeds exactly once, every package is published in the head,
// the repository verifies deep, and status.json has the frontend's shape
// (checkStatusJSON). About 7 minutes on a loaded 2-core machine without
// -race, so, like TestRealTreeRun, only with KILN_TEST_REALTREE=1.
func TestRealTreeRunEvaluated(t *testing.T) {
	if testing.Short() || os.Getenv("KILN_TEST_REALTREE") == "" {
		t.Skip("evaluates every recipe of the corpus and builds 3,142 ports (minutes, far more under -race): set KILN_TEST_REALTREE=1")
	}
	start := time.Now()
	sys := fixtureSystem(t)
	in := realTreeInput(t, sys)
	e := newEnv(t, openFileStore(t), nil)
	e.sys = sys
	p, bootstrapped := e.bootstrapCycles(t, in)
	planned := time.Since(start)
	if len(p.Order) < 500 {
		states := map[plan.State]int{}
		for _, pp := range p.Ports {
			states[pp.State]++
		}
		t.Logf("states %v, cycles %d (%v)", states, len(p.Cycles), len(p.Cycles[0]))
		for _, pp := range p.Ports[:20] {
			t.Logf("%s %s %s", pp.ID, pp.State, pp.Reason)
		}
		t.Fatalf("only %d ports to build", len(p.Order))
	}
	ms, bs := mocks(t, 4, func(i int, c *mock.Config) { c.PayloadSize = 64; c.LogLines = 3 })
	opts := e.options(bs)
	opts.StatusInterval, opts.LogFlush = time.Second, 2*time.Second // the defaults: thousands of builds
	eng, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	_, before, err := e.repo.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bootstrapPkgs := len(before.Packages)
	runStart := time.Now()
	h, err := eng.Start(ctx, Request{Plan: p, Trigger: Trigger{Mode: "everything", By: "test"},
		Tree: Tree{OriginURL: "https://github.com/haikuports/haikuports", Commit: realTreeCommit}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v: bootstrapped %d ports, planned %d builds; run %s started", time.Since(start).Round(time.Second), bootstrapped, len(p.Order), h.ID())
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ran := time.Since(runStart)
	if run.State != RunComplete {
		t.Fatalf("run %s: %s (%s)", run.ID, run.State, run.Reason)
	}
	built := mockBuilt(ms)
	for _, id := range p.Order {
		if built[id] != 1 {
			t.Errorf("%s built %d times", id, built[id])
		}
	}
	if len(built) != len(p.Order) {
		t.Errorf("%d ports built, %d planned", len(built), len(p.Order))
	}
	_, m, err := e.repo.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, pk := range m.Packages {
		listed[pk.File] = true
	}
	outputs := 0
	for _, id := range p.Order {
		for _, f := range p.Port(id).Outputs {
			outputs++
			if !listed[f] {
				t.Errorf("%s: %s not published", id, f)
			}
		}
	}
	if len(m.Packages) != outputs+bootstrapPkgs {
		t.Errorf("head lists %d packages, the bootstrap published %d and the plan's builds produce %d", len(m.Packages), bootstrapPkgs, outputs)
	}
	for _, b := range buildsByPort(t, eng, run) {
		if b.State != BuildSucceeded || b.Published != m.ID {
			t.Errorf("%s: %s, published in %q", b.Port.ID(), b.State, b.Published)
		}
	}
	e.verify(t)
	sb, err := eng.Records().File(ctx, run.ID, "status.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := checkStatusJSON(t, sb)
	if n := statusLen(doc, "builds", "complete"); n != len(p.Order) {
		t.Errorf("status.json: %d complete, want %d", n, len(p.Order))
	}
	notBuilt := 0
	for _, pp := range p.Ports {
		if pp.State != plan.StateBuild && pp.State != plan.StateUpToDate {
			notBuilt++
		}
	}
	if n := statusLen(doc, "builds", "skipped"); n != notBuilt+len(p.Unknown) {
		t.Errorf("status.json: %d skipped, want %d", n, notBuilt+len(p.Unknown))
	}
	if doc["buildStatus"] != "complete" || doc["endTime"] == nil {
		t.Errorf("status.json: buildStatus %q, endTime %v", doc["buildStatus"], doc["endTime"])
	}
	t.Logf("evaluated, bootstrapped %d ports in cycles (%d packages) and planned %d of %d ports to build (%d not built) in %v; built and published %d packages in %v",
		bootstrapped, bootstrapPkgs, len(p.Order), len(p.Ports), notBuilt, planned.Round(time.Second), outputs, ran.Round(time.Millisecond))
}
