package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// partBuffers bounds the memory of streaming uploads: at most cap(sem)
// part buffers are in use per store, shared by all concurrent Puts. Each
// upload also holds at most Concurrency+1 of them (the one being filled
// counts). The buffers are anonymous mmap(2) memory outside the Go heap,
// reused, and given back to the kernel (madvise MADV_DONTNEED, never
// unmapped: the HTTP transport may still read a body after a request
// returned) when the last upload ends: they neither count towards the
// garbage collector's heap goal (which would let the heap double around
// them) nor stay resident when idle.
type partBuffers struct {
	size  int
	sem   chan struct{}
	mu    sync.Mutex
	free  [][]byte
	inUse int
}

func newPartBuffers(size int64, n int) *partBuffers {
	return &partBuffers{size: int(size), sem: make(chan struct{}, n)}
}

func (p *partBuffers) get(ctx context.Context) ([]byte, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse++
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b, nil
	}
	return allocBuffer(p.size), nil
}

func (p *partBuffers) put(b []byte) {
	p.mu.Lock()
	p.free = append(p.free, b)
	if p.inUse--; p.inUse == 0 {
		for _, b := range p.free {
			releaseBuffer(b)
		}
	}
	p.mu.Unlock()
	<-p.sem
}

// putStream uploads a body that cannot be read in place: parts are read
// into the store's bounded buffers and uploaded Concurrency at a time (PartBuffers bounds all uploads).
// A body shorter than one part becomes a single PutObject. Any failure
// aborts the multipart upload (even when ctx is done).
func (s *S3) putStream(ctx context.Context, in *s3.PutObjectInput, body *exactReader) (etag string, err error) {
	bufs := &uploadBuffers{p: s.buffers, slots: make(chan struct{}, s.concurrency+1)}
	buf, err := bufs.get(ctx)
	if err != nil {
		return "", err
	}
	n, eof, rerr := fill(body, buf)
	if rerr == nil && eof {
		// One part holds it all.
		defer bufs.put(buf)
		in.Body = bytes.NewReader(buf[:n])
		in.ContentLength = aws.Int64(int64(n))
		out, err := s.client.PutObject(ctx, in, s.partOpts)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ETag), nil
	}
	if rerr != nil {
		bufs.put(buf)
		return "", rerr
	}
	create := &s3.CreateMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, ContentType: in.ContentType}
	mp, err := s.client.CreateMultipartUpload(ctx, create, s.partOpts)
	if err != nil {
		bufs.put(buf)
		return "", err
	}
	parts, err := s.uploadParts(ctx, in, mp.UploadId, bufs, buf, body)
	if err == nil {
		complete := &s3.CompleteMultipartUploadInput{
			Bucket: in.Bucket, Key: in.Key, UploadId: mp.UploadId,
			IfNoneMatch: in.IfNoneMatch, IfMatch: in.IfMatch,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		}
		var out *s3.CompleteMultipartUploadOutput
		if out, err = s.client.CompleteMultipartUpload(ctx, complete, s.partOpts); err == nil {
			return aws.ToString(out.ETag), nil
		}
	}
	s.abort(ctx, in.Key, mp.UploadId)
	return "", err
}

// abort aborts a multipart upload, even when ctx is done (best effort:
// a bucket lifecycle rule should clean up what remains).
func (s *S3) abort(ctx context.Context, key, uploadID *string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket: &s.bucket, Key: key, UploadId: uploadID,
	}, s.partOpts)
}

// uploadParts uploads first and then the rest of body, part by part.
func (s *S3) uploadParts(ctx context.Context, in *s3.PutObjectInput, uploadID *string, bufs *uploadBuffers, first []byte, body io.Reader) ([]types.CompletedPart, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		parts []types.CompletedPart
		wg    sync.WaitGroup
	)
	upload := func(num int32, buf []byte, n int) {
		defer wg.Done()
		defer bufs.put(buf)
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: in.Bucket, Key: in.Key, UploadId: uploadID,
			PartNumber:    aws.Int32(num),
			Body:          bytes.NewReader(buf[:n]),
			ContentLength: aws.Int64(int64(n)),
		}, s.partOpts)
		if err != nil {
			cancel(fmt.Errorf("part %d: %w", num, err))
			return
		}
		mu.Lock()
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		mu.Unlock()
	}
	buf, n := first, len(first)
	var readErr error
	for num := int32(1); ; num++ {
		if num > 10000 {
			readErr = fmt.Errorf("body longer than 10000 parts of %d bytes", len(buf))
			bufs.put(buf)
			break
		}
		wg.Add(1)
		go upload(num, buf, n)
		if buf, readErr = bufs.get(ctx); readErr != nil {
			break
		}
		var eof bool
		n, eof, readErr = fill(body, buf)
		if readErr != nil || (eof && n == 0) {
			bufs.put(buf)
			break
		}
		if eof { // the last, short part
			wg.Add(1)
			go upload(num+1, buf, n)
			break
		}
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		if readErr == nil || errors.Is(readErr, context.Canceled) {
			readErr = cause
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	slices.SortFunc(parts, func(a, b types.CompletedPart) int { return int(*a.PartNumber - *b.PartNumber) })
	return parts, nil
}

// uploadBuffers are one upload's share of the store's part buffers.
type uploadBuffers struct {
	p     *partBuffers
	slots chan struct{}
}

func (u *uploadBuffers) get(ctx context.Context) ([]byte, error) {
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b, err := u.p.get(ctx)
	if err != nil {
		<-u.slots
	}
	return b, err
}

func (u *uploadBuffers) put(b []byte) {
	u.p.put(b)
	<-u.slots
}

// fill reads into buf until it is full or r ends (eof); unlike
// io.ReadFull it keeps r's own errors (even io.ErrUnexpectedEOF) apart
// from a short last part.
func fill(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}
