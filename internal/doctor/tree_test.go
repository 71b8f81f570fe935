package doctor_test

import (
	"path/filepath"
	"testing"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/doctor"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestTree: a [tree] url is checked with git ls-remote (a bare repository
// by path and by file:// URL), a missing branch and a missing repository
// fail, and so does a [tree] path that is no git work tree.
func TestTree(t *testing.T) {
	work := gitTree(t)
	bare := filepath.Join(t.TempDir(), "ports.git")
	testenv.Git(t, work, "clone", "-q", "--bare", work, bare)
	plain := t.TempDir()
	for _, tc := range []struct {
		name   string
		tree   config.Tree
		status doctor.Status
		detail []string
	}{
		{"url", config.Tree{URL: bare, Branch: "master"}, doctor.OK, []string{"answers", "master is at"}},
		{"file url default branch", config.Tree{URL: "file://" + bare}, doctor.OK, []string{"master is at"}},
		{"url without the branch", config.Tree{URL: bare, Branch: "r1beta5"}, doctor.Fail, []string{"has no branch r1beta5", "tree.branch"}},
		{"url that is no repository", config.Tree{URL: filepath.Join(plain, "nothing.git")}, doctor.Fail, []string{"git ls-remote", "nothing.git"}},
		{"path", config.Tree{Path: work}, doctor.OK, []string{"git work tree", "first"}},
		{"path that is no work tree", config.Tree{Path: plain}, doctor.Fail, []string{"not a git work tree", "git clone"}},
		{"path that does not exist", config.Tree{Path: filepath.Join(plain, "typo")}, doctor.Fail, []string{"tree.path", "typo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := healthyConfig(t)
			cfg.Tree = tc.tree
			cfg.Store.URL = t.TempDir()
			st, err := store.OpenFile(cfg.Store.URL)
			if err != nil {
				t.Fatal(err)
			}
			want(t, runDoctor(t, cfg, doctor.Options{}, st), "tree", tc.status, tc.detail...)
		})
	}
}
