package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// fakeCodec stands in for internal/hpkg in unit tests: packages are
// "FAKEHPKG\n" + JSON package info + padding, repos are "FAKEHPKR\n" + JSON.
type fakeCodec struct{}

type fakeRepo struct {
	Info     pkginfo.RepositoryInfo
	Packages []pkginfo.PackageInfo
}

func (fakeCodec) WriteRepo(w io.Writer, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error {
	for _, p := range pkgs {
		if p.Checksum == "" {
			return fmt.Errorf("package %s without checksum", p.Name)
		}
	}
	b, err := json.Marshal(fakeRepo{info, pkgs})
	if err != nil {
		return err
	}
	_, err = w.Write(append([]byte("FAKEHPKR\n"), b...))
	return err
}

func (fakeCodec) ReadRepo(r io.ReaderAt, size int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error) {
	b, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return pkginfo.RepositoryInfo{}, nil, err
	}
	body, ok := bytes.CutPrefix(b, []byte("FAKEHPKR\n"))
	if !ok {
		return pkginfo.RepositoryInfo{}, nil, errors.New("not a fake repo")
	}
	var fr fakeRepo
	err = json.Unmarshal(body, &fr)
	return fr.Info, fr.Packages, err
}

func (fakeCodec) ReadPackage(r io.ReaderAt, size int64) (pkginfo.PackageInfo, error) {
	var p pkginfo.PackageInfo
	b, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return p, err
	}
	body, ok := bytes.CutPrefix(b, []byte("FAKEHPKG\n"))
	if !ok {
		return p, errors.New("not a fake package")
	}
	err = json.NewDecoder(bytes.NewReader(body)).Decode(&p)
	return p, err
}

// fakePkg returns a fake package file; pad makes distinct contents.
func fakePkg(name, version string, arch pkginfo.Architecture, pad string) []byte {
	v, err := pkginfo.ParsePackageVersion(version)
	if err != nil {
		panic(err)
	}
	p := pkginfo.PackageInfo{Name: name, Version: v, Architecture: arch, Vendor: "Haiku Project", Summary: name, Description: name, Packager: "test"}
	b, _ := json.Marshal(p)
	return append(append([]byte("FAKEHPKG\n"), b...), []byte("\n"+pad)...)
}

func testRepoInfo(arch pkginfo.Architecture) *pkginfo.RepositoryInfo {
	return &pkginfo.RepositoryInfo{Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/" + arch.String(),
		Vendor: "Haiku Project", Summary: "The HaikuPorts repository", Priority: 1, Architecture: arch}
}
