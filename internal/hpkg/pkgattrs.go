package hpkg

import (
	"github.com/haikuports/kiln/internal/pkginfo"
)

var updateTypes = [...]pkginfo.WritableFileUpdateType{pkginfo.UpdateKeepOld, pkginfo.UpdateManual, pkginfo.UpdateAutoMerge}

// PackageInfoNodes returns the package attributes of p in the order and
// shape Haiku's WriterImplBase::RegisterPackageInfo writes them (FORMATS.md
// §1.6): a flat list starting with package:name, including package:checksum
// when p.Checksum is set. An HPKR writer wraps this list as the children of
// an AttrPackage node whose value is the package name.
func PackageInfoNodes(p *pkginfo.PackageInfo) []Node {
	var ns []Node
	str := func(id AttrID, s string) { ns = append(ns, StringNode(id, s)) }
	strs := func(id AttrID, list []string) {
		for _, s := range list {
			str(id, s)
		}
	}
	str(AttrPackageName, p.Name)
	str(AttrPackageSummary, p.Summary)
	str(AttrPackageDescription, p.Description)
	str(AttrPackageVendor, p.Vendor)
	str(AttrPackagePackager, p.Packager)
	base := p.BasePackage
	if base == "" {
		for _, r := range p.Requires {
			if r.Base {
				base = r.Name
				break
			}
		}
	}
	if base != "" {
		str(AttrPackageBasePackage, base)
	}
	ns = append(ns, UintNode(AttrPackageFlags, uint64(p.Flags)))
	ns = append(ns, UintNode(AttrPackageArchitecture, uint64(p.Architecture)))
	ns = append(ns, versionNode(AttrPackageVersionMajor, p.Version))
	strs(AttrPackageCopyright, p.Copyrights)
	strs(AttrPackageLicense, p.Licenses)
	strs(AttrPackageURL, p.URLs)
	strs(AttrPackageSourceURL, p.SourceURLs)
	for _, r := range p.Provides {
		n := StringNode(AttrPackageProvides, r.Name)
		if !r.Version.IsZero() {
			n.Children = append(n.Children, versionNode(AttrPackageVersionMajor, r.Version))
			if !r.Compat.IsZero() {
				n.Children = append(n.Children, versionNode(AttrPackageProvidesCompatible, r.Compat))
			}
		}
		ns = append(ns, n)
	}
	exprs := func(id AttrID, list []pkginfo.Expression) {
		for _, e := range list {
			n := StringNode(id, e.Name)
			if !e.Version.IsZero() {
				n.Children = []Node{
					UintNode(AttrPackageResolvableOperator, uint64(e.Op)),
					versionNode(AttrPackageVersionMajor, e.Version),
				}
			}
			ns = append(ns, n)
		}
	}
	exprs(AttrPackageRequires, p.Requires)
	exprs(AttrPackageSupplements, p.Supplements)
	exprs(AttrPackageConflicts, p.Conflicts)
	exprs(AttrPackageFreshens, p.Freshens)
	strs(AttrPackageReplaces, p.Replaces)
	for _, f := range p.GlobalWritableFiles {
		n := StringNode(AttrPackageGlobalWritableFile, f.Path)
		if f.Directory {
			n.Children = append(n.Children, UintNode(AttrPackageIsWritableDirectory, 1))
		}
		for i, t := range updateTypes {
			if f.UpdateType == t {
				n.Children = append(n.Children, UintNode(AttrPackageWritableFileUpdate, uint64(i)))
			}
		}
		ns = append(ns, n)
	}
	for _, f := range p.UserSettingsFiles {
		n := StringNode(AttrPackageUserSettingsFile, f.Path)
		if f.Directory {
			n.Children = append(n.Children, UintNode(AttrPackageIsWritableDirectory, 1))
		} else if f.Template != "" {
			n.Children = append(n.Children, StringNode(AttrPackageSettingsFileTemplate, f.Template))
		}
		ns = append(ns, n)
	}
	for _, u := range p.Users {
		n := StringNode(AttrPackageUser, u.Name)
		for _, c := range []struct {
			id AttrID
			s  string
		}{{AttrPackageUserRealName, u.RealName}, {AttrPackageUserHome, u.Home}, {AttrPackageUserShell, u.Shell}} {
			if c.s != "" {
				n.Children = append(n.Children, StringNode(c.id, c.s))
			}
		}
		for _, g := range u.Groups {
			n.Children = append(n.Children, StringNode(AttrPackageUserGroup, g))
		}
		ns = append(ns, n)
	}
	strs(AttrPackageGroup, p.Groups)
	strs(AttrPackagePostInstallScript, p.PostInstallScripts)
	strs(AttrPackagePreUninstallScript, p.PreUninstallScripts)
	if p.Checksum != "" {
		str(AttrPackageChecksum, p.Checksum)
	}
	if p.InstallPath != "" {
		str(AttrPackageInstallPath, p.InstallPath)
	}
	return ns
}

