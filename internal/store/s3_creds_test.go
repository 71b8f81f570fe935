package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// Credentials come from S3Options, else the environment, else the shared
// files and a profile; versitygw checks the signatures.
func TestS3Credentials(t *testing.T) {
	srv := s3test.StartVersity(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(creds, []byte("[kiln]\naws_access_key_id = "+srv.AccessKey+"\naws_secret_access_key = "+srv.SecretKey+
		"\n[wrong]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n"), 0o600)
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, nil, 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	base := srv.URL("creds") + "?path-style=true&endpoint=" + srv.Endpoint
	try := func(url string, o store.S3Options) error {
		s, err := store.Open(t.Context(), url, o)
		if err != nil {
			return err
		}
		_, err = s.Put(t.Context(), "k", strings.NewReader("v"), 1, store.PutOptions{})
		return err
	}
	if err := try(base+"&profile=kiln", store.S3Options{}); err != nil {
		t.Errorf("profile from the shared credentials file: %v", err)
	}
	if err := try(base+"&profile=wrong", store.S3Options{}); err == nil {
		t.Error("wrong profile: Put succeeded")
	}
	if err := try(base+"&profile=wrong", store.S3Options{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}); err != nil {
		t.Errorf("options over profile: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	if err := try(base, store.S3Options{}); err != nil {
		t.Errorf("credentials from the environment: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "bad")
	if err := try(base, store.S3Options{}); err == nil {
		t.Error("bad secret in the environment: Put succeeded")
	}
}
