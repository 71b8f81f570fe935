package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/store/storetest"
)

// prefixes hands each subtest its own prefix (an empty store) in one bucket.
func prefixes(srv *s3test.Server) func(t *testing.T) store.Store {
	var n atomic.Int64
	return func(t *testing.T) store.Store {
		return srv.Store(t, fmt.Sprintf("t%d/", n.Add(1)))
	}
}

func TestS3Versity(t *testing.T) {
	storetest.Run(t, prefixes(s3test.StartVersity(t)))
}

func TestS3GoFakeS3(t *testing.T) {
	storetest.RunWith(t, storetest.Options{MultipartETagDiffers: true}, prefixes(s3test.StartFake(t)))
}

// Streaming uploads share a small pool of part buffers without deadlock
// and without mixing parts up.
func TestS3StreamBuffersShared(t *testing.T) {
	srv := s3test.StartFake(t)
	o := srv.Options()
	o.Concurrency, o.PartBuffers = 2, 3
	s, err := store.NewS3(t.Context(), srv.Bucket, "shared", o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var g errgroup.Group
	for i := range 4 {
		g.Go(func() error {
			data := storetest.Data(uint64(100+i), 11<<20+i)
			key := fmt.Sprintf("k%d", i)
			if _, err := s.Put(ctx, key, io.MultiReader(bytes.NewReader(data)), -1, store.PutOptions{}); err != nil {
				return err
			}
			rc, _, err := s.Get(ctx, key, store.GetOptions{})
			if err != nil {
				return err
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, data) {
				return fmt.Errorf("%s: content differs", key)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

// Failed and canceled streaming uploads abort their multipart uploads:
// no parts are left behind on the server.
func TestS3StreamAbortsMultipart(t *testing.T) {
	srv := s3test.StartVersity(t)
	s := srv.Store(t, "abort/")
	data := storetest.Data(9, 12<<20)
	// A body that fails after two parts.
	r := io.MultiReader(bytes.NewReader(data[:11<<20]), iotestErr{})
	if _, err := s.Put(t.Context(), "failed", r, -1, store.PutOptions{}); err == nil {
		t.Fatal("Put with a failing body succeeded")
	}
	// A context canceled after two parts.
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:11<<20])
		cancel()
		pw.Write(data[11<<20:])
		pw.Close()
	}()
	if _, err := s.Put(ctx, "canceled", pr, -1, store.PutOptions{}); err == nil {
		t.Fatal("canceled Put succeeded")
	}
	pr.CloseWithError(context.Canceled)
	// The same through the upload manager (a file-like body).
	ctx, cancel = context.WithCancel(t.Context())
	slow := &cancelAt{r: bytes.NewReader(data), at: 11 << 20, cancel: cancel}
	if _, err := s.Put(ctx, "canceled-file", slow, int64(len(data)), store.PutOptions{}); err == nil {
		t.Fatal("canceled Put of a file-like body succeeded")
	}
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Fatalf("%d multipart uploads left behind", len(out.Uploads))
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, fmt.Errorf("body broke") }

// cancelAt is a ReaderAt+Seeker that cancels its context once a read
// reaches offset at.
type cancelAt struct {
	r      *bytes.Reader
	at     int64
	cancel context.CancelFunc
}

func (c *cancelAt) Read(p []byte) (int, error)            { return c.r.Read(p) }
func (c *cancelAt) Seek(off int64, wh int) (int64, error) { return c.r.Seek(off, wh) }
func (c *cancelAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) >= c.at {
		c.cancel()
	}
	return c.r.ReadAt(p, off)
}

// Large streaming create-if-absent uploads racing for one key: all pass
// the HeadObject precheck together, and the server's conditional
// CompleteMultipartUpload lets exactly one win.
func TestS3RaceLargeCreate(t *testing.T) {
	srv := s3test.StartVersity(t)
	s := srv.Store(t, "race/")
	const writers = 5
	errs := make([]error, writers)
	start := make(chan struct{})
	var g errgroup.Group
	for i := range writers {
		g.Go(func() error {
			<-start
			data := storetest.Data(uint64(200+i), 11<<20)
			_, errs[i] = s.Put(t.Context(), "big", io.MultiReader(bytes.NewReader(data)), -1, store.PutOptions{IfNoneMatch: true})
			return nil
		})
	}
	close(start)
	g.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("writers %d and %d both created the key", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrPreconditionFailed):
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer won")
	}
	rc, _, err := s.Get(t.Context(), "big", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, storetest.Data(uint64(200+won), 11<<20)) {
		t.Fatalf("content is not writer %d's", won)
	}
}
