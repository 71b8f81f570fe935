package bench

// Mirror benchmark: kiln repo mirror's work (internal/mirror) from a
// directory store to a real S3 server (versitygw on loopback). The source
// holds KILN_BENCH_MIRROR_PKGS real packages (default 1,000) of
// KILN_BENCH_MIRROR_KIB KiB of incompressible data each (default 64),
// published as 10 snapshots. Reported: the first full pass (time, MiB/s of
// package data, destination requests), a pass over the up-to-date mirror
// (time and requests to both stores: must not grow with the packages) and
// a pass after one more publish of 20 packages (time, requests, and the
// bytes it read from the destination: the completed snapshots' manifests,
// no package). x-bare is the full pass's time over a plain copy of the same
// package objects (Get, Put, 4 at a time, no hashing, no snapshots, no
// lease) into another prefix of the same server, measured in the same run.
// Run: go test -run '^$' -bench Mirror -benchtime 1x ./bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/mirror"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// mirrorPackage is a real .hpkg holding kib KiB of xorshift bytes.
func mirrorPackage(b *testing.B, name string, kib int) []byte {
	v := pkginfo.Version{Major: "1", Minor: "0", Revision: 1}
	info := pkginfo.PackageInfo{Name: name, Version: v, Architecture: pkginfo.ArchX86_64,
		Summary: "bench " + name, Description: "A package made by the mirror benchmark.",
		Vendor: "Haiku Project", Packager: "kiln bench <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	data := make([]byte, kib<<10)
	x := uint64(len(name))*0x9E3779B97F4A7C15 + 1
	for _, c := range name {
		x = x*31 + uint64(c)
	}
	for i := range data {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		data[i] = byte(x)
	}
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

func publishBatch(b *testing.B, r *repo.Repo, first bool, prefix string, n, kib int) int64 {
	var adds []repo.Add
	var size int64
	for j := range n {
		p := mirrorPackage(b, fmt.Sprintf("%s%05d", prefix, j), kib)
		size += int64(len(p))
		adds = append(adds, repo.Add{Name: "p", R: bytes.NewReader(p), Size: int64(len(p))})
	}
	c := repo.Change{Add: adds}
	if first {
		c.Info = &pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:bench", Vendor: "Haiku Project",
			Summary: "bench", Priority: 1, Architecture: pkginfo.ArchX86_64}
	}
	if _, err := r.Publish(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	return size
}

func BenchmarkMirror(b *testing.B) {
	ctx := context.Background()
	n, kib := envInt("KILN_BENCH_MIRROR_PKGS", 1000), envInt("KILN_BENCH_MIRROR_KIB", 64)
	srcFile, err := store.OpenFile(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	t := repo.Target{Branch: "master", Arch: "x86_64"}
	r := repo.New(srcFile, t, repo.Options{})
	var total int64
	for i := range 10 {
		total += publishBatch(b, r, i == 0, fmt.Sprintf("pkg%02d_", i), n/10, kib)
	}
	b.Logf("source: %d packages, %.1f MiB in 10 snapshots", n/10*10, float64(total)/(1<<20))
	srv := s3test.StartVersity(b)
	src := &countingStore{Store: srcFile}
	dst := &countingStore{Store: store.WithRetry(srv.Store(b, "mirror"), store.RetryPolicy{})}
	pass := func() (time.Duration, *mirror.Result) {
		src.requests.Store(0)
		dst.requests.Store(0)
		dst.pkgBytes.Store(0)
		start := time.Now()
		res, err := mirror.Mirror(ctx, src, dst, mirror.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), res
	}
	sums := map[string]float64{}
	report := func(name string, v float64) { sums[name] += v }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if i > 0 { // a fresh destination for each full pass
			dst.Store = store.WithRetry(srv.Store(b, fmt.Sprintf("mirror%d", i)), store.RetryPolicy{})
		}
		b.StartTimer()
		full, res := pass()
		b.StopTimer()
		if c := res.Copied(); c.Objects < n {
			b.Fatalf("copied %d objects", c.Objects)
		}
		report("full-dst-requests", float64(dst.requests.Load()))
		bare := bareCopy(b, srcFile, srv.Store(b, fmt.Sprintf("bare%d", i)), r.PackagesPrefix())
		report("x-bare", full.Seconds()/bare.Seconds())
		report("full-s", full.Seconds())
		report("full-MiB/s", float64(total)/(1<<20)/full.Seconds())

		noop, res := pass()
		if res.Copied().Objects != 0 {
			b.Fatalf("up-to-date pass copied %d objects", res.Copied().Objects)
		}
		report("noop-ms", float64(noop.Milliseconds()))
		report("noop-requests", float64(src.requests.Load()+dst.requests.Load()))

		publishBatch(b, r, false, fmt.Sprintf("new%02d_", i), 20, kib)
		one, res := pass()
		tr := res.Targets[0]
		if tr.NewSnapshots != 1 || tr.Hashed.Objects != 0 {
			b.Fatalf("one new snapshot: %+v", tr)
		}
		report("new-snapshot-ms", float64(one.Milliseconds()))
		report("new-snapshot-requests", float64(src.requests.Load()+dst.requests.Load()))
		report("new-snapshot-dst-pkgbytes-read", float64(dst.pkgBytes.Load()))
		b.StartTimer()
	}
	for name, v := range sums {
		b.ReportMetric(v/float64(b.N), name)
	}
}

// bareCopy copies every object under prefix from src to dst, 4 at a time,
// and returns how long it took.
func bareCopy(b *testing.B, src, dst store.Store, prefix string) time.Duration {
	ctx := context.Background()
	var keys []string
	if err := src.List(ctx, prefix, "/", func(oi store.ObjectInfo) error {
		if !oi.IsPrefix {
			keys = append(keys, oi.Key)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	g := new(errgroup.Group)
	g.SetLimit(4)
	for _, k := range keys {
		g.Go(func() error {
			rc, oi, err := src.Get(ctx, k, store.GetOptions{})
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = dst.Put(ctx, k, struct{ io.Reader }{rc}, oi.Size, store.PutOptions{IfNoneMatch: true})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
