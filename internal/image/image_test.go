package image_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"debug/elf"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"golang.org/x/sys/unix"

	"github.com/haikuports/kiln/internal/image"
	"github.com/haikuports/kiln/internal/testenv"
)

// imageArchive is the tarball make release wrote (KILN_TEST_IMAGE,
// which scripts/test sets); without it the test skips, except in CI.
func imageArchive(t *testing.T) string {
	t.Helper()
	p := os.Getenv("KILN_TEST_IMAGE")
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("KILN_TEST_IMAGE is not set: scripts/test builds the image with make release and sets it")
		}
		t.Skip("KILN_TEST_IMAGE not set: `make release` writes out/kiln-image.tar; KILN_TEST_IMAGE=$PWD/out/kiln-image.tar go test ./internal/image")
	}
	return p
}

// TestImageArchive reads the release's OCI layout tarball as a registry
// client would (index → one manifest per platform → config), checks each
// platform's config, unpacks both platforms (each layer's diff ID
// checked) and runs what is inside: kiln --version from the amd64 root
// file system, and git from it under chroot (only the image's libraries)
// as the image's user, cloning from local HTTP and HTTPS servers.
func TestImageArchive(t *testing.T) {
	idx, ref := releaseIndex(t)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" {
			t.Fatalf("manifest %s: platform %+v", d.Digest, d.Platform)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		images[d.Platform.Architecture] = img
	}
	if len(images) != 2 || images["amd64"] == nil || images["arm64"] == nil {
		t.Fatalf("platforms: want amd64 and arm64, got %v", im.Manifests)
	}
	var version string
	for arch, img := range images {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if cf.Architecture != arch || cf.OS != "linux" {
			t.Errorf("%s: config says %s/%s", arch, cf.OS, cf.Architecture)
		}
		if len(c.Entrypoint) != 1 || c.Entrypoint[0] != image.Binary {
			t.Errorf("%s: entrypoint %q, want [%s]", arch, c.Entrypoint, image.Binary)
		}
		uid, _, _ := strings.Cut(c.User, ":")
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			t.Errorf("%s: user %q, want a numeric non-root user", arch, c.User)
		}
		version = c.Labels["org.opencontainers.image.version"]
		if version == "" || version != ref {
			t.Errorf("%s: version label %q, ref name %q", arch, version, ref)
		}
	}

	// arm64: the binaries are aarch64 ELF files (this machine cannot run them).
	arm := t.TempDir()
	unpack(t, images["arm64"], arm)
	for _, f := range []string{"usr/bin/kiln", "usr/bin/git"} {
		if m := machine(t, filepath.Join(arm, f)); m != elf.EM_AARCH64 {
			t.Errorf("arm64 %s: %v", f, m)
		}
	}

	root := t.TempDir()
	unpack(t, images["amd64"], root)
	if err := os.Chmod(root, 0o755); err != nil { // "/" as a runtime makes it (t.TempDir's is 0700)
		t.Fatal(err)
	}
	for _, f := range []string{"usr/bin/perl", "usr/share/doc", "usr/share/man", "bin/sh"} {
		if _, err := os.Lstat(filepath.Join(root, f)); err == nil {
			t.Errorf("amd64: %s is in the image", f)
		}
	}
	bundle, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(bundle, []byte("BEGIN CERTIFICATE")); !x509.NewCertPool().AppendCertsFromPEM(bundle) || n < 100 {
		t.Errorf("CA bundle: %d certificates", n)
	}
	out, err := exec.Command(filepath.Join(root, "usr/bin/kiln"), "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), version) {
		t.Fatalf("kiln --version from the image: %v\n%s", err, out)
	}
	t.Logf("kiln --version: %s", bytes.TrimSpace(out))

	if os.Geteuid() != 0 {
		// Without chroot: git through the image's own dynamic loader and
		// libraries.
		ld := filepath.Join(root, "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
		lib := filepath.Join(root, "lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib/x86_64-linux-gnu")
		out, err := exec.Command(ld, "--inhibit-cache", "--library-path", lib, filepath.Join(root, "usr/bin/git"), "--version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "git version") {
			t.Fatalf("git --version with the image's loader: %v\n%s", err, out)
		}
		t.Skip("not root: chroot, and git clone as the image's user, not tried")
	}
	src := t.TempDir()
	testenv.Git(t, src, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(src, "README"), []byte("kiln\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Git(t, src, "add", "README")
	testenv.Git(t, src, "commit", "-q", "-m", "first")
	testenv.Git(t, src, "update-server-info")
	want := testenv.Git(t, src, "rev-parse", "HEAD")
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(src, ".git"))))
	defer srv.Close()

	// The container runtime provides /dev; git opens /dev/null.
	if err := os.Mkdir(filepath.Join(root, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	null := filepath.Join(root, "dev/null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatalf("mknod /dev/null in the root file system: %v", err)
	}
	if err := os.Chmod(null, 0o666); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = "/"
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + image.Home, "GIT_TERMINAL_PROMPT=0"}, env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: image.UID, Gid: image.UID}}
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	inImage := func(env []string, args ...string) string {
		t.Helper()
		out, err := run(env, args...)
		if err != nil {
			t.Fatalf("in the image: %q: %v\n%s", args, err, out)
		}
		return out
	}
	if v := inImage(nil, "/usr/bin/git", "--version"); !strings.HasPrefix(v, "git version") {
		t.Errorf("git --version: %q", v)
	}
	inImage(nil, "/usr/bin/git", "clone", "-q", "--branch", "main", srv.URL+"/", "/tmp/tree")
	if got := inImage(nil, "/usr/bin/git", "-C", "/tmp/tree", "rev-parse", "HEAD"); got != want {
		t.Errorf("cloned over HTTP: HEAD %s, want %s", got, want)
	}

	// HTTPS through git-remote-https and GnuTLS: a certificate no
	// authority of the image's bundle signed is refused; once the bundle
	// holds it (the test server's certificate is its own CA), the clone
	// works: git reads the bundle kiln's image carries.
	tls := httptest.NewTLSServer(srv.Config.Handler)
	defer tls.Close()
	if out, err := run(nil, "/usr/bin/git", "clone", "-q", tls.URL+"/", "/tmp/refused"); err == nil || !strings.Contains(out, "certificate") {
		t.Errorf("clone from an untrusted HTTPS server: %v\n%s", err, out)
	} else {
		t.Logf("untrusted HTTPS server: %s", out)
	}
	f, err := os.OpenFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(pemEncode(tls.Certificate().Raw)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	inImage(nil, "/usr/bin/git", "clone", "-q", "--branch", "main", tls.URL+"/", "/tmp/tls")
	if got := inImage(nil, "/usr/bin/git", "-C", "/tmp/tls", "rev-parse", "HEAD"); got != want {
		t.Errorf("cloned over HTTPS: HEAD %s, want %s", got, want)
	}
	if v := inImage(nil, image.Binary, "--version"); !strings.Contains(v, version) {
		t.Errorf("kiln --version as %d: %q", image.UID, v)
	}
}

