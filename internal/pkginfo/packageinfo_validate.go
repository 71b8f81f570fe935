package pkginfo

import (
	"errors"
	"fmt"
	"strings"
)

// ValidatePackageInfo checks that p is something a .PackageInfo can express
// and ParsePackageInfo would produce: valid, lower-case package name; a
// one-line summary; a version with a revision; a known architecture;
// valid resolvable names; versions in canonical form; operators only with
// versions; "base" only on one versioned requirement; known flags and update types; valid user and group names;
// no NUL bytes. Errors wrap ErrInvalid and name the offending field.
func ValidatePackageInfo(p *PackageInfo) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	name := func(field, s string) {
		switch {
		case s == "":
			bad("%s: empty name", field)
		case strings.ContainsAny(s, "-/<>=!\x00") || strings.IndexFunc(s, func(r rune) bool {
			return r < 0x80 && isSpaceByte(byte(r))
		}) >= 0:
			bad("%s: invalid character in name %q", field, s)
		}
	}
	version := func(field string, v Version, pkg bool) {
		if v.IsZero() {
			if pkg {
				bad("%s: no version", field)
			}
			return
		}
		back, err := ParseVersion(v.String())
		switch {
		case err != nil:
			bad("%s: %v", field, err)
		case back != v:
			bad("%s: version %+v is not in canonical form (lower case, micro only with minor)", field, v)
		case pkg && v.Revision == 0:
			bad("%s: version %s has no revision", field, v)
		}
	}
	noNUL := func(field string, ss ...string) {
		for _, s := range ss {
			if strings.IndexByte(s, 0) >= 0 {
				bad("%s: NUL byte in %q", field, s)
			}
		}
	}
	exprs := func(field string, es []Expression, baseOK bool) {
		for _, e := range es {
			name(field, e.Name)
			version(field+" "+e.Name, e.Version, false)
			if e.Version.IsZero() && e.Op != 0 {
				bad("%s %s: operator %s without a version", field, e.Name, e.Op)
			}
			if !e.Op.Valid() {
				bad("%s %s: unknown operator %d", field, e.Name, e.Op)
			}
			if e.Base && !baseOK {
				bad("%s %s: only requires may mark the base package", field, e.Name)
			}
			if e.Base && e.Version.IsZero() {
				bad("%s %s: the base package must be required with a version", field, e.Name)
			}
		}
	}

	name("name", p.Name)
	if p.Name != asciiLower(p.Name) {
		bad("name %q is not lower case", p.Name)
	}
	if strings.ContainsRune(p.Summary, '\n') {
		bad("summary contains a line break")
	}
	version("version", p.Version, true)
	if !p.Architecture.Valid() {
		bad("architecture: %v", p.Architecture)
	}
	noNUL("strings", p.Summary, p.Description, p.Vendor, p.Packager, p.BasePackage)
	noNUL("copyrights", p.Copyrights...)
	noNUL("licenses", p.Licenses...)
	noNUL("urls", p.URLs...)
	noNUL("source-urls", p.SourceURLs...)
	noNUL("groups", p.Groups...)
	noNUL("post-install-scripts", p.PostInstallScripts...)
	noNUL("pre-uninstall-scripts", p.PreUninstallScripts...)
	for _, r := range p.Provides {
		name("provides", r.Name)
		version("provides "+r.Name, r.Version, false)
		version("provides "+r.Name+" compat", r.Compat, false)
		if r.Version.IsZero() && !r.Compat.IsZero() {
			bad("provides %s: compat version without a version", r.Name)
		}
	}
	exprs("requires", p.Requires, true)
	exprs("supplements", p.Supplements, false)
	exprs("conflicts", p.Conflicts, false)
	exprs("freshens", p.Freshens, false)
	marked := 0
	for _, e := range p.Requires {
		if e.Base {
			marked++
		}
	}
	if marked > 1 {
		bad("requires: %d requirements marked as base package", marked)
	}
	for _, r := range p.Replaces {
		name("replaces", r)
		if r != asciiLower(r) {
			bad("replaces %q is not lower case", r)
		}
	}
	if p.Flags&^(FlagApproveLicense|FlagSystemPackage) != 0 {
		bad("flags: unknown bits %#x", uint32(p.Flags))
	}
	for _, f := range p.GlobalWritableFiles {
		noNUL("global-writable-files", f.Path)
		switch f.UpdateType {
		case UpdateNone, UpdateKeepOld, UpdateManual, UpdateAutoMerge:
		default:
			bad("global-writable-files %q: unknown update type %q", f.Path, f.UpdateType)
		}
	}
	for _, f := range p.UserSettingsFiles {
		noNUL("user-settings-files", f.Path, f.Template)
		if f.Directory && f.Template != "" {
			bad("user-settings-files %q: both directory and template", f.Path)
		}
	}
	for _, u := range p.Users {
		if !validUserName(u.Name) {
			bad("users: invalid user name %q", u.Name)
		}
		noNUL("users "+u.Name, u.RealName, u.Home, u.Shell)
		for _, g := range u.Groups {
			if !validUserName(g) {
				bad("users %s: invalid group name %q", u.Name, g)
			}
		}
	}
	return errors.Join(errs...)
}
