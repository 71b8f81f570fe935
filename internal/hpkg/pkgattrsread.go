package hpkg

import (
	"github.com/haikuports/kiln/internal/pkginfo"
)

// ReadPackageInfo decodes package attributes (FORMATS.md §1.5–1.6) from the
// current list of d until that list ends: the top-level list of an HPKG
// package-attributes section, or the children of an HPKR AttrPackage
// attribute. Attributes with unknown ids are skipped with their children;
// known ones with the wrong type are an error.
func ReadPackageInfo(d *Decoder) (pkginfo.PackageInfo, error) {
	var p pkginfo.PackageInfo
	for {
		a, ok, err := d.Next()
		if err != nil {
			return p, err
		}
		if !ok {
			break
		}
		if err := readPackageAttr(d, &p, a); err != nil {
			return p, err
		}
	}
	if p.BasePackage != "" {
		for i := range p.Requires {
			if p.Requires[i].Name == p.BasePackage {
				p.Requires[i].Base = true
			}
		}
	}
	return p, nil
}

func readPackageAttr(d *Decoder, p *pkginfo.PackageInfo, a Attr) error {
	var s *string
	var list *[]string
	switch a.ID {
	case AttrPackageName:
		s = &p.Name
	case AttrPackageSummary:
		s = &p.Summary
	case AttrPackageDescription:
		s = &p.Description
	case AttrPackageVendor:
		s = &p.Vendor
	case AttrPackagePackager:
		s = &p.Packager
	case AttrPackageBasePackage:
		s = &p.BasePackage
	case AttrPackageInstallPath:
		s = &p.InstallPath
	case AttrPackageChecksum:
		s = &p.Checksum
	case AttrPackageCopyright:
		list = &p.Copyrights
	case AttrPackageLicense:
		list = &p.Licenses
	case AttrPackageURL:
		list = &p.URLs
	case AttrPackageSourceURL:
		list = &p.SourceURLs
	case AttrPackageReplaces:
		list = &p.Replaces
	case AttrPackageGroup:
		list = &p.Groups
	case AttrPackagePostInstallScript:
		list = &p.PostInstallScripts
	case AttrPackagePreUninstallScript:
		list = &p.PreUninstallScripts
	case AttrPackageFlags:
		v, err := d.uintValue(a, 1<<32-1)
		if err != nil {
			return err
		}
		p.Flags = pkginfo.Flags(v)
		return d.Skip()
	case AttrPackageArchitecture:
		v, err := d.uintValue(a, 255)
		if err != nil {
			return err
		}
		if !pkginfo.Architecture(v).Valid() {
			return d.errorf("unknown architecture %d", v)
		}
		p.Architecture = pkginfo.Architecture(v)
		return d.Skip()
	case AttrPackageVersionMajor:
		v, err := d.readVersion(a)
		if err != nil {
			return err
		}
		p.Version = v
		return nil
	case AttrPackageProvides:
		r, err := d.readResolvable(a)
		if err != nil {
			return err
		}
		p.Provides = append(p.Provides, r)
		return nil
	case AttrPackageRequires, AttrPackageSupplements, AttrPackageConflicts, AttrPackageFreshens:
		e, err := d.readExpression(a)
		if err != nil {
			return err
		}
		dst := map[AttrID]*[]pkginfo.Expression{
			AttrPackageRequires: &p.Requires, AttrPackageSupplements: &p.Supplements,
			AttrPackageConflicts: &p.Conflicts, AttrPackageFreshens: &p.Freshens,
		}[a.ID]
		*dst = append(*dst, e)
		return nil
	case AttrPackageGlobalWritableFile:
		f, err := d.readGlobalWritableFile(a)
		if err != nil {
			return err
		}
		p.GlobalWritableFiles = append(p.GlobalWritableFiles, f)
		return nil
	case AttrPackageUserSettingsFile:
		f, err := d.readUserSettingsFile(a)
		if err != nil {
			return err
		}
		p.UserSettingsFiles = append(p.UserSettingsFiles, f)
		return nil
	case AttrPackageUser:
		u, err := d.readUser(a)
		if err != nil {
			return err
		}
		p.Users = append(p.Users, u)
		return nil
	default:
		return d.Skip()
	}
	if a.Type != TypeString {
		return d.errorf("%s has type %s, want STRING", a.ID, a.Type)
	}
	if s != nil {
		*s = a.Str
	} else {
		*list = append(*list, a.Str)
	}
	return d.Skip()
}

// uintValue returns the value of the numeric attribute a, checking it is at
// most max.
func (d *Decoder) uintValue(a Attr, max uint64) (uint64, error) {
	if a.Type != TypeUint && a.Type != TypeInt {
		return 0, d.errorf("%s has type %s, want UINT", a.ID, a.Type)
	}
	if a.Int > max {
		return 0, d.errorf("%s value %d out of range (maximum %d)", a.ID, int64(a.Int), max)
	}
	return a.Int, nil
}

