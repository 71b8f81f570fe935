package store_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// noAWSEnv clears every credential source of the environment and points
// the shared files at empty ones and the instance-metadata service at a
// local server that counts its requests (so nothing can reach the real one).
func noAWSEnv(t *testing.T) *atomic.Int64 {
	t.Helper()
	var hits atomic.Int64
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(imds.Close)
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o600)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_DISABLED", "KILN_S3_IMDS", "KILN_S3_SECRET_FILE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	return &hits
}

// TestS3NoCredentials: without credentials, opening an S3 store says so
// in one line, with the ways to give them, and never asks the
// instance-metadata service unless told to (URL option or environment).
func TestS3NoCredentials(t *testing.T) {
	hits := noAWSEnv(t)
	url := "s3://bucket/prefix?endpoint=http://127.0.0.1:9&path-style=true"
	_, err := store.Open(t.Context(), url, store.S3Options{})
	var nc *store.NoCredentialsError
	if !errors.Is(err, store.ErrNoCredentials) || !errors.As(err, &nc) {
		t.Fatalf("Open without credentials: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"s3://bucket: no AWS credentials found", "AWS_ACCESS_KEY_ID", "?profile=NAME", "?secret-file=PATH", "KILN_S3_SECRET_FILE", "?imds=true"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "169.254") || strings.Contains(strings.ToLower(msg), "ec2imds") {
		t.Errorf("message is not one plain line: %s", msg)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the instance-metadata service was asked %d times without imds=true", n)
	}
	// Told to, it is asked (here: the local stand-in, which has no role).
	for _, tc := range []struct{ url, env string }{{url + "&imds=true", ""}, {url, "true"}} {
		hits.Store(0)
		t.Setenv("KILN_S3_IMDS", tc.env)
		_, err := store.Open(t.Context(), tc.url, store.S3Options{})
		if !errors.Is(err, store.ErrNoCredentials) || !strings.Contains(err.Error(), "instance role (imds) gave none") || hits.Load() == 0 {
			t.Errorf("imds via %q/%q: %v (%d requests)", tc.url, tc.env, err, hits.Load())
		}
	}
	t.Setenv("KILN_S3_IMDS", "maybe")
	if _, err := store.Open(t.Context(), url, store.S3Options{}); err == nil || !strings.Contains(err.Error(), "KILN_S3_IMDS") {
		t.Errorf("KILN_S3_IMDS=maybe: %v", err)
	}
}

// TestS3SecretFileAndErrors: credentials from a secret file (URL option or
// environment) reach a real server; S3 errors are one line naming the
// operation, bucket and key, code and message, with request ids apart.
func TestS3SecretFileAndErrors(t *testing.T) {
	srv := s3test.StartVersity(t)
	noAWSEnv(t)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("[default]\naws_access_key_id = "+srv.AccessKey+"\naws_secret_access_key = "+srv.SecretKey+"\n"), 0o600)
	base := srv.URL("sec") + "?path-style=true&endpoint=" + srv.Endpoint
	for _, tc := range []struct{ url, env string }{{base + "&secret-file=" + secret, ""}, {base, secret}} {
		t.Setenv("KILN_S3_SECRET_FILE", tc.env)
		s, err := store.Open(t.Context(), tc.url, store.S3Options{})
		if err != nil {
			t.Fatalf("secret file via %q/%q: %v", tc.url, tc.env, err)
		}
		if _, err := s.Put(t.Context(), "k", strings.NewReader("v"), 1, store.PutOptions{}); err != nil {
			t.Fatalf("put with a secret file: %v", err)
		}
		_, _, err = s.Get(t.Context(), "missing/key", store.GetOptions{})
		msg := err.Error()
		if !errors.Is(err, store.ErrNotFound) || !strings.HasPrefix(msg, "store: s3 get s3://"+srv.Bucket+"/sec/missing/key: NoSuchKey") ||
			!strings.Contains(msg, "(HTTP 404)") || strings.Contains(msg, "RequestID") || strings.Contains(msg, "operation error") || strings.Contains(msg, "\n") {
			t.Errorf("missing key: %v", err)
		}
	}
	t.Setenv("KILN_S3_SECRET_FILE", "")
	if _, err := store.Open(t.Context(), base+"&secret-file="+secret+".nope", store.S3Options{}); err == nil || !strings.Contains(err.Error(), "secret file") {
		t.Errorf("missing secret file: %v", err)
	}
	bad, err := store.Open(t.Context(), base, store.S3Options{AccessKeyID: srv.AccessKey, SecretAccessKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Stat(t.Context(), "k")
	_, err2 := bad.Put(t.Context(), "k2", strings.NewReader("v"), 1, store.PutOptions{})
	if err2 == nil || !strings.Contains(err2.Error(), "store: s3 put s3://"+srv.Bucket+"/sec/k2: ") || !strings.Contains(err2.Error(), "(HTTP 403)") || strings.Contains(err2.Error(), "RequestID") {
		t.Errorf("bad secret: %v / %v", err, err2)
	}
	t.Logf("one-line error: %v; detail: %q", err2, store.ErrorDetail(err2))
}
