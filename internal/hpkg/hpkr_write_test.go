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
