package server

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/haikuports/kiln/internal/browsertest"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// TestBrowserRollback: in a real headless Chromium, without JavaScript
// the snapshots page hides the rollback form and shows the curl and CLI
// ways; with it, an admin rolls the target back on the page: rollback.js posts to the API with
// the typed token as a bearer header (a read token is refused first and
// nothing changes), the confirm dialog is accepted, the page reports the
// new head and reloads, and the served repository is the older
// snapshot's.
func TestBrowserRollback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newDockServer(t, Options{})
	if code, _ := e.upload(t, "admin", upFile{"one.hpkg", testPkg(t, "rbone", "1-1", pkginfo.ArchX86_64, nil, nil)}); code != 201 {
		t.Fatal("upload")
	}
	first := e.head(t)
	if code, _ := e.upload(t, "admin", upFile{"two.hpkg", testPkg(t, "rbtwo", "1-1", pkginfo.ArchX86_64, nil, nil)}); code != 201 {
		t.Fatal("upload")
	}
	second := e.head(t)
	ctx := browsertest.Start(t, browsertest.Options{})
	// Without JavaScript the form stays hidden and the page says how to
	// roll back instead.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	nojs, cancel := context.WithTimeout(ctx, 15*time.Second)
	err := chromedp.Do(nojs,
		chromedp.Navigate(e.hs.URL+"/targets/master/x86_64/snapshots"),
		chromedp.WaitVisible(chromedp.ID("rollback-howto")),
		chromedp.WaitNotVisible(chromedp.ID("rollback")),
	)
	cancel()
	if err != nil {
		t.Fatalf("without JavaScript: %v", err)
	}
	browsertest.Screenshot(t, ctx, "snapshots-no-js")
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	status := func() string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("rollback-status")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.hs.URL+"/targets/master/x86_64/snapshots"),
		chromedp.WaitVisible(chromedp.ID("rollback")),
		chromedp.SetValue(chromedp.ID("rb-snapshot"), first),
		chromedp.SendKeys(chromedp.ID("rb-token"), e.tokens["read"]),
		chromedp.Click(chromedp.CSS(`#rollback button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#rollback-status").textContent.startsWith("Refused (403)")`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("read token: %v; status %q", err, status())
	}
	if h := e.head(t); h != second {
		t.Fatalf("a read token moved the head to %s", h)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("rb-token"), e.tokens["admin"]),
		chromedp.Click(chromedp.CSS(`#rollback button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#rollback-status").textContent.startsWith("Rolled back")`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("admin token: %v; status %q", err, status())
	}
	t.Logf("status: %s", status())
	browsertest.Screenshot(t, ctx, "rolled-back")
	h := e.head(t)
	if h == second || h == first {
		t.Fatalf("head %s after the rollback (first %s, second %s)", h, first, second)
	}
	if got := e.servedPackages(t, "/repo/master/x86_64/current/repo"); !slices.Equal(got, []string{"rbone-1-1-x86_64.hpkg"}) {
		t.Errorf("served after the rollback: %v", got)
	}
}
