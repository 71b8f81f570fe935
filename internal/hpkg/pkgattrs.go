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
