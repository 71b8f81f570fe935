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
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/testenv"
)

// realPackage writes a real .hpkg carrying info.
func realPackage(t testing.TB, info pkginfo.PackageInfo) []byte {
	t.Helper()
	if info.Vendor == "" {
		info.Vendor = "Haiku Project"
	}
	if info.Packager == "" {
		info.Packager = "kiln tests <kiln@example.com>"
	}
	if len(info.Copyrights) == 0 {
		info.Copyrights = []string{"2026 kiln"}
	}
	if len(info.Licenses) == 0 {
		info.Licenses = []string{"MIT"}
	}
	if info.Summary == "" {
		info.Summary = info.Name
	}
	if info.Description == "" {
		info.Description = info.Summary
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data := []byte(info.Name + "\n")
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: "f", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		t.Fatalf("write %s: %v", info.Name, err)
	}
	return buf.Bytes()
}

// TestRealTreeRun runs the real tree's graph (the corpus's x86_64
// reference, everything mode) on four zero-duration mock builders over
// the file store: the ports in dependency cycles are published first (as
// after a bootstrap), then the run builds, streams and publishes every
// other buildable port; the repository verifies deep and status.json
// has every key the HaikuPorter frontend reads. It takes minutes, so it
// runs only with KILN_TEST_REALTREE=1 (and not with -short).
func TestRealTreeRun(t *testing.T) {
	if testing.Short() || os.Getenv("KILN_TEST_REALTREE") == "" {
		t.Skip("the whole tree (3,149 builds, minutes): set KILN_TEST_REALTREE=1")
	}
	ports, err := plan.LoadHaikuPorterRepository(testenv.Reference(t), recipe.Target{Arch: pkginfo.ArchX86_64})
	if err != nil {
		t.Fatal(err)
	}
	sysInfos, err := plan.LoadPackages(testenv.Fixture(t, "system-packages/x86_64"))
	if err != nil {
		t.Fatal(err)
	}
	sysDir := t.TempDir()
	for _, si := range sysInfos {
		if err := os.WriteFile(filepath.Join(sysDir, si.CanonicalFileName()), realPackage(t, *si), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys, err := SystemDir(sysDir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, openFileStore(t), nil)
	e.sys = sys
	ctx := context.Background()

	// Bootstrap: publish the packages of the ports in cycles, until the
	// plan has none.
	var p *plan.Plan
	for round := 0; ; round++ {
		var repoInfos []*pkginfo.PackageInfo
		if _, m, err := e.repo.Current(ctx); err == nil {
			for i := range m.Packages {
				repoInfos = append(repoInfos, &m.Packages[i].Info)
			}
		}
		pl, err := plan.New(plan.Input{Target: recipe.Target{Arch: pkginfo.ArchX86_64}, Ports: ports, Repository: repoInfos, System: sysInfos}, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p, err = pl.Plan(ctx, plan.Request{Mode: plan.ModeEverything}); err != nil {
			t.Fatal(err)
		}
		if len(p.Cycles) == 0 {
			break
		}
		if round == 20 {
			t.Fatalf("%d cycles left", len(p.Cycles))
		}
		var adds []repo.Add
		for _, c := range p.Cycles {
			for _, id := range c {
				pp := p.Port(id)
				infos, err := builder.OutputInfos(pp.Port(), pp.Outputs)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range pp.Outputs {
					b := realPackage(t, *infos[f])
					adds = append(adds, repo.Add{Name: f, R: bytes.NewReader(b), Size: int64(len(b)), Source: repo.Source{Port: id}})
				}
			}
		}
		c := repo.Change{Add: adds, Reason: "bootstrap"}
		if round == 0 {
			c.Info = e.info
		}
		if _, err := e.repo.Publish(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("plan: %d builds, %d ports considered", len(p.Order), len(p.Ports))

	_, bs := mocks(t, 4, func(i int, c *mock.Config) { c.LogLines = 3; c.PayloadSize = 64 })
	opts := e.options(bs)
	opts.StatusInterval = time.Second
	opts.LogFlush = time.Second
	eng, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h, err := eng.Start(ctx, Request{Plan: p, Trigger: Trigger{Mode: "everything"}, Tree: Tree{OriginURL: "https://github.com/haikuports/haikuports", Commit: "785d8af"}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[BuildState]int{}
	for _, b := range h.Builds() {
		counts[b.State]++
	}
	t.Logf("run %s in %s: %v, %d held, %d skipped by the plan", run.State, time.Since(start).Round(time.Millisecond), counts, len(run.Held), len(run.Skipped))
	if counts[BuildSucceeded] != len(p.Order) {
		t.Errorf("%d of %d builds succeeded", counts[BuildSucceeded], len(p.Order))
	}
	e.verify(t)
	sb, err := eng.Records().File(ctx, run.ID, "status.json")
	if err != nil {
		t.Fatal(err)
	}
	checkFrontendKeys(t, sb)
}
