package s3test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

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

// The same seed disturbs the same requests (in arrival order).
func TestFaultProxyDeterministic(t *testing.T) {
	srv := StartFake(t)
	run := func() []string {
		p := StartFaultProxy(t, srv.Endpoint, Faults{Seed: 42, Errors: 0.2, Drops: 0.1, Delays: 0.1, Delay: time.Millisecond})
		var out []string
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		for range 40 {
			resp, err := client.Get(p.URL + "/" + srv.Bucket + "/missing")
			if err != nil {
				out = append(out, "dropped")
				continue
			}
			resp.Body.Close()
			out = append(out, resp.Status)
		}
		if p.Requests.Load() != 40 || p.Injected.Load() == 0 {
			t.Fatalf("%d requests, %d injected", p.Requests.Load(), p.Injected.Load())
		}
		return out
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%q\n%q", a, b)
	}
}
