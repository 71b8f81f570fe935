package bench

// Repository publishing benchmark on a real S3 server (versitygw on
// loopback): publish 20 new real .hpkg packages into a target that already
// holds 5,000 packages (the 2013 HaikuPorts repo fixture's 235 packages
// cloned to 5,000, imported in place as a HaikuPorter bucket would be).
// Reports per publish: time, store requests (target ≤ 40) and package
// bytes read back from the store (must be 0: the repo is generated from
// the manifest alone), and the time as a ratio to generating the repo file
// alone (x-repogen), measured in the same run on the same manifest.
// Run: go test -run '^$' -bench RepoPublish -benchtime 10x ./bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// countingStore counts requests and the bytes read from package files.
type countingStore struct {
	store.Store
	requests  atomic.Int64
	pkgBytes  atomic.Int64
	pkgPrefix string
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	c.requests.Add(1)
	rc, oi, err := c.Store.Get(ctx, key, o)
	if err == nil && strings.Contains(key, "/current/packages/") {
		rc = countingBody{rc, &c.pkgBytes}
	}
	return rc, oi, err
}

func (c *countingStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	c.requests.Add(1)
	return c.Store.Stat(ctx, key)
}

func (c *countingStore) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	c.requests.Add(1)
	return c.Store.Put(ctx, key, r, size, o)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.requests.Add(1)
	return c.Store.Delete(ctx, key)
}

func (c *countingStore) List(ctx context.Context, prefix, delim string, fn func(store.ObjectInfo) error) error {
	c.requests.Add(1)
	return c.Store.List(ctx, prefix, delim, fn)
}

func (c *countingStore) Copy(ctx context.Context, src, dst string, o store.PutOptions) (store.ObjectInfo, error) {
	c.requests.Add(1)
	return c.Store.(store.Copier).Copy(ctx, src, dst, o)
}

