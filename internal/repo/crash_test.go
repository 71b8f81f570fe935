package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// The crash test's publish: from the base state (alpha 1, beta 1, gamma 1)
// add delta, replace alpha by alpha 2, remove gamma.
func crashBase() Change {
	return Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: []Add{
		addBytes("alpha", fakePkg("alpha", "1-1", pkginfo.ArchX86_64, "")),
		addBytes("beta", fakePkg("beta", "1-1", pkginfo.ArchX86_64, "")),
		addBytes("gamma", fakePkg("gamma", "1-1", pkginfo.ArchX86_64, "")),
	}}
}

func crashChange() Change {
	return Change{Add: []Add{
		addBytes("delta", fakePkg("delta", "1-1", pkginfo.ArchX86_64, "")),
		addBytes("alpha", fakePkg("alpha", "2-1", pkginfo.ArchX86_64, "")),
	}, Remove: []string{"gamma"}, IgnoreMissing: true} // a rerun after a crash finds gamma removed
}

var crashWant = []string{"alpha-2-1-x86_64.hpkg", "beta-1-1-x86_64.hpkg", "delta-1-1-x86_64.hpkg"}

// TestCrashChild is the publisher the crash test re-executes; it kills
// itself with SIGKILL around store call KILN_CRASH_AT.
func TestCrashChild(t *testing.T) {
	dir, s3env := os.Getenv("KILN_CRASH_DIR"), os.Getenv("KILN_CRASH_S3")
	if dir == "" && s3env == "" {
		t.Skip("only run as the crash test's child process")
	}
	at, _ := strconv.ParseInt(os.Getenv("KILN_CRASH_AT"), 10, 64)
	after := os.Getenv("KILN_CRASH_MODE") == "after"
	var fs store.Store
	var err error
	if dir != "" {
		fs, err = store.OpenFile(dir)
	} else {
		f := strings.Split(s3env, "|")
		fs, err = store.NewS3(context.Background(), f[4], f[5], store.S3Options{Endpoint: f[0], Region: f[1], PathStyle: true, AccessKeyID: f[2], SecretAccessKey: f[3]})
	}
	if err != nil {
		t.Fatal(err)
	}
	kill := func(n int64, op, key string) {
		if n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
	}
	cs := &countStore{Store: fs}
	if after {
		cs.after = kill
	} else {
		cs.before = kill
	}
	r := New(cs, testTarget, Options{Codec: fakeCodec{}, Concurrency: 1, Holder: "child"})
	if _, err := r.Publish(context.Background(), crashChange()); err != nil {
		t.Fatal(err)
	}
}

// TestCrashConsistency kills a publishing child process at every store call
// boundary (before and after each call) and checks that the served
// repository is the old or the new one, that nothing it lists is missing,
// and that a rerun converges.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary many times")
	}
	runCrashTest(t, func(t *testing.T, name string) (store.Store, string) {
		fs := newFileStore(t)
		return fs, "KILN_CRASH_DIR=" + fs.Dir()
	})
}

// TestCrashConsistencyS3 is TestCrashConsistency on a real versitygw.
func TestCrashConsistencyS3(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary many times")
	}
	srv := s3test.StartVersity(t)
	runCrashTest(t, func(t *testing.T, name string) (store.Store, string) {
		return srv.Store(t, name), "KILN_CRASH_S3=" + strings.Join([]string{srv.Endpoint, srv.Region, srv.AccessKey, srv.SecretKey, srv.Bucket, name}, "|")
	})
}

