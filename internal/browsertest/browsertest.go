// Package browsertest runs web UI tests in a real headless Chromium
// (Debian's chromium package), driven by chromedp. Start launches a
// fresh browser per test (its own profile under t.TempDir(), loopback
// only) and stops it when the test ends; Screenshot keeps PNGs as test
// artifacts.
//
// Which browser: $KILN_TEST_CHROMIUM if set (scripts/test sets it after
// installing chromium: then a missing binary fails the test), else
// /usr/bin/chromium. Without one the test is skipped, or fails when
// KILN_CI is set or CI=true.
package browsertest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package puts the browser.
const DefaultPath = "/usr/bin/chromium"

// Binary returns the browser to run, or "" and why there is none.
func Binary() (string, error) {
	if p := os.Getenv("KILN_TEST_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", errors.New("browsertest: $KILN_TEST_CHROMIUM: " + err.Error())
		}
		return p, nil
	}
	if _, err := os.Stat(DefaultPath); err != nil {
		return "", errors.New("browsertest: " + DefaultPath + " not found: install Debian's chromium (scripts/test does) or set KILN_TEST_CHROMIUM")
	}
	return DefaultPath, nil
}

// Options of a browser.
type Options struct {
	// Width and Height of the window (default 1280×900).
	Width, Height int
	// Timeout bounds the whole browser session (default 2 minutes).
	Timeout time.Duration
}

// Start launches a headless Chromium and returns a chromedp context of
// its first tab. The browser process is stopped, and waited for, when the
// test ends. It skips the test without a browser unless KILN_TEST_CHROMIUM
// or KILN_CI is set or CI=true, which fail it.
func Start(t testing.TB, o Options) context.Context {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("KILN_TEST_CHROMIUM") != "" || os.Getenv("KILN_CI") != "" || os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err.Error())
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 900
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(o.Width, o.Height),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), o.Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// The first Run starts the browser.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
		t.Fatalf("browsertest: start %s: %v", bin, err)
	}
	c := chromedp.FromContext(bctx)
	proc := c.Browser.Process()
	t.Cleanup(func() {
		// Closing the first tab's context closes the browser gracefully
		// (its helper processes end with it); cancelling the allocator
		// kills what is left and waits for the process.
		if err := chromedp.Cancel(bctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: close chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
		c.Allocator.Wait()
		cancelTimeout()
		if proc != nil {
			if err := proc.Signal(syscall.Signal(0)); err == nil {
				t.Errorf("browsertest: chromium (pid %d) still runs", proc.Pid)
			}
		}
	})
	return bctx
}

// ArtifactDir is where a test keeps its artifacts:
// $KILN_ARTIFACTS/<package directory>/<test> (scripts/test sets it, the
// files stay), else t.ArtifactDir() (kept with go test -artifacts, else
// removed).
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("KILN_ARTIFACTS")
	if root == "" {
		return t.ArtifactDir()
	}
	dir := filepath.Join(root, packageDir(), unsafeChars.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// packageDir is the test's package directory (go test runs a test in
// it) relative to the module root, e.g. internal/server/ui; "." if no
// go.mod is found above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if rel, err := filepath.Rel(d, wd); err == nil {
				return rel
			}
			return "."
		}
		if filepath.Dir(d) == d {
			return "."
		}
	}
}

// Screenshot saves a full-page PNG of the tab as name.png in the test's
// artifact directory and returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG (less is JPEG)
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	p := filepath.Join(ArtifactDir(t), unsafeChars.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	return p
}
