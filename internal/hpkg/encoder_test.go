package hpkg

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// The encoders must give exactly the bytes of the node-tree encoder they
// replace (encodeSectionRef over PackageInfoNodes), string table order
// included.

type encoded struct {
	sec    []byte
	sl, sc uint64
	err    error
}

func sameEncoding(t *testing.T, what string, got, want encoded) {
	t.Helper()
	if (got.err == nil) != (want.err == nil) || got.err != nil && got.err.Error() != want.err.Error() {
		t.Fatalf("%s: error %v, want %v", what, got.err, want.err)
	}
	if got.sl != want.sl || got.sc != want.sc || !bytes.Equal(got.sec, want.sec) {
		i := 0
		for i < min(len(got.sec), len(want.sec)) && got.sec[i] == want.sec[i] {
			i++
		}
		t.Fatalf("%s: %d bytes, table %d/%d; want %d bytes, table %d/%d; first difference at %d",
			what, len(got.sec), got.sl, got.sc, len(want.sec), want.sl, want.sc, i)
	}
}

func repoNodes(pkgs []pkginfo.PackageInfo) []Node {
	nodes := make([]Node, len(pkgs))
	for i := range pkgs {
		nodes[i] = StringNode(AttrPackage, pkgs[i].Name, PackageInfoNodes(&pkgs[i])...)
	}
	return nodes
}

func checkRepoEncoding(t *testing.T, what string, pkgs []pkginfo.PackageInfo) {
	t.Helper()
	var got, want encoded
	got.sec, got.sl, got.sc, got.err = encodeRepoPackages(pkgs)
	want.sec, want.sl, want.sc, want.err = encodeSectionRef(repoNodes(pkgs))
	sameEncoding(t, what+" (repository)", got, want)
	for i := range pkgs {
		got.sec, got.sl, got.sc, got.err = encodePackageSection(&pkgs[i])
		want.sec, want.sl, want.sc, want.err = encodeSectionRef(PackageInfoNodes(&pkgs[i]))
		sameEncoding(t, what+" package "+pkgs[i].Name, got, want)
	}
}

func TestEncodeRepoPackagesMatchesNodes(t *testing.T) {
	raw := fixtureRepo(t)
	repo, err := readRepoBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	checkRepoEncoding(t, "fixture", repo.Packages)
	_, gen := generatedRepo(t)
	checkRepoEncoding(t, "generated", gen)
	checkRepoEncoding(t, "fullInfo", []pkginfo.PackageInfo{*fullInfo()})
	checkRepoEncoding(t, "empty package", []pkginfo.PackageInfo{{}})
	checkRepoEncoding(t, "no packages", nil)

	files, err := filepath.Glob(filepath.Join(testenv.SharedDir(t), "fixtures", "system-packages", "*", "*.PackageInfo"))
	if err != nil || len(files) == 0 {
		t.Fatalf("system packages: %v", err)
	}
	var sys []pkginfo.PackageInfo
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := pkginfo.ParsePackageInfoBytes(text, name)
		if err != nil {
			t.Fatal(err)
		}
		sys = append(sys, *info)
	}
	checkRepoEncoding(t, "system packages", sys)

	for seed := range uint64(200) {
		checkRepoEncoding(t, "random "+strconv.FormatUint(seed, 10), randomPackages(rand.New(rand.NewPCG(seed, 1))))
	}
}

func TestEncodeSectionMatchesReference(t *testing.T) {
	trees := map[string][]Node{
		"none":      nil,
		"fullInfo":  PackageInfoNodes(fullInfo()),
		"ints":      {{Attr: Attr{ID: 1, Type: TypeInt, Int: uint64(1<<64 - 200)}}, {Attr: Attr{ID: 2, Type: TypeInt, Int: 1 << 40}}, UintNode(3, 1<<20), UintNode(4, 1<<33)},
		"raw":       {RawNode(AttrData, []byte("12345678")), RawNode(AttrData, nil), HeapNode(AttrData, 1<<30, 9)},
		"bad id":    {StringNode(AttrPackage, "x", StringNode(130, "y")), StringNode(1, "z", UintNode(40, 1))},
		"bad type":  {{Attr: Attr{ID: 1, Type: 7}}},
		"zero type": {UintNode(1, 1), {Attr: Attr{ID: 1}}},
	}
	deep := []Node{UintNode(1, 1)}
	for range MaxDepth + 1 {
		deep = []Node{StringNode(AttrDirEntry, "d", deep...)}
	}
	trees["too deep"] = deep
	trees["deep after bad id"] = append([]Node{{Attr: Attr{ID: 200, Type: TypeUint}}}, deep...)
	for _, name := range hpkgFixtures {
		p := openFixture(t, name)
		toc, err := p.ReadTOCTree()
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := p.ReadAttributesTree()
		if err != nil {
			t.Fatal(err)
		}
		trees[name+" TOC"], trees[name+" attributes"] = toc, attrs
	}
	for name, nodes := range trees {
		var got, want encoded
		got.sec, got.sl, got.sc, got.err = EncodeSection(nodes)
		want.sec, want.sl, want.sc, want.err = encodeSectionRef(nodes)
		sameEncoding(t, name, got, want)
	}
}

