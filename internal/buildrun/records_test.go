package buildrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

func TestBusDropsSlowSubscriber(t *testing.T) {
	b := NewBus()
	fast := b.Subscribe(1000, nil)
	slow := b.Subscribe(2, nil)
	logs := b.Subscribe(1000, func(e Event) bool { return e.Kind == EventLog })
	done := make(chan struct{})
	go func() {
		for i := range 100 {
			b.Publish(Event{Kind: EventBuild, Build: int64(i)})
		}
		b.Publish(Event{Kind: EventLog, Line: "x"})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
	if !slow.Dropped() || fast.Dropped() {
		t.Errorf("dropped: slow %v fast %v", slow.Dropped(), fast.Dropped())
	}
	n := 0
	for range slow.C { // closed after what it buffered
		n++
	}
	if n != 2 {
		t.Errorf("slow got %d events", n)
	}
	if len(fast.C) != 101 || len(logs.C) != 1 {
		t.Errorf("fast %d, logs %d", len(fast.C), len(logs.C))
	}
	var last uint64
	for range 101 {
		e := <-fast.C
		if e.Seq <= last || e.Time.IsZero() {
			t.Fatalf("event %+v after seq %d", e, last)
		}
		last = e.Seq
	}
	fast.Close()
	fast.Close()
	if b.Subscribers() != 1 {
		t.Errorf("%d subscribers left", b.Subscribers())
	}
}

func TestLogSegmentsFollowAndCrash(t *testing.T) {
	st := openFileStore(t)
	ctx := context.Background()
	var lines []string
	var offsets []int64
	var mu sync.Mutex
	onLine := func(s string, off int64) {
		mu.Lock()
		lines, offsets = append(lines, s), append(offsets, off)
		mu.Unlock()
	}
	l, err := openSegLog(ctx, st, "logs/1/", 10*time.Millisecond, 100, onLine)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for i := range 50 {
		fmt.Fprintf(l, "line %d\n", i)
		fmt.Fprintf(&want, "line %d\n", i)
	}
	// Flushed by size (100 bytes) and by time; no Close: what a crash leaves.
	time.Sleep(50 * time.Millisecond)
	n, size, err := countSegments(ctx, st, "logs/1/")
	if err != nil || n < 3 || size != int64(want.Len()) {
		t.Fatalf("%d segments of %d bytes, %v", n, size, err)
	}
	got := readSegments(t, st, "logs/1/")
	if got != want.String() {
		t.Errorf("log after crash:\n%q\nwant\n%q", got, want.String())
	}
	// A resumed writer continues after the last segment.
	l2, err := openSegLog(ctx, st, "logs/1/", time.Hour, 1<<20, onLine)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(l2, "resumed\n")
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if got := readSegments(t, st, "logs/1/"); got != want.String()+"resumed\n" {
		t.Errorf("after resume: %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 51 || lines[49] != "line 49" || lines[50] != "resumed" {
		t.Fatalf("line events: %d", len(lines))
	}
	// Each line event says where the line starts in the log, also after
	// the resume.
	all := want.String() + "resumed\n"
	for i, off := range offsets {
		if !strings.HasPrefix(all[off:], lines[i]+"\n") {
			t.Errorf("line %d %q at offset %d, the log has %q there", i, lines[i], off, all[off:min(len(all), int(off)+12)])
		}
	}
}

func readSegments(t *testing.T, st store.Store, prefix string) string {
	t.Helper()
	var keys []string
	if err := st.List(context.Background(), prefix, "", func(oi store.ObjectInfo) error { keys = append(keys, oi.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		rc, _, err := st.Get(context.Background(), k, store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&b, rc)
		rc.Close()
	}
	return b.String()
}

// TestBuildNumbersNeverReused: concurrent allocations (two kiln
// processes) on a real S3 server get disjoint, increasing ranges.
func TestBuildNumbersNeverReused(t *testing.T) {
	srv := s3test.StartVersity(t)
	st := srv.Store(t, "numbers")
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				first, err := allocateNumbers(context.Background(), st, "master/x86_64/.kiln/buildnumber.json", w+1)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for i := range w + 1 {
					got = append(got, first+int64(i))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(got)
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("numbers %v: %d at %d (reused or skipped)", got[:min(len(got), i+3)], n, i)
		}
	}
	if len(got) != 5*(1+2+3+4+5+6) {
		t.Errorf("%d numbers", len(got))
	}
}

func TestReaderFollowAndRuns(t *testing.T) {
	ports := synthGraph(t, 3, 1)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 1, ports)
	fs[0].delay = 300 * time.Millisecond
	eng, err := New(e.options(bs))
	if err != nil {
		t.Fatal(err)
	}
	h, err := eng.Start(context.Background(), Request{Plan: e.plan(t), Trigger: Trigger{Mode: "ports", Ports: []string{"p000"}, By: "me"}, Tree: Tree{Commit: "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	first := h.Builds()[0].Number
	var out bytes.Buffer
	if err := eng.Records().Follow(context.Background(), h.ID(), first, &out, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "build completed successfully\n") || !strings.HasPrefix(out.String(), "=== build") {
		t.Errorf("followed log:\n%s", out.String())
	}
	if _, err := h.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	runs, err := eng.Records().Runs(context.Background())
	if err != nil || len(runs) != 1 || runs[0].Trigger.By != "me" || runs[0].State != RunComplete {
		t.Errorf("runs %+v %v", runs, err)
	}
	var master bytes.Buffer
	if _, err := eng.Records().Log(context.Background(), h.ID(), MasterLog, &master); err != nil || !strings.Contains(master.String(), "succeeded on builder1") {
		t.Errorf("master log %v:\n%s", err, master.String())
	}
	var blog bytes.Buffer
	if _, err := eng.Records().Log(context.Background(), h.ID(), BuilderLog("builder1"), &blog); err != nil || !strings.Contains(blog.String(), "preparing builder1 for tree abc") || strings.Count(blog.String(), "started (attempt 1") != 3 {
		t.Errorf("builder log %v:\n%s", err, blog.String())
	}
	if _, err := eng.Records().Run(context.Background(), "../x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad id: %v", err)
	}
}