// versionNode returns a version subtree: id (version.major or
// provides.compatible) holding the major, with children minor (if set),
// micro (if minor and micro are set), prerelease (if set) and revision (if
// not 0).
func versionNode(id AttrID, v pkginfo.Version) Node {
	n := StringNode(id, v.Major)
	if v.Minor != "" {
		n.Children = append(n.Children, StringNode(AttrPackageVersionMinor, v.Minor))
		if v.Micro != "" {
			n.Children = append(n.Children, StringNode(AttrPackageVersionMicro, v.Micro))
		}
	}
	if v.PreRelease != "" {
		n.Children = append(n.Children, StringNode(AttrPackageVersionPreRelease, v.PreRelease))
	}
	if v.Revision != 0 {
		n.Children = append(n.Children, UintNode(AttrPackageVersionRevision, uint64(v.Revision)))
	}
	return n
}

// packageInfo walks the package attributes of p for e, closing the list:
// exactly the attributes, order and shape of PackageInfoNodes, without
// building the nodes.
func (e *sectionEncoder) packageInfo(p *pkginfo.PackageInfo) {
	strs := func(id AttrID, list []string) {
		for _, s := range list {
			e.str(id, s, false)
		}
	}
	e.str(AttrPackageName, p.Name, false)
	e.str(AttrPackageSummary, p.Summary, false)
	e.str(AttrPackageDescription, p.Description, false)
	e.str(AttrPackageVendor, p.Vendor, false)
	e.str(AttrPackagePackager, p.Packager, false)
	base := p.BasePackage
	if base == "" {
		for _, r := range p.Requires {
			if r.Base {
				base = r.Name
				break
			}
		}
	}
	if base != "" {
		e.str(AttrPackageBasePackage, base, false)
	}
	e.uint(AttrPackageFlags, uint64(p.Flags), false)
	e.uint(AttrPackageArchitecture, uint64(p.Architecture), false)
	e.version(AttrPackageVersionMajor, &p.Version)
	strs(AttrPackageCopyright, p.Copyrights)
	strs(AttrPackageLicense, p.Licenses)
	strs(AttrPackageURL, p.URLs)
	strs(AttrPackageSourceURL, p.SourceURLs)
	for i := range p.Provides {
		r := &p.Provides[i]
		kids := !r.Version.IsZero()
		e.str(AttrPackageProvides, r.Name, kids)
		if kids {
			e.version(AttrPackageVersionMajor, &r.Version)
			if !r.Compat.IsZero() {
				e.version(AttrPackageProvidesCompatible, &r.Compat)
			}
			e.end()
		}
	}
	for _, l := range [...]struct {
		id   AttrID
		list []pkginfo.Expression
	}{{AttrPackageRequires, p.Requires}, {AttrPackageSupplements, p.Supplements},
		{AttrPackageConflicts, p.Conflicts}, {AttrPackageFreshens, p.Freshens}} {
		for i := range l.list {
			x := &l.list[i]
			kids := !x.Version.IsZero()
			e.str(l.id, x.Name, kids)
			if kids {
				e.uint(AttrPackageResolvableOperator, uint64(x.Op), false)
				e.version(AttrPackageVersionMajor, &x.Version)
				e.end()
			}
		}
	}
	strs(AttrPackageReplaces, p.Replaces)
	for _, f := range p.GlobalWritableFiles {
		update := -1
		for i, t := range updateTypes {
			if f.UpdateType == t {
				update = i
			}
		}
		kids := f.Directory || update >= 0
		e.str(AttrPackageGlobalWritableFile, f.Path, kids)
		if f.Directory {
			e.uint(AttrPackageIsWritableDirectory, 1, false)
		}
		if update >= 0 {
			e.uint(AttrPackageWritableFileUpdate, uint64(update), false)
		}
		if kids {
			e.end()
		}
	}
	for _, f := range p.UserSettingsFiles {
		kids := f.Directory || f.Template != ""
		e.str(AttrPackageUserSettingsFile, f.Path, kids)
		if f.Directory {
			e.uint(AttrPackageIsWritableDirectory, 1, false)
		} else if f.Template != "" {
			e.str(AttrPackageSettingsFileTemplate, f.Template, false)
		}
		if kids {
			e.end()
		}
	}
	for _, u := range p.Users {
		kids := u.RealName != "" || u.Home != "" || u.Shell != "" || len(u.Groups) > 0
		e.str(AttrPackageUser, u.Name, kids)
		if u.RealName != "" {
			e.str(AttrPackageUserRealName, u.RealName, false)
		}
		if u.Home != "" {
			e.str(AttrPackageUserHome, u.Home, false)
		}
		if u.Shell != "" {
			e.str(AttrPackageUserShell, u.Shell, false)
		}
		strs(AttrPackageUserGroup, u.Groups)
		if kids {
			e.end()
		}
	}
	strs(AttrPackageGroup, p.Groups)
	strs(AttrPackagePostInstallScript, p.PostInstallScripts)
	strs(AttrPackagePreUninstallScript, p.PreUninstallScripts)
	if p.Checksum != "" {
		e.str(AttrPackageChecksum, p.Checksum, false)
	}
	if p.InstallPath != "" {
		e.str(AttrPackageInstallPath, p.InstallPath, false)
	}
	e.end()
}

