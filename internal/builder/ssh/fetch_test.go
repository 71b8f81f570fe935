package ssh

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	gossh "golang.org/x/crypto/ssh"
)

// TestFetchURLs: a builder configured with "kiln":{"fetchURLs":true}
// downloads its dependencies itself with curl from their (presigned)
// URLs; the master never opens them, the builder log does not show the
// URL's signature, and a download whose SHA-256 differs is refused.
func TestFetchURLs(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed (scripts/test installs it)")
	}
	r := newRig(t, rigOptions{extraCfg: `,"kiln":{"fetchURLs":true}`})
	d := &dep{pkg: makePackage(t, "libfetched", "3")}
	var mu sync.Mutex
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		requests = append(requests, req.URL.String())
		mu.Unlock()
		if req.URL.Query().Get("X-Amz-Signature") != "s3cr3t" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Write(d.data)
	}))
	t.Cleanup(srv.Close)
	var logBuf syncBuffer
	b := r.builder(Options{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if !b.FetchesURLs() {
		t.Fatal("FetchesURLs is false")
	}
	ctx := context.Background()
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	r.write("deps", d.file+"\n")
	dd := d.dependency()
	dd.URL = srv.URL + "/bucket/" + d.file + "?X-Amz-Signature=s3cr3t&X-Amz-Expires=900"
	log := &syncBuffer{}
	if err := b.Build(ctx, builder.Job{Port: hello(), Dependencies: []builder.Dependency{dd}, Log: log, Collect: (&collector{}).collect}); err != nil {
		t.Fatalf("Build: %v\n%s\n%s", err, log, logBuf.String())
	}
	if d.openCount() != 0 {
		t.Errorf("the master opened the dependency %d times", d.openCount())
	}
	got, err := os.ReadFile(filepath.Join(r.dir, "haikuports/packages/.cache", d.file))
	if err != nil || !bytes.Equal(got, d.data) {
		t.Errorf("cached download: %d bytes, %v; want %d", len(got), err, len(d.data))
	}
	if strings.Contains(logBuf.String(), "s3cr3t") || strings.Contains(log.String(), "s3cr3t") {
		t.Errorf("the presigned URL's signature reached a log:\n%s", logBuf.String())
	}
	if len(requests) != 1 {
		t.Errorf("requests %v, want one", requests)
	}

	// A wrong SHA-256 (the store handed out a URL to other bytes).
	bad := builder.Dependency{File: "other-1-1-x86_64.hpkg", Size: int64(len(d.data)), SHA256: strings.Repeat("0", 64), URL: dd.URL}
	err = b.Build(ctx, builder.Job{Port: hello(), Dependencies: []builder.Dependency{bad}, Log: &syncBuffer{}})
	if !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("Build with a mismatching download = %v, want ErrTransient naming the SHA-256", err)
	}
	// An expired URL: curl fails on the builder.
	expired := bad
	expired.SHA256, expired.URL = dd.SHA256, srv.URL+"/bucket/x?X-Amz-Signature=old"
	err = b.Build(ctx, builder.Job{Port: hello(), Dependencies: []builder.Dependency{expired}, Log: &syncBuffer{}})
	if !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "curl") {
		t.Errorf("Build with an expired URL = %v, want ErrTransient from curl", err)
	}
	for _, f := range []string{"other-1-1-x86_64.hpkg", "other-1-1-x86_64.hpkg.upload"} {
		if _, err := os.Stat(filepath.Join(r.dir, "haikuports/packages/.cache", f)); err == nil {
			t.Errorf("%s left in the cache", f)
		}
	}
	// Neither failure was the builder's: it is still available.
	if st := b.Status(); st.State != builder.StateAvailable {
		t.Errorf("state %+v", st)
	}
}

// TestCheck: Check reports the verified host key, uname -a, the
// haikuporter version and the cache.
func TestCheck(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.write("version", "1.2.9-kiln")
	r.write("haikuports/packages/.cache/a-1-1-x86_64.hpkg", "12345")
	r.write("haikuports/packages/.cache/b-1-1-x86_64.hpkg", "123")
	r.write("haikuports/packages/.cache/notes.txt", "not a package")
	b := r.builder(Options{})
	rep, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	uname, _ := exec.Command("uname", "-a").Output()
	want := builder.CheckReport{Name: "haiku-test", HostKey: gossh.FingerprintSHA256(r.srv.HostKey.Public),
		Uname: strings.TrimSpace(string(uname)), Haikuporter: "haikuporter 1.2.9-kiln", CachePackages: 2, CacheBytes: 8}
	if rep != want {
		t.Errorf("Check =\n%+v\nwant\n%+v", rep, want)
	}
	// The haikuporter path is used as configured.
	if cmds := r.commands(); len(cmds) != 2 || cmds[1] != `"`+r.dir+`/bin/haikuporter" --version` {
		t.Errorf("commands %q", cmds)
	}
}

// TestHandshakeTimeout: a host that accepts the TCP connection but never
// speaks SSH is given up after the connect timeout.
func TestHandshakeTimeout(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	l, err := newSilentListener(t)
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Host.Port = l
	b := r.builder(Options{ConnectTimeout: 300 * time.Millisecond})
	start := time.Now()
	err = b.Prepare(context.Background(), r.tree())
	if !errors.Is(err, builder.ErrTransient) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Prepare = %v, want a transient handshake timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %v, want about the 300 ms timeout", d)
	}
	if st := b.Status(); st.State != builder.StateReconnecting || st.ConnectionErrors != 1 {
		t.Errorf("status %+v", st)
	}
}
