package ssh

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/testenv"
)

func hello() builder.Port {
	return builder.Port{Name: "hello", Version: "1.0", Revision: "1", RecipeFilePath: "app-misc/hello/hello-1.0.recipe"}
}

// TestBuild runs a whole build against the real sshd and the fake
// haikuporter and checks every step of HaikuPorter's protocol: the exact
// setup and build command lines, builder.conf, the cache protocol
// (uploads, symlinks, outputs moved into the cache, pruning of unknown
// entries and leftover uploads), the log and the collected packages.
func TestBuild(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	// A cache left from an earlier master: one package the master knows,
	// one it does not, one interrupted upload, a visible symlink.
	known := makePackage(t, "known", "1")
	r.write("haikuports/packages/.cache/"+known.file, string(known.data))
	r.write("haikuports/packages/.cache/stale-1-1-x86_64.hpkg", "stale")
	r.write("haikuports/packages/.cache/half-1-1-x86_64.hpkg.upload", "half")
	os.Symlink(filepath.Join(r.dir, "haikuports/packages/.cache", known.file), filepath.Join(r.dir, "haikuports/packages", known.file))
	// The tree does not exist yet apart from packages/: the clone happens
	// only when the tree directory is missing, so start without it.
	os.Rename(filepath.Join(r.dir, "haikuports/packages"), filepath.Join(r.dir, "oldpackages"))
	os.Remove(filepath.Join(r.dir, "haikuports"))

	depA := &dep{pkg: makePackage(t, "liba", "2")}
	depB := &dep{pkg: makePackage(t, "haiku", "r1")}
	out := makePackage(t, "hello", "1.0")
	outDevel := makePackage(t, "hello_devel", "1.0")
	r.output("hello-1.0", out)
	r.output("hello-1.0", outDevel)
	r.write("deps", depA.file+"\n"+depB.file+"\n")

	var mu sync.Mutex
	var states []builder.State
	b := r.builder(Options{
		Known: func(f string) bool { return f == known.file || f == depA.file || f == depB.file },
		Notify: func(name string, st builder.Status) {
			mu.Lock()
			states = append(states, st.State)
			mu.Unlock()
		},
	})
	if st := b.Status().State; st != builder.StateNotAvailable {
		t.Fatalf("initial state %s", st)
	}
	ctx := context.Background()
	// Clone first (the tree is missing), then put the old packages back
	// and prepare again on a new connection.
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(r.dir, "haikuports/packages"))
	os.Rename(filepath.Join(r.dir, "oldpackages"), filepath.Join(r.dir, "haikuports/packages"))
	b.dropConn()
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	if got := b.CachedPackages(); !slices.Equal(got, []string{known.file}) {
		t.Errorf("cache after setup = %v, want [%s] (stale entry and upload pruned)", got, known.file)
	}
	for _, gone := range []string{"stale-1-1-x86_64.hpkg", "half-1-1-x86_64.hpkg.upload"} {
		if _, err := os.Stat(filepath.Join(r.dir, "haikuports/packages/.cache", gone)); !os.IsNotExist(err) {
			t.Errorf("%s still in the cache", gone)
		}
	}
	if _, err := os.Lstat(filepath.Join(r.dir, "haikuports/packages", known.file)); !os.IsNotExist(err) {
		t.Errorf("visible symlink not cleared")
	}
	wantConf := `TREE_PATH="` + r.dir + `/haikuports"
PACKAGES_PATH="` + r.dir + `/haikuports/packages"
PACKAGER="Builder haiku-test <hpkg-builder@haiku-os.org>"
TARGET_ARCHITECTURE="x86_64"
SECONDARY_TARGET_ARCHITECTURES="x86"
ALLOW_UNTESTED="yes"
ALLOW_UNSAFE_SOURCES="no"
CREATE_SOURCE_PACKAGES="no"
`
	if got := r.read("haikuports/builder.conf"); got != wantConf {
		t.Errorf("builder.conf:\n%s\nwant:\n%s", got, wantConf)
	}

	log := &syncBuffer{}
	col := &collector{}
	job := builder.Job{Number: 7, Port: hello(), Outputs: []string{out.file, outDevel.file}, Log: log, Collect: col.collect,
		Dependencies: []builder.Dependency{depA.dependency(), depB.dependency()}}
	if err := b.Build(ctx, job); err != nil {
		t.Fatalf("Build: %v\nlog:\n%s", err, log)
	}
	for _, p := range []pkg{out, outDevel} {
		if !bytes.Equal(col.files[p.file], p.data) {
			t.Errorf("collected %s: %d bytes, want the %d the builder made", p.file, len(col.files[p.file]), len(p.data))
		}
		if _, err := hpkg.Open(bytes.NewReader(col.files[p.file]), int64(len(col.files[p.file]))); err != nil {
			t.Errorf("collected %s is not a package: %v", p.file, err)
		}
	}
	hp := r.dir + "/bin/haikuporter"
	conf := r.dir + "/haikuports/builder.conf"
	tree := r.dir + "/haikuports"
	purge := `cd "` + tree + `" && "` + hp + `" --config="` + conf + `" --no-package-obsoletion --ignore-messages --purge "hello-1.0"`
	build := `source /boot/system/boot/SetupEnvironment && cd "` + tree + `" && "` + hp + `" --config="` + conf +
		`" --no-system-packages --no-package-obsoletion --ignore-messages -j2 "hello-1.0"`
	clone := `if [ ! -d "` + tree + `" ]; then git clone "` + r.origin + `" ` + tree + `; fi`
	sync := `cd "` + tree + `" && git fetch && git checkout ` + r.commit
	wantCmds := []string{clone, sync, clone, sync, purge, build, purge}
	if got := r.commands(); !slices.Equal(got, wantCmds) {
		t.Errorf("command lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCmds, "\n"))
	}
	if head := testenvGit(t, tree, "rev-parse", "HEAD"); head != r.commit {
		t.Errorf("builder tree at %s, want %s", head, r.commit)
	}
	wantLog := []string{
		"purging port with command: " + purge,
		"purging hello-1.0",
		"building port hello-1.0",
		"running command: " + build,
		"Checking if hello-1.0 is buildable ...",
		"using " + depA.file,
		"using " + depB.file,
		"this line goes to standard error",
		"creating package " + out.file,
		"creating package " + outDevel.file,
		"build of hello-1.0 done",
		"command exit status: 0",
		"download package " + out.file + " from builder",
		"download package " + outDevel.file + " from builder",
		"purging port with command: " + purge,
		"purging hello-1.0",
		"build completed successfully",
	}
	if got := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n"); !slices.Equal(got, wantLog) {
		t.Errorf("build log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
	}
	// Only the two dependencies were visible to the build.
	if got := strings.Fields(r.read("visible.seen")); !slices.Equal(got, []string{".cache", depB.file, depA.file}) {
		t.Errorf("packages/ during the build: %v", got)
	}
	// After the build packages/ is clear and everything is in the cache.
	ents, _ := os.ReadDir(filepath.Join(tree, "packages"))
	if len(ents) != 1 || ents[0].Name() != ".cache" {
		t.Errorf("packages/ after the build: %v", ents)
	}
	wantCache := []string{known.file, depB.file, depA.file, out.file, outDevel.file}
	slices.Sort(wantCache)
	if got := b.CachedPackages(); !slices.Equal(got, wantCache) {
		t.Errorf("CachedPackages = %v, want %v", got, wantCache)
	}
	if got := b.Status(); got.State != builder.StateAvailable || got.ConnectionErrors != 0 {
		t.Errorf("status after the build: %+v", got)
	}

	// A second build reuses the cached dependencies: no new upload.
	log2 := &syncBuffer{}
	job.Log = log2
	if err := b.Build(ctx, job); err != nil {
		t.Fatalf("second Build: %v\n%s", err, log2)
	}
	if depA.openCount() != 1 || depB.openCount() != 1 {
		t.Errorf("dependencies opened %d and %d times, want once each", depA.openCount(), depB.openCount())
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(states, builder.StateAvailable) {
		t.Errorf("notified states %v lack available", states)
	}
}

func testenvGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return testenv.Git(t, dir, args...)
}

