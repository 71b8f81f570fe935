package s3test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// VersityBinary finds versitygw: $KILN_TEST_VERSITYGW (if set, it alone
// counts), else versitygw on PATH, else $(go env GOPATH)/bin/versitygw.
// It returns "" if there is none.
func VersityBinary() string {
	if p := os.Getenv("KILN_TEST_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = string(bytes.TrimSpace(out))
		}
	}
	if gopath != "" {
		p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// StartVersity starts a real versitygw (posix backend in a temp dir) on a
// free 127.0.0.1 port, waits until it answers, creates a bucket and stops
// the server when the test ends. Without a versitygw binary it skips the
// test, or fails it when CI=true.
func StartVersity(t testing.TB) *Server {
	t.Helper()
	return StartVersityIn(t, t.TempDir())
}

// StartVersityIn is StartVersity with the server's data in root (which
// must support extended attributes), e.g. a tmpfs for benchmarks.
func StartVersityIn(t testing.TB, root string) *Server {
	t.Helper()
	bin := VersityBinary()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("s3test: versitygw not found (set KILN_TEST_VERSITYGW or install it; scripts/test does)")
		}
		t.Skip("s3test: versitygw not found (set KILN_TEST_VERSITYGW)")
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Endpoint:  "http://" + port,
		Region:    "us-east-1",
		AccessKey: "kilntest",
		SecretKey: "kilntest-secret-key",
		Bucket:    "kiln-test",
		Name:      "versitygw",
	}
	cmd := exec.Command(bin, "--port", port, "--quiet", "posix", root)
	cmd.Env = append(os.Environ(),
		"ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	dieWithParent(cmd)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("s3test: starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	s.createBucket(t, func() error {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("versitygw exited: %v\n%s", err, out.String())
		default:
			return nil
		}
	})
	return s
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
