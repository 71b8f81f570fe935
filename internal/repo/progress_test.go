package repo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestPublishProgress: a publish reports its uploads' bytes and packages
// up to the totals.
func TestPublishProgress(t *testing.T) {
	r := newTestRepo(t, newMemStore())
	var seen []UploadProgress
	c := Change{Info: testRepoInfo(pkginfo.ArchX86_64), Progress: func(p UploadProgress) { seen = append(seen, p) }}
	var total int64
	for _, n := range []string{"a", "b", "c"} {
		b := fakePkg(n, "1-1", pkginfo.ArchX86_64, string(make([]byte, 5000)))
		total += int64(len(b))
		c.Add = append(c.Add, addBytes(n, b))
	}
	mustPublish(t, r, c)
	if len(seen) < 4 || seen[0] != (UploadProgress{TotalBytes: total, TotalFiles: 3}) {
		t.Fatalf("progress %+v", seen)
	}
	last := seen[len(seen)-1]
	if last.Files != 3 || last.Bytes < total || last.TotalBytes != total || last.TotalFiles != 3 {
		t.Fatalf("last progress %+v, total %d", last, total)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Bytes < seen[i-1].Bytes || seen[i].Files < seen[i-1].Files {
			t.Fatalf("progress went back: %+v", seen)
		}
	}
}

// TestLeaseWaitNotice: waiting for another publisher's lease is announced
// with its holder and expiry, once while they stay the same.
func TestLeaseWaitNotice(t *testing.T) {
	st := newMemStore()
	ctx := context.Background()
	a := New(st, testTarget, Options{Codec: fakeCodec{}, Holder: "alice"})
	l, _, err := a.acquire(ctx, "publish")
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(ctx)
	var told []LeaseInfo
	b := New(st, testTarget, Options{Codec: fakeCodec{}, Holder: "bob", LeaseWait: 300 * time.Millisecond,
		OnLeaseWait: func(li LeaseInfo) { told = append(told, li) }})
	if _, err := b.Publish(ctx, Change{Info: testRepoInfo(pkginfo.ArchX86_64)}); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("publish under a held lease: %v", err)
	}
	if len(told) != 1 || told[0].Holder != "alice" || told[0].Purpose != "publish" || told[0].Expires.Before(time.Now()) {
		t.Fatalf("told %+v", told)
	}
}
