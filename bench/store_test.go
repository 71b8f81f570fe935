package bench

// Store upload benchmark: PUT of one large file (default 1 GiB; set
// KILN_BENCH_STORE_MIB) to a real versitygw on loopback (data in /dev/shm
// unless KILN_BENCH_STORE_DIR says otherwise), through kiln's S3
// backend and through the bare SDK (manager.Uploader, same part size and
// concurrency), in the same run, in alternating order. Two bodies:
//   file:   an *os.File (read in place by sections)
//   stream: the same bytes as a plain io.Reader (buffered part by part)
// Reported per body: x-bare = kiln throughput / bare throughput of the
// best round of each (target >= 0.8; the machine is shared, so the best
// round is the least disturbed one; means are printed too) and rss-MiB = peak RSS growth of this process during kiln's
// upload (target < 32 MiB; /proc/self/clear_refs resets the peak). Each
// upload starts after sync(2), so that the previous one's writeback in
// the server does not slow it down.
// Run: go test -run '^$' -bench StorePut -benchtime 1x ./bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func benchStoreSize(b *testing.B) int64 {
	mib := int64(1024)
	if v := os.Getenv("KILN_BENCH_STORE_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("KILN_BENCH_STORE_MIB=%q: want a positive number", v)
		}
		mib = n
	}
	return mib << 20
}

// benchStoreDir holds the source file and the server's data:
// $KILN_BENCH_STORE_DIR, else a directory in /dev/shm (so that the disk,
// shared with other work, does not dominate the numbers), else a temp dir.
func benchStoreDir(b *testing.B) string {
	parent := os.Getenv("KILN_BENCH_STORE_DIR")
	if parent == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
	}
	if parent == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "kiln-bench-store-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, "versitygw"), 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// rssKiB reads a field (VmRSS, VmHWM) of /proc/self/status.
func rssKiB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// peakGrowth runs fn and returns the growth of the peak RSS in MiB.
func peakGrowth(fn func() error) (float64, error) {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
	base := rssKiB("VmRSS")
	err := fn()
	return float64(rssKiB("VmHWM")-base) / 1024, err
}

type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func BenchmarkStorePut(b *testing.B) {
	size := benchStoreSize(b)
	dir := benchStoreDir(b)
	srv := s3test.StartVersityIn(b, filepath.Join(dir, "versitygw"))
	path := filepath.Join(dir, "object.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	f.Close()

	ctx := context.Background()
	kiln := srv.Store(b, "kiln/")
	client := srv.Client()
	uploader := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = manager.MinUploadPartSize // kiln's defaults
		u.Concurrency = 4
	})
	open := func(stream bool) (io.Reader, func()) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if stream {
			return onlyReader{f}, func() { f.Close() }
		}
		return f, func() { f.Close() }
	}
	timeIt := func(fn func() error) (time.Duration, float64) {
		// Flush the previous upload's dirty pages first: their writeback
		// would otherwise slow down whichever upload comes second.
		syscall.Sync()
		start := time.Now()
		rss, err := peakGrowth(fn)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), rss
	}
	for _, body := range []string{"file", "stream"} {
		b.Run(body, func(b *testing.B) {
			stream := body == "stream"
			var kilnT, bareT time.Duration
			kilnBest, bareBest := time.Duration(1<<62), time.Duration(1<<62)
			var kilnRSS, bareRSS float64
			for i := range b.N {
				bare := func() {
					r, done := open(stream)
					defer done()
					d, rss := timeIt(func() error {
						_, err := uploader.Upload(ctx, &s3.PutObjectInput{
							Bucket: aws.String(srv.Bucket), Key: aws.String("bare/" + body), Body: r,
						})
						return err
					})
					client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String("bare/" + body)})
					bareT += d
					bareBest = min(bareBest, d)
					bareRSS = max(bareRSS, rss)
				}
				ours := func() {
					r, done := open(stream)
					defer done()
					s := size
					if stream {
						s = -1
					}
					d, rss := timeIt(func() error {
						_, err := kiln.Put(ctx, body, r, s, store.PutOptions{})
						return err
					})
					kiln.Delete(ctx, body)
					kilnT += d
					kilnBest = min(kilnBest, d)
					kilnRSS = max(kilnRSS, rss)
				}
				if i%2 == 0 {
					bare()
					ours()
				} else {
					ours()
					bare()
				}
			}
			n := float64(b.N)
			mibps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
			b.ReportMetric(mibps(kilnBest), "MiB/s")
			b.ReportMetric(mibps(bareBest), "bare-MiB/s")
			b.ReportMetric(bareBest.Seconds()/kilnBest.Seconds(), "x-bare")
			b.ReportMetric(kilnRSS, "rss-MiB")
			b.ReportMetric(bareRSS, "bare-rss-MiB")
			fmt.Printf("store put %s %d MiB, %d rounds: best kiln %.0f MiB/s, bare SDK %.0f MiB/s, ratio %.2f (means %.0f / %.0f MiB/s, ratio %.2f); peak RSS growth kiln %.1f MiB, bare %.1f MiB\n",
				body, size>>20, b.N, mibps(kilnBest), mibps(bareBest), bareBest.Seconds()/kilnBest.Seconds(),
				mibps(kilnT/time.Duration(n)), mibps(bareT/time.Duration(n)), bareT.Seconds()/kilnT.Seconds(), kilnRSS, bareRSS)
		})
	}
}
