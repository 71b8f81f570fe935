package repo

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// killMidUpload is a store whose first package upload kills the process
// (SIGKILL) after half of the body was written.
type killMidUpload struct{ store.Store }

func (k killMidUpload) Put(ctx context.Context, key string, r io.Reader, size int64, o store.PutOptions) (store.ObjectInfo, error) {
	if strings.Contains(key, "/current/packages/") {
		r = &halfThenDie{r: r, half: size / 2}
	}
	return k.Store.Put(ctx, key, r, size, o)
}

type halfThenDie struct {
	r    io.Reader
	half int64
	n    int64
}

func (h *halfThenDie) Read(p []byte) (int, error) {
	if h.n >= h.half {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	}
	if int64(len(p)) > h.half-h.n {
		p = p[:h.half-h.n]
	}
	n, err := h.r.Read(p)
	h.n += int64(n)
	return n, err
}

// TestKilledUploadChild is the publisher TestKilledUploadTempCleaned kills.
func TestKilledUploadChild(t *testing.T) {
	dir := os.Getenv("KILN_KILLED_UPLOAD_DIR")
	if dir == "" {
		t.Skip("only run as a child of TestKilledUploadTempCleaned")
	}
	fs, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := New(killMidUpload{fs}, testTarget, Options{Codec: fakeCodec{}, Concurrency: 1, Holder: "child"})
	if _, err := r.Publish(context.Background(), crashChange()); err != nil {
		t.Fatal(err)
	}
}

// TestKilledUploadTempCleaned: a publisher killed (SIGKILL) in the middle
// of a package upload leaves a temp file in current/packages/; it survives
// while fresh (it could be a running upload's), then verify reports it and
// prune removes it; a rerun converges.
func TestKilledUploadTempCleaned(t *testing.T) {
	ctx := context.Background()
	fs := newFileStore(t)
	mustPublish(t, New(fs, testTarget, Options{Codec: fakeCodec{}}), crashBase())
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledUploadChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KILN_KILLED_UPLOAD_DIR="+fs.Dir())
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
	}
	temps, _ := filepath.Glob(filepath.Join(fs.Dir(), "master/x86_64/current/packages/.~kiln-tmp-*"))
	if len(temps) != 1 {
		t.Fatalf("temp files after the kill: %v", temps)
	}
	later := func() time.Time { return time.Now().Add(time.Hour) } // the dead child's lease has expired
	r := New(fs, testTarget, Options{Codec: fakeCodec{}, Now: later})
	hasNote := func(rp *Report) bool {
		for _, n := range rp.Notes {
			if strings.Contains(n, "temp file of an interrupted write") {
				return true
			}
		}
		return false
	}
	po := PruneOptions{KeepAge: -1, Grace: -1}
	if rp := mustVerify(t, r, true); hasNote(rp) {
		t.Fatalf("a fresh temp file was reported: %v", rp.Notes)
	}
	if pr, err := r.Prune(ctx, po); err != nil || len(pr.DeletedTemps) != 0 {
		t.Fatalf("prune removed a fresh temp file: %+v, %v", pr, err)
	}
	old := time.Now().Add(-2 * StaleTempAge)
	os.Chtimes(temps[0], old, old)
	if rp := mustVerify(t, r, true); !hasNote(rp) {
		t.Fatalf("the stale temp file was not reported: %v", rp.Notes)
	}
	if pr, err := r.Prune(ctx, po); err != nil || len(pr.DeletedTemps) != 1 {
		t.Fatalf("prune: %+v, %v", pr, err)
	}
	if _, err := os.Stat(temps[0]); !os.IsNotExist(err) {
		t.Fatalf("temp file still there: %v", err)
	}
	if _, err := r.Publish(ctx, crashChange()); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if rp := mustVerify(t, r, true); hasNote(rp) || rp.Packages != 3 {
		t.Fatalf("after the rerun: %+v", rp)
	}
}
