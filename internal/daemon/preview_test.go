package daemon

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/store"
)

// TestPreview: the demo target's preview plans every port before the
// first publish and nothing after it, explains the blocked and broken
// ports, refuses an unknown one, is shared until the tree's HEAD moves,
// and checks the head snapshot.
func TestPreview(t *testing.T) {
	ctx := context.Background()
	cfg, info, err := demo.Setup(ctx, t.TempDir(), "http://127.0.0.1:8080/repo/master/x86_64/current")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Create(ctx, cfg.Store.URL, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := OpenTarget(ctx, TargetOptions{Config: cfg, Target: &cfg.Targets[0], Store: st, RepoInfo: info})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	pv, err := tg.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Plan.Order) == 0 || pv.Check.Packages != 0 || pv.Commit == "" {
		t.Fatalf("before the first publish: order %v, %d packages checked, commit %q", pv.Plan.Order, pv.Check.Packages, pv.Commit)
	}
	for spec, want := range map[string]plan.State{"kilnsh": plan.StateBroken, "kilnfetch": plan.StateBlocked, "libkiln": plan.StateBuild} {
		ex, err := pv.Why(spec)
		if err != nil || ex.State != want || ex.Line == "" {
			t.Errorf("why %s: %+v %v, want %s", spec, ex, err, want)
		}
	}
	if _, err := pv.Why("nosuchport"); !errors.Is(err, plan.ErrUnknownPort) {
		t.Errorf("why nosuchport: %v", err)
	}
	if again, err := tg.Preview(ctx); err != nil || again != pv {
		t.Errorf("second preview is not the shared one: %v", err)
	}

	p, err := tg.Plan(ctx, Request{Mode: "everything"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := tg.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := tg.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after == pv || len(after.Plan.Order) != 0 || after.Check.Packages == 0 {
		t.Errorf("after the publish: order %v, %d packages checked", after.Plan.Order, after.Check.Packages)
	}

	// A commit that bumps a revision: libkiln is built again.
	tree := cfg.Tree.Path
	f := filepath.Join(tree, "dev-libs/libkiln/libkiln-1.2.0.recipe")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "REVISION=") {
			l = `REVISION="99"`
		}
		out = append(out, l)
	}
	if err := os.WriteFile(f, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	git := exec.Command("git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "bump libkiln")
	git.Dir = tree
	if o, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v %s", err, o)
	}
	bumped, err := tg.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bumped == after || !strings.Contains(strings.Join(bumped.Plan.Order, " "), "libkiln-1.2.0") {
		t.Errorf("after the bump: order %v", bumped.Plan.Order)
	}
}
