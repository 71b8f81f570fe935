package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Put uploads r: one PutObject up to PartSize, else a multipart upload
// whose CompleteMultipartUpload carries the conditions. A body that is an
// io.ReaderAt+io.Seeker (a file, a bytes.Reader) goes through the SDK's
// upload manager, which reads it in place by sections. Any other body is
// read part by part into the store's part buffers (at most Concurrency+1
// per upload, PartBuffers per store), so a stream of any length costs
// bounded memory and no disk. A failed or canceled upload is aborted: no
// object appears. Conditional uploads larger than a part first check the
// condition with HeadObject, so a lost race does not cost the upload.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	k, err := s.key(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if (opts.IfNoneMatch || opts.IfMatch != "") && (size < 0 || size > s.uploader.PartSize) {
		if err := s.precheck(ctx, key, opts); err != nil {
			return ObjectInfo{}, err
		}
	}
	body, size, counter, err := uploadBody(r, size)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("store: s3 put %s: %w", key, err)
	}
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: body}
	setConditions(&in.IfNoneMatch, &in.IfMatch, opts)
	if opts.ContentType != "" {
		in.ContentType = &opts.ContentType
	}
	var etag string
	if counter != nil {
		etag, err = s.putStream(ctx, in, counter)
	} else {
		var out *manager.UploadOutput
		if out, err = s.uploader.Upload(ctx, in); err == nil {
			etag = aws.ToString(out.ETag)
		}
		var mf manager.MultiUploadFailure
		if errors.As(err, &mf) && ctx.Err() != nil {
			// The manager aborted with the canceled ctx, which fails.
			s.abort(ctx, in.Key, aws.String(mf.UploadID()))
		}
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", cerr, err)
		}
		err = s.s3Error("put", key, err)
		if opts.IfMatch != "" && errors.Is(err, ErrNotFound) {
			// S3 answers If-Match on a missing key with 404 NoSuchKey.
			err = fmt.Errorf("%w: %w", ErrPreconditionFailed, err)
		}
		return ObjectInfo{}, err
	}
	n := size
	if counter != nil {
		n = counter.n
	}
	return ObjectInfo{Key: key, Size: n, ETag: etag, Modified: time.Now().UTC()}, nil
}

// precheck tests the conditions of opts with a HeadObject, which the SDK
// retries like the requests of the upload itself (the Put may have a body
// that cannot be replayed).
func (s *S3) precheck(ctx context.Context, key string, opts PutOptions) error {
	cur, err := s.stat(ctx, key, s.partOpts)
	switch {
	case errors.Is(err, ErrNotFound):
		if opts.IfMatch != "" {
			return fmt.Errorf("%w: %s does not exist", ErrPreconditionFailed, key)
		}
		return nil
	case err != nil:
		return err
	case opts.IfNoneMatch:
		return fmt.Errorf("%w: %s exists", ErrPreconditionFailed, key)
	case opts.IfMatch != "" && cur.ETag != opts.IfMatch:
		return fmt.Errorf("%w: %s has ETag %s, not %s", ErrPreconditionFailed, key, cur.ETag, opts.IfMatch)
	}
	return nil
}

type readerAtSeeker interface {
	io.ReaderAt
	io.ReadSeeker
}

// uploadBody prepares r for the upload: a ReaderAt+Seeker becomes a
// section of exactly size bytes (checked to be there; size < 0 means up
// to its end, and the size is returned); any other reader is wrapped so
// that it fails when short and is counted.
func uploadBody(r io.Reader, size int64) (io.Reader, int64, *exactReader, error) {
	if ras, ok := r.(readerAtSeeker); ok {
		cur, err := ras.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, 0, nil, err
		}
		end, err := ras.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, 0, nil, err
		}
		if _, err := ras.Seek(cur, io.SeekStart); err != nil {
			return nil, 0, nil, err
		}
		if size < 0 {
			size = end - cur
		}
		if end-cur < size {
			return nil, 0, nil, fmt.Errorf("body has %d bytes, want %d: %w", end-cur, size, errShortBody)
		}
		return io.NewSectionReader(ras, cur, size), size, nil, nil
	}
	e := &exactReader{r: r, left: size}
	if size >= 0 {
		e.r = io.LimitReader(r, size)
	}
	return e, size, e, nil
}

// exactReader counts bytes and turns an early EOF into io.ErrUnexpectedEOF
// (so the manager aborts instead of storing a short object).
type exactReader struct {
	r    io.Reader
	left int64 // < 0: unknown size
	n    int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if e.left >= 0 {
		e.left -= int64(n)
		if err == io.EOF && e.left > 0 {
			err = fmt.Errorf("body ended %d bytes early: %w", e.left, errShortBody)
		}
	}
	return n, err
}
