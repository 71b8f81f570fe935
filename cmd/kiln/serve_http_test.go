package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestServeListenAddr: --listen, else KILN_LISTEN, else [http] listen
// (KILN_HTTP_LISTEN already applied to it), else 127.0.0.1:8080.
func TestServeListenAddr(t *testing.T) {
	for _, tc := range []struct {
		flag, env, key string
		want, from     string
	}{
		{"", "", "", "127.0.0.1:8080", "listen"},
		{"", "", ":9000", ":9000", "http.listen"},
		{"", ":8001", ":9000", ":8001", "KILN_LISTEN"},
		{":7000", ":8001", ":9000", ":7000", "--listen"},
		{":7000", "", "", ":7000", "--listen"},
	} {
		addr, from := listenAddr(tc.flag, tc.env, config.HTTP{Listen: tc.key})
		if addr != tc.want || from != tc.from {
			t.Errorf("listenAddr(%q, %q, %q) = %q, %q; want %q, %q", tc.flag, tc.env, tc.key, addr, from, tc.want, tc.from)
		}
	}
}

// TestServeHTTPConfig runs kiln serve with [http] keys from the file: the
// repositories answer below repo_prefix ("/haikuports", and "/" next to
// the UI, whose overview still answers at /), current/ with
// current_max_age, and [http] listen is used without --listen and
// KILN_LISTEN. The target is published before kiln serve starts.
func TestServeHTTPConfig(t *testing.T) {
	for _, tc := range []struct {
		prefix, base string
		flag         bool // --listen, else [http] listen
	}{
		{"/haikuports", "/haikuports", true},
		{"/", "", false},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if _, err := demo.WriteTree(ctx, filepath.Join(dir, "tree")); err != nil {
				t.Fatal(err)
			}
			writeServeTarget(t, dir)
			st, err := store.Create(ctx, filepath.Join(dir, "store"), store.S3Options{})
			if err != nil {
				t.Fatal(err)
			}
			info := demo.RepoInfo(pkginfo.ArchX86_64, "http://127.0.0.1"+tc.base+"/master/x86_64/current")
			if _, err := repo.New(st, repo.Target{Branch: "master", Arch: "x86_64"}, repo.Options{}).Publish(ctx, repo.Change{Info: &info, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			listen := ""
			if !tc.flag {
				listen = "listen = \"127.0.0.1:0\"\n"
			}
			testenv.WriteFile(t, dir, "kiln.toml", fmt.Sprintf(`[store]
url = "store"
[tree]
path = "tree"
poll = "1h"
[[target]]
branch = "master"
arch = "x86_64"
system_packages = "system"
repo_info = "repo.info"
[[builders.mock]]
name = "mock"
[build]
publish = "never"
[http]
%srepo_prefix = %q
current_max_age = "7s"
`, listen, tc.prefix))
			t.Setenv("KILN_LISTEN", "")
			args := []string{"serve", "-c", filepath.Join(dir, "kiln.toml")}
			if tc.flag {
				args = append(args, "--listen", "127.0.0.1:0")
			}
			base, _ := startServeCmd(t, args...)
			get := func(path string) (*http.Response, string) {
				t.Helper()
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			resp, body := get(tc.base + "/master/x86_64/current/repo.info")
			if resp.StatusCode != 200 || !strings.Contains(body, tc.base+"/master/x86_64/current") {
				t.Fatalf("repo.info: %d %q", resp.StatusCode, body)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=7" {
				t.Errorf("Cache-Control %q", cc)
			}
			if resp, body := get("/"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "master/x86_64") {
				t.Errorf("overview: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp, _ := get("/repo/master/x86_64/current/repo.info"); resp.StatusCode != 404 {
				t.Errorf("/repo/… answers %d below %s", resp.StatusCode, tc.prefix)
			}
		})
	}
}
