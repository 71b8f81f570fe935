package pkginfo

import (
	"fmt"
	"io"
	"strings"
)

// WritePackageInfo writes p as .PackageInfo text that ParsePackageInfo
// reads back to the same value (with nil for empty lists, and without
// Checksum and InstallPath, which a .PackageInfo cannot hold). Lists are
// always written with braces; strings are quoted unless they are plain
// words. It first checks p with ValidatePackageInfo and writes nothing if
// that fails.
func WritePackageInfo(w io.Writer, p *PackageInfo) error {
	if err := ValidatePackageInfo(p); err != nil {
		return err
	}
	var b strings.Builder
	field := func(name, value string) {
		fmt.Fprintf(&b, "%s %s\n", name, value)
	}
	list := func(name string, items []string, always bool) {
		if len(items) == 0 && !always {
			return
		}
		b.WriteString(name + " {\n")
		for _, it := range items {
			b.WriteString("\t" + it + "\n")
		}
		b.WriteString("}\n")
	}
	quoteAll := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = quote(s)
		}
		return out
	}
	exprs := func(es []Expression) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.String()
		}
		return out
	}

	field("name", quoteWord(p.Name))
	field("version", p.Version.String())
	field("architecture", p.Architecture.String())
	field("summary", quote(p.Summary))
	field("description", quote(p.Description))
	field("packager", quote(p.Packager))
	field("vendor", quote(p.Vendor))
	list("copyrights", quoteAll(p.Copyrights), true)
	list("licenses", quoteAll(p.Licenses), true)
	list("urls", quoteAll(p.URLs), false)
	list("source-urls", quoteAll(p.SourceURLs), false)
	var flags []string
	if p.Flags&FlagApproveLicense != 0 {
		flags = append(flags, "approve_license")
	}
	if p.Flags&FlagSystemPackage != 0 {
		flags = append(flags, "system_package")
	}
	list("flags", flags, false)

	provides := make([]string, len(p.Provides))
	for i, r := range p.Provides {
		provides[i] = r.String()
	}
	list("provides", provides, true)
	list("requires", exprs(p.Requires), false)
	// After requires, which resets the base package to the one it marks.
	if p.BasePackage != markedBase(p.Requires) {
		field("base-package", quote(p.BasePackage))
	}
	list("supplements", exprs(p.Supplements), false)
	list("conflicts", exprs(p.Conflicts), false)
	list("freshens", exprs(p.Freshens), false)
	replaces := make([]string, len(p.Replaces))
	for i, r := range p.Replaces {
		replaces[i] = quoteWord(r)
	}
	list("replaces", replaces, false)

	gwf := make([]string, len(p.GlobalWritableFiles))
	for i, f := range p.GlobalWritableFiles {
		gwf[i] = quote(f.Path)
		if f.Directory {
			gwf[i] += " directory"
		}
		if f.UpdateType != UpdateNone {
			gwf[i] += " " + string(f.UpdateType)
		}
	}
	list("global-writable-files", gwf, false)
	usf := make([]string, len(p.UserSettingsFiles))
	for i, f := range p.UserSettingsFiles {
		usf[i] = quote(f.Path)
		if f.Directory {
			usf[i] += " directory"
		} else if f.Template != "" {
			usf[i] += " template " + quote(f.Template)
		}
	}
	list("user-settings-files", usf, false)
	users := make([]string, len(p.Users))
	for i, u := range p.Users {
		s := u.Name
		if u.RealName != "" {
			s += " real-name " + quote(u.RealName)
		}
		if u.Home != "" {
			s += " home " + quote(u.Home)
		}
		if u.Shell != "" {
			s += " shell " + quote(u.Shell)
		}
		if len(u.Groups) > 0 {
			s += " groups " + strings.Join(u.Groups, " ")
		}
		users[i] = s
	}
	list("users", users, false)
	list("groups", quoteAll(p.Groups), false)
	list("post-install-scripts", quoteAll(p.PostInstallScripts), false)
	list("pre-uninstall-scripts", quoteAll(p.PreUninstallScripts), false)

	_, err := io.WriteString(w, b.String())
	return err
}

// markedBase returns the name of the requirement marked "base", if any.
func markedBase(requires []Expression) string {
	for _, e := range requires {
		if e.Base {
			return e.Name
		}
	}
	return ""
}

// quoteWord writes s bare if the lexer reads it back as one word, else quoted.
func quoteWord(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("._:+~@%^&*()[],?|$", c) >= 0) {
			return quote(s)
		}
	}
	return s
}

// quote writes s as a double-quoted string the lexer reads back as s.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
