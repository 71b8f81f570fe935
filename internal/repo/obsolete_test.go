package repo

import (
	"context"
	"fmt"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

func TestPruneByPorts(t *testing.T) {
	st := newMemStore()
	r := newTestRepo(t, st)
	ctx := context.Background()
	var adds []Add
	for _, p := range [][2]string{{"keep", "1-1"}, {"gone", "1-1"}, {"ahead", "2-1"}, {"behind", "1-1"}} {
		adds = append(adds, addBytes(p[0], fakePkg(p[0], p[1], pkginfo.ArchX86_64, "")))
	}
	mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Add: adds})
	v := func(s string) pkginfo.Version { x, _ := pkginfo.ParseVersion(s); return x }
	active := map[string]pkginfo.Version{"keep": v("1-1"), "ahead": v("1.5-1"), "behind": v("3-1")}
	_, m, _ := r.Current(ctx)
	got := fmt.Sprint(ObsoleteByPorts(m, pkginfo.ArchX86_64, active))
	want := "[{ahead ahead-2-1-x86_64.hpkg newer than the active port's version 1.5-1} {gone gone-1-1-x86_64.hpkg no active port produces it}]"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	dry, err := r.Prune(ctx, PruneOptions{Active: active, DryRun: true})
	if err != nil || len(dry.Removed) != 2 {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	if _, m2, _ := r.Current(ctx); m2.ID != m.ID {
		t.Fatal("dry run published")
	}
	res, err := r.Prune(ctx, PruneOptions{Active: active})
	if err != nil || len(res.Removed) != 2 {
		t.Fatalf("prune: %v %+v", err, res)
	}
	_, m3, _ := r.Current(ctx)
	if fmt.Sprint(fileNames(m3)) != "[behind-1-1-x86_64.hpkg keep-1-1-x86_64.hpkg]" || m3.Parent != m.ID {
		t.Fatalf("after prune: %v", fileNames(m3))
	}
	// The mass-removal guard: an empty active list would drop everything.
	var many []Add
	for i := range 30 {
		many = append(many, addBytes("m", fakePkg(fmt.Sprint("m", i), "1-1", pkginfo.ArchX86_64, "")))
	}
	mustPublish(t, r, Change{Add: many})
	if _, err := r.Prune(ctx, PruneOptions{Active: map[string]pkginfo.Version{}}); err == nil {
		t.Fatal("mass removal not refused")
	}
	if _, err := r.Prune(ctx, PruneOptions{Active: map[string]pkginfo.Version{}, AllowMassRemoval: true}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, r, true)
}