// benchPackage writes a real .hpkg for the bench target.
func benchPackage(b *testing.B, name string, arch pkginfo.Architecture) []byte {
	v := pkginfo.Version{Major: "1", Minor: "0", Revision: 1}
	info := pkginfo.PackageInfo{Name: name, Version: v, Architecture: arch,
		Summary: "bench " + name, Description: "A package made by the repo benchmark.",
		Vendor: "Haiku Project", Packager: "kiln bench <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	data := bytes.Repeat([]byte(name), 20000/len(name))
	mt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mt, Children: []*hpkg.Entry{{
		Name: name, Type: hpkg.FileRegular, MTime: mt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// seedRepoTarget lays out a HaikuPorter-style current/ (repo + packages/)
// with the 5,000 packages and imports it in place.
func seedRepoTarget(b *testing.B, st store.Store, t repo.Target) {
	ctx := context.Background()
	d := loadHPKR(b)
	cur := t.Branch + "/" + t.Arch + "/current/"
	if _, err := st.Put(ctx, cur+"repo", bytes.NewReader(d.repo), int64(len(d.repo)), store.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	g := new(errgroup.Group)
	g.SetLimit(16)
	for _, p := range d.pkgs {
		g.Go(func() error {
			body := []byte("stand-in for " + p.Name)
			_, err := st.Put(ctx, cur+"packages/"+p.CanonicalFileName(), bytes.NewReader(body), int64(len(body)), store.PutOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d package objects", len(d.pkgs))
	r := repo.New(st, t, repo.Options{})
	res, err := r.ImportStore(ctx, st, cur, repo.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if res.Packages != benchPackages {
		b.Fatalf("imported %d packages", res.Packages)
	}
	b.Logf("imported %d packages in place", res.Packages)
}

func BenchmarkRepoPublish(b *testing.B) {
	srv := s3test.StartVersity(b)
	ctx := context.Background()
	d := loadHPKR(b)
	t := repo.Target{Branch: "master", Arch: d.info.Architecture.String()}
	st := srv.Store(b, "bench")
	seedRepoTarget(b, st, t)
	cs := &countingStore{Store: st}

	// Baseline: generating the repo file of the same 5,020 packages.
	pkgs := append([]pkginfo.PackageInfo(nil), d.pkgs...)
	for i := range 20 {
		p := pkgs[i]
		p.Name += "_new"
		pkgs = append(pkgs, p)
	}
	base := baseline("repogen-5020", func() {
		if _, err := hpkg.AppendRepository(nil, d.info, pkgs); err != nil {
			b.Fatal(err)
		}
	})
	// cold: a new Repo per publish, as each CLI run (reads the manifest);
	// warm: one Repo, as the daemon (its last manifest is cached).
	warm := repo.New(cs, t, repo.Options{})
	run := 0
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			var total time.Duration
			var requests, pkgRead int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				run++
				var adds []repo.Add
				for j := range 20 {
					p := benchPackage(b, fmt.Sprintf("bench%04d_%02d", run, j), d.info.Architecture)
					adds = append(adds, repo.Add{Name: "p", R: bytes.NewReader(p), Size: int64(len(p))})
				}
				r := warm
				if mode == "cold" {
					r = repo.New(cs, t, repo.Options{})
				}
				cs.requests.Store(0)
				cs.pkgBytes.Store(0)
				b.StartTimer()
				start := time.Now()
				res, err := r.Publish(ctx, repo.Change{Add: adds})
				el := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Added) != 20 {
					b.Fatalf("added %d", len(res.Added))
				}
				total += el
				requests += cs.requests.Load()
				pkgRead += cs.pkgBytes.Load()
			}
			n := float64(b.N)
			b.ReportMetric(float64(requests)/n, "requests/op")
			b.ReportMetric(float64(pkgRead)/n, "pkgbytes-read/op")
			b.ReportMetric(float64(total.Milliseconds())/n, "ms/publish")
			b.ReportMetric(float64(total)/n/float64(base), "x-repogen")
			b.Logf("%s publish of 20 packages into %d+: %.0f ms, %.1f store requests, %d package bytes read back (repo generation alone: %v)",
				mode, benchPackages, float64(total.Milliseconds())/n, float64(requests)/n, pkgRead, base)
		})
	}
}

// BenchmarkRepoPublishGuard measures the publish guard (repo.NoRegressions:
// plan.Check of the old and the new package list, then Regressions) on the
// real HaikuPorts x86_64 package set (HaikuPorter's reference output, one
// package per name) with the system packages fixture, removing one
// package. x-check is the time as a ratio to one plan.Check of the same
// list measured in the same run (best of 3; the guard does two).
// Run: go test -run '^$' -bench RepoPublishGuard -benchtime 10x ./bench
func BenchmarkRepoPublishGuard(b *testing.B) {
	loadPlanData(b)
	byName := map[string]pkginfo.PackageInfo{}
	for _, port := range planPorts {
		for _, p := range port.Packages {
			if o, ok := byName[p.Name]; ok && o.Version.Compare(p.Version) >= 0 {
				continue
			}
			byName[p.Name] = pkginfo.PackageInfo{Name: p.Name, Version: p.Version, Architecture: p.Architecture,
				Provides: p.Provides, Requires: p.Requires}
		}
	}
	var old []pkginfo.PackageInfo
	for _, p := range byName {
		old = append(old, p)
	}
	system, err := plan.LoadPackages(testenv.Fixture(b, "system-packages/x86_64"))
	if err != nil {
		b.Fatal(err)
	}
	ptrs := make([]*pkginfo.PackageInfo, len(old))
	for i := range old {
		ptrs[i] = &old[i]
	}
	var rep *plan.Report
	check := time.Duration(1<<63 - 1)
	for range 3 { // best of 3
		start := time.Now()
		rep = plan.Check(plan.CheckInput{Arch: pkginfo.ArchX86_64, Repository: ptrs, System: system})
		check = min(check, time.Since(start))
	}
	// Remove an installable package others need (the first installable
	// one whose own name another installable package requires), so that
	// the guard has regressions to report.
	installable := map[string]bool{}
	for _, n := range rep.Installable {
		installable[n] = true
	}
	victim := ""
	for _, p := range old {
		for _, e := range p.Requires {
			if installable[p.Name] && installable[e.Name] && e.Name != p.Name && (victim == "" || e.Name < victim) {
				victim = e.Name
			}
		}
	}
	if victim == "" {
		b.Fatalf("no installable package is required by another (%d of %d installable)", len(rep.Installable), len(old))
	}
	var next []pkginfo.PackageInfo
	for _, p := range old {
		if p.Name != victim {
			next = append(next, p)
		}
	}
	guard := repo.NoRegressions(pkginfo.ArchX86_64, system)
	var regressions int
	b.ResetTimer()
	for range b.N {
		err := guard(context.Background(), old, next)
		var re *repo.RegressionError
		if !errors.As(err, &re) {
			b.Fatalf("guard: %v", err)
		}
		regressions = len(re.Regressions)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(len(old)), "packages")
	b.ReportMetric(float64(len(rep.Installable)), "installable")
	b.ReportMetric(float64(regressions), "regressions")
	b.ReportMetric(float64(per)/float64(check), "x-check")
}
