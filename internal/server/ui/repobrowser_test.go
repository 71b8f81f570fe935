package ui

import (
	"context"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/haikuports/kiln/internal/browsertest"
)

// TestBrowserPackagesSearch: in a real headless Chromium, the packages
// page of a published demo finds a package by a search typed into its
// form and the package's page opens from the result (the rollback form
// is tested with the API in internal/server, TestBrowserRollback).
// Screenshots are kept as artifacts.
func TestBrowserPackagesSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	rs, m := newPackagesServer(t)
	lib, _ := m.ByName("libglaze")
	ctx := browsertest.Start(t, browsertest.Options{})
	err := chromedp.Do(ctx,
		chromedp.Navigate(rs.hs.URL+"/targets/master/x86_64/packages"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "glaze"),
	)
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`))))
	}
	if err != nil {
		t.Fatal(err)
	}
	count := text(t, ctx, chromedp.CSS("#result-count"))
	rows := text(t, ctx, chromedp.CSS("table tbody"))
	want := 0
	for _, p := range m.Packages {
		if p.Matches("glaze") {
			want++
		}
	}
	if want < 2 || !strings.Contains(count, itoa(int64(want))+" of ") || !strings.Contains(rows, "libglaze") || !strings.Contains(rows, "glazedoc") || strings.HasPrefix(rows, "libkiln\t") || strings.Contains(rows, "\nlibkiln\t") {
		t.Errorf("search glaze: %q, rows %q", count, rows)
	}
	browsertest.Screenshot(t, ctx, "packages-search")

	_, err = chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`a[href="/targets/master/x86_64/packages/`+lib.File+`"]`))))
	if err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, ctx, chromedp.CSS("h1")); !strings.Contains(h1, "libglaze") {
		t.Errorf("package page heading %q", h1)
	}
	browsertest.Screenshot(t, ctx, "package")

	err = chromedp.Do(ctx,
		chromedp.Navigate(rs.hs.URL+"/targets/master/x86_64/snapshots"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "snapshots")
}

// TestBrowserPhoneWidth: the packages, package, plan and snapshots
// pages fit a 375 px wide screen (only the tables' own boxes scroll).
func TestBrowserPhoneWidth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	rs, m := newPackagesServer(t)
	lib, _ := m.ByName("libkiln")
	ctx := browsertest.Start(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"phone-packages", "/targets/master/x86_64/packages"},
		{"phone-package", "/targets/master/x86_64/packages/" + lib.File},
		{"phone-plan", "/targets/master/x86_64/plan?why=kilnfetch"},
		{"phone-snapshots", "/targets/master/x86_64/snapshots"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(rs.hs.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		sw, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		cw, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if sw > cw {
			t.Errorf("%s: the page is %d px wide on a %d px screen", p.path, sw, cw)
		}
		browsertest.Screenshot(t, ctx, p.name)
	}
}

func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
