package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStart: the browser loads a loopback page, runs its script, takes a
// screenshot, and is gone after the test (Start's cleanup checks it).
func TestStart(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>t</title><p id="p">static</p><script>document.getElementById("p").textContent = "scripted"</script>`)
	}))
	defer hs.Close()
	ctx := Start(t, Options{Width: 400, Height: 300})
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL), chromedp.WaitVisible("#p")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#p"))
	if err != nil {
		t.Fatal(err)
	}
	if text != "scripted" {
		t.Errorf("text %q", text)
	}
	p := Screenshot(t, ctx, "start")
	if b, err := os.ReadFile(p); err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Errorf("screenshot %s: %v", p, err)
	}
	if filepath.Ext(p) != ".png" {
		t.Errorf("screenshot name %s", p)
	}
	// With $KILN_ARTIFACTS: below it, by package and test.
	root := t.TempDir()
	t.Setenv("KILN_ARTIFACTS", root)
	if got, want := ArtifactDir(t), filepath.Join(root, "internal", "browsertest", "TestStart"); got != want {
		t.Errorf("ArtifactDir %s, want %s", got, want)
	}
}

func TestBinary(t *testing.T) {
	t.Setenv("KILN_TEST_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	if p, err := Binary(); err == nil || p != "" || !strings.Contains(err.Error(), "KILN_TEST_CHROMIUM") {
		t.Errorf("a missing $KILN_TEST_CHROMIUM: %q, %v", p, err)
	}
}
