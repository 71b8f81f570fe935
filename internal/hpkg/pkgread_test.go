package hpkg

import (
	"reflect"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// Packages read from one repository share blocks for their lists: each
// list must still be its own, so appending to one leaves the others alone,
// and empty lists stay nil.
func TestRepositoryListsAreIndependent(t *testing.T) {
	repo, err := readRepoBytes(fixtureRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	again, err := readRepoBytes(fixtureRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range repo.Packages {
		p := &repo.Packages[i]
		if cap(p.Provides) != len(p.Provides) || cap(p.Requires) != len(p.Requires) || cap(p.Licenses) != len(p.Licenses) {
			t.Fatalf("package %s: list with spare capacity", p.Name)
		}
		if p.Supplements != nil && len(p.Supplements) == 0 {
			t.Fatalf("package %s: empty non-nil list", p.Name)
		}
		p.Provides = append(p.Provides, pkginfo.Resolvable{Name: "added"})
		p.Requires = append(p.Requires, pkginfo.Expression{Name: "added"})
		p.Licenses = append(p.Licenses, "added")
		p.Copyrights = append(p.Copyrights, "added")
	}
	for i := range repo.Packages {
		p, q := repo.Packages[i], again.Packages[i]
		p.Provides, p.Requires = p.Provides[:len(p.Provides)-1], p.Requires[:len(p.Requires)-1]
		p.Licenses, p.Copyrights = p.Licenses[:len(p.Licenses)-1], p.Copyrights[:len(p.Copyrights)-1]
		for _, l := range []*[]string{&p.Licenses, &p.Copyrights} {
			if len(*l) == 0 {
				*l = nil
			}
		}
		if len(p.Provides) == 0 {
			p.Provides = nil
		}
		if len(p.Requires) == 0 {
			p.Requires = nil
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("package %d (%s) changed by appending to other packages' lists", i, q.Name)
		}
	}
}