// TestBuildFailure: a non-zero exit of the build is ErrBuildFailed, the
// builder stays available and the port is purged.
func TestBuildFailure(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.write("mode", "fail")
	b := r.builder(Options{})
	ctx := context.Background()
	if err := b.Prepare(ctx, r.tree()); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	err := b.Build(ctx, builder.Job{Port: hello(), Outputs: []string{"hello-1.0-1-x86_64.hpkg"}, Log: log, Collect: (&collector{}).collect})
	if !errors.Is(err, builder.ErrBuildFailed) {
		t.Fatalf("Build = %v, want ErrBuildFailed", err)
	}
	for _, l := range []string{"error: building hello-1.0 failed", "command exit status: 1", "build failed: "} {
		if !strings.Contains(log.String(), l) {
			t.Errorf("log lacks %q:\n%s", l, log)
		}
	}
	if st := b.Status().State; st != builder.StateAvailable {
		t.Errorf("state %s after a real failure, want available", st)
	}
	cmds := r.commands()
	if last := cmds[len(cmds)-1]; !strings.Contains(last, "--purge") {
		t.Errorf("last command %q is not the purge", last)
	}

	// A build that exits 0 without producing an expected package failed too.
	r.write("mode", "ok")
	err = b.Build(ctx, builder.Job{Port: hello(), Outputs: []string{"hello-1.0-1-x86_64.hpkg"}, Log: &syncBuffer{}, Collect: (&collector{}).collect})
	if !errors.Is(err, builder.ErrBuildFailed) || !strings.Contains(err.Error(), "not produced") {
		t.Fatalf("Build without output = %v, want ErrBuildFailed (not produced)", err)
	}
}

