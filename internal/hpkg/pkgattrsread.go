package hpkg

import (
	"fmt"

	"github.com/haikuports/kiln/internal/pkginfo"
)

// MaxPackageAttributes is the most top-level package attributes (name,
// version, each provides, each requires, each copyright, ...) one package
// may have. The largest real package, HaikuPorts' texlive_latexextra, has
// 1,651 provides and fewer than 1,700 attributes; every list element costs
// at most 160 bytes, so one package's lists stay under 11 MiB.
const MaxPackageAttributes = 1 << 16

// ReadPackageInfo decodes package attributes (FORMATS.md §1.5–1.6) from the
// current list of d until that list ends: the top-level list of an HPKG
// package-attributes section, or the children of an HPKR AttrPackage
// attribute. Attributes with unknown ids are skipped with their children;
// known ones with the wrong type are an error.
func ReadPackageInfo(d *Decoder) (pkginfo.PackageInfo, error) {
	var r pkgReader
	var p pkginfo.PackageInfo
	err := r.read(d, &p)
	return p, err
}

// pkgReader decodes package after package. Each package's lists are
// collected in scratch slices reused from package to package, then copied
// into blocks shared by the packages read (slabs): a repository's packages
// cost a few allocations for all their lists instead of several each.
//
// Each package may have at most MaxPackageAttributes top-level attributes
// (every list element is one), and all packages read by one pkgReader at
// most maxTotal (no limit when 0): a small, highly compressed section
// cannot make it build unbounded lists.
type pkgReader struct {
	maxTotal int // top-level attributes of all packages; 0 = no limit
	total    int
	scratch  pkginfo.PackageInfo // only the slice fields are used
	strs     slab[string]
	provides slab[pkginfo.Resolvable]
	exprs    slab[pkginfo.Expression]
}

// read decodes one package's attributes into *p, which must be zero.
func (r *pkgReader) read(d *Decoder, p *pkginfo.PackageInfo) error {
	sc := &r.scratch
	var err error
	for n := 1; ; n++ {
		var a Attr
		var ok bool
		if a, ok, err = d.Next(); err != nil || !ok {
			break
		}
		if r.total++; n > MaxPackageAttributes {
			err = fmt.Errorf("%w: %s at offset %d: package has more than %d attributes", ErrLimit, d.where, d.pos, MaxPackageAttributes)
			break
		}
		if r.maxTotal > 0 && r.total > r.maxTotal {
			err = fmt.Errorf("%w: %s at offset %d: packages have more than %d attributes in all", ErrLimit, d.where, d.pos, r.maxTotal)
			break
		}
		if err = readPackageAttr(d, p, sc, a); err != nil {
			break
		}
	}
	// Also on error: the partial package is returned as before.
	p.Copyrights = r.strs.copy(&sc.Copyrights)
	p.Licenses = r.strs.copy(&sc.Licenses)
	p.URLs = r.strs.copy(&sc.URLs)
	p.SourceURLs = r.strs.copy(&sc.SourceURLs)
	p.Provides = r.provides.copy(&sc.Provides)
	p.Requires = r.exprs.copy(&sc.Requires)
	p.Supplements = r.exprs.copy(&sc.Supplements)
	p.Conflicts = r.exprs.copy(&sc.Conflicts)
	p.Freshens = r.exprs.copy(&sc.Freshens)
	p.Replaces = r.strs.copy(&sc.Replaces)
	p.Groups = r.strs.copy(&sc.Groups)
	p.PostInstallScripts = r.strs.copy(&sc.PostInstallScripts)
	p.PreUninstallScripts = r.strs.copy(&sc.PreUninstallScripts)
	if err == nil && p.BasePackage != "" {
		for i := range p.Requires {
			if p.Requires[i].Name == p.BasePackage {
				p.Requires[i].Base = true
			}
		}
	}
	return err
}

// slab hands out copies of slices from shared blocks. Blocks start small
// and double up to maxSlabBlock elements, so one package costs little and
// many share a few blocks. A copy's capacity is its length: appending to
// it reallocates instead of writing into a neighbour.
type slab[T any] struct {
	block []T
	size  int // of the next block
}

const maxSlabBlock = 512

// copy returns a copy of *src (nil if empty) and empties *src, keeping its
// capacity.
func (s *slab[T]) copy(src *[]T) []T {
	n := len(*src)
	if n == 0 {
		return nil
	}
	if cap(s.block)-len(s.block) < n {
		s.size = min(max(2*s.size, 4), maxSlabBlock)
		s.block = make([]T, 0, max(n, s.size))
	}
	start := len(s.block)
	s.block = append(s.block, *src...)
	clear(*src) // drop the references to the section
	*src = (*src)[:0]
	return s.block[start : start+n : start+n]
}

// readPackageAttr decodes attribute a into p, appending to the lists of
// sc (scratch) rather than p's.
func readPackageAttr(d *Decoder, p, sc *pkginfo.PackageInfo, a Attr) error {
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
		list = &sc.Copyrights
	case AttrPackageLicense:
		list = &sc.Licenses
	case AttrPackageURL:
		list = &sc.URLs
	case AttrPackageSourceURL:
		list = &sc.SourceURLs
	case AttrPackageReplaces:
		list = &sc.Replaces
	case AttrPackageGroup:
		list = &sc.Groups
	case AttrPackagePostInstallScript:
		list = &sc.PostInstallScripts
	case AttrPackagePreUninstallScript:
		list = &sc.PreUninstallScripts
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
		sc.Provides = append(sc.Provides, r)
		return nil
	case AttrPackageRequires, AttrPackageSupplements, AttrPackageConflicts, AttrPackageFreshens:
		e, err := d.readExpression(a)
		if err != nil {
			return err
		}
		switch a.ID {
		case AttrPackageRequires:
			sc.Requires = append(sc.Requires, e)
		case AttrPackageSupplements:
			sc.Supplements = append(sc.Supplements, e)
		case AttrPackageConflicts:
			sc.Conflicts = append(sc.Conflicts, e)
		default:
			sc.Freshens = append(sc.Freshens, e)
		}
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
			if len(u.Groups) >= MaxPackageAttributes {
				return fmt.Errorf("%w: %s at offset %d: user %q has more than %d groups", ErrLimit, d.where, d.pos, u.Name, MaxPackageAttributes)
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
