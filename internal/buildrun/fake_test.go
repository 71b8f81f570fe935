package buildrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// fakeBuilder is a test double of a builder: it "builds" a port by
// writing real .hpkg files (the hpkg writer) whose info comes from the
// port's recipe, checks that every dependency it was given can be read,
// and fails, fails transiently, hangs or gets lost on demand.
type fakeBuilder struct {
	name  string
	ports map[string]*recipe.Port // by port id
	delay time.Duration

	mu        sync.Mutex
	state     builder.State
	fail      map[string]bool // port id → fails (real failure)
	failOnce  map[string]bool // fails the first time only
	transient map[string]int  // port id → transient failures left
	hang      map[string]int  // port id → hangs left (no output until cancelled); < 0: always
	loseAfter int             // lost after this many builds (0: never)
	built     []string        // port ids built successfully here
	attempts  int
	cache     []string
}

func newFake(name string, ports map[string]*recipe.Port) *fakeBuilder {
	return &fakeBuilder{name: name, ports: ports, state: builder.StateAvailable,
		fail: map[string]bool{}, failOnce: map[string]bool{}, transient: map[string]int{}, hang: map[string]int{}}
}

func (f *fakeBuilder) Name() string { return f.name }

func (f *fakeBuilder) Prepare(ctx context.Context, tree builder.Tree) error {
	if tree.Commit == "" {
		return fmt.Errorf("%w: no commit", builder.ErrBuildFailed)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == builder.StateLost {
		return fmt.Errorf("%w: %s is lost", builder.ErrUnavailable, f.name)
	}
	return nil
}

func (f *fakeBuilder) Status() builder.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return builder.Status{State: f.state, MaxConnectionErrors: 100}
}

func (f *fakeBuilder) Close() error { return nil }

func (f *fakeBuilder) CachedPackages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.cache)
}

func (f *fakeBuilder) Build(ctx context.Context, job builder.Job) error {
	id := job.Port.ID()
	f.mu.Lock()
	f.attempts++
	if f.state == builder.StateLost {
		f.mu.Unlock()
		return fmt.Errorf("%w: %s is lost", builder.ErrUnavailable, f.name)
	}
	if f.loseAfter > 0 && f.attempts > f.loseAfter {
		f.state = builder.StateLost
		f.mu.Unlock()
		fmt.Fprintf(job.Log, "connection to %s lost\n", f.name)
		return fmt.Errorf("%w: connection to %s lost", builder.ErrUnavailable, f.name)
	}
	fail, hang := f.fail[id], f.hang[id] != 0
	if f.hang[id] > 0 {
		f.hang[id]--
	}
	if f.failOnce[id] {
		fail = true
		delete(f.failOnce, id)
	}
	transient := f.transient[id] > 0
	if transient {
		f.transient[id]--
	}
	f.mu.Unlock()

	p := f.ports[id]
	if p == nil {
		return fmt.Errorf("%w: no recipe for %s", builder.ErrBuildFailed, id)
	}
	fmt.Fprintf(job.Log, "running command: haikuporter --no-system-packages %s\n", id)
	for _, d := range job.Dependencies {
		rc, err := d.Open(ctx)
		if err != nil {
			return fmt.Errorf("%w: dependency %s: %v", builder.ErrTransient, d.File, err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || n != d.Size {
			return fmt.Errorf("%w: dependency %s: %d of %d bytes: %v", builder.ErrTransient, d.File, n, d.Size, err)
		}
		fmt.Fprintf(job.Log, "package %s available\n", d.File)
	}
	if hang {
		fmt.Fprintf(job.Log, "waiting for build package %s to be activated\n", id)
		<-ctx.Done()
		return fmt.Errorf("%w: %w", builder.ErrTransient, context.Cause(ctx))
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", builder.ErrTransient, context.Cause(ctx))
	case <-time.After(f.delay):
	}
	if transient {
		fmt.Fprintf(job.Log, "connection reset\n")
		return fmt.Errorf("%w: connection reset", builder.ErrTransient)
	}
	if fail {
		fmt.Fprintf(job.Log, "command exit status: 1\n")
		return fmt.Errorf("%w: haikuporter exited with status 1", builder.ErrBuildFailed)
	}
	for _, out := range job.Outputs {
		var pk *recipe.Package
		for i := range p.Packages {
			if p.Packages[i].FileName() == out {
				pk = &p.Packages[i]
			}
		}
		if pk == nil {
			return fmt.Errorf("%w: %s does not produce %s", builder.ErrBuildFailed, id, out)
		}
		b, err := fakePackage(pk)
		if err != nil {
			return fmt.Errorf("%w: %v", builder.ErrBuildFailed, err)
		}
		fmt.Fprintf(job.Log, "download package %s from builder\n", out)
		if err := job.Collect(ctx, out, bytes.NewReader(b), int64(len(b))); err != nil {
			return err
		}
	}
	fmt.Fprintf(job.Log, "command exit status: 0\n")
	f.mu.Lock()
	f.built = append(f.built, id)
	for _, d := range job.Dependencies {
		if _, found := slices.BinarySearch(f.cache, d.File); !found {
			f.cache = append(f.cache, d.File)
			slices.Sort(f.cache)
		}
	}
	f.mu.Unlock()
	return nil
}

func (f *fakeBuilder) builtPorts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.built)
}

// fakePackage writes a real .hpkg for a recipe package.
func fakePackage(pk *recipe.Package) ([]byte, error) {
	info := pkginfo.PackageInfo{
		Name: pk.Name, Version: pk.Version, Architecture: pk.Architecture,
		Summary: "Summary of " + pk.Name, Description: "Built by the buildrun tests.",
		Vendor: "Haiku Project", Packager: "kiln tests <kiln@example.com>",
		Copyrights: []string{"2026 kiln"}, Licenses: []string{"MIT"},
		Provides: pk.Provides, Requires: pk.Requires,
	}
	data := []byte("payload of " + pk.Name + "\n")
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, MTime: mtime, Children: []*hpkg.Entry{{
		Name: pk.Name + ".txt", Type: hpkg.FileRegular, MTime: mtime, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
	}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, &info, root, hpkg.WriteOptions{Compression: hpkg.CompressionZlib}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var _ builder.Builder = (*fakeBuilder)(nil)

func fakes(t testing.TB, n int, ports map[string]*recipe.Port) ([]*fakeBuilder, []builder.Builder) {
	var fs []*fakeBuilder
	var bs []builder.Builder
	for i := range n {
		f := newFake(fmt.Sprintf("builder%d", i+1), ports)
		fs = append(fs, f)
		bs = append(bs, f)
	}
	return fs, bs
}
