package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMirrorConfig: defaults, a relative directory resolved against the
// file's, and each mistake named with its key.
func TestMirrorConfig(t *testing.T) {
	dir := t.TempDir()
	base := strings.Replace(urlTree, "[[builders.mock]]", `[[mirror]]
url = "s3://haikuports-mirror/kiln?endpoint=https://s3.example.org"
targets = ["master/x86_64"]

[[mirror]]
url = "mirror"
delete = true
interval = "5m"
retries = 0
backoff = "1m"

[[builders.mock]]`, 1)
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	m0, m1 := c.Mirrors[0].Resolved(), c.Mirrors[1].Resolved()
	if *m0.Retries != DefaultMirrorRetries || time.Duration(m0.Backoff) != DefaultMirrorBackoff || !m0.For("master/x86_64") || m0.For("master/x86") {
		t.Errorf("mirror[0] %+v", m0)
	}
	if time.Duration(m0.Interval) != DefaultMirrorInterval || time.Duration(m1.Interval) != 5*time.Minute || m0.Delete || !m1.Delete || m1.URL != filepath.Join(dir, "mirror") || *m1.Retries != 0 || time.Duration(m1.Backoff) != time.Minute || !m1.For("any/x86") {
		t.Errorf("mirror[1] %+v", m1)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`url = "mirror"`, `url = "data"`, `mirror[1].url: "` + filepath.Join(dir, "data") + `" is the store itself`},
		{`url = "mirror"`, `url = "s3://haikuports-mirror/kiln?endpoint=https://s3.example.org"`, "mirror[1].url: \"s3://haikuports-mirror/kiln?endpoint=https://s3.example.org\" given twice"},
		{`url = "mirror"`, `url = "s3:/bucket"`, `mirror[1].url: "s3:/bucket": malformed store URL`},
		{`url = "mirror"`, `url = "gs://bucket"`, `mirror[1].url: "gs://bucket": unknown scheme`},
		{`url = "mirror"`, `url = ""`, "mirror[1].url: required"},
		{`interval = "5m"`, `interval = "10ms"`, "mirror[1].interval: 10ms (want at least 1s)"},
		{`retries = 0`, `retries = 21`, "mirror[1].retries: 21 (want 0 to 20)"},
		{`targets = ["master/x86_64"]`, `targets = ["master/sparc"]`, `mirror[0].targets: no target "master/sparc"`},
		{`backoff = "1m"`, `backof = "1m"`, "mirror.backof"},
	} {
		_, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(strings.Replace(base, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}
}
