package repo

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/plan"
	"github.com/haikuports/kiln/internal/testenv"
)

// fakePkgReq returns a fake package that provides itself and provides
// and requires the given resolvables/expressions.
func fakePkgReq(t *testing.T, name, version string, provides, requires []string) []byte {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	p := pkginfo.PackageInfo{Name: name, Version: v, Architecture: pkginfo.ArchX86_64, Vendor: "Haiku Project",
		Summary: name, Description: name, Packager: "test", Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	for _, s := range provides {
		r, err := pkginfo.ParseResolvable(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Provides = append(p.Provides, r)
	}
	for _, s := range requires {
		e, err := pkginfo.ParseExpression(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Requires = append(p.Requires, e)
	}
	b, _ := json.Marshal(p)
	return append([]byte("FAKEHPKG\n"), b...)
}

// memSnapshot returns the etag of every key but the lease.
func memSnapshot(m *memStore) map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for k, o := range m.objs {
		if strings.HasSuffix(k, "/.kiln/lease.json") {
			continue // taken and released
		}
		out[k] = o.etag
	}
	return out
}

// TestPublishGuardRegressions: with NoRegressions, removing a package
// another one requires is refused and changes nothing (not even the
// upload of a package added in the same publish); without the guard (what
// --allow-regressions does) the same publish goes through.
func TestPublishGuardRegressions(t *testing.T) {
	ctx := context.Background()
	system, err := plan.LoadPackages(filepath.Join(testenv.SharedDir(t), "fixtures/system-packages/x86_64"))
	if err != nil {
		t.Fatal(err)
	}
	guard := NoRegressions(pkginfo.ArchX86_64, system)
	st := newMemStore()
	r := newTestRepo(t, st)
	libfoo := fakePkgReq(t, "libfoo", "1.0-1", []string{"lib:libfoo = 1.0 compat >= 1"}, nil)
	app := fakePkgReq(t, "app", "2.0-1", nil, []string{"lib:libfoo >= 1"})
	other := fakePkgReq(t, "other", "1-1", nil, nil)

	// The first publish has nothing to regress from.
	mustPublish(t, r, Change{Info: testRepoInfo(pkginfo.ArchX86_64), Guard: guard,
		Add: []Add{addBytes("libfoo", libfoo), addBytes("app", app)}})
	// Adding an unrelated package is fine.
	mustPublish(t, r, Change{Guard: guard, Add: []Add{addBytes("other", other)}})

	before := memSnapshot(st)
	for _, c := range []Change{
		{Guard: guard, Remove: []string{"libfoo"}},
		{Guard: guard, Remove: []string{"libfoo"}, Add: []Add{addBytes("new", fakePkgReq(t, "new", "1-1", nil, nil))}},
		// A new libfoo that no longer provides lib:libfoo.
		{Guard: guard, Add: []Add{addBytes("libfoo2", fakePkgReq(t, "libfoo", "2.0-1", nil, nil))}},
	} {
		_, err := r.Publish(ctx, c)
		var re *RegressionError
		if !errors.Is(err, ErrRefused) || !errors.As(err, &re) {
			t.Fatalf("publish %+v: %v, want a refusal", c.Remove, err)
		}
		if len(re.Regressions) != 1 || re.Regressions[0].Name != "app" ||
			!strings.Contains(err.Error(), "app (app-2.0-1-x86_64.hpkg: lib:libfoo >= 1)") {
			t.Errorf("refusal %q (%+v)", err, re.Regressions)
		}
		if after := memSnapshot(st); !maps.Equal(before, after) {
			t.Fatalf("a refused publish changed the store")
		}
	}

	// A guard error that is not a regression refuses the same way.
	errNo := errors.New("no")
	if _, err := r.Publish(ctx, Change{Guard: func(context.Context, []pkginfo.PackageInfo, []pkginfo.PackageInfo) error { return errNo },
		Remove: []string{"other"}}); !errors.Is(err, ErrRefused) || !errors.Is(err, errNo) {
		t.Fatalf("custom guard: %v", err)
	}

	// The guard sees the old and the new package lists.
	var seenOld, seenNew []string
	spy := func(_ context.Context, old, new []pkginfo.PackageInfo) error {
		for _, p := range old {
			seenOld = append(seenOld, p.Name)
		}
		for _, p := range new {
			seenNew = append(seenNew, p.Name)
		}
		return nil
	}
	res := mustPublish(t, r, Change{Guard: spy, Remove: []string{"libfoo"}})
	if strings.Join(seenOld, " ") != "app libfoo other" || strings.Join(seenNew, " ") != "app other" {
		t.Errorf("guard saw old %v new %v", seenOld, seenNew)
	}
	if len(res.Removed) != 1 || res.Removed[0] != "libfoo-1.0-1-x86_64.hpkg" {
		t.Errorf("unguarded publish %+v", res)
	}
	// Now app is uninstallable already: publishing it again is no regression.
	mustPublish(t, r, Change{Guard: guard, Remove: []string{"other"}})
}