func (d *Decoder) wantString(a Attr) error {
	if a.Type != TypeString {
		return d.errorf("%s has type %s, want STRING", a.ID, a.Type)
	}
	return nil
}

// children calls fn for each child of a (which Next just returned),
// skipping the grandchildren fn does not consume.
func (d *Decoder) children(a Attr, fn func(c Attr) error) error {
	if !a.HasChildren {
		return nil
	}
	for {
		c, ok, err := d.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := fn(c); err != nil {
			return err
		}
		if err := d.Skip(); err != nil {
			return err
		}
	}
}

// readVersion decodes a version subtree whose major is a.
func (d *Decoder) readVersion(a Attr) (pkginfo.Version, error) {
	var v pkginfo.Version
	if err := d.wantString(a); err != nil {
		return v, err
	}
	v.Major = a.Str
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrPackageVersionMinor, AttrPackageVersionMicro, AttrPackageVersionPreRelease:
			if err := d.wantString(c); err != nil {
				return err
			}
			switch c.ID {
			case AttrPackageVersionMinor:
				v.Minor = c.Str
			case AttrPackageVersionMicro:
				v.Micro = c.Str
			default:
				v.PreRelease = c.Str
			}
		case AttrPackageVersionRevision:
			r, err := d.uintValue(c, 1<<32-1)
			if err != nil {
				return err
			}
			v.Revision = uint32(r)
		}
		return nil
	})
	return v, err
}

func (d *Decoder) readResolvable(a Attr) (pkginfo.Resolvable, error) {
	var r pkginfo.Resolvable
	if err := d.wantString(a); err != nil {
		return r, err
	}
	r.Name = a.Str
	err := d.children(a, func(c Attr) error {
		var err error
		switch c.ID {
		case AttrPackageVersionMajor:
			r.Version, err = d.readVersion(c)
		case AttrPackageProvidesCompatible:
			r.Compat, err = d.readVersion(c)
		}
		return err
	})
	return r, err
}

func (d *Decoder) readExpression(a Attr) (pkginfo.Expression, error) {
	var e pkginfo.Expression
	if err := d.wantString(a); err != nil {
		return e, err
	}
	e.Name = a.Str
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrPackageResolvableOperator:
			op, err := d.uintValue(c, 255)
			if err != nil {
				return err
			}
			if !pkginfo.Operator(op).Valid() {
				return d.errorf("%s: unknown resolvable operator %d", a.ID, op)
			}
			e.Op = pkginfo.Operator(op)
		case AttrPackageVersionMajor:
			v, err := d.readVersion(c)
			e.Version = v
			return err
		}
		return nil
	})
	return e, err
}

func (d *Decoder) readGlobalWritableFile(a Attr) (pkginfo.GlobalWritableFile, error) {
	var f pkginfo.GlobalWritableFile
	if err := d.wantString(a); err != nil {
		return f, err
	}
	f.Path = a.Str
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrPackageIsWritableDirectory:
			v, err := d.uintValue(c, 1<<64-1)
			f.Directory = v != 0
			return err
		case AttrPackageWritableFileUpdate:
			v, err := d.uintValue(c, uint64(len(updateTypes)))
			if err != nil {
				return err
			}
			if v < uint64(len(updateTypes)) {
				f.UpdateType = updateTypes[v]
			}
		}
		return nil
	})
	return f, err
}

func (d *Decoder) readUserSettingsFile(a Attr) (pkginfo.UserSettingsFile, error) {
	var f pkginfo.UserSettingsFile
	if err := d.wantString(a); err != nil {
		return f, err
	}
	f.Path = a.Str
	err := d.children(a, func(c Attr) error {
		switch c.ID {
		case AttrPackageIsWritableDirectory:
			v, err := d.uintValue(c, 1<<64-1)
			f.Directory = v != 0
			return err
		case AttrPackageSettingsFileTemplate:
			if err := d.wantString(c); err != nil {
				return err
			}
			f.Template = c.Str
		}
		return nil
	})
	return f, err
}

func (d *Decoder) readUser(a Attr) (pkginfo.User, error) {
	var u pkginfo.User
	if err := d.wantString(a); err != nil {
		return u, err
	}
	u.Name = a.Str
	err := d.children(a, func(c Attr) error {
		var dst *string
		switch c.ID {
		case AttrPackageUserRealName:
			dst = &u.RealName
		case AttrPackageUserHome:
			dst = &u.Home
		case AttrPackageUserShell:
			dst = &u.Shell
		case AttrPackageUserGroup:
			if err := d.wantString(c); err != nil {
				return err
			}
			u.Groups = append(u.Groups, c.Str)
			return nil
		default:
			return nil
		}
		if err := d.wantString(c); err != nil {
			return err
		}
		*dst = c.Str
		return nil
	})
	return u, err
}
