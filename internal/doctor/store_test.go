package doctor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/doctor"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// lyingProxy is a test double of a store that does not keep S3's
// promises: a reverse proxy in front of gofakes3 (which enforces
// conditional writes and checks no signature) that drops request headers
// before the server sees them and shifts the times it answers with.
func lyingProxy(t *testing.T, srv *s3test.Server, drop []string, shift time.Duration) string {
	t.Helper()
	u, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	direct := p.Director
	p.Director = func(r *http.Request) {
		direct(r)
		for _, h := range drop {
			r.Header.Del(h)
		}
	}
	p.ModifyResponse = func(resp *http.Response) error {
		for _, h := range []string{"Last-Modified", "Date"} {
			if v := resp.Header.Get(h); v != "" && shift != 0 {
				tm, err := http.ParseTime(v)
				if err != nil {
					return err
				}
				resp.Header.Set(h, tm.Add(shift).UTC().Format(http.TimeFormat))
			}
		}
		return nil
	}
	ps := httptest.NewServer(p)
	t.Cleanup(ps.Close)
	return ps.URL
}

// TestStoreDoubles: a store that ignores If-None-Match, one that ignores
// If-Match, and one whose clock is off are each reported by their check,
// with the problem said plainly; the other store checks pass and the
// probe objects are deleted.
func TestStoreDoubles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drop  []string
		shift time.Duration
		check map[string][]string // failing check -> its detail/fix must say
		warn  map[string][]string
	}{
		{name: "honest", check: nil},
		{name: "ignores If-None-Match", drop: []string{"If-None-Match"}, check: map[string][]string{
			"store create-if-absent": {"not enforced", "ignores If-None-Match", "second create-if-absent", "use a store that enforces"}}},
		{name: "ignores If-Match", drop: []string{"If-Match"}, check: map[string][]string{
			"store compare-and-swap": {"not enforced", "ignores If-Match", `"00000000000000000000000000000000"`}}},
		{name: "clock 5 minutes ahead", shift: 5 * time.Minute, check: map[string][]string{
			"store clock": {"ahead of this machine's (more than 1m0s)", "synchronise"}}},
		{name: "clock 2 minutes behind", shift: -2 * time.Minute, check: map[string][]string{
			"store clock": {"behind this machine's (more than 1m0s)"}}},
		{name: "clock 20 seconds ahead", shift: 20 * time.Second, warn: map[string][]string{
			"store clock": {"ahead of this machine's"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := s3test.StartFake(t)
			endpoint := lyingProxy(t, srv, tc.drop, tc.shift)
			results := runDoctor(t, healthyConfig(t), doctor.Options{OpenStore: s3Opener(srv, "doubles", endpoint)}, srv.Store(t, "doubles"))
			for _, name := range []string{"store", "store write", "store create-if-absent", "store compare-and-swap",
				"store presigned URL", "store clock", "store delete"} {
				if d, bad := tc.check[name]; bad {
					want(t, results, name, doctor.Fail, d...)
				} else if d, w := tc.warn[name]; w {
					want(t, results, name, doctor.Warn, d...)
				} else {
					want(t, results, name, doctor.OK)
				}
			}
		})
	}
}

// TestMirrors: each [[mirror]] store gets the store checks in one line: a
// directory mirror passes, a mirror that ignores If-None-Match fails
// naming the check; the probe objects are deleted from both.
func TestMirrors(t *testing.T) {
	srv := s3test.StartFake(t)
	endpoint := lyingProxy(t, srv, []string{"If-None-Match"}, 0)
	cfg := healthyConfig(t)
	cfg.Store.URL = t.TempDir()
	mirrorDir := t.TempDir()
	cfg.Mirrors = []config.Mirror{{URL: mirrorDir}, {URL: "s3://lying"}}
	lying := s3Opener(srv, "mirror", endpoint)
	opts := doctor.Options{OpenStore: func(ctx context.Context, url string) (store.Store, error) {
		if url == "s3://lying" {
			return lying(ctx, url)
		}
		return store.Create(ctx, url, store.S3Options{})
	}}
	results := runDoctor(t, cfg, opts, srv.Store(t, "mirror"))
	want(t, results, "store create-if-absent", doctor.OK)
	want(t, results, "mirror[0]", doctor.OK, mirrorDir, "enforces create-if-absent")
	want(t, results, "mirror[1]", doctor.Fail, "store create-if-absent: not enforced", "ignores If-None-Match", "use a store that enforces")
	for _, dir := range []string{cfg.Store.URL, mirrorDir} {
		st, _ := store.OpenFile(dir)
		st.List(context.Background(), doctor.ProbePrefix, "", func(o store.ObjectInfo) error {
			t.Errorf("%s: probe %s left", dir, o.Key)
			return nil
		})
	}
}

// TestProbesDeletedOnCancel: interrupted right after the probe was
// written (as by Ctrl-C), Run still deletes the probe objects.
func TestProbesDeletedOnCancel(t *testing.T) {
	srv := s3test.StartFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var after []doctor.Result
	doctor.Run(ctx, healthyConfig(t), doctor.Options{OpenStore: s3Opener(srv, "cancel", "")}, func(r doctor.Result) {
		if r.Name == "store create-if-absent" {
			cancel()
		} else if ctx.Err() != nil {
			after = append(after, r)
		}
	})
	if len(after) == 0 || after[0].Status == doctor.OK {
		t.Errorf("the checks after the cancel: %+v", after)
	}
	srv.Store(t, "cancel").List(context.Background(), "", "", func(o store.ObjectInfo) error {
		t.Errorf("left behind: %s", o.Key)
		return nil
	})
}
