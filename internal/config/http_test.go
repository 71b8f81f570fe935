package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// httpBase is a valid config without [http]; s3Base the same on an S3
// store.
const (
	httpBase = "[store]\nurl = \"s\"\n[tree]\npath = \"t\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\nname = \"m\"\n"
	s3Base   = "[store]\nurl = \"s3://b/p?region=x\"\n[tree]\npath = \"t\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\nname = \"m\"\n"
)

// TestHTTPConfig: the [http] keys, their defaults and their normal forms.
func TestHTTPConfig(t *testing.T) {
	for _, tc := range []struct {
		name, file    string
		listen        string
		prefix        string
		public        string
		maxAge, presi time.Duration
	}{
		{"defaults", httpBase, "127.0.0.1:8080", "/repo", "", 60 * time.Second, 15 * time.Minute},
		{"root", httpBase + "[http]\nrepo_prefix = \"/\"\n", "127.0.0.1:8080", "", "", 60 * time.Second, 15 * time.Minute},
		{"haikuports", httpBase + "[http]\nrepo_prefix = \"/haikuports/\"\nlisten = \":9090\"\n", ":9090", "/haikuports", "", 60 * time.Second, 15 * time.Minute},
		{"nested", httpBase + "[http]\nrepo_prefix = \"/pkg/haiku-ports_1.0~x\"\n", "127.0.0.1:8080", "/pkg/haiku-ports_1.0~x", "", 60 * time.Second, 15 * time.Minute},
		{"durations", httpBase + "[http]\ncurrent_max_age = \"5m\"\npresign_ttl = \"1h\"\nlisten = \"[::1]:0\"\n", "[::1]:0", "/repo", "", 5 * time.Minute, time.Hour},
		{"no-cache", httpBase + "[http]\ncurrent_max_age = \"0s\"\n", "127.0.0.1:8080", "/repo", "", -1, 15 * time.Minute},
		{"public", s3Base + "[http]\npublic_base_url = \"https://cdn.example.org/hp/\"\n", "127.0.0.1:8080", "/repo", "https://cdn.example.org/hp/", 60 * time.Second, 15 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("kiln.toml", []byte(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			h := c.HTTP
			if h.ListenAddr() != tc.listen || h.Prefix() != tc.prefix || string(h.PublicBaseURL) != tc.public || h.MaxAge() != tc.maxAge || h.TTL() != tc.presi {
				t.Errorf("listen %q prefix %q public %q max-age %s presign %s", h.ListenAddr(), h.Prefix(), h.PublicBaseURL, h.MaxAge(), h.TTL())
			}
		})
	}
}

// TestHTTPConfigErrors: a bad value fails naming the file and the key,
// with its position when the value itself is wrong.
func TestHTTPConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		base, http string
		want       []string
	}{
		{httpBase, `repo_prefix = "repo"`, []string{"kiln.toml:11:15", "http.repo_prefix", "does not start with /"}},
		{httpBase, `repo_prefix = "/a/../b"`, []string{"kiln.toml:11:", "http.repo_prefix", `".." segment`}},
		{httpBase, `repo_prefix = "/.."`, []string{"kiln.toml:11:", "http.repo_prefix", `".." segment`}},
		{httpBase, `repo_prefix = "//x"`, []string{"kiln.toml:11:", "http.repo_prefix", "empty segment"}},
		{httpBase, `repo_prefix = "/a b"`, []string{"kiln.toml:11:", "http.repo_prefix", "only letters"}},
		{httpBase, `repo_prefix = "/x?y"`, []string{"kiln.toml:11:", "http.repo_prefix", "only letters"}},
		{httpBase, `repo_prefix = "/r%2e"`, []string{"kiln.toml:11:", "http.repo_prefix", "only letters"}},
		{httpBase, `repo_prefix = "/api"`, []string{"kiln.toml:11:", "http.repo_prefix", "kiln serve's own route"}},
		{httpBase, `repo_prefix = "/runs/x"`, []string{"kiln.toml:11:", "http.repo_prefix", "kiln serve's own route"}},
		{httpBase, `listen = "8080"`, []string{"kiln.toml:11:", "http.listen", "want host:port"}},
		{httpBase, `listen = "localhost:http"`, []string{"kiln.toml:11:", "http.listen", "want host:port"}},
		{httpBase, `public_base_url = "ftp://x/y"`, []string{"kiln.toml:11:", "http.public_base_url", "want http(s)://host/path"}},
		{httpBase, `public_base_url = "/cdn"`, []string{"kiln.toml:11:", "http.public_base_url", "want http(s)://host/path"}},
		{httpBase, `public_base_url = "https://u:secret@cdn/x"`, []string{"kiln.toml:11:", "http.public_base_url", "without user"}},
		{s3Base, `public_base_url = "https://cdn/x?sig=1"`, []string{"kiln.toml:11:", "http.public_base_url", "query"}},
		{httpBase, `public_base_url = "https://cdn/x"`, []string{"kiln.toml: ", "http.public_base_url", "not an s3:// store"}},
		{httpBase, `current_max_age = "-1s"`, []string{"http.current_max_age", "want 0s"}},
		{httpBase, `current_max_age = "soon"`, []string{"kiln.toml:11", "current_max_age"}},
		{httpBase, `presign_ttl = "200h"`, []string{"http.presign_ttl", "1s to 168h"}},
		{httpBase, `presign_ttl = "1ms"`, []string{"http.presign_ttl", "1s to 168h"}},
		{httpBase, `presign_ttl = "-1m"`, []string{"http.presign_ttl", "1s to 168h"}},
		{httpBase, `proxy = true`, []string{"kiln.toml:11:1", "http.proxy: unknown key"}},
		{strings.Replace(httpBase, `"master"`, `"runs"`, 1), `repo_prefix = "/"`, []string{"http.repo_prefix", `target[0].branch "runs"`}},
	} {
		t.Run(tc.http, func(t *testing.T) {
			_, err := Parse("kiln.toml", []byte(tc.base+"[http]\n"+tc.http+"\n"))
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: want %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the value is in the error: %v", err)
			}
		})
	}
	// A branch that is a server path is fine below a prefix.
	if _, err := Parse("kiln.toml", []byte(strings.Replace(httpBase, `"master"`, `"runs"`, 1))); err != nil {
		t.Errorf("branch runs below /repo: %v", err)
	}
}