// randomPackages returns a few packages with random fields drawn from small
// pools, so strings repeat with many ties in the string table.
func randomPackages(r *rand.Rand) []pkginfo.PackageInfo {
	pool := []string{"", "a", "b", "haiku", "lib:libz", "1", "2", "x86", "MIT", "settings/x", "Haiku Project"}
	s := func() string {
		if r.IntN(4) == 0 {
			return "u" + strconv.Itoa(r.IntN(1000))
		}
		return pool[r.IntN(len(pool))]
	}
	strs := func() []string {
		var l []string
		for range r.IntN(3) {
			l = append(l, s())
		}
		return l
	}
	ver := func() pkginfo.Version {
		if r.IntN(3) == 0 {
			return pkginfo.Version{}
		}
		v := pkginfo.Version{Major: s()}
		if r.IntN(2) == 0 {
			v.Minor = s()
		}
		if r.IntN(2) == 0 {
			v.Micro = s()
		}
		if r.IntN(3) == 0 {
			v.PreRelease = s()
		}
		if r.IntN(2) == 0 {
			v.Revision = uint32(r.IntN(3)) * uint32(r.IntN(1<<20))
		}
		return v
	}
	exprs := func() []pkginfo.Expression {
		var l []pkginfo.Expression
		for range r.IntN(3) {
			l = append(l, pkginfo.Expression{Name: s(), Op: pkginfo.Operator(r.IntN(6)), Version: ver(), Base: r.IntN(5) == 0})
		}
		return l
	}
	var pkgs []pkginfo.PackageInfo
	for range 1 + r.IntN(6) {
		p := pkginfo.PackageInfo{
			Name: s(), Summary: s(), Description: s(), Vendor: s(), Packager: s(),
			Flags: pkginfo.Flags(r.IntN(4)), Architecture: pkginfo.Architecture(r.IntN(8)), Version: ver(),
			Copyrights: strs(), Licenses: strs(), URLs: strs(), SourceURLs: strs(),
			Requires: exprs(), Supplements: exprs(), Conflicts: exprs(), Freshens: exprs(),
			Replaces: strs(), Groups: strs(), PostInstallScripts: strs(), PreUninstallScripts: strs(),
		}
		if r.IntN(3) == 0 {
			p.BasePackage = s()
		}
		if r.IntN(2) == 0 {
			p.Checksum = s()
		}
		if r.IntN(2) == 0 {
			p.InstallPath = s()
		}
		for range r.IntN(4) {
			p.Provides = append(p.Provides, pkginfo.Resolvable{Name: s(), Version: ver(), Compat: ver()})
		}
		updates := []pkginfo.WritableFileUpdateType{"", pkginfo.UpdateKeepOld, pkginfo.UpdateManual, pkginfo.UpdateAutoMerge, "odd"}
		for range r.IntN(3) {
			p.GlobalWritableFiles = append(p.GlobalWritableFiles, pkginfo.GlobalWritableFile{
				Path: s(), Directory: r.IntN(2) == 0, UpdateType: updates[r.IntN(len(updates))]})
		}
		for range r.IntN(3) {
			p.UserSettingsFiles = append(p.UserSettingsFiles, pkginfo.UserSettingsFile{Path: s(), Directory: r.IntN(2) == 0, Template: s()})
		}
		for range r.IntN(3) {
			p.Users = append(p.Users, pkginfo.User{Name: s(), RealName: s(), Home: s(), Shell: s(), Groups: strs()})
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// FuzzEncodePackages compares the direct package encoders with the node
// encoder on random packages drawn from the fuzzer's seeds.
func FuzzEncodePackages(f *testing.F) {
	f.Add(uint64(0), uint64(0))
	f.Add(uint64(1), uint64(99))
	f.Add(binary.BigEndian.Uint64([]byte("kilnhpkr")), uint64(7))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkRepoEncoding(t, "fuzz", randomPackages(rand.New(rand.NewPCG(a, b))))
	})
}
