package bench

// Repository serving on loopback (internal/server/reposerve):
//   redirect-presign: GET current/packages/<file> on a store that presigns
//     (gofakes3; presigning is local, the S3 server is never asked), kiln's
//     handler vs a bare net/http handler that presigns the same key and
//     redirects (http.Redirect), in the same run;
//   redirect-public: the same with a public base URL (both redirect to
//     base/key);
//   redirect-public-served: redirect-public through kiln serve's whole
//     handler (internal/server: request metrics, ServeMux, reposerve);
//   stream: the 49 KB tipster package from the directory store, kiln's
//     handler vs http.ServeFile of the same file.
// Both servers get the same request path. Each case is measured in 12
// adjacent pairs of 0.5 s rounds with 16 keep-alive clients; reported:
// x-bare-median = the median over the pairs of kiln requests/s / bare
// requests/s (the machine is shared; load drifts between rounds),
// x-bare-best = ratio of the best round of each, and both best rates.
// Goal for redirects: >= 0.9.
// Run: go test -run '^$' -bench RepoServe -benchtime 1x ./bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server"
	"github.com/haikuports/kiln/internal/server/reposerve"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

const benchPkg = "tipster-1.1.1-1-x86_64.hpkg"

func benchPublish(b *testing.B, st store.Store) *repo.Repo {
	b.Helper()
	p := filepath.Join(testenv.SharedDir(b), "fixtures", "hpkg", benchPkg)
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	r := repo.New(st, repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{})
	info := &pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		Vendor: "Haiku Project", Summary: "The HaikuPorts repository", Priority: 1, Architecture: pkginfo.ArchX86_64}
	if _, err := r.Publish(context.Background(), repo.Change{Info: info, Add: []repo.Add{{Name: p, R: f, Size: fi.Size()}}}); err != nil {
		b.Fatal(err)
	}
	return r
}

func benchHandler(b *testing.B, r *repo.Repo, o reposerve.Options) http.Handler {
	b.Helper()
	h, err := reposerve.New([]*repo.Repo{r}, o)
	if err != nil {
		b.Fatal(err)
	}
	if err := h.RefreshAll(context.Background()); err != nil {
		b.Fatal(err)
	}
	return h
}

// rate runs clients keep-alive clients against url for d and returns
// requests/s; every answer must have status want.
func rate(b *testing.B, url string, want int, d time.Duration) float64 {
	const clients = 16
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var n atomic.Int64
	var bad atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for time.Now().Before(stop) {
				res, err := c.Get(url)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != want {
					bad.Add(1)
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		b.Fatalf("%s: %d bad answers", url, bad.Load())
	}
	return float64(n.Load()) / time.Since(start).Seconds()
}

// compare measures kiln's and the bare URL in adjacent pairs of short
// rounds (alternating which goes first) and reports the median of the
// pairs' ratios (robust against the shared machine's load drifting
// between rounds) and the best round of each.
func compare(b *testing.B, kiln, bare string, want int) {
	const rounds = 12
	d := 500 * time.Millisecond
	rate(b, kiln, want, 200*time.Millisecond) // warm up connections
	rate(b, bare, want, 200*time.Millisecond)
	var bk, bb float64
	var ratios []float64
	for i := range rounds {
		var rk, rb float64
		if i%2 == 0 {
			rk = rate(b, kiln, want, d)
			rb = rate(b, bare, want, d)
		} else {
			rb = rate(b, bare, want, d)
			rk = rate(b, kiln, want, d)
		}
		bk, bb = max(bk, rk), max(bb, rb)
		ratios = append(ratios, rk/rb)
	}
	slices.Sort(ratios)
	b.ReportMetric((ratios[rounds/2-1]+ratios[rounds/2])/2, "x-bare-median")
	b.ReportMetric(bk/bb, "x-bare-best")
	b.ReportMetric(bk, "kiln-req/s")
	b.ReportMetric(bb, "bare-req/s")
}

func BenchmarkRepoServe(b *testing.B) {
	b.Run("redirect-presign", func(b *testing.B) {
		st := s3test.StartFake(b).Store(b, "hp")
		r := benchPublish(b, st)
		const ttl = 15 * time.Minute
		kiln := httptest.NewServer(benchHandler(b, r, reposerve.Options{PresignTTL: ttl}))
		defer kiln.Close()
		key := r.PackageKey(benchPkg)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			u, err := st.PresignGet(req.Context(), key, ttl)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			http.Redirect(w, req, u, http.StatusFound)
		}))
		defer bare.Close()
		for range b.N {
			compare(b, kiln.URL+"/repo/master/x86_64/current/packages/"+benchPkg, bare.URL+"/repo/master/x86_64/current/packages/"+benchPkg, http.StatusFound)
		}
	})
	b.Run("redirect-public", func(b *testing.B) {
		st := s3test.StartFake(b).Store(b, "hp")
		r := benchPublish(b, st)
		const base = "https://cdn.example.org/haikuports"
		kiln := httptest.NewServer(benchHandler(b, r, reposerve.Options{PublicBaseURL: base}))
		defer kiln.Close()
		target := base + "/" + r.PackageKey(benchPkg)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, target, http.StatusFound)
		}))
		defer bare.Close()
		for range b.N {
			compare(b, kiln.URL+"/repo/master/x86_64/current/packages/"+benchPkg, bare.URL+"/repo/master/x86_64/current/packages/"+benchPkg, http.StatusFound)
		}
	})
	b.Run("redirect-public-served", func(b *testing.B) {
		// As redirect-public, through kiln serve's whole handler: the
		// request metrics, the ServeMux and reposerve below /repo/.
		st := s3test.StartFake(b).Store(b, "hp")
		r := benchPublish(b, st)
		const base = "https://cdn.example.org/haikuports"
		srv := server.New(server.Options{Repos: benchHandler(b, r, reposerve.Options{PublicBaseURL: base})})
		defer srv.Close()
		kiln := httptest.NewServer(srv)
		defer kiln.Close()
		target := base + "/" + r.PackageKey(benchPkg)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, target, http.StatusFound)
		}))
		defer bare.Close()
		for range b.N {
			compare(b, kiln.URL+"/repo/master/x86_64/current/packages/"+benchPkg, bare.URL+"/repo/master/x86_64/current/packages/"+benchPkg, http.StatusFound)
		}
	})
	b.Run("stream", func(b *testing.B) {
		st, err := store.CreateFile(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		r := benchPublish(b, st)
		kiln := httptest.NewServer(benchHandler(b, r, reposerve.Options{}))
		defer kiln.Close()
		file := filepath.Join(st.Dir(), filepath.FromSlash(r.PackageKey(benchPkg)))
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			http.ServeFile(w, req, file)
		}))
		defer bare.Close()
		for range b.N {
			compare(b, kiln.URL+"/repo/master/x86_64/current/packages/"+benchPkg, bare.URL+"/repo/master/x86_64/current/packages/"+benchPkg, http.StatusOK)
		}
	})
}
