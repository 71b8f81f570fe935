package s3test

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// StartFake starts an in-process gofakes3 server (memory backend) with
// one bucket, closed when the test ends. It is fast but not a real S3:
// use StartVersity for what must hold against real servers.
func StartFake(t testing.TB) *Server {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	ts := httptest.NewServer(faker.Server())
	t.Cleanup(ts.Close)
	s := &Server{
		Endpoint:  ts.URL,
		Region:    "us-east-1",
		AccessKey: "fake",
		SecretKey: "fake-secret",
		Bucket:    "kiln-test",
		Name:      "gofakes3",
	}
	s.createBucket(t, func() error { return nil })
	return s
}
