package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeEnvConfig: kiln serve with no config file and KILN_ key
// variables makes the config from them (not the demo): a bad or unknown
// one fails with exit 2 naming it, a missing required key is named.
func TestServeEnvConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"KILN_BUILD_RETRIES": "three"}, []string{"KILN_BUILD_RETRIES", "build.retries"}},
		{map[string]string{"KILN_STORE_URI": "x"}, []string{"KILN_STORE_URI", "no such key"}},
		{map[string]string{"KILN_TREE_POLL": "5s"}, []string{"store.url: required", "tree.path: required"}},
		{map[string]string{"KILN_HTTP_REPO_PREFIX": "haikuports"}, []string{"http.repo_prefix", "does not start with /"}},
	} {
		t.Run(strings.Join(tc.want, ","), func(t *testing.T) {
			t.Chdir(t.TempDir())
			t.Setenv("KILN_CONFIG", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0"}, &out, &errOut)
			if code != exitUsageOrInput {
				t.Fatalf("exit %d, want %d; %s%s", code, exitUsageOrInput, out.String(), errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q: want %q", errOut.String(), w)
				}
			}
			if strings.Contains(out.String(), "demo") {
				t.Errorf("ran the demo: %s", out.String())
			}
		})
	}
}
