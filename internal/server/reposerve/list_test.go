package reposerve

import (
	"context"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/repo"
)

// TestListings: <prefix>/, <prefix>/<branch> and <prefix>/<branch>/<arch>
// list branches, arches, heads, package counts and retained snapshots.
func TestListings(t *testing.T) {
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	s1 := publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	s2 := publish(t, r, repo.Change{Add: []repo.Add{genPkg(t, "bar", "1.0-1", 1000)}})
	gcc2 := repo.New(st, repo.Target{Branch: "master", Arch: "x86_gcc2"}, repo.Options{})
	beta := repo.New(st, repo.Target{Branch: "r1beta5", Arch: "x86_64"}, repo.Options{})
	ts := serve(t, newHandler(t, Options{Prefix: "/haikuports/"}, beta, r, gcc2))

	var l Listing
	res := get(t, ts.URL+"/haikuports/")
	decodeJSON(t, res.body, &l)
	if res.h.Get("Content-Type") != "application/json" || res.h.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("listing headers %v", res.h)
	}
	if len(l.Branches) != 2 || l.Branches[0].Branch != "master" || l.Branches[1].Branch != "r1beta5" ||
		len(l.Branches[0].Targets) != 2 || l.Branches[0].Targets[0].Arch != "x86_64" || l.Branches[0].Targets[1].Arch != "x86_gcc2" {
		t.Fatalf("root listing %+v", l)
	}
	m := l.Branches[0].Targets[0]
	if m.Head != s2.Snapshot || m.Packages != 2 || m.RepoSHA256 != s2.RepoSHA256 || !m.Loaded || m.Snapshots != nil {
		t.Fatalf("master/x86_64 in the root listing: %+v", m)
	}
	if e := l.Branches[0].Targets[1]; e.Head != "" || e.Packages != 0 || !e.Loaded {
		t.Fatalf("empty target: %+v", e)
	}
	// Without the trailing slash too.
	decodeJSON(t, get(t, ts.URL+"/haikuports").body, &l)

	var b BranchInfo
	decodeJSON(t, get(t, ts.URL+"/haikuports/master").body, &b)
	if b.Branch != "master" || len(b.Targets) != 2 {
		t.Fatalf("branch listing %+v", b)
	}
	var ti TargetInfo
	decodeJSON(t, get(t, ts.URL+"/haikuports/master/x86_64").body, &ti)
	if ti.Head != s2.Snapshot || len(ti.Snapshots) != 2 || ti.Snapshots[0] != s2.Snapshot || ti.Snapshots[1] != s1.Snapshot {
		t.Fatalf("target listing %+v", ti)
	}
	if hd := do(t, ts.Client(), "HEAD", ts.URL+"/haikuports/master/x86_64"); hd.code != 200 || len(hd.body) != 0 {
		t.Fatalf("HEAD listing: %d", hd.code)
	}
	for _, p := range []string{"/haikuports/haiku", "/haikuports/master/arm", "/haikuports/r1beta5/x86_gcc2"} {
		if c := get(t, ts.URL+p).code; c != 404 {
			t.Errorf("%s: %d", p, c)
		}
	}
}

// TestPollSeesOtherReplica: a publish by another process (another Repo on
// the same store) is served after one poll interval without Refresh.
func TestPollSeesOtherReplica(t *testing.T) {
	st := newFileStore(t)
	r := repo.New(st, testTarget, repo.Options{})
	publish(t, r, repo.Change{Info: testRepoInfo(), Add: []repo.Add{genPkg(t, "foo", "1.0-1", 1000)}})
	h, err := New([]*repo.Repo{r}, Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Run: %v", err)
		}
	}()
	ts := serve(t, h)
	other := repo.New(st, testTarget, repo.Options{Holder: "replica-2"})
	s2 := publish(t, other, repo.Change{Add: []repo.Add{genPkg(t, "bar", "1.0-1", 1000)}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ti TargetInfo
		decodeJSON(t, get(t, ts.URL+"/repo/master/x86_64").body, &ti)
		if ti.Head == s2.Snapshot {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other replica's publish is not served after 5s: %+v", ti)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c := get(t, ts.URL+"/repo/master/x86_64/current/packages/bar-1.0-1-x86_64.hpkg").code; c != 200 {
		t.Fatalf("the other replica's package: %d", c)
	}
}