// TestCancelKillsRemoteBuild: cancelling a hanging build returns within
// 5 s (at once on a quiet machine) and the remote build and its child
// process die.
func TestCancelKillsRemoteBuild(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.write("mode", "hang")
	b := r.builder(Options{})
	if err := b.Prepare(context.Background(), r.tree()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("build cancelled by the test")
	done := make(chan error, 1)
	log := &syncBuffer{}
	go func() {
		done <- b.Build(ctx, builder.Job{Port: hello(), Log: log, Collect: (&collector{}).collect})
	}()
	pids := waitPIDs(t, r, "hang.pid", "child.pid")
	for _, pid := range pids {
		if !processAlive(pid) {
			t.Fatalf("process %d not running before the cancel", pid)
		}
	}
	start := time.Now()
	cancel(cause)
	select {
	case err := <-done:
		if !errors.Is(err, cause) {
			t.Errorf("Build = %v, want the cancel cause", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Build did not return 5 s after the cancel")
	}
	t.Logf("Build returned %v after the cancel", time.Since(start))
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for processAlive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("remote process %d still running after the cancel", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The builder is still usable.
	r.write("mode", "ok")
	if err := b.Build(context.Background(), builder.Job{Port: hello(), Log: &syncBuffer{}, Collect: (&collector{}).collect}); err != nil {
		t.Fatalf("Build after the cancel: %v", err)
	}
}

func waitPIDs(t *testing.T, r *rig, files ...string) []int {
	t.Helper()
	var pids []int
	deadline := time.Now().Add(10 * time.Second)
	for _, f := range files {
		for {
			b, err := os.ReadFile(filepath.Join(r.dir, f))
			if err == nil && strings.HasSuffix(string(b), "\n") {
				var pid int
				for _, c := range strings.TrimSpace(string(b)) {
					pid = pid*10 + int(c-'0')
				}
				pids = append(pids, pid)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not written", f)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return pids
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