// releaseIndex unpacks the release's tarball and returns the image index
// its index.json names, and that name.
func releaseIndex(t *testing.T) (v1.ImageIndex, string) {
	t.Helper()
	dir := t.TempDir()
	untar(t, imageArchive(t), dir)
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Manifests) != 1 || tm.Manifests[0].Annotations[image.RefName] == "" {
		t.Fatalf("index.json: want one image index named by %s, got %+v", image.RefName, tm.Manifests)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return idx, tm.Manifests[0].Annotations[image.RefName]
}

// TestImageRegistry checks every blob of the release's index (digests,
// sizes, each layer's diff ID against its config, the platforms) and
// pushes it to a registry (go-containerregistry's, on 127.0.0.1) as
// crane push would, then pulls each platform back by its tag.
func TestImageRegistry(t *testing.T) {
	idx, ref := releaseIndex(t)
	// The structure (media types, sizes, platforms, configs) here; the
	// layers' digests by the registry as it receives them (their diff IDs
	// by unpack, in TestImageArchive).
	if err := validate.Index(idx, validate.Fast); err != nil {
		t.Fatalf("the image index is not valid: %v", err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	tag, err := name.NewTag(strings.TrimPrefix(srv.URL, "http://")+"/haikuports/kiln:"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatalf("push: %v", err)
	}
	pulled, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	if got, _ := pulled.Digest(); got != want {
		t.Errorf("pulled index %s, pushed %s", got, want)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := remote.Image(tag, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
		if err != nil {
			t.Fatalf("pull linux/%s: %v", arch, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != arch || cf.Config.User != fmt.Sprintf("%d:%d", image.UID, image.UID) {
			t.Errorf("pulled linux/%s: %s, user %q", arch, cf.Architecture, cf.Config.User)
		}
	}
}

func pemEncode(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func machine(t *testing.T, file string) elf.Machine {
	t.Helper()
	f, err := elf.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Machine
}

// untar unpacks the tarball of regular files and directories at file into dir.
func untar(t *testing.T, file, dir string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	extract(t, f, dir)
}

// unpack writes img's layers, in order, into dir, and checks that each
// layer's uncompressed bytes have the digest its config names (its diff
// ID), as a runtime does.
func unpack(t *testing.T, img v1.Image, dir string) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != len(cf.RootFS.DiffIDs) {
		t.Fatalf("%d layers, %d diff IDs (%v)", len(layers), len(cf.RootFS.DiffIDs), err)
	}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		r := io.TeeReader(rc, h)
		extract(t, r, dir)
		_, err = io.Copy(io.Discard, r) // the tar's end
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != cf.RootFS.DiffIDs[i].String() {
			t.Errorf("layer %d: uncompressed %s, the config's diff ID %s", i, got, cf.RootFS.DiffIDs[i])
		}
	}
}

func extract(t *testing.T, r io.Reader, dir string) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(h.Name), ".wh.") {
			t.Fatalf("%s: a whiteout (the image has none to make)", h.Name)
		}
		name := filepath.Join(dir, image.Clean(h.Name))
		mode := os.FileMode(h.Mode & 0o777)
		if h.Mode&0o1000 != 0 {
			mode |= os.ModeSticky
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(name, 0o755)
			if err == nil {
				err = os.Chmod(name, mode)
			}
		case tar.TypeReg:
			var f *os.File
			if f, err = os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode); err == nil {
				_, err = io.Copy(f, tr)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, name)
		case tar.TypeLink:
			err = os.Link(filepath.Join(dir, image.Clean(h.Linkname)), name)
		default:
			t.Fatalf("%s: tar entry type %q", h.Name, h.Typeflag)
		}
		if err == nil && os.Geteuid() == 0 && h.Typeflag != tar.TypeSymlink {
			err = os.Lchown(name, h.Uid, h.Gid)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