// TestHTTPEnv: KILN_HTTP_… override the [http] keys, checked as the
// file's values are; KILN_LISTEN is not a key (kiln serve reads it, before
// http.listen) and leaves http.listen alone.
func TestHTTPEnv(t *testing.T) {
	file := httpBase + "[http]\nlisten = \"127.0.0.1:1\"\nrepo_prefix = \"/repo\"\n"
	for _, tc := range []struct {
		env            []string
		listen, prefix string
		err            []string
	}{
		{nil, "127.0.0.1:1", "/repo", nil},
		{[]string{"KILN_LISTEN=:2"}, "127.0.0.1:1", "/repo", nil},
		{[]string{"KILN_HTTP_LISTEN=:3", "KILN_LISTEN=:2"}, ":3", "/repo", nil},
		{[]string{"KILN_HTTP_REPO_PREFIX=/"}, "127.0.0.1:1", "", nil},
		{[]string{"KILN_HTTP_REPO_PREFIX=/haikuports"}, "127.0.0.1:1", "/haikuports", nil},
		{[]string{"KILN_HTTP_REPO_PREFIX=/a/../b"}, "", "", []string{"http.repo_prefix", `".." segment`}},
		{[]string{"KILN_HTTP_LISTEN=nope"}, "", "", []string{"http.listen", "want host:port"}},
		{[]string{"KILN_HTTP_PUBLIC_BASE_URL=gopher://secret"}, "", "", []string{"http.public_base_url", "not a public base URL"}},
		{[]string{"KILN_HTTP_PRESIGN_TTL=soon"}, "", "", []string{"KILN_HTTP_PRESIGN_TTL", "http.presign_ttl"}},
		{[]string{"KILN_HTTP_CURRENT_MAX_AGE=-5s"}, "", "", []string{"http.current_max_age"}},
	} {
		t.Run(strings.Join(tc.env, ","), func(t *testing.T) {
			c, err := ParseEnv("kiln.toml", []byte(file), tc.env)
			if tc.err != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%v: want %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the value is in the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTP.ListenAddr() != tc.listen || c.HTTP.Prefix() != tc.prefix {
				t.Errorf("listen %q prefix %q", c.HTTP.ListenAddr(), c.HTTP.Prefix())
			}
		})
	}
}
