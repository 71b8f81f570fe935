package buildertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// logBuffer is a Job.Log that tests can watch while the build writes.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	waits []logWait
	fail  error // returned by Write when set
}

type logWait struct {
	s  string
	ch chan struct{}
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return 0, l.fail
	}
	l.buf.Write(p)
	kept := l.waits[:0]
	for _, w := range l.waits {
		if strings.Contains(l.buf.String(), w.s) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	l.waits = kept
	return len(p), nil
}

// seen returns a channel closed once the log contains s.
func (l *logBuffer) seen(s string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	if strings.Contains(l.buf.String(), s) {
		close(ch)
	} else {
		l.waits = append(l.waits, logWait{s, ch})
	}
	return ch
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// collected is a Job.Collect that keeps what it got.
type collected struct {
	mu    sync.Mutex
	files []string
	data  map[string][]byte
	err   error // returned by Collect when set
}

func (c *collected) collect(ctx context.Context, file string, r io.Reader, size int64) error {
	b, err := io.ReadAll(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data == nil {
		c.data = map[string][]byte{}
	}
	c.files = append(c.files, file)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("buildertest: %s: read %d bytes, Collect was told %d", file, len(b), size)
	}
	c.data[file] = b
	return c.err
}

func (c *collected) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.files...)
}

// dependency is a package file the suite gives builds.
type dependency struct {
	builder.Dependency
	opens *int
	mu    *sync.Mutex
}

func (d dependency) Opens() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return *d.opens
}

// newDependency makes a real package for info as a Dependency; corrupt
// makes its SHA-256 wrong.
func newDependency(t *testing.T, info *pkginfo.PackageInfo, corrupt bool) dependency {
	data := packageBytes(t, info)
	sum := sha256.Sum256(data)
	if corrupt {
		sum[0] ^= 0xff
	}
	d := dependency{opens: new(int), mu: new(sync.Mutex)}
	d.Dependency = builder.Dependency{
		File:   info.CanonicalFileName(),
		Size:   int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]),
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			d.mu.Lock()
			*d.opens++
			d.mu.Unlock()
			return io.NopCloser(bytes.NewReader(data)), nil
		},
	}
	return d
}

func pkg(t *testing.T, name, version string, arch pkginfo.Architecture, requires ...string) *pkginfo.PackageInfo {
	t.Helper()
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	pi := &pkginfo.PackageInfo{Name: name, Version: v, Architecture: arch,
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}}}
	for _, r := range requires {
		e, err := pkginfo.ParseExpression(r)
		if err != nil {
			t.Fatal(err)
		}
		pi.Requires = append(pi.Requires, e)
	}
	return complete(pi)
}

// checkPackage checks that data is a valid package with info's identity
// and resolvables.
func checkPackage(t *testing.T, file string, data []byte, want *pkginfo.PackageInfo) {
	t.Helper()
	p, err := hpkg.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Errorf("%s: not a valid package: %v", file, err)
		return
	}
	defer p.Close()
	got := p.Info
	if got.Name != want.Name || got.Version != want.Version || got.Architecture != want.Architecture {
		t.Errorf("%s: package is %s %s %s, want %s %s %s", file, got.Name, got.Version, got.Architecture, want.Name, want.Version, want.Architecture)
	}
	if got.CanonicalFileName() != file {
		t.Errorf("%s: package's canonical file name is %s", file, got.CanonicalFileName())
	}
	if fmt.Sprint(got.Provides) != fmt.Sprint(want.Provides) || fmt.Sprint(got.Requires) != fmt.Sprint(want.Requires) {
		t.Errorf("%s: provides %v requires %v, want provides %v requires %v", file, got.Provides, got.Requires, want.Provides, want.Requires)
	}
	if _, err := p.Entries(); err != nil {
		t.Errorf("%s: reading the file tree: %v", file, err)
	}
}

var errCollect = errors.New("buildertest: the store refused the package")
var errOpen = errors.New("buildertest: the store lost the dependency")
var errLog = errors.New("buildertest: the log store is gone")
