package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// elfHeader returns a minimal static ELF64 executable header for m (no
// program headers, so no interpreter and no libraries).
func elfHeader(m elf.Machine) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, v := range []any{uint16(elf.ET_EXEC), uint16(m), uint32(1), uint64(0x400000), uint64(0), uint64(0),
		uint32(0), uint16(64), uint16(56), uint16(0), uint16(64), uint16(0), uint16(0)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

// seed writes a .deb of files into cache as the lists' Filename names
// it and returns its Package (with the real SHA-256 and size).
func seed(t *testing.T, cache, name, arch string, deps [][]string, files ...string) Package {
	t.Helper()
	deb := makeAr([2]string{"debian-binary", "2.0\n"}, [2]string{"data.tar.xz", string(compress(t, ".xz", makeTar(t, files...)))})
	sum := sha256.Sum256(deb)
	p := Package{Name: name, Arch: arch, Version: "1.0-1", Filename: "pool/main/" + name + "_1.0-1_" + arch + ".deb",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(deb)), Depends: deps}
	if err := os.WriteFile(filepath.Join(cache, path.Base(p.Filename)), deb, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// testBuild builds an image from made-up packages already in the cache
// (no apt-get runs) and a minimal static amd64 "kiln".
func testBuild(t *testing.T) (Apt, Options) {
	t.Helper()
	cache, bin := t.TempDir(), filepath.Join(t.TempDir(), "kiln")
	apt := fakeApt{
		"libc6:amd64":         seed(t, cache, "libc6", "amd64", nil, "./", "./lib/", "./lib/x86_64-linux-gnu/libc.so.6"),
		"ca-certificates:all": seed(t, cache, "ca-certificates", "all", [][]string{{"openssl"}}, "./usr/share/ca-certificates/mozilla/B.crt", "./usr/share/ca-certificates/mozilla/A.crt", "./usr/share/doc/ca-certificates/copyright"),
		"git:amd64":           seed(t, cache, "git", "amd64", [][]string{{"libc6"}, {"perl"}}, "./usr/bin/git", "./usr/share/man/man1/git.1.gz"),
	}
	if err := os.WriteFile(bin, elfHeader(elf.EM_X86_64), 0o755); err != nil {
		t.Fatal(err)
	}
	return apt, Options{Binaries: map[string]string{"amd64": bin}, CacheDir: cache, Version: "v1.2.3", Revision: "abc",
		Created: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
}

func digest(t *testing.T, idx v1.ImageIndex) string {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestBuild: what goes into a platform's image, and the same inputs give
// the same index and the same tarball bytes.
func TestBuild(t *testing.T) {
	ctx, log := context.Background(), slog.New(slog.DiscardHandler)
	apt, opts := testBuild(t)
	idx, err := Build(ctx, log, apt, opts)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Build(ctx, log, apt, opts)
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, idx) != digest(t, again) {
		t.Errorf("two builds of the same inputs: %s and %s", digest(t, idx), digest(t, again))
	}
	later := opts
	later.Created = opts.Created.Add(time.Hour)
	if other, err := Build(ctx, log, apt, later); err != nil || digest(t, other) == digest(t, idx) {
		t.Errorf("another creation time, the same digest (%v)", err)
	}

	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Platform.Architecture != "amd64" {
		t.Fatalf("manifests %+v", im.Manifests)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.Config.Labels["org.haikuports.kiln.debian"]; got != "ca-certificates=1.0-1 git=1.0-1 libc6=1.0-1" {
		t.Errorf("debian label %q", got)
	}
	if cf.Config.User != "65532:65532" || cf.Created.Time != opts.Created || len(cf.RootFS.DiffIDs) != 2 {
		t.Errorf("config %+v", cf)
	}
	files := map[string]string{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[Clean(h.Name)] = string(b)
	}
	for name, want := range map[string]string{
		"usr/bin/kiln":                      string(elfHeader(elf.EM_X86_64)),
		"usr/bin/git":                       "./usr/bin/git",
		"etc/ssl/certs/ca-certificates.crt": "./usr/share/ca-certificates/mozilla/A.crt\n./usr/share/ca-certificates/mozilla/B.crt\n",
		"var/lib/dpkg/status.d/git":         "Package: git\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n",
		"tmp":                               "",
	} {
		if got, ok := files[name]; !ok || got != want {
			t.Errorf("%s: %q (present: %v), want %q", name, got, ok, want)
		}
	}
	if !strings.Contains(files["etc/passwd"], "kiln:x:65532:65532:") {
		t.Errorf("etc/passwd: %q", files["etc/passwd"])
	}
	for _, gone := range []string{"usr/share/doc/ca-certificates/copyright", "usr/share/man/man1/git.1.gz", "usr/share/ca-certificates/mozilla/A.crt"} {
		if _, ok := files[gone]; ok {
			t.Errorf("%s is in the image", gone)
		}
	}

	dir := t.TempDir()
	var sums []string
	for _, name := range []string{"a.tar", "b.tar"} {
		out := filepath.Join(dir, name)
		if err := WriteArchive(idx, out, opts.Version, opts.Created); err != nil {
			t.Fatal(err)
		}
		sum, err := fileSHA256(out)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	if sums[0] != sums[1] {
		t.Error("two archives of one index differ")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".kiln-image-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestBuildBad(t *testing.T) {
	ctx, log := context.Background(), slog.New(slog.DiscardHandler)
	dynamic, _ := exec.LookPath("git")
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, apt fakeApt, o *Options)
		want string
	}{
		{"no binaries", func(t *testing.T, _ fakeApt, o *Options) { o.Binaries = nil }, "no binaries"},
		{"unknown architecture", func(t *testing.T, _ fakeApt, o *Options) { o.Binaries = map[string]string{"riscv64": "kiln"} }, `unknown architecture "riscv64"`},
		{"missing binary", func(t *testing.T, _ fakeApt, o *Options) { o.Binaries["amd64"] = "/nonexistent/kiln" }, "/nonexistent/kiln"},
		{"binary of another machine", func(t *testing.T, _ fakeApt, o *Options) {
			f := filepath.Join(t.TempDir(), "kiln-arm64")
			os.WriteFile(f, elfHeader(elf.EM_AARCH64), 0o755)
			o.Binaries["amd64"] = f
		}, "not EM_X86_64"},
		{"dynamic binary", func(t *testing.T, _ fakeApt, o *Options) {
			if dynamic == "" {
				t.Skip("no git to stand in for a dynamic binary")
			}
			o.Binaries["amd64"] = dynamic
		}, "CGO_ENABLED=0"},
		{"package not in the lists", func(t *testing.T, apt fakeApt, _ *Options) { delete(apt, "libc6:amd64") }, "libc6 for amd64: not in the apt package lists"},
		{"no certificates", func(t *testing.T, apt fakeApt, o *Options) {
			apt["ca-certificates:all"] = seed(t, o.CacheDir, "ca-certificates", "all", nil, "./etc/ssl/certs/")
		}, "no certificates"},
		{"two packages install one file", func(t *testing.T, apt fakeApt, o *Options) {
			apt["libc6:amd64"] = seed(t, o.CacheDir, "libc6", "amd64", nil, "./usr/bin/git")
		}, "usr/bin/git: installed twice (by git and libc6)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apt, opts := testBuild(t)
			tc.edit(t, apt.(fakeApt), &opts)
			_, err := Build(ctx, log, apt, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
