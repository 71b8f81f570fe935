package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Get returns the object (or range); info.Size is the whole object's.
func (s *S3) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &k}
	ranged := opts.Offset != 0 || opts.Length > 0
	if opts.Offset < 0 {
		return nil, ObjectInfo{}, fmt.Errorf("%w: %s: negative offset %d", ErrInvalidRange, key, opts.Offset)
	}
	if ranged {
		r := fmt.Sprintf("bytes=%d-", opts.Offset)
		if opts.Length > 0 {
			r += strconv.FormatInt(opts.Offset+opts.Length-1, 10)
		}
		in.Range = &r
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, ObjectInfo{}, s.s3Error("get", key, err)
	}
	info := ObjectInfo{
		Key:      key,
		Size:     aws.ToInt64(out.ContentLength),
		ETag:     aws.ToString(out.ETag),
		Modified: aws.ToTime(out.LastModified),
	}
	if ranged && out.ContentRange == nil {
		// The server ignored the range and sent the whole object.
		return wholeAsRange(out.Body, info, opts)
	}
	if ranged {
		total, ok := parseContentRangeTotal(aws.ToString(out.ContentRange))
		if !ok {
			out.Body.Close()
			return nil, ObjectInfo{}, fmt.Errorf("store: s3 get %s: bad Content-Range %q", key, aws.ToString(out.ContentRange))
		}
		info.Size = total
	}
	return out.Body, info, nil
}

// wholeAsRange cuts the range of opts out of a whole object's body.
func wholeAsRange(body io.ReadCloser, info ObjectInfo, opts GetOptions) (io.ReadCloser, ObjectInfo, error) {
	if opts.Offset >= info.Size {
		body.Close()
		return nil, ObjectInfo{}, fmt.Errorf("%w: %s: offset %d, size %d", ErrInvalidRange, info.Key, opts.Offset, info.Size)
	}
	if _, err := io.CopyN(io.Discard, body, opts.Offset); err != nil {
		body.Close()
		return nil, ObjectInfo{}, fmt.Errorf("store: s3 get %s: %w", info.Key, err)
	}
	n := info.Size - opts.Offset
	if opts.Length > 0 && opts.Length < n {
		n = opts.Length
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(body, n), body}, info, nil
}

// parseContentRangeTotal returns the total of "bytes 0-9/1000".
func parseContentRangeTotal(cr string) (int64, bool) {
	_, total, ok := strings.Cut(cr, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil && n >= 0
}

// Stat returns the object's info (HeadObject).
func (s *S3) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	return s.stat(ctx, key)
}

func (s *S3) stat(ctx context.Context, key string, optFns ...func(*s3.Options)) (ObjectInfo, error) {
	k, err := s.key(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k}, optFns...)
	if err != nil {
		return ObjectInfo{}, s.s3Error("stat", key, err)
	}
	return ObjectInfo{
		Key:      key,
		Size:     aws.ToInt64(out.ContentLength),
		ETag:     aws.ToString(out.ETag),
		Modified: aws.ToTime(out.LastModified),
	}, nil
}

// Delete removes key (DeleteObject; a missing key is not an error).
func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil && !errors.Is(s.s3Error("delete", key, err), ErrNotFound) {
		return s.s3Error("delete", key, err)
	}
	return nil
}

// List pages through ListObjectsV2, merging objects and common prefixes
// of each page in key order.
func (s *S3) List(ctx context.Context, prefix, delimiter string, fn func(ObjectInfo) error) error {
	if err := ValidatePrefix(prefix); err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)}
	if delimiter != "" {
		in.Delimiter = &delimiter
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.s3Error("list", prefix, err)
		}
		objs, cps := page.Contents, page.CommonPrefixes
		for len(objs) > 0 || len(cps) > 0 {
			var o ObjectInfo
			if len(cps) == 0 || (len(objs) > 0 && aws.ToString(objs[0].Key) < aws.ToString(cps[0].Prefix)) {
				o = ObjectInfo{
					Key:      aws.ToString(objs[0].Key),
					Size:     aws.ToInt64(objs[0].Size),
					ETag:     aws.ToString(objs[0].ETag),
					Modified: aws.ToTime(objs[0].LastModified),
				}
				objs = objs[1:]
			} else {
				o = ObjectInfo{Key: aws.ToString(cps[0].Prefix), IsPrefix: true}
				cps = cps[1:]
			}
			o.Key = strings.TrimPrefix(o.Key, s.prefix)
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Copy copies src to dst. Unconditional copies run on the server
// (CopyObject, up to 5 GiB), with the source pinned to the ETag of a
// HeadObject (CopySourceIfMatch) so that the returned size is the
// copied one. Servers differ in honouring If-None-Match/If-Match on
// CopyObject (versitygw and gofakes3 ignore them), so a conditional copy
// streams the object through kiln into a conditional Put instead.
func (s *S3) Copy(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	if _, err := s.key(src); err != nil {
		return ObjectInfo{}, err
	}
	dk, err := s.key(dst)
	if err != nil {
		return ObjectInfo{}, err
	}
	if opts.IfNoneMatch || opts.IfMatch != "" {
		return s.copyThrough(ctx, src, dst, opts)
	}
	for attempt := 0; ; attempt++ {
		si, err := s.Stat(ctx, src)
		if err != nil {
			return ObjectInfo{}, err
		}
		in := &s3.CopyObjectInput{
			Bucket:            &s.bucket,
			Key:               &dk,
			CopySource:        aws.String(escapePath(s.bucket + "/" + s.prefix + src)),
			CopySourceIfMatch: aws.String(si.ETag),
		}
		if opts.ContentType != "" {
			in.ContentType = &opts.ContentType
			in.MetadataDirective = types.MetadataDirectiveReplace
		}
		out, err := s.client.CopyObject(ctx, in)
		if err != nil {
			err = s.s3Error("copy to "+dst+" from", src, err)
			if errors.Is(err, ErrPreconditionFailed) && attempt < 3 {
				continue // the source changed since the HeadObject
			}
			return ObjectInfo{}, err
		}
		info := ObjectInfo{Key: dst, Size: si.Size, ETag: si.ETag, Modified: time.Now().UTC()}
		if r := out.CopyObjectResult; r != nil {
			info.ETag = aws.ToString(r.ETag)
			if r.LastModified != nil {
				info.Modified = *r.LastModified
			}
		}
		return info, nil
	}
}

func (s *S3) copyThrough(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	if err := s.precheck(ctx, dst, opts); err != nil {
		return ObjectInfo{}, err
	}
	rc, info, err := s.Get(ctx, src, GetOptions{})
	if err != nil {
		return ObjectInfo{}, err
	}
	defer rc.Close()
	return s.Put(ctx, dst, rc, info.Size, opts)
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func setConditions(ifNoneMatch, ifMatch **string, opts PutOptions) {
	if opts.IfNoneMatch {
		*ifNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		*ifMatch = aws.String(opts.IfMatch)
	}
}

// PresignGet returns a URL that GETs key until ttl passes.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", s.s3Error("presign get", key, err)
	}
	return req.URL, nil
}

// PresignPut returns a URL that PUTs key (unconditionally) until ttl passes.
func (s *S3) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &k}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", s.s3Error("presign put", key, err)
	}
	return req.URL, nil
}
