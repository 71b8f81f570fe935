package ui

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestPlanPage: before anything is published the plan builds every
// buildable demo port; the broken (kilnsh) and blocked (kilnfetch) ports
// are listed with why; ?why= explains a port, an unknown one is 404 on
// the same page; after a run nothing is to be built, and the consistency
// report covers the published packages.
func TestPlanPage(t *testing.T) {
	d := newTestDaemon(t)
	hs := newTestServer(t, d)
	base := hs.URL + "/targets/master/x86_64/plan"
	code, _, body := get(t, base)
	if code != 200 {
		t.Fatalf("plan: %d %s", code, body)
	}
	pv, err := d.Targets()[0].Preview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Plan.Order) == 0 {
		t.Fatal("the demo plans nothing")
	}
	for _, id := range pv.Plan.Order {
		mustContain(t, "plan", body, ">"+id+"</a></th>")
	}
	mustContain(t, "plan", body, "Would be built (", `name="why"`, "state-broken", "kilnsh-5.1", "state-blocked", "kilnfetch-0.7",
		html.EscapeString("devel:libtls"), "Repository consistency", "consistent")
	if pp := pv.Plan.Port("kilnfetch-0.7"); pp != nil {
		mustContain(t, "plan", body, html.EscapeString(pp.Reason))
	}

	// Long lists are cut (the why form finds the rest); ?all=1 shows all.
	old := planListMax
	planListMax = 2
	_, _, cut := get(t, base)
	_, _, all := get(t, base+"?all=1")
	planListMax = old
	if n := len(pv.Plan.Order); n > 2 {
		mustContain(t, "cut plan", cut, "The first 2 of "+strconv.Itoa(n)+".", `href="/targets/master/x86_64/plan?all=1"`)
		if strings.Contains(cut, ">"+pv.Plan.Order[2]+"</a></th>") {
			t.Errorf("the cut plan lists %s", pv.Plan.Order[2])
		}
		for _, id := range pv.Plan.Order {
			mustContain(t, "plan?all=1", all, ">"+id+"</a></th>")
		}
		if strings.Contains(all, "The first 2 of") {
			t.Error("?all=1 is cut")
		}
	} else {
		t.Errorf("the demo plans %d ports, want more than 2", n)
	}

	code, _, body = get(t, base+"?why=kilnfetch")
	if code != 200 {
		t.Fatalf("why kilnfetch: %d", code)
	}
	ex, err := pv.Why("kilnfetch")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "why kilnfetch", body, `id="why-answer"`, html.EscapeString(ex.Line), `value="kilnfetch"`)

	code, _, body = get(t, base+"?why="+url.QueryEscape(`<script>x</script>`))
	if code != 404 || strings.Contains(body, "<script>x") {
		t.Errorf("why of a hostile unknown port: %d, escaped %v", code, !strings.Contains(body, "<script>x"))
	}
	mustContain(t, "why unknown", body, "No such port", "&lt;script&gt;x&lt;/script&gt;")
	for _, q := range []string{"?why=" + strings.Repeat("a", 201), "?why=a%00b", "?why=a%0Ab"} {
		if code, _, _ := get(t, base+q); code != 400 {
			t.Errorf("plan%s: %d, want 400", q, code)
		}
	}
	if code, _, _ := get(t, hs.URL+"/targets/nosuch/x86_64/plan"); code != 404 {
		t.Errorf("unknown target: %d", code)
	}

	// After a run published everything buildable.
	tg := d.Targets()[0]
	p, err := tg.Plan(t.Context(), daemonEverything())
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _, body = get(t, base)
	mustContain(t, "plan after the run", body, "Would be built (0)", "Nothing: every active port", "The tree has "+strconv.Itoa(pv.Active)+" active ports")
	if pv.Active < len(pv.Plan.Order) {
		t.Errorf("%d active ports, %d to build", pv.Active, len(pv.Plan.Order))
	}
	after, err := tg.Preview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after.Check.Packages == 0 {
		t.Fatal("the check saw no packages")
	}
	mustContain(t, "plan after the run", body, "The head snapshot's "+strconv.Itoa(after.Check.Packages)+" packages")
}
