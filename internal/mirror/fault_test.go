package mirror

import (
	"context"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// TestMirrorThroughFaults mirrors from one versitygw prefix to another
// through a proxy that answers 8% of the requests 500/503, drops 3%,
// loses 3% of the answers after the server acted and cuts 10% of the GET
// bodies short, with the stores' retries: the mirror completes, holds the
// source's bytes and verifies deep; a second run copies nothing.
func TestMirrorThroughFaults(t *testing.T) {
	srv := s3test.StartVersity(t)
	src := srv.Store(t, "src")
	populate(t, src)
	proxy := s3test.StartFaultProxy(t, srv.Endpoint, s3test.Faults{Seed: 7, Errors: 0.08, Drops: 0.03, LostResponses: 0.03, Truncates: 0.10})
	bad := proxy.Through(srv)
	retry := func(st store.Store) store.Store {
		return store.WithRetry(st, store.RetryPolicy{MaxAttempts: 8, BaseDelay: 1})
	}
	fsrc, fdst := retry(bad.Store(t, "src")), retry(bad.Store(t, "dst"))
	ctx := context.Background()
	var res *Result
	var err error
	for attempt := 0; attempt < 3; attempt++ { // a run may still lose; a rerun resumes
		if res, err = Mirror(ctx, fsrc, fdst, Options{}); err == nil {
			break
		}
		t.Logf("run %d: %v", attempt+1, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dst := srv.Store(t, "dst")
	verifyDeep(t, dst)
	sameObjects(t, src, dst)
	if tr := mustMirror(t, src, dst, Options{}); tr.Copied.Objects != 0 {
		t.Fatalf("rerun after the faults: %+v", tr)
	}
	if proxy.Injected.Load() == 0 {
		t.Fatal("the proxy disturbed nothing")
	}
	t.Logf("%d requests through the proxy, %d disturbed; last run %+v", proxy.Requests.Load(), proxy.Injected.Load(), res.Targets[0])
}
