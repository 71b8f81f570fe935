package doctor_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/doctor"
	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/testenv"
)

// gitTree makes a git work tree with one commit and returns its path.
func gitTree(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := filepath.Join(t.TempDir(), "tree")
	testenv.WriteFile(t, dir, "README", "a ports tree\n")
	testenv.Git(t, dir, "init", "-q", "-b", "master")
	testenv.Git(t, dir, "add", ".")
	testenv.Git(t, dir, "commit", "-q", "-m", "first")
	return dir
}

// healthyConfig is a config with two mock builders and a local tree; the
// store is whatever OpenStore opens.
func healthyConfig(t *testing.T) *config.Config {
	return &config.Config{
		Store:    config.Store{URL: "s3://test"},
		Tree:     config.Tree{Path: gitTree(t)},
		Targets:  []config.Target{{Branch: "master", Arch: "x86_64"}},
		Builders: config.Builders{Mock: []mock.Settings{{Name: "mock", Count: 2}}},
	}
}

// s3Opener opens the store of prefix on srv, at endpoint if not "".
func s3Opener(srv *s3test.Server, prefix, endpoint string) func(context.Context, string) (store.Store, error) {
	return func(ctx context.Context, _ string) (store.Store, error) {
		o := srv.Options()
		if endpoint != "" {
			o.Endpoint = endpoint
		}
		return store.NewS3(ctx, srv.Bucket, prefix, o)
	}
}

// runDoctor runs the checks and returns the results by name, after
// checking that no probe object is left in st.
func runDoctor(t *testing.T, cfg *config.Config, opts doctor.Options, st store.Store) map[string]doctor.Result {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	var streamed int
	results := doctor.Run(context.Background(), cfg, opts, func(doctor.Result) { streamed++ })
	if streamed != len(results) {
		t.Errorf("reported %d results, returned %d", streamed, len(results))
	}
	byName := map[string]doctor.Result{}
	for _, r := range results {
		if _, dup := byName[r.Name]; dup {
			t.Errorf("two checks are called %q", r.Name)
		}
		byName[r.Name] = r
		if (r.Status == doctor.Fail || r.Status == doctor.Warn) && r.Fix == "" {
			t.Errorf("%s: %s without a fix hint: %s", r.Name, r.Status, r.Detail)
		}
		t.Logf("%-4s %-24s %s", r.Status, r.Name, r.Detail)
	}
	err := st.List(context.Background(), doctor.ProbePrefix, "", func(o store.ObjectInfo) error {
		return errors.New("probe object left behind: " + o.Key)
	})
	if err != nil {
		t.Error(err)
	}
	return byName
}

// want fails the test unless the named check has status and its detail
// (and fix, if given) contain the strings.
func want(t *testing.T, results map[string]doctor.Result, name string, status doctor.Status, detail ...string) {
	t.Helper()
	r, ok := results[name]
	if !ok {
		t.Errorf("no check %q", name)
		return
	}
	if r.Status != status {
		t.Errorf("%s: %s, want %s: %s (fix: %s)", name, r.Status, status, r.Detail, r.Fix)
	}
	for _, d := range detail {
		if !strings.Contains(r.Detail+" fix: "+r.Fix, d) {
			t.Errorf("%s: %q lacks %q (fix: %s)", name, r.Detail, d, r.Fix)
		}
	}
}

// TestHealthy: versitygw, two mock builders and a git tree are all green,
// the presigned URL included, and the probe objects are gone after.
func TestHealthy(t *testing.T) {
	srv := s3test.StartVersity(t)
	st := srv.Store(t, "healthy")
	cfg := healthyConfig(t)
	results := runDoctor(t, cfg, doctor.Options{OpenStore: s3Opener(srv, "healthy", "")}, st)
	for name, r := range results {
		if r.Status != doctor.OK {
			t.Errorf("%s: %s: %s (fix: %s)", name, r.Status, r.Detail, r.Fix)
		}
	}
	want(t, results, "store", doctor.OK, "s3://kiln-test/healthy")
	want(t, results, "store create-if-absent", doctor.OK, "refused")
	want(t, results, "store compare-and-swap", doctor.OK, "refused")
	want(t, results, "store presigned URL", doctor.OK, "returned its")
	want(t, results, "store clock", doctor.OK, "clock")
	want(t, results, "builder mock-1", doctor.OK, "haikuporter")
	want(t, results, "builder mock-2", doctor.OK)
	want(t, results, "builders in lockstep", doctor.OK)
	want(t, results, "tree", doctor.OK, "git work tree", "first")
	if len(results) < 11 {
		t.Errorf("%d checks, want at least 11", len(results))
	}
}

