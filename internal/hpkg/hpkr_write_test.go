package hpkg

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/bmessage"
	"github.com/haikuports/kiln/internal/pkginfo"
)

func mustVersion(t testing.TB, s string) pkginfo.Version {
	t.Helper()
	v, err := pkginfo.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// generatedRepo is a repository using every attribute PackageInfo has.
func generatedRepo(t testing.TB) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo) {
	info := pkginfo.RepositoryInfo{
		Name:         "HaikuPorts",
		Identifier:   "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		BaseURL:      "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current",
		Vendor:       "Haiku Project",
		Summary:      "The HaikuPorts repository",
		Priority:     1,
		Architecture: pkginfo.ArchX86_64,
		LicenseNames: []string{"Tipster License", "Other"},
		LicenseTexts: []string{"Permission is granted…\nline 2\n", "x"},
	}
	full := pkginfo.PackageInfo{
		Name:         "tipster",
		Summary:      "An application to display Haiku usage tips",
		Description:  "Tipster shows tips.\n\nSecond paragraph with ünïcode.",
		Vendor:       "haiku project", // vendors compare case-insensitively
		Packager:     "Humdinger <humdingerb@gmail.com>",
		BasePackage:  "haiku",
		Flags:        pkginfo.FlagApproveLicense | pkginfo.FlagSystemPackage,
		Architecture: pkginfo.ArchX86_64,
		Version:      mustVersion(t, "1.1.1~beta2-3"),
		Copyrights:   []string{"2015 Vale Tolpegin", "2016-2019 Humdinger"},
		Licenses:     []string{"MIT", "Tipster License"},
		URLs:         []string{"https://github.com/HaikuArchives/Tipster"},
		SourceURLs:   []string{"Download <https://example.org/tipster.tar.gz>"},
		Provides: []pkginfo.Resolvable{
			{Name: "tipster", Version: mustVersion(t, "1.1.1-3")},
			{Name: "app:Tipster", Version: mustVersion(t, "1.1.1"), Compat: mustVersion(t, "1")},
			{Name: "lib:libtip", Version: mustVersion(t, "2.0.0.1~rc1"), Compat: mustVersion(t, "2~rc1")},
			{Name: "cmd:tip"},
		},
		Requires: []pkginfo.Expression{
			{Name: "haiku", Op: pkginfo.OpGreaterEqual, Version: mustVersion(t, "r1~beta1_hrev52295_129-1"), Base: true},
			{Name: "lib:libstdc++"},
			{Name: "lib:libz", Op: pkginfo.OpLess, Version: mustVersion(t, "2")},
		},
		Supplements: []pkginfo.Expression{{Name: "tracker", Op: pkginfo.OpGreater, Version: mustVersion(t, "1.0")}},
		Conflicts:   []pkginfo.Expression{{Name: "oldtipster", Op: pkginfo.OpNotEqual, Version: mustVersion(t, "0.9-1")}},
		Freshens:    []pkginfo.Expression{{Name: "tipster_x", Op: pkginfo.OpEqual, Version: mustVersion(t, "1.0")}, {Name: "y"}},
		Replaces:    []string{"tipster_old"},
		GlobalWritableFiles: []pkginfo.GlobalWritableFile{
			{Path: "settings/tipster", UpdateType: pkginfo.UpdateKeepOld},
			{Path: "settings/tipster.d", Directory: true},
			{Path: "settings/a", UpdateType: pkginfo.UpdateManual},
			{Path: "settings/b", UpdateType: pkginfo.UpdateAutoMerge},
			{Path: "settings/c"},
		},
		UserSettingsFiles: []pkginfo.UserSettingsFile{
			{Path: "settings/Tipster", Template: "data/tipster/template"},
			{Path: "settings/TipsterDir", Directory: true},
			{Path: "settings/plain"},
		},
		Users: []pkginfo.User{
			{Name: "tipd", RealName: "Tip daemon", Home: "/boot/home/tipd", Shell: "/bin/sh", Groups: []string{"tips", "users"}},
			{Name: "bare"},
		},
		Groups:              []string{"tips"},
		PostInstallScripts:  []string{"boot/post-install/tipster.sh"},
		PreUninstallScripts: []string{"boot/pre-uninstall/tipster.sh"},
		InstallPath:         "/boot/system",
		Checksum:            strings.Repeat("0123456789abcdef", 4),
	}
	pkgs := []pkginfo.PackageInfo{full}
	for i := range 40 {
		arch := []pkginfo.Architecture{pkginfo.ArchX86_64, pkginfo.ArchAny, pkginfo.ArchSource}[i%3]
		pkgs = append(pkgs, pkginfo.PackageInfo{
			Name:         fmt.Sprintf("pkg%02d", i),
			Summary:      "summary",
			Description:  "description",
			Vendor:       "Haiku Project",
			Packager:     "kiln",
			Architecture: arch,
			Version:      mustVersion(t, fmt.Sprintf("%d.%d-%d", i, i*7, i+1)),
			Provides:     []pkginfo.Resolvable{{Name: fmt.Sprintf("pkg%02d", i), Version: mustVersion(t, fmt.Sprintf("%d.%d", i, i*7))}},
			Requires:     []pkginfo.Expression{{Name: "haiku"}},
			Checksum:     fmt.Sprintf("%064x", i*1000003),
		})
	}
	return info, pkgs
}

