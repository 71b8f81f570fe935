package pkginfo

import (
	"fmt"
	"io"
	"strings"
)

// MaxTextSize is the largest .PackageInfo or repo.info text the parsers
// accept. Real files are a few KiB.
const MaxTextSize = 1 << 20

// readLimited reads all of r, failing with ErrTooLarge beyond MaxTextSize.
func readLimited(r io.Reader, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxTextSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > MaxTextSize {
		return "", fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, MaxTextSize)
	}
	return string(b), nil
}

// The fields of a .PackageInfo file in Haiku's order
// (BPackageInfo::kElementNames); the first numMandatory must be present.
var fieldNames = [...]string{
	"name", "summary", "description", "vendor", "packager", "architecture", "version",
	"copyrights", "licenses", "provides", "requires", "supplements", "conflicts",
	"freshens", "replaces", "flags", "urls", "source-urls", "base-package",
	"global-writable-files", "user-settings-files", "users", "groups",
	"post-install-scripts", "pre-uninstall-scripts",
}

const numMandatory = 10 // name … provides

// ParsePackageInfo reads a .PackageInfo text (FORMATS.md §3.1–3.2) from r,
// as BPackageInfo::Parser does: field names are case-insensitive, each may
// appear at most once, and name, summary, description, vendor, packager,
// architecture, version, copyrights, licenses and provides are mandatory.
// name is used in error messages ("name:line:col: …"). The package name is
// lower-cased, as are replaces entries and all versions; other strings are
// kept as written. Checksum and InstallPath are never set (a .PackageInfo
// cannot hold them). Inputs over MaxTextSize fail with ErrTooLarge; other
// errors are *ParseError values wrapping ErrSyntax.
func ParsePackageInfo(r io.Reader, name string) (*PackageInfo, error) {
	src, err := readLimited(r, name)
	if err != nil {
		return nil, err
	}
	return parsePackageInfo(src, name)
}

// ParsePackageInfoBytes is ParsePackageInfo on a byte slice.
func ParsePackageInfoBytes(b []byte, name string) (*PackageInfo, error) {
	if len(b) > MaxTextSize {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, MaxTextSize)
	}
	return parsePackageInfo(string(b), name)
}

func parsePackageInfo(src, file string) (*PackageInfo, error) {
	l := &lexer{src: src, file: file}
	p := &PackageInfo{}
	var seen [len(fieldNames)]bool
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tokEOF {
			break
		}
		if t.kind == tokSeparator {
			continue
		}
		if t.kind != tokString {
			return nil, l.errorf(t.pos, nil, "expected a field name, found "+describe(t))
		}
		field := -1
		for i, n := range fieldNames {
			if asciiLower(t.text) == n {
				field = i
				break
			}
		}
		if field < 0 {
			return nil, l.errorf(t.pos, nil, fmt.Sprintf("unknown field %q", t.text))
		}
		if seen[field] {
			return nil, l.errorf(t.pos, nil, fieldNames[field]+" given more than once")
		}
		seen[field] = true
		if err := l.field(p, fieldNames[field], t); err != nil {
			return nil, err
		}
	}
	for i := range numMandatory {
		if !seen[i] {
			return nil, l.errorf(len(src), nil, "mandatory field "+fieldNames[i]+" missing")
		}
	}
	return p, nil
}

// field parses the value of one field (ft is the field name token).
func (l *lexer) field(p *PackageInfo, name string, ft token) error {
	var err error
	switch name {
	case "name":
		var t token
		if t, err = l.stringValue("a package name"); err == nil {
			if err = l.checkName(t, "package name"); err == nil {
				p.Name = asciiLower(t.text)
			}
		}
	case "summary":
		var t token
		if t, err = l.stringValue("a summary"); err == nil {
			p.Summary = t.text
			if strings.ContainsRune(t.text, '\n') {
				err = l.errorf(t.pos, nil, "the summary contains a line break")
			}
		}
	case "description":
		p.Description, err = l.stringField("a description")
	case "vendor":
		p.Vendor, err = l.stringField("a vendor")
	case "packager":
		p.Packager, err = l.stringField("a packager")
	case "base-package":
		p.BasePackage, err = l.stringField("a base package name")
	case "architecture":
		var t token
		if t, err = l.stringValue("an architecture"); err == nil {
			if p.Architecture, err = ParseArchitecture(t.text); err != nil {
				err = l.errorf(t.pos, ErrUnknownArchitecture, fmt.Sprintf(
					"unknown architecture %q, expected one of %s", t.text, strings.Join(architectureNames[:], ", ")))
			}
		}
	case "version":
		p.Version, err = l.version(true)
	case "copyrights":
		p.Copyrights, err = l.stringList(false)
	case "licenses":
		p.Licenses, err = l.stringList(false)
	case "urls":
		p.URLs, err = l.stringList(false)
	case "source-urls":
		p.SourceURLs, err = l.stringList(false)
	case "groups":
		p.Groups, err = l.stringList(false)
	case "post-install-scripts":
		p.PostInstallScripts, err = l.stringList(false)
	case "pre-uninstall-scripts":
		p.PreUninstallScripts, err = l.stringList(false)
	case "replaces":
		p.Replaces, err = l.stringList(true)
	case "flags":
		p.Flags, err = l.flags()
	case "provides":
		p.Provides, err = l.resolvableList()
	case "requires":
		p.BasePackage = "" // as Haiku: requires decides the base package
		p.Requires, err = l.expressionList(baseAfterVersion, &p.BasePackage)
	case "supplements":
		p.Supplements, err = l.expressionList(baseNever, nil)
	case "conflicts":
		p.Conflicts, err = l.expressionList(baseNever, nil)
	case "freshens":
		p.Freshens, err = l.expressionList(baseNever, nil)
	case "global-writable-files":
		p.GlobalWritableFiles, err = l.globalWritableFiles()
	case "user-settings-files":
		p.UserSettingsFiles, err = l.userSettingsFiles()
	case "users":
		p.Users, err = l.users()
	default:
		err = l.errorf(ft.pos, nil, "field "+name+" not handled") // unreachable
	}
	return err
}

// stringValue reads a token that must be a string.
func (l *lexer) stringValue(what string) (token, error) {
	t, err := l.next()
	if err != nil {
		return t, err
	}
	if t.kind != tokString {
		return t, l.errorf(t.pos, nil, "expected "+what+", found "+describe(t))
	}
	return t, nil
}

func (l *lexer) stringField(what string) (string, error) {
	t, err := l.stringValue(what)
	return t.text, err
}
