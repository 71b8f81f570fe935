// Package s3test starts S3 servers for tests: a real versitygw process
// (StartVersity) and the in-process gofakes3 (StartFake), plus FaultProxy,
// an HTTP proxy that injects errors, delays and dropped connections.
package s3test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/haikuports/kiln/internal/store"
)

// Server is a running S3 endpoint with one empty bucket.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	Region    string
	AccessKey string
	SecretKey string
	Bucket    string
	Name      string // "versitygw" or "gofakes3"
}

// URL returns the s3:// store URL of prefix in the server's bucket.
func (s *Server) URL(prefix string) string {
	if prefix == "" {
		return "s3://" + s.Bucket
	}
	return "s3://" + s.Bucket + "/" + prefix
}

// Client returns a plain SDK client for the server (path-style, no
// retries), for checks that bypass kiln's store.
func (s *Server) Client() *s3.Client {
	return s3.New(s.clientOptions())
}

func (s *Server) clientOptions() s3.Options {
	return s3.Options{
		BaseEndpoint:     aws.String(s.Endpoint),
		Region:           s.Region,
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RetryMaxAttempts: 1,
	}
}

// createBucket creates the bucket, retrying while the server starts.
func (s *Server) createBucket(t testing.TB, ready func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	var err error
	for {
		if err = ready(); err != nil {
			t.Fatalf("s3test: %s: %v", s.Name, err)
		}
		if _, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("s3test: %s at %s did not become ready: %v", s.Name, s.Endpoint, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Options returns the store options that reach the server.
func (s *Server) Options() store.S3Options {
	return store.S3Options{
		Endpoint:        s.Endpoint,
		Region:          s.Region,
		PathStyle:       true,
		AccessKeyID:     s.AccessKey,
		SecretAccessKey: s.SecretKey,
	}
}

// Store opens the store of prefix in the server's bucket; each distinct
// prefix is an independent, initially empty store.
func (s *Server) Store(t testing.TB, prefix string) *store.S3 {
	t.Helper()
	st, err := store.NewS3(context.Background(), s.Bucket, prefix, s.Options())
	if err != nil {
		t.Fatal(err)
	}
	return st
}