// TestDirectoryStore: the directory store passes every store check, the
// presigned URL not applying.
func TestDirectoryStore(t *testing.T) {
	dir := t.TempDir()
	cfg := healthyConfig(t)
	cfg.Store.URL = dir
	st, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	results := runDoctor(t, cfg, doctor.Options{}, st)
	want(t, results, "store write", doctor.OK)
	want(t, results, "store create-if-absent", doctor.OK)
	want(t, results, "store compare-and-swap", doctor.OK)
	want(t, results, "store presigned URL", doctor.OK, "not applicable")
	want(t, results, "store delete", doctor.OK)
	if doctor.Failed(mapValues(results)) {
		t.Error("a check failed")
	}
}

func mapValues(m map[string]doctor.Result) []doctor.Result {
	var rs []doctor.Result
	for _, r := range m {
		rs = append(rs, r)
	}
	return rs
}

// TestUnreachableStore: a store that cannot be reached fails the first
// store check with a hint; the other store checks are skipped, the rest
// still run.
func TestUnreachableStore(t *testing.T) {
	cfg := healthyConfig(t)
	results := doctor.Run(context.Background(), cfg, doctor.Options{OpenStore: unreachable}, nil)
	byName := map[string]doctor.Result{}
	for _, r := range results {
		byName[r.Name] = r
	}
	want(t, byName, "store", doctor.Fail, "127.0.0.1:1", "reachable")
	want(t, byName, "store write", doctor.Skip)
	want(t, byName, "store delete", doctor.Skip)
	want(t, byName, "builder mock-1", doctor.OK)
	want(t, byName, "tree", doctor.OK)
}

// unreachable opens an S3 store at a port nobody listens on.
func unreachable(ctx context.Context, _ string) (store.Store, error) {
	srv := &s3test.Server{Endpoint: "http://127.0.0.1:1", Region: "us-east-1", AccessKey: "k", SecretKey: "s", Bucket: "b"}
	return store.NewS3(ctx, srv.Bucket, "", srv.Options())
}

// TestTargetOpens: a target is opened as kiln serve opens it; a
// system_packages folder that is not there fails its check naming it.
func TestTargetOpens(t *testing.T) {
	cfg := healthyConfig(t)
	cfg.Store.URL = t.TempDir()
	st, err := store.OpenFile(cfg.Store.URL)
	if err != nil {
		t.Fatal(err)
	}
	want(t, runDoctor(t, cfg, doctor.Options{}, st), "target master/x86_64", doctor.OK, "nothing published yet")
	cfg.Targets[0].SystemPackages = filepath.Join(t.TempDir(), "typo")
	want(t, runDoctor(t, cfg, doctor.Options{}, st), "target master/x86_64", doctor.Fail, "system packages", "typo", "do not start")
}

// TestStoreHolds: the store check says what the store holds: a directory
// it created, nothing yet, kiln targets, a HaikuPorter repository to
// import; other things warn (is store.url right?).
func TestStoreHolds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		status doctor.Status
		detail string
	}{
		{"missing directory", nil, doctor.OK, "did not exist and was created"},
		{"empty", map[string]string{}, doctor.OK, "empty"},
		{"kiln target", map[string]string{"master/x86_64/.kiln/head.json": "{}"}, doctor.OK, "kiln targets master/x86_64"},
		{"HaikuPorter bucket", map[string]string{"master/x86_gcc2/current/repo": "hpkr"}, doctor.OK, "HaikuPorter repositories master/x86_gcc2 (kiln repo import"},
		{"something else", map[string]string{"photos/cat.jpg": "meow", "notes.txt": "x"}, doctor.Warn, "holds 2 entries at the top but no kiln target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			if tc.files != nil {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for name, content := range tc.files {
				testenv.WriteFile(t, dir, name, content)
			}
			cfg := healthyConfig(t)
			cfg.Store.URL = dir
			results := map[string]doctor.Result{}
			doctor.Run(context.Background(), cfg, doctor.Options{}, func(r doctor.Result) { results[r.Name] = r })
			want(t, results, "store", tc.status, tc.detail)
			want(t, results, "store delete", doctor.OK)
		})
	}
}
