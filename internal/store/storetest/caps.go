package storetest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

func testCopy(t *testing.T, s store.Store, o Options) {
	c, ok := s.(store.Copier)
	if !ok {
		t.Skipf("%s is not a store.Copier", s)
	}
	src := put(t, s, "copy/src", []byte("copied"), store.PutOptions{})
	info, err := c.Copy(ctx(t), "copy/src", "copy/dst/1", store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != "copy/dst/1" || info.Size != src.Size || info.ETag == "" {
		t.Fatalf("Copy info = %+v", info)
	}
	if got, gi := get(t, s, "copy/dst/1", store.GetOptions{}); string(got) != "copied" || gi.ETag != info.ETag {
		t.Fatalf("copy = %q (ETag %s, Copy said %s)", got, gi.ETag, info.ETag)
	}
	_, err = c.Copy(ctx(t), "copy/src", "copy/dst/1", store.PutOptions{IfNoneMatch: true})
	wantErr(t, "Copy with IfNoneMatch onto an existing key", err, store.ErrPreconditionFailed)
	_, err = c.Copy(ctx(t), "copy/src", "copy/dst/1", store.PutOptions{IfMatch: `"stale"`})
	wantErr(t, "Copy with a stale IfMatch", err, store.ErrPreconditionFailed)
	if _, err := c.Copy(ctx(t), "copy/src", "copy/dst/1", store.PutOptions{IfMatch: info.ETag}); err != nil {
		t.Fatalf("Copy with the right IfMatch: %v", err)
	}
	_, err = c.Copy(ctx(t), "copy/missing", "copy/dst/2", store.PutOptions{})
	wantErr(t, "Copy of a missing key", err, store.ErrNotFound)
	// The copy is independent of its source.
	put(t, s, "copy/src", []byte("changed"), store.PutOptions{})
	if got, _ := get(t, s, "copy/dst/1", store.GetOptions{}); string(got) != "copied" {
		t.Fatalf("copy changed with its source: %q", got)
	}
	_, err = c.Copy(ctx(t), "copy/src", "../x", store.PutOptions{})
	wantErr(t, "Copy to an invalid key", err, store.ErrInvalidKey)
}

func testPresign(t *testing.T, s store.Store, o Options) {
	p, ok := s.(store.Presigner)
	if !ok {
		t.Skipf("%s is not a store.Presigner", s)
	}
	put(t, s, "presign/get", []byte("presigned content"), store.PutOptions{})
	u, err := p.PresignGet(ctx(t), "presign/get", 5*time.Minute)
	if errors.Is(err, store.ErrNotSupported) {
		t.Skipf("%s: %v", s, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "presigned content" {
		t.Fatalf("GET presigned URL: %s %q", resp.Status, b)
	}
	u, err = p.PresignPut(ctx(t), "presign/put", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPut, u, bytes.NewReader([]byte("uploaded")))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT presigned URL: %s %s", resp.Status, b)
	}
	if got, _ := get(t, s, "presign/put", store.GetOptions{}); string(got) != "uploaded" {
		t.Fatalf("after presigned PUT: %q", got)
	}
	if _, err := p.PresignGet(ctx(t), "../bad", time.Minute); !errors.Is(err, store.ErrInvalidKey) {
		t.Fatalf("PresignGet of an invalid key: %v", err)
	}
}

// BadKeys are keys every backend rejects with ErrInvalidKey.
var BadKeys = []string{
	"", "/", "/abs", "trailing/", "a//b", ".", "..", "a/./b", "a/../b", "../up",
	"nul\x00", "ctl\x01x", "bad\xffutf8", strings.Repeat("k", store.MaxKeyLen+1),
}

func testInvalidKeys(t *testing.T, s store.Store, o Options) {
	for _, key := range BadKeys {
		_, err := s.Put(ctx(t), key, nopSeeker("x"), 1, store.PutOptions{})
		wantErr(t, "Put "+key, err, store.ErrInvalidKey)
		_, _, err = s.Get(ctx(t), key, store.GetOptions{})
		wantErr(t, "Get "+key, err, store.ErrInvalidKey)
		_, err = s.Stat(ctx(t), key)
		wantErr(t, "Stat "+key, err, store.ErrInvalidKey)
		wantErr(t, "Delete "+key, s.Delete(ctx(t), key), store.ErrInvalidKey)
	}
	for _, prefix := range []string{"/", "/abs", "a//", "../", "a/../"} {
		err := s.List(ctx(t), prefix, "", func(store.ObjectInfo) error { return nil })
		wantErr(t, "List "+prefix, err, store.ErrInvalidKey)
	}
	var n int
	if err := s.List(ctx(t), "", "", func(store.ObjectInfo) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("after invalid keys, List: %d objects, %v", n, err)
	}
}
