package ssh

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// rig is one fake Haiku builder behind a real sshd: a state directory
// (dir) holding the fake haikuporter (bin/haikuporter), the recorded
// command lines (commands.log), the ports tree the builder clones
// (haikuports, from the git repository origin) and the control files of
// testdata/haikuporter.sh.
type rig struct {
	t      *testing.T
	srv    *sshtest.Server
	key    sshtest.Key
	dir    string // the Haiku side
	origin string // the master's ports tree (a git repository)
	commit string
	kh     string // known_hosts file
	proxy  *sshtest.Proxy
	cfg    *Config
}

type rigOptions struct {
	proxy    bool // connect through a TCP proxy (rig.proxy)
	jump     *sshtest.Server
	jumpKey  sshtest.Key
	extraCfg string // extra JSON members
	noKnown  bool   // leave the builder out of known_hosts
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	sshtest.Skip(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &rig{t: t, key: sshtest.NewKey(t), dir: t.TempDir()}
	wrapper, err := filepath.Abs("testdata/wrapper.sh")
	if err != nil {
		t.Fatal(err)
	}
	r.srv = sshtest.Start(t, sshtest.Options{Authorized: []sshtest.Key{r.key}, ForceCommand: "/bin/bash " + wrapper + " " + r.dir})
	os.MkdirAll(filepath.Join(r.dir, "bin"), 0o755)
	hp, err := os.ReadFile("testdata/haikuporter.sh")
	if err != nil {
		t.Fatal(err)
	}
	r.write("bin/haikuporter", string(hp))
	os.Chmod(filepath.Join(r.dir, "bin/haikuporter"), 0o755)
	r.write("SetupEnvironment", "export HAIKU_SETUP_ENVIRONMENT=sourced\n")

	r.origin = filepath.Join(t.TempDir(), "haikuports")
	os.MkdirAll(r.origin, 0o755)
	testenv.Git(t, r.origin, "init", "-q", "-b", "master")
	testenv.WriteFile(t, r.origin, "app-misc/hello/hello-1.0.recipe", "SUMMARY=\"hello\"\n")
	testenv.Git(t, r.origin, "add", "-A")
	testenv.Git(t, r.origin, "commit", "-q", "-m", "hello")
	r.commit = testenv.Git(t, r.origin, "rev-parse", "HEAD")

	addr := r.srv.Addr()
	port := r.srv.Port
	if o.proxy {
		r.proxy = sshtest.StartProxy(t, r.srv.Addr())
		addr = r.proxy.Addr()
		port = r.proxy.Port()
	}
	var kh []string
	if !o.noKnown {
		kh = append(kh, r.srv.KnownHostsLine(addr))
	}
	jump := ""
	if o.jump != nil {
		kh = append(kh, o.jump.KnownHostsLine(o.jump.Addr()))
		jump = `,"jump":{"host":"127.0.0.1","port":"` + itoa(o.jump.Port) + `","user":"` + o.jump.User +
			`","privateKey":"` + o.jumpKey.Base64() + `"}`
	}
	r.kh = filepath.Join(r.dir, "known_hosts")
	r.write("known_hosts", strings.Join(kh, "\n")+"\n")
	js := `{"name":"haiku-test",
 "portstree":{"path":"` + r.dir + `/haikuports"},
 "haikuporter":{"path":"` + r.dir + `/bin/haikuporter","args":"-j2"},
 "ssh":{"host":"127.0.0.1","port":"` + itoa(port) + `","user":"` + r.srv.User + `","privateKey":"` + r.key.Base64() + `"` + jump + `}` +
		o.extraCfg + `}`
	file := filepath.Join(r.dir, "haiku-test.json")
	r.write("haiku-test.json", js)
	r.cfg, err = LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) read(rel string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, rel))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// commands returns the command lines the builder has received.
func (r *rig) commands() []string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "commands.log"))
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func (r *rig) builder(o Options) *Builder {
	r.t.Helper()
	kh, err := LoadKnownHosts(r.kh)
	if err != nil {
		r.t.Fatal(err)
	}
	o.KnownHosts = kh
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{r.t}, nil))
	}
	if o.Backoff == nil {
		o.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	}
	b, err := New(r.cfg, o)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { b.Close() })
	return b
}

func (r *rig) tree() builder.Tree {
	return builder.Tree{OriginURL: r.origin, Commit: r.commit, Settings: builder.Settings{
		TargetArch: "x86_64", SecondaryArchs: []string{"x86"}, AllowUntested: true}}
}

// pkg is a real package file made with the hpkg writer.
type pkg struct {
	file string
	data []byte
}

func makePackage(t *testing.T, name, version string) pkg {
	t.Helper()
	v, err := pkginfo.ParseVersion(version + "-1")
	if err != nil {
		t.Fatal(err)
	}
	info := &pkginfo.PackageInfo{Name: name, Summary: name + " for tests", Description: "A test package.",
		Vendor: "kiln", Packager: "kiln", Architecture: pkginfo.ArchX86_64,
		Version:  v,
		Licenses: []string{"MIT"}, Copyrights: []string{"kiln"}}
	tree := []*hpkg.Entry{{Name: "data", Type: hpkg.FileDirectory, Children: []*hpkg.Entry{{
		Name: name + ".txt", Type: hpkg.FileRegular, Size: int64(len(name)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(name)), nil }}}}}
	var buf bytes.Buffer
	if err := hpkg.WritePackage(&buf, info, tree, hpkg.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return pkg{file: info.CanonicalFileName(), data: buf.Bytes()}
}

// output places p where the fake haikuporter copies it from when it
// builds port id.
func (r *rig) output(id string, p pkg) {
	r.t.Helper()
	r.write(filepath.Join("outputs", id, p.file), string(p.data))
}

// dep is a dependency served from memory, counting its Opens.
type dep struct {
	pkg
	mu    sync.Mutex
	opens int
}

func (d *dep) dependency() builder.Dependency {
	sum := sha256.Sum256(d.data)
	return builder.Dependency{File: d.file, Size: int64(len(d.data)), SHA256: hex.EncodeToString(sum[:]),
		Open: func(context.Context) (io.ReadCloser, error) {
			d.mu.Lock()
			d.opens++
			d.mu.Unlock()
			return io.NopCloser(bytes.NewReader(d.data)), nil
		}}
}

func (d *dep) openCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opens
}

// collector is a Job.Collect that keeps what it got.
type collector struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (c *collector) collect(_ context.Context, file string, r io.Reader, size int64) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[string][]byte{}
	}
	c.files[file] = b
	return nil
}

// syncBuffer is a log safe to read while a build writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testWriter sends the builder log to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// newSilentListener accepts connections on a 127.0.0.1 port and never
// writes to them; it returns the port.
func newSilentListener(t *testing.T) (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port, nil
}
