package s3test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestServers(t *testing.T) {
	for name, start := range map[string]func(testing.TB) *Server{"versitygw": StartVersity, "gofakes3": StartFake} {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			c := s.Client()
			if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{
				Bucket: aws.String(s.Bucket), Key: aws.String("a/b"), Body: strings.NewReader("hi"),
			}); err != nil {
				t.Fatal(err)
			}
			out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "a/b" {
				t.Fatalf("listing: %+v", out.Contents)
			}
		})
	}
}

func TestVersityBinary(t *testing.T) {
	t.Setenv("KILN_TEST_VERSITYGW", "/nonexistent/versitygw")
	if got := VersityBinary(); got != "" {
		t.Fatalf("VersityBinary() with a missing $KILN_TEST_VERSITYGW = %q", got)
	}
}
