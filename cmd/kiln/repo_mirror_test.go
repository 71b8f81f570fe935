package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/mirror"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestRepoMirror: kiln repo mirror copies two targets of a directory store
// to versitygw, which kiln repo verify --deep passes; a second run copies
// 0 objects; the copy mirrors back into a new directory; bad flags and
// locations fail naming them.
func TestRepoMirror(t *testing.T) {
	srv := s3test.StartVersity(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)
	dir := t.TempDir()
	src := filepath.Join(dir, "store")
	info := filepath.Join(dir, "repo.info")
	os.WriteFile(info, []byte(testRepoInfo), 0o644)
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	for _, target := range []string{"master/x86_64", "r1beta5/x86_64"} {
		mustRun(t, "repo", "publish", "--store", src, "--target", target, "--info", info, tip)
	}
	s3url := srv.URL("mirror") + "?path-style=true&endpoint=" + srv.Endpoint

	out := mustRun(t, "repo", "mirror", "--from", src, "--to", s3url)
	for _, want := range []string{
		"master/x86_64: head ", " (new), 1 snapshot (1 new): copied 11 objects (",
		"r1beta5/x86_64: head ", "mirrored file://" + src + " to s3://" + srv.Bucket + "/mirror/: copied 22 objects (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first mirror: no %q in\n%s", want, out)
		}
	}
	for _, target := range []string{"master/x86_64", "r1beta5/x86_64"} {
		if out := mustRun(t, "repo", "verify", "--deep", "--store", s3url, "--target", target); !strings.Contains(out, "1 package, 1 snapshot, 0 problems") {
			t.Errorf("verify --deep %s on the mirror:\n%s", target, out)
		}
	}
	var res mirror.Result
	out = mustRun(t, "repo", "mirror", "--from", src, "--to", s3url, "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 2 || res.Copied().Objects != 0 || res.Targets[0].Present.Objects != 5 || res.Targets[0].Head != res.Targets[0].PreviousHead {
		t.Fatalf("second mirror: %s", out)
	}

	back := filepath.Join(dir, "back")
	out = mustRun(t, "repo", "mirror", "--from", s3url, "--to", back, "--target", "r1beta5/x86_64")
	if !strings.Contains(out, "copied 11 objects") || strings.Contains(out, "master/x86_64") {
		t.Fatalf("mirror back:\n%s", out)
	}
	a, _ := os.ReadFile(filepath.Join(src, "r1beta5/x86_64/current/repo"))
	b, _ := os.ReadFile(filepath.Join(back, "r1beta5/x86_64/current/repo"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("current/repo differs after mirroring there and back")
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", src}, "--from and --to are both required"},
		{[]string{"--from", src, "--to", src}, "name the same store"},
		{[]string{"--from", filepath.Join(dir, "typo"), "--to", back}, "no kiln store at file://" + filepath.Join(dir, "typo")},
		{[]string{"--from", src, "--to", back, "--target", "master/x86"}, "no target master/x86 in file://" + src},
		{[]string{"--from", src, "--to", back, "--target", "master"}, "want branch/arch"},
		{[]string{"--from", src, "--to", "s3:/bucket"}, "malformed store URL"},
		{[]string{"--from", src, "--to", back, "extra"}, "unknown command \"extra\""},
	} {
		_, err := runRepoStore(t, append([]string{"repo", "mirror"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("repo mirror %v: %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !os.IsNotExist(err) {
		t.Fatalf("a mistyped --from was created: %v", err)
	}
	// Publishing to the mirror on its own makes it no mirror any more.
	mustRun(t, "repo", "publish", "--store", back, "--target", "r1beta5/x86_64", "--remove", "tipster")
	if _, err := runRepoStore(t, "repo", "mirror", "--from", src, "--to", back, "--target", "r1beta5/x86_64"); !errors.Is(err, mirror.ErrDiverged) {
		t.Fatalf("mirror onto a published-to copy: %v", err)
	}
}

// TestMirrorBar: the progress bar names the target and counts packages.
func TestMirrorBar(t *testing.T) {
	var b bytes.Buffer
	progress, done := mirrorBar(&b)
	progress(mirror.Progress{Target: "master/x86_64", TotalFiles: 2, TotalBytes: 1000})
	time.Sleep(150 * time.Millisecond) // the bar draws at most every 100 ms
	progress(mirror.Progress{Target: "master/x86_64", Files: 1, TotalFiles: 2, Bytes: 600, TotalBytes: 1000})
	done()
	if out := b.String(); !strings.Contains(out, "master/x86_64: ") || !strings.Contains(out, "/2 packages") || !strings.Contains(out, "60%") {
		t.Fatalf("bar: %q", out)
	}
}