func TestGeneratedRepositoryRoundTrip(t *testing.T) {
	info, pkgs := generatedRepo(t)
	b, err := AppendRepository(nil, info, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := readRepoBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(repo.Info, info) {
		t.Errorf("info = %+v\nwant %+v", repo.Info, info)
	}
	comparePackages(t, repo.Packages, pkgs)
	// The info message has Haiku's field order.
	m, err := bmessage.Unflatten(repo.InfoMessage)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range m.Fields {
		names = append(names, fmt.Sprintf("%s×%d", f.Name, len(f.Items)))
	}
	want := "class×1 baseUrl×1 name×1 identifier×1 url×1 vendor×1 summary×1 priority×1 architecture×1 licenseName×2 licenseText×2"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("info fields: %s\nwant %s", got, want)
	}
	b2, _ := AppendRepository(nil, repo.Info, repo.Packages)
	if !bytes.Equal(b, b2) {
		t.Error("re-writing the read repository gives other bytes")
	}
	// An empty repository is valid too.
	b, err = AppendRepository(nil, info, nil)
	if err != nil {
		t.Fatal(err)
	}
	if repo, err = readRepoBytes(b); err != nil || len(repo.Packages) != 0 {
		t.Errorf("empty repository: %v, %d packages", err, len(repo.Packages))
	}
}

func TestWriteRepositoryRejects(t *testing.T) {
	info, pkgs := generatedRepo(t)
	mod := func(i int, f func(*pkginfo.PackageInfo)) []pkginfo.PackageInfo {
		c := append([]pkginfo.PackageInfo(nil), pkgs...)
		f(&c[i])
		return c
	}
	modInfo := func(f func(*pkginfo.RepositoryInfo)) pkginfo.RepositoryInfo {
		c := info
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		info pkginfo.RepositoryInfo
		pkgs []pkginfo.PackageInfo
		msg  string
	}{
		{"duplicate name", info, mod(2, func(p *pkginfo.PackageInfo) { p.Name = "pkg00" }), "pkg00 (1.7-2) is already in the repository (as 0.0-1)"},
		{"vendor", info, mod(3, func(p *pkginfo.PackageInfo) { p.Vendor = "Haiku Projekt" }), `vendor "Haiku Projekt" does not match`},
		{"architecture", info, mod(3, func(p *pkginfo.PackageInfo) { p.Architecture = pkginfo.ArchX86Gcc2 }), "architecture x86_gcc2 does not fit a x86_64 repository"},
		{"checksum missing", info, mod(4, func(p *pkginfo.PackageInfo) { p.Checksum = "" }), "checksum"},
		{"checksum upper case", info, mod(4, func(p *pkginfo.PackageInfo) { p.Checksum = strings.ToUpper(p.Checksum) }), "checksum"},
		{"no name", info, mod(4, func(p *pkginfo.PackageInfo) { p.Name = "" }), "without a name"},
		{"repo arch any", modInfo(func(i *pkginfo.RepositoryInfo) { i.Architecture = pkginfo.ArchAny }), pkgs, "architecture any"},
		{"repo no vendor", modInfo(func(i *pkginfo.RepositoryInfo) { i.Vendor = "" }), pkgs, "vendor is empty"},
		{"licenses unpaired", modInfo(func(i *pkginfo.RepositoryInfo) { i.LicenseTexts = i.LicenseTexts[:1] }), pkgs, "2 license names but 1 license texts"},
	} {
		var out bytes.Buffer
		err := WriteRepository(&out, tc.info, tc.pkgs)
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want ErrRejected with %q", tc.name, err, tc.msg)
		}
		if out.Len() != 0 {
			t.Errorf("%s: %d bytes written", tc.name, out.Len())
		}
	}
}

