package mock

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// InfoFromFileName is the package info the mock gives an output the job has
// no info for: name, version and architecture from the canonical file name
// (name-version-revision-arch.hpkg; Haiku package names hold no '-') and
// the package providing itself.
func InfoFromFileName(file string) (*pkginfo.PackageInfo, error) {
	base, ok := strings.CutSuffix(file, ".hpkg")
	name, rest, ok2 := strings.Cut(base, "-")
	i := strings.LastIndexByte(rest, '-')
	if !ok || !ok2 || i < 0 {
		return nil, fmt.Errorf("mock: %q is not a canonical package file name (name-version-revision-arch.hpkg)", file)
	}
	arch, err := pkginfo.ParseArchitecture(rest[i+1:])
	if err != nil {
		return nil, fmt.Errorf("mock: package file %q: %w", file, err)
	}
	v, err := pkginfo.ParsePackageVersion(rest[:i])
	if err != nil {
		return nil, fmt.Errorf("mock: package file %q: %w", file, err)
	}
	pi := &pkginfo.PackageInfo{
		Name: name, Version: v, Architecture: arch,
		Provides: []pkginfo.Resolvable{{Name: name, Version: v}},
	}
	if err := pkginfo.ValidatePackageInfo(pi); err != nil {
		return nil, fmt.Errorf("mock: package file %q: %w", file, err)
	}
	if pi.CanonicalFileName() != file {
		return nil, fmt.Errorf("mock: %q is not a canonical package file name (that would be %s)", file, pi.CanonicalFileName())
	}
	return pi, nil
}

// outputInfo is the complete package info of output file: the job's (or
// InfoFromFileName's), with the fields haikuporter always fills that the
// recipe's evaluation does not carry.
func (b *Builder) outputInfo(job builder.Job, tree builder.Tree, file string) (*pkginfo.PackageInfo, error) {
	var pi pkginfo.PackageInfo
	if in := job.OutputInfos[file]; in != nil {
		pi = *in
	} else {
		in, err := InfoFromFileName(file)
		if err != nil {
			return nil, err
		}
		pi = *in
	}
	if got := pi.CanonicalFileName(); got != file {
		return nil, fmt.Errorf("mock: output %s: its package info names the file %s", file, got)
	}
	if !buildsFor(tree.Settings, pi.Architecture.String()) {
		return nil, fmt.Errorf("%w: output %s: builder %s builds for %s, not %s",
			builder.ErrBuildFailed, file, b.cfg.Name, tree.Settings.TargetArch, pi.Architecture)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&pi.Summary, "The "+pi.Name+" package")
	def(&pi.Description, pi.Summary)
	def(&pi.Vendor, "Haiku Project")
	def(&pi.Packager, fmt.Sprintf("Builder %s <hpkg-builder@haiku-os.org>", b.cfg.Name))
	if len(pi.Copyrights) == 0 {
		pi.Copyrights = []string{"The " + pi.Name + " authors"}
	}
	if len(pi.Licenses) == 0 {
		pi.Licenses = []string{"MIT"}
	}
	if len(pi.Provides) == 0 {
		pi.Provides = []pkginfo.Resolvable{{Name: pi.Name, Version: pi.Version}}
	}
	if err := pkginfo.ValidatePackageInfo(&pi); err != nil {
		return nil, fmt.Errorf("mock: output %s: %w", file, err)
	}
	return &pi, nil
}

// buildsFor reports whether a builder set up with st produces packages of
// arch: its target and secondary architectures, any and source (an unset
// target builds anything).
func buildsFor(st builder.Settings, arch string) bool {
	return st.TargetArch == "" || arch == st.TargetArch || arch == "any" || arch == "source" ||
		slices.Contains(st.SecondaryArchs, arch)
}

// bigPackage is the payload size from which packages go through a
// temporary file instead of memory.
const bigPackage = 1 << 20

// writePackage writes the package file for info and returns a reader of
// it, its size and a function releasing it.
func (b *Builder) writePackage(job builder.Job, info *pkginfo.PackageInfo, tree builder.Tree) (io.Reader, int64, func(), error) {
	now := time.Now().UTC().Truncate(time.Second)
	buildInfo := fmt.Sprintf("package: %s\nport: %s\nrecipe: %s\nbuild: %d\nbuilder: %s\ntree: %s\n",
		info.CanonicalFileName(), job.Port.ID(), job.Port.RecipeFilePath, job.Number, b.cfg.Name, tree.Commit)
	size := b.cfg.PayloadSize
	seed, file := b.cfg.Seed, info.CanonicalFileName()
	dir := func(name string, children ...*hpkg.Entry) *hpkg.Entry {
		return &hpkg.Entry{Name: name, Type: hpkg.FileDirectory, Perm: 0o755, MTime: now, ATime: now, CrTime: now, Children: children}
	}
	reg := func(name string, size int64, open func() (io.ReadCloser, error)) *hpkg.Entry {
		return &hpkg.Entry{Name: name, Type: hpkg.FileRegular, Perm: 0o644, MTime: now, ATime: now, CrTime: now, Size: size, Open: open}
	}
	root := []*hpkg.Entry{
		dir("data", dir(info.Name, reg(info.Name+".dat", size, func() (io.ReadCloser, error) {
			return io.NopCloser(io.LimitReader(newPayload(seed, "payload", file), size)), nil
		}))),
		dir("documentation", dir("packages", dir(info.Name, reg("BUILD-INFO", int64(len(buildInfo)), func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(buildInfo)), nil
		})))),
	}
	opts := hpkg.WriteOptions{Compression: b.cfg.Compression}
	if size < bigPackage {
		var buf bytes.Buffer
		if err := hpkg.WritePackage(&buf, info, root, opts); err != nil {
			return nil, 0, nil, err
		}
		return bytes.NewReader(buf.Bytes()), int64(buf.Len()), func() {}, nil
	}
	f, err := os.CreateTemp(b.cfg.TempDir, "kiln-mock-*.hpkg")
	if err != nil {
		return nil, 0, nil, err
	}
	release := func() { f.Close(); os.Remove(f.Name()) }
	if err := hpkg.WritePackage(f, info, root, opts); err != nil {
		release()
		return nil, 0, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		release()
		return nil, 0, nil, err
	}
	return f, fi.Size(), release, nil
}