// version walks a version subtree as versionNode builds it.
func (e *sectionEncoder) version(id AttrID, v *pkginfo.Version) {
	kids := v.Minor != "" || v.PreRelease != "" || v.Revision != 0
	e.str(id, v.Major, kids)
	if !kids {
		return
	}
	if v.Minor != "" {
		e.str(AttrPackageVersionMinor, v.Minor, false)
		if v.Micro != "" {
			e.str(AttrPackageVersionMicro, v.Micro, false)
		}
	}
	if v.PreRelease != "" {
		e.str(AttrPackageVersionPreRelease, v.PreRelease, false)
	}
	if v.Revision != 0 {
		e.uint(AttrPackageVersionRevision, uint64(v.Revision), false)
	}
	e.end()
}

// encodePackageSection encodes the package attributes of p as an HPKG
// package-attributes section (EncodeSection(PackageInfoNodes(p)) without
// the nodes).
func encodePackageSection(p *pkginfo.PackageInfo) (section []byte, stringsLength, stringsCount uint64, err error) {
	var e sectionEncoder
	return e.encode(func() { e.packageInfo(p) })
}

// encodeRepoPackages encodes the packages section of a repository: one
// AttrPackage attribute per package, valued with its name, whose children
// are the package attributes (as EncodeSection of StringNode(AttrPackage,
// name, PackageInfoNodes(p)...) for each package, without the nodes).
func encodeRepoPackages(pkgs []pkginfo.PackageInfo) (section []byte, stringsLength, stringsCount uint64, err error) {
	// Sized for real repositories (HaikuPorts 2013: 7.7 distinct strings
	// and 38 string attributes a package), so they rarely need to grow.
	e := sectionEncoder{
		index: make(map[string]int32, 8*len(pkgs)),
		uses:  make([]stringUse, 0, 8*len(pkgs)),
		seq:   make([]int32, 0, 40*len(pkgs)),
	}
	return e.encode(func() {
		for i := range pkgs {
			e.str(AttrPackage, pkgs[i].Name, true)
			e.packageInfo(&pkgs[i])
		}
		e.end()
	})
}