// buildRepo assembles a repository file from a raw info message and
// packages section (for corrupt-input tests), with the given heap
// compression.
func buildRepo(t testing.TB, comp Compression, info, section []byte, strLen, strCount uint64) []byte {
	t.Helper()
	var heap bytes.Buffer
	hw, err := NewHeapWriter(&heap, comp, 0)
	if err != nil {
		t.Fatal(err)
	}
	hw.Write(info)
	hw.Write(section)
	c, u, err := hw.Close()
	if err != nil {
		t.Fatal(err)
	}
	h := RepoHeader{HeaderSize: RepoHeaderSize, Version: RepoVersion, TotalSize: RepoHeaderSize + c,
		Compression: comp, ChunkSize: ChunkSize, HeapCompressedSize: c, HeapUncompressedSize: u,
		InfoLength: uint32(len(info)), PackagesLength: uint64(len(section)),
		PackagesStringsLength: strLen, PackagesStringsCount: strCount}
	return append(appendRepoHeader(nil, &h), heap.Bytes()...)
}

// uncompressedFixture is the fixture's content in a repository with an
// uncompressed heap: the same bytes a corrupting test or fuzzer can reach
// without breaking zlib.
func uncompressedFixture(t testing.TB) (raw []byte, repo *Repository) {
	repo, err := readRepoBytes(fixtureRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]Node, len(repo.Packages))
	for i := range repo.Packages {
		nodes[i] = StringNode(AttrPackage, repo.Packages[i].Name, PackageInfoNodes(&repo.Packages[i])...)
	}
	section, sl, sc, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return buildRepo(t, CompressionNone, repo.InfoMessage, section, sl, sc), repo
}

func TestReadRepositoryBadContent(t *testing.T) {
	raw, fixture := uncompressedFixture(t)
	repo, err := readRepoBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(repo.Packages, fixture.Packages) || !reflect.DeepEqual(repo.Info, fixture.Info) {
		t.Fatal("uncompressed copy of the fixture reads differently")
	}
	infoOff := RepoHeaderSize
	field := func(i, off int) int { return infoOff + bmessage.HeaderSize + bmessage.FieldHeaderSize*i + off }
	set32 := func(off int, v uint32) []byte {
		c := bytes.Clone(raw)
		c[off], c[off+1], c[off+2], c[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return c
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"bmessage magic", set32(infoOff, 0), bmessage.ErrFormat},
		{"bmessage field offset", set32(field(1, 16), 3), bmessage.ErrCorrupt},
		{"bmessage field offset huge", set32(field(3, 16), 0xffffff00), bmessage.ErrCorrupt},
		{"bmessage data size", set32(field(0, 12), 0x7fffffff), bmessage.ErrCorrupt},
		{"bmessage count", set32(field(2, 8), 1000), bmessage.ErrCorrupt},
		{"bmessage field count", set32(infoOff+40, 1000), bmessage.ErrCorrupt},
		{"priority becomes a string", set32(field(5, 4), bmessage.TypeString), bmessage.ErrWrongType},
		{"name field renamed", func() []byte {
			c := bytes.Clone(raw)
			i := bytes.Index(c, []byte("name\x00"))
			c[i] = 'N'
			return c
		}(), ErrFormat},
		{"architecture any", func() []byte {
			c := bytes.Clone(raw)
			i := bytes.Index(c, []byte("architecture\x00"))
			c[i+len("architecture\x00")] = 0
			return c
		}(), ErrFormat},
	} {
		_, err := readRepoBytes(tc.in)
		if !errors.Is(err, tc.want) || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want %v and ErrFormat", tc.name, err, tc.want)
		}
	}
	// Single-byte changes are rejected or read, never a panic: every byte of
	// the header and repository info, then a sample of the packages section.
	infoEnd := RepoHeaderSize + len(fixture.InfoMessage)
	for i := 0; i < len(raw); i++ {
		if i >= infoEnd+64 {
			i += 997
			if i >= len(raw) {
				break
			}
		}
		for _, v := range []byte{0xff, raw[i] ^ 0x80} {
			c := bytes.Clone(raw)
			c[i] = v
			readRepoBytes(c)
		}
	}
}

