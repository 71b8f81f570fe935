package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/haikuports/kiln/internal/browsertest"
)

// TestBrowserLogANSI: log.js renders ANSI in the browser exactly as
// ansiHTML does on the server (the live lines and the page's first part
// must look alike), on the same cases.
func TestBrowserLogANSI(t *testing.T) {
	s := newRanServer(t, nil)
	ctx := browsertest.Start(t, browsertest.Options{})
	url := fmt.Sprintf("%s/builds/%s:%d/log", s.hs.URL, s.run.ID, s.builds[0].Number)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#log")); err != nil {
		t.Fatal(err)
	}
	for _, c := range ansiCases {
		in, _ := json.Marshal(c.in)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf("window.kilnANSI(%s)[0]", in)))
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("log.js renders %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	// The style carries over from one line to the next.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () { var a = window.kilnANSI("\x1b[33mwarning: "); return a[0] + "|" + window.kilnANSI("still\x1b[0m", a[1])[0]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<span class="fg-3">warning: </span>|<span class="fg-3">still</span>`; got != want {
		t.Errorf("carried style: %q, want %q", got, want)
	}
	browsertest.Screenshot(t, ctx, "log-finished")
}

// TestBrowserWithoutJavaScript: with scripts off the pages are complete
// (server-rendered), the overview refreshes itself by a <noscript> meta
// refresh, and the filter form submits as a plain GET.
func TestBrowserWithoutJavaScript(t *testing.T) {
	s := newRanServer(t, map[string]string{"libkiln": "fail"})
	ctx := browsertest.Start(t, browsertest.Options{})
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.hs.URL+"/"), chromedp.WaitVisible("section.target")); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("noscript").length`)); err != nil || n != 1 {
		t.Errorf("overview: %d noscript elements, %v", n, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.hs.URL+"/runs/"+s.run.ID),
		chromedp.WaitVisible("#f-state"),
		chromedp.SetValue("#f-state", "lost"),
		chromedp.Click("form.filters button"),
		chromedp.WaitReady(`option[value="lost"][selected]`),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/runs/"+s.run.ID+"?state=lost&port=") {
		t.Errorf("the form went to %s, %v", loc, err)
	}
	states, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#builds tbody td span.state")).map(e => e.textContent)`))
	if err != nil || len(states) == 0 {
		t.Fatalf("no builds listed: %v", err)
	}
	for _, st := range states {
		if st != "lost" {
			t.Errorf("the lost filter lists a %s build", st)
		}
	}
	browsertest.Screenshot(t, ctx, "run-no-javascript")
	// Scripts were off indeed: log.js did not define its renderer.
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/builds/%s:%d/log", s.hs.URL, s.run.ID, s.builds[0].Number)), chromedp.WaitVisible("#log")); err != nil {
		t.Fatal(err)
	}
	if typ, err := chromedp.Run(ctx, chromedp.Evaluate[string](`typeof window.kilnANSI`)); err != nil || typ != "undefined" {
		t.Errorf("log.js ran with scripts off (%q, %v)", typ, err)
	}
}
