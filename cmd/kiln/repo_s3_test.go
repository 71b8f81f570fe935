package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/store/s3test"
)

// TestRepoS3Errors: without credentials an S3 store says so in one line
// (never asking instance metadata: AWS_EC2_METADATA_SERVICE_ENDPOINT points
// nowhere reachable); a refused request is one line, with request and host
// ids only under -v.
func TestRepoS3Errors(t *testing.T) {
	srv := s3test.StartVersity(t)
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o600)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "KILN_S3_IMDS", "KILN_S3_SECRET_FILE", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	url := srv.URL("kiln") + "?path-style=true&endpoint=" + srv.Endpoint
	kiln := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), args, &out, &errOut)
		return code, errOut.String()
	}
	code, stderr := kiln("repo", "list", "--store", url)
	if code != 1 || !strings.Contains(stderr, "no AWS credentials found") || !strings.Contains(stderr, "?imds=true") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("no credentials: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	code, stderr = kiln("repo", "list", "--store", url)
	if code != 1 || !strings.Contains(stderr, "store: s3 get s3://"+srv.Bucket+"/kiln/master/x86_64/.kiln/head.json: SignatureDoesNotMatch") ||
		strings.Contains(stderr, "request id") || strings.Contains(stderr, "RequestID") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("refused request: exit %d, stderr %q", code, stderr)
	}
	code, stderr = kiln("repo", "list", "-v", "--store", url)
	if code != 1 || !strings.Contains(stderr, "kiln: request id ") || !strings.Contains(stderr, ", host id ") {
		t.Fatalf("refused request with -v: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	if code, stderr = kiln("repo", "verify", "--store", url); code != 1 || !strings.Contains(stderr, "no kiln store at s3://"+srv.Bucket+"/kiln/") {
		t.Fatalf("empty bucket prefix: exit %d, stderr %q", code, stderr)
	}
}