func FuzzReadHPKR(f *testing.F) {
	// Seeds: the real fixture (zlib), and small uncompressed repositories
	// (the fixture's repository info and first packages; generated packages
	// using every attribute) whose bytes mutations can reach directly.
	f.Add(fixtureRepo(f))
	fixture, err := readRepoBytes(fixtureRepo(f))
	if err != nil {
		f.Fatal(err)
	}
	small, err := appendRepository(nil, fixture.Info, fixture.Packages[:6], CompressionNone)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	info, pkgs := generatedRepo(f)
	gen, err := appendRepository(nil, info, pkgs[:3], CompressionNone)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gen)
	f.Fuzz(func(t *testing.T, in []byte) {
		repo, err := readRepoBytes(in)
		if err != nil {
			return
		}
		// Uncompressed, so the instrumented fuzzer does not spend its time
		// in zlib.
		out, err := appendRepository(nil, repo.Info, repo.Packages, CompressionNone)
		if err != nil {
			return // e.g. package_repo would reject it
		}
		again, err := readRepoBytes(out)
		if err != nil {
			t.Fatalf("written repository does not read back: %v", err)
		}
		if !reflect.DeepEqual(again.Info, repo.Info) || !reflect.DeepEqual(again.Packages, repo.Packages) {
			t.Fatal("repository changes in a write/read round trip")
		}
	})
}

// TestWriteLargeRepository covers the concurrent node conversion of big
// repositories: the result is read back intact and is the same every time.
func TestWriteLargeRepository(t *testing.T) {
	info, base := generatedRepo(t)
	var pkgs []pkginfo.PackageInfo
	for i := 0; len(pkgs) < 2500; i++ {
		p := base[i%len(base)]
		p.Name = fmt.Sprintf("%s_%d", p.Name, i)
		pkgs = append(pkgs, p)
	}
	b1, err := AppendRepository(nil, info, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := AppendRepository(nil, info, pkgs)
	if !bytes.Equal(b1, b2) {
		t.Error("two writes differ")
	}
	repo, err := readRepoBytes(b1)
	if err != nil {
		t.Fatal(err)
	}
	comparePackages(t, repo.Packages, pkgs)
}

// TestReadRepositorySkipsUnknown: attributes a newer Haiku might add (at
// the top level or inside a package) are skipped, with their children.
func TestReadRepositorySkipsUnknown(t *testing.T) {
	info, pkgs := generatedRepo(t)
	pkgs = pkgs[:3]
	msg, err := repoInfoMessage(&info)
	if err != nil {
		t.Fatal(err)
	}
	infoBytes, _ := msg.Flatten()
	unknown := func(id AttrID) Node {
		return StringNode(id, "future", UintNode(id+1, 7), StringNode(AttrPackageName, "not-a-package"))
	}
	nodes := []Node{unknown(100)}
	for i := range pkgs {
		kids := append([]Node{unknown(90)}, PackageInfoNodes(&pkgs[i])...)
		nodes = append(nodes, StringNode(AttrPackage, pkgs[i].Name, kids...), unknown(110))
	}
	section, sl, sc, err := EncodeSection(nodes)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := readRepoBytes(buildRepo(t, CompressionZlib, infoBytes, section, sl, sc))
	if err != nil {
		t.Fatal(err)
	}
	comparePackages(t, repo.Packages, pkgs)
	// A package whose package:name contradicts its wrapper is an error.
	bad := []Node{StringNode(AttrPackage, "a", PackageInfoNodes(&pkgs[0])...)}
	section, sl, sc, _ = EncodeSection(bad)
	if _, err := readRepoBytes(buildRepo(t, CompressionNone, infoBytes, section, sl, sc)); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), `package:name is "tipster"`) {
		t.Errorf("mismatched name: %v", err)
	}
	// A package attribute without children is an error, not a read of the
	// next package's attributes.
	section, sl, sc, _ = EncodeSection([]Node{StringNode(AttrPackage, "a")})
	if _, err := readRepoBytes(buildRepo(t, CompressionNone, infoBytes, section, sl, sc)); !errors.Is(err, ErrFormat) {
		t.Errorf("package without attributes: %v", err)
	}
}
