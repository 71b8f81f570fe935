package reposerve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// plainStore hides the readers' Seek and ReadAt (a store that streams).
type plainStore struct{ store.Store }

func (s plainStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	rc, oi, err := s.Store.Get(ctx, key, o)
	if err != nil {
		return nil, oi, err
	}
	return struct {
		io.Reader
		io.Closer
	}{rc, rc}, oi, nil
}

// TestServePlainStream: a store whose reader cannot seek is streamed
// whole, with Content-Length and without ranges.
func TestServePlainStream(t *testing.T) {
	fs := newFileStore(t)
	publish(t, repo.New(fs, testTarget, repo.Options{}), repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 3000)}})
	r := repo.New(plainStore{fs}, testTarget, repo.Options{})
	ts := serve(t, newHandler(t, Options{}, r))
	base := ts.URL + "/repo/master/x86_64/current/"
	rp := do(t, noRedirect, "GET", base+"repo", "Range", "bytes=0-9")
	if rp.code != 200 || rp.h.Get("Accept-Ranges") != "none" || rp.h.Get("Content-Length") == "" || rp.h.Get("Last-Modified") == "" {
		t.Fatalf("plain stream: %d %v", rp.code, rp.h)
	}
	if names := readRepo(t, rp.body); len(names) != 1 {
		t.Fatalf("%v", names)
	}
	if sum := get(t, base+"repo.sha256"); string(sum.body) != hpkg.RepoSHA256Bytes(rp.body) {
		t.Fatalf("sum %q", sum.body)
	}
	hd := do(t, noRedirect, "HEAD", base+"packages/foo-1.0-1-x86_64.hpkg")
	if hd.code != 200 || len(hd.body) != 0 || hd.h.Get("Content-Length") == "0" {
		t.Fatalf("HEAD: %d %v", hd.code, hd.h)
	}
}

// failingStore fails every read of head.json while fail is set.
type failingStore struct {
	store.Store
	fail atomic.Bool
}

var errDown = errors.New("store down")

func (s *failingStore) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	if s.fail.Load() && strings.HasSuffix(key, ".kiln/head.json") {
		return nil, store.ObjectInfo{}, errDown
	}
	return s.Store.Get(ctx, key, o)
}

// TestRefreshErrorKeepsView: a failed refresh keeps the previous head
// served and says so in the listing; the next good refresh clears it.
func TestRefreshErrorKeepsView(t *testing.T) {
	ctx := context.Background()
	fs := &failingStore{Store: newFileStore(t)}
	r := repo.New(fs, testTarget, repo.Options{})
	s1 := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	h := newHandler(t, Options{}, r)
	ts := serve(t, h)
	s2 := publish(t, r, repo.Change{Add: []repo.Add{genPkg(t, "bar", "1.0-1", 1000)}})
	fs.fail.Store(true)
	if err := h.Refresh(ctx, testTarget); !errors.Is(err, errDown) {
		t.Fatalf("refresh: %v", err)
	}
	var ti TargetInfo
	decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
	if ti.Head != s1.Snapshot || !strings.Contains(ti.Error, "store down") {
		t.Fatalf("after a failed refresh: %+v", ti)
	}
	if rp := get(t, ts.URL+"/repo/master/x86_64/current/repo"); rp.code != 200 || len(readRepo(t, rp.body)) != 1 {
		t.Fatalf("the previous head is not served: %d", rp.code)
	}
	fs.fail.Store(false)
	if err := h.Refresh(ctx, testTarget); err != nil {
		t.Fatal(err)
	}
	ti = TargetInfo{}
	decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
	if ti.Head != s2.Snapshot || ti.Error != "" {
		t.Fatalf("after a good refresh: %+v", ti)
	}
	if err := h.Refresh(ctx, repo.Target{Branch: "master", Arch: "arm64"}); !errors.Is(err, ErrUnknownTarget) {
		t.Fatalf("unknown target: %v", err)
	}
}

// TestServeWhilePublishing: requests race with publishes and refreshes
// (run with -race); every served repo parses and the repo.sha256 of
// every snapshot route matches its repo.
func TestServeWhilePublishing(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "p0", "1-1", 500)}})
	h := newHandler(t, Options{}, r)
	ts := serve(t, h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 5; i++ {
			_, err := r.Publish(ctx, repo.Change{Add: []repo.Add{genPkg(t, "p"+string(rune('0'+i)), "1-1", 500)}})
			if err != nil {
				t.Error(err)
				return
			}
			if err := h.Refresh(ctx, testTarget); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for n := 0; ; n++ {
		select {
		case <-done:
			if n == 0 {
				t.Fatal("no request raced the publishes")
			}
			var ti TargetInfo
			decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
			if ti.Packages != 6 {
				t.Fatalf("final listing %+v", ti)
			}
			return
		default:
		}
		var ti TargetInfo
		decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
		rp := get(t, ts.URL+"/repo/master/x86_64/"+ti.Head+"/repo")
		sum := get(t, ts.URL+"/repo/master/x86_64/"+ti.Head+"/repo.sha256")
		if string(sum.body) != hpkg.RepoSHA256Bytes(rp.body) || !bytes.HasPrefix(sum.body, []byte(ti.RepoSHA256)) {
			t.Fatalf("snapshot %s: sum %q does not match its repo", ti.Head, sum.body)
		}
		if names := readRepo(t, get(t, ts.URL+"/repo/master/x86_64/current/repo").body); len(names) < ti.Packages {
			t.Fatalf("current/repo lists %d packages, the head before it %d", len(names), ti.Packages)
		}
	}
}
