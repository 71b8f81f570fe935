package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func link(name, target string) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target}
}

func TestTreeResolve(t *testing.T) {
	tr := NewTree()
	for _, h := range []*tar.Header{
		dir("usr/lib/x86_64-linux-gnu", 0o755, 0, tr.newest()),
		file("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", 0o644, 0, tr.newest(), nil),
		link("usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13"),
		link("lib64", "usr/lib/x86_64-linux-gnu"),
		link("abs", "/usr/lib/x86_64-linux-gnu/libz.so.1"),
		link("up", "../../usr/./lib"),
		link("loop1", "loop2"), link("loop2", "loop1"),
		link("dangling", "nowhere"),
	} {
		if err := tr.Add(h, nil, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"usr/lib/x86_64-linux-gnu/libz.so.1", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13"},
		{"/lib64/libz.so.1", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13"},
		{"abs", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13"},
		{"up/x86_64-linux-gnu/libz.so.1", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13"},
		{"usr/lib", "usr/lib"},
		{"loop1", ""},
		{"dangling", ""},
		{"usr/lib/missing", ""},
	} {
		got, ok := tr.Resolve(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	// The same directory twice is kept once; any other path twice fails.
	if err := tr.Add(dir("./usr/lib/x86_64-linux-gnu/", 0o700, 0, tr.newest()), nil, "other"); err != nil {
		t.Errorf("directory again: %v", err)
	}
	if err := tr.Add(file("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", 0o644, 0, tr.newest(), nil), nil, "other"); !errors.Is(err, ErrConflict) {
		t.Errorf("file again: %v", err)
	}
}

// TestTreeWriteTar: parents come first (made up when missing), and the
// same tree gives the same bytes.
func TestTreeWriteTar(t *testing.T) {
	tr := NewTree()
	tr.Add(file("etc/ssl/certs/x.crt", 0o644, 0, tr.newest(), []byte("x")), []byte("x"), "test")
	tr.Add(dir("etc", 0o700, 0, tr.newest()), nil, "test")
	var a, b bytes.Buffer
	if err := tr.WriteTar(&a); err != nil {
		t.Fatal(err)
	}
	tr.WriteTar(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings differ")
	}
	r := tar.NewReader(&a)
	var got []string
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
	}
	want := []string{"etc/", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/x.crt"}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entries %q, want %q", got, want)
		}
	}
}

// TestCheckELF runs the check on this machine's /usr/bin/git and the
// libraries it links to: alone it lacks them, with them it passes.
func TestCheckELF(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	bin, err := os.ReadFile(git)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTree()
	tr.Add(file("usr/bin/git", 0o755, 0, tr.newest(), bin), bin, "test")
	if _, err := CheckELF(tr, Arches["amd64"]); !errors.Is(err, ErrMissingLibrary) {
		t.Fatalf("git without its libraries: %v", err)
	}
	if _, err := CheckELF(tr, Arches["arm64"]); err == nil {
		t.Fatal("an amd64 git passes as arm64")
	}
	// ldd names the libraries (and the loader) by their real paths.
	out, err := exec.Command("ldd", git).Output()
	if err != nil {
		t.Skipf("ldd: %v", err)
	}
	for _, f := range bytes.Fields(out) {
		p := string(f)
		if p[0] != '/' {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(real)
		if err != nil {
			t.Fatal(err)
		}
		// As the package ships them: the file under its real name, the
		// name ldd printed a link to it.
		tr.Add(file(real, 0o644, 0, tr.newest(), data), data, "test")
		if real != p {
			tr.Add(link(p, real), nil, "test")
		}
	}
	if n, err := CheckELF(tr, Arches["amd64"]); err != nil || n < 3 {
		t.Fatalf("git with its libraries: %d files, %v", n, err)
	}
}

// TestFetchCache: a cached .deb with the lists' SHA-256 is used as is; one
// without is downloaded again (here: fails, the package is made up).
func TestFetchCache(t *testing.T) {
	dir := t.TempDir()
	content := []byte("a cached package")
	sum := sha256.Sum256(content)
	p := Package{Name: "kiln-test-no-such-package", Arch: "amd64", Version: "1.0", Filename: "pool/main/k/kiln-test_1.0_amd64.deb", SHA256: hex.EncodeToString(sum[:])}
	if err := os.WriteFile(filepath.Join(dir, "kiln-test_1.0_amd64.deb"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	paths, err := Fetch(context.Background(), log, dir, []Package{p})
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "kiln-test_1.0_amd64.deb" {
		t.Fatalf("cached: %v, %v", paths, err)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get")
	}
	os.WriteFile(paths[0], []byte("truncated"), 0o644)
	if _, err := Fetch(context.Background(), log, dir, []Package{p}); err == nil {
		t.Fatal("a stale cached file was used")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "download-*")); len(left) != 0 {
		t.Errorf("download directories left: %v", left)
	}
}

// TestTreeLink: a file equal to an earlier one (content, mode, owner)
// becomes a hard link to it.
func TestTreeLink(t *testing.T) {
	tr := NewTree()
	git := []byte("\x7fELF git")
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{
		{"usr/bin/git", 0o755, git},
		{"usr/lib/git-core/git", 0o755, git},
		{"usr/lib/git-core/git-copy", 0o644, git},
		{"usr/lib/git-core/other", 0o755, []byte("other")},
		{"etc/empty", 0o644, nil},
		{"etc/empty2", 0o644, nil},
	} {
		if err := tr.Add(file(f.name, f.mode, 0, tr.newest(), f.data), f.data, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if n := tr.Link(); n != 1 {
		t.Errorf("Link() = %d, want 1", n)
	}
	e, _ := tr.Get("usr/lib/git-core/git")
	if e.Header.Typeflag != tar.TypeLink || e.Header.Linkname != "usr/bin/git" || e.Data != nil {
		t.Errorf("usr/lib/git-core/git: %+v", e.Header)
	}
	for _, name := range []string{"usr/bin/git", "usr/lib/git-core/git-copy", "etc/empty2"} {
		if e, _ := tr.Get(name); e.Header.Typeflag != tar.TypeReg {
			t.Errorf("%s became a link", name)
		}
	}
	if p, ok := tr.Resolve("usr/lib/git-core/git"); !ok || p != "usr/lib/git-core/git" {
		t.Errorf("Resolve of the link: %q %v", p, ok)
	}
}