func runCrashTest(t *testing.T, open func(t *testing.T, name string) (store.Store, string)) {
	ctx := context.Background()
	setup := func(t *testing.T, name string) (store.Store, string, *Manifest) {
		st, env := open(t, name)
		r := New(st, testTarget, Options{Codec: fakeCodec{}})
		mustPublish(t, r, crashBase())
		_, m, err := r.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st, env, m
	}
	// Count the calls of a full publish.
	st, _, _ := setup(t, "count")
	cs := &countStore{Store: st}
	if _, err := New(cs, testTarget, Options{Codec: fakeCodec{}, Concurrency: 1}).Publish(ctx, crashChange()); err != nil {
		t.Fatal(err)
	}
	total := cs.n.Load()
	t.Logf("a publish makes %d store calls: %q", total, cs.calls)
	for _, c := range cs.calls {
		if strings.HasPrefix(c, "LIST") {
			t.Errorf("publish listed the store: %s", c)
		}
	}
	later := func() time.Time { return time.Now().Add(time.Hour) } // the dead child's lease has expired

	for _, mode := range []string{"before", "after"} {
		for at := int64(1); at <= total; at++ {
			name := fmt.Sprintf("%s-%02d", mode, at)
			t.Run(name, func(t *testing.T) {
				st, env, old := setup(t, name)
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), env, "KILN_CRASH_AT="+strconv.FormatInt(at, 10), "KILN_CRASH_MODE="+mode)
				out, err := cmd.CombinedOutput()
				if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("child did not die by SIGKILL at call %d: %v\n%s", at, err, out)
				}
				r := New(st, testTarget, Options{Codec: fakeCodec{}, Now: later})
				checkServed(t, r, old)
				// A rerun converges.
				res, err := r.Publish(ctx, crashChange())
				if err != nil {
					t.Fatalf("rerun: %v", err)
				}
				rp := mustVerify(t, r, true)
				_, m, _ := r.Current(ctx)
				if got := fmt.Sprint(fileNames(m)); got != fmt.Sprint(crashWant) || rp.Packages != 3 {
					t.Fatalf("after rerun: %s (%+v)", got, res)
				}
			})
		}
	}
}

func fileNames(m *Manifest) []string {
	var fs []string
	for _, p := range m.Packages {
		fs = append(fs, p.File)
	}
	return fs
}

// checkServed checks what a client sees after a crash: repo.sha256 names
// the old or the new snapshot, every package that snapshot lists exists,
// and repo matches repo.sha256 except in the window between writing the
// two (an interrupted refresh of current/, which the next run repairs).
func checkServed(t *testing.T, r *Repo, old *Manifest) {
	t.Helper()
	ctx := context.Background()
	ld, err := r.loadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ld.head == nil {
		t.Fatal("head lost")
	}
	if h := ld.head.Snapshot; h != old.ID && ld.byID[h].Parent != old.ID {
		t.Fatalf("head %s is neither the old snapshot nor its child", h)
	}
	sum := getKey(t, r.st, r.l.current(FileRepoSHA256))
	var served *Manifest
	for _, m := range ld.byID {
		if m.RepoSHA256 == string(sum) {
			served = m
		}
	}
	if served == nil || (served.ID != old.ID && served.ID != ld.head.Snapshot) {
		t.Fatalf("current/repo.sha256 %s is neither the old nor the new snapshot", sum)
	}
	for _, p := range served.Packages {
		if _, err := r.st.Stat(ctx, r.l.pkg(p.File)); err != nil {
			t.Errorf("served repo lists %s, which is missing: %v", p.File, err)
		}
	}
	repo := getKey(t, r.st, r.l.current(FileRepo))
	rs := sha256.Sum256(repo)
	if got := hex.EncodeToString(rs[:]); got != string(sum) {
		if got != ld.head.RepoSHA256 || served.ID != old.ID {
			t.Fatalf("current/repo (%s) matches neither repo.sha256 nor a refresh in progress", got)
		}
		t.Logf("crash inside the refresh window: repo is new, repo.sha256 still old")
	}
	// Everything but current/ must verify.
	rp, err := r.Verify(ctx, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rp.Problems {
		if p.Check != "current" {
			t.Errorf("after crash: %s", p)
		}
	}
	_ = bytes.Equal
}
