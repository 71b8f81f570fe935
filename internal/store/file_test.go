package store_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/storetest"
)

func newFile(t *testing.T) store.Store {
	s, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileConformance(t *testing.T) {
	storetest.Run(t, newFile)
}

// The helper process: KILN_STORE_HELPER=<dir> makes TestFileHelperProcess
// race in that store as a separate process.
const helperEnv = "KILN_STORE_HELPER"

func TestFileHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("only run as a child of TestFileCrossProcess")
	}
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id := os.Getenv(helperEnv + "_ID")
	_, err = s.Put(ctx, "create", strings.NewReader(id), int64(len(id)), store.PutOptions{IfNoneMatch: true})
	switch {
	case err == nil:
		fmt.Println("WON")
	case !errors.Is(err, store.ErrPreconditionFailed):
		t.Fatal(err)
	}
	for range 25 {
		if err := storetest.Increment(ctx, s, "counter"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileCrossProcess(t *testing.T) {
	const procs = 6
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([][]byte, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFileHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir, fmt.Sprintf("%s_ID=%d", helperEnv, i))
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	won := 0
	for i := range procs {
		if errs[i] != nil {
			t.Fatalf("child %d: %v\n%s", i, errs[i], outs[i])
		}
		won += strings.Count(string(outs[i]), "WON\n")
	}
	if won != 1 {
		t.Fatalf("%d processes won create-if-absent, want 1", won)
	}
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Get(t.Context(), "counter", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != fmt.Sprint(procs*25) {
		t.Fatalf("counter = %s after %d increments in %d processes: lost updates", b, procs*25, procs)
	}
}

func TestFileReservedAndConflicts(t *testing.T) {
	dir := t.TempDir()
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, key := range []string{".~kiln-lock", "a/.~kiln-tmp-1", ".~kiln-x/y"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 1, store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
		}
	}
	if _, err := s.Put(ctx, "a/b", strings.NewReader("x"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a/b/c", strings.NewReader("x"), 1, store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Put below an object: %v, want ErrInvalidKey", err)
	}
	if _, err := s.Put(ctx, "a", strings.NewReader("x"), 1, store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Put over a prefix: %v, want ErrInvalidKey", err)
	}
	// Objects are plain files; no temp files are left behind; Delete
	// removes the directories it emptied.
	if b, err := os.ReadFile(filepath.Join(dir, "a", "b")); err != nil || string(b) != "x" {
		t.Fatalf("a/b on disk: %q, %v", b, err)
	}
	if err := s.Delete(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != ".~kiln-lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// A Put in progress is invisible: its temp file is not listed and the
// key does not exist until the write completes.
func TestFileTempInvisible(t *testing.T) {
	s, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "dir/slow", pr, -1, store.PutOptions{})
		done <- err
	}()
	pw.Write([]byte("partial"))
	var listed []string
	s.List(ctx, "", "", func(o store.ObjectInfo) error { listed = append(listed, o.Key); return nil })
	if len(listed) != 0 {
		t.Fatalf("listed during a Put: %q", listed)
	}
	if _, err := s.Stat(ctx, "dir/slow"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Stat during a Put: %v", err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if info, err := s.Stat(ctx, "dir/slow"); err != nil || info.Size != 7 {
		t.Fatalf("after the Put: %+v, %v", info, err)
	}
}

// Files put into the directory by other tools have no ETag attribute:
// they get a stat-derived ETag, which CAS accepts.
func TestFileForeignFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x", "foreign"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	info, err := s.Stat(ctx, "x/foreign")
	if err != nil || info.Size != 3 || info.ETag == "" {
		t.Fatalf("Stat: %+v %v", info, err)
	}
	var listed store.ObjectInfo
	s.List(ctx, "x/", "/", func(o store.ObjectInfo) error { listed = o; return nil })
	if listed.ETag != info.ETag {
		t.Fatalf("List ETag %q, Stat ETag %q", listed.ETag, info.ETag)
	}
	if _, err := s.Put(ctx, "x/foreign", strings.NewReader("new"), 3, store.PutOptions{IfMatch: "wrong"}); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Fatalf("CAS with a wrong ETag: %v", err)
	}
	if _, err := s.Put(ctx, "x/foreign", strings.NewReader("new"), 3, store.PutOptions{IfMatch: info.ETag}); err != nil {
		t.Fatalf("CAS with the stat ETag: %v", err)
	}
}
