package pkginfo

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// gen builds random PackageInfo values that a .PackageInfo can express,
// with strings full of characters the lexer treats specially.
type gen struct{ r *rand.Rand }

func (g gen) pick(s string) byte { return s[g.r.IntN(len(s))] }

// str returns min…max characters of alphabet; fancy mixes in non-ASCII text.
func (g gen) str(alphabet string, min, max int) string {
	return g.chars(alphabet, min, max, strings.ContainsRune(alphabet, '\\'))
}

func (g gen) chars(alphabet string, min, max int, fancy bool) string {
	n := min + g.r.IntN(max-min+1)
	var b strings.Builder
	for range n {
		if fancy && g.r.IntN(20) == 0 {
			b.WriteString("é€")
			continue
		}
		b.WriteByte(g.pick(alphabet))
	}
	return b.String()
}

const (
	textChars    = "aZ09 \"'\\\n\t\r#;{}=<>!-/~.,:\x01\x7f"
	nameChars    = "abcXYZ019_.:+~;#{}\"'\\,()@$"
	lowerChars   = "abc019_.:+~;#{}\"'\\,()@$"
	userChars    = "abcXYZ019_"
	versionChars = "abcxyz0123456789_"
)

func (g gen) text() string { return g.str(textChars, 0, 12) }

func (g gen) texts() []string {
	var out []string
	for range g.r.IntN(4) {
		out = append(out, g.text())
	}
	return out
}

func (g gen) version(revision bool) Version {
	v := Version{Major: g.str(versionChars, 1, 4)}
	if g.r.IntN(2) == 0 {
		v.Minor = g.str(versionChars, 1, 3)
		if g.r.IntN(2) == 0 {
			v.Micro = g.str(versionChars+".", 1, 5)
		}
	}
	if g.r.IntN(3) == 0 {
		v.PreRelease = g.str(versionChars+".", 1, 6)
	}
	if revision || g.r.IntN(2) == 0 {
		v.Revision = 1 + g.r.Uint32N(1<<32-1)
	}
	return v
}

func (g gen) expressions(base bool) []Expression {
	var out []Expression
	for range g.r.IntN(4) {
		e := Expression{Name: g.str(nameChars, 1, 8)}
		if g.r.IntN(3) > 0 {
			e.Op = Operator(g.r.IntN(int(numOperators)))
			e.Version = g.version(false)
			if base && g.r.IntN(3) == 0 {
				e.Base, base = true, false
			}
		}
		out = append(out, e)
	}
	return out
}

func (g gen) packageInfo() *PackageInfo {
	p := &PackageInfo{
		Name:         g.str(lowerChars, 1, 10),
		Summary:      strings.ReplaceAll(g.text(), "\n", " "),
		Description:  g.text(),
		Vendor:       g.text(),
		Packager:     g.text(),
		Flags:        Flags(g.r.IntN(4)),
		Architecture: Architecture(g.r.IntN(int(numArchitectures))),
		Version:      g.version(true),
		Copyrights:   g.texts(),
		Licenses:     g.texts(),
		URLs:         g.texts(),
		SourceURLs:   g.texts(),
		Requires:     g.expressions(true),
		Supplements:  g.expressions(false),
		Conflicts:    g.expressions(false),
		Freshens:     g.expressions(false),
		Groups:       g.texts(),

		PostInstallScripts:  g.texts(),
		PreUninstallScripts: g.texts(),
	}
	p.BasePackage = markedBase(p.Requires)
	if g.r.IntN(4) == 0 {
		p.BasePackage = g.text() // may differ from the marked one, or be empty
	}
	for range g.r.IntN(4) {
		r := Resolvable{Name: g.str(nameChars, 1, 8)}
		if g.r.IntN(2) == 0 {
			r.Version = g.version(false)
			if g.r.IntN(2) == 0 {
				r.Compat = g.version(false)
			}
		}
		p.Provides = append(p.Provides, r)
	}
	for range g.r.IntN(3) {
		p.Replaces = append(p.Replaces, g.str(lowerChars, 1, 6))
	}
	updateTypes := []WritableFileUpdateType{UpdateNone, UpdateKeepOld, UpdateManual, UpdateAutoMerge}
	for range g.r.IntN(3) {
		p.GlobalWritableFiles = append(p.GlobalWritableFiles, GlobalWritableFile{
			Path: g.text(), Directory: g.r.IntN(2) == 0, UpdateType: updateTypes[g.r.IntN(4)],
		})
	}
	for range g.r.IntN(3) {
		f := UserSettingsFile{Path: g.text()}
		switch g.r.IntN(3) {
		case 0:
			f.Directory = true
		case 1:
			f.Template = g.str(textChars, 1, 8)
		}
		p.UserSettingsFiles = append(p.UserSettingsFiles, f)
	}
	for range g.r.IntN(3) {
		u := User{Name: g.str(userChars, 1, 6), RealName: g.text(), Home: g.text(), Shell: g.text()}
		for range g.r.IntN(3) {
			u.Groups = append(u.Groups, g.str(userChars, 1, 5))
		}
		p.Users = append(p.Users, u)
	}
	return p
}

func TestPackageInfoRoundTripGenerated(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for i := range 2000 {
		p := g.packageInfo()
		if err := ValidatePackageInfo(p); err != nil {
			t.Fatalf("generated value %d is invalid: %v", i, err)
		}
		assertRoundTrip(t, p)
	}
}

func TestValidatePackageInfo(t *testing.T) {
	valid := func() *PackageInfo {
		return &PackageInfo{Name: "a", Version: Version{Major: "1", Revision: 1}}
	}
	if err := ValidatePackageInfo(valid()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(p *PackageInfo)
	}{
		{"upper-case name", func(p *PackageInfo) { p.Name = "A" }},
		{"empty name", func(p *PackageInfo) { p.Name = "" }},
		{"name with dash", func(p *PackageInfo) { p.Name = "a-b" }},
		{"summary with new line", func(p *PackageInfo) { p.Summary = "a\nb" }},
		{"no revision", func(p *PackageInfo) { p.Version.Revision = 0 }},
		{"upper-case version", func(p *PackageInfo) { p.Version.Major = "A" }},
		{"micro without minor", func(p *PackageInfo) { p.Version.Micro = "1" }},
		{"bad architecture", func(p *PackageInfo) { p.Architecture = 99 }},
		{"NUL", func(p *PackageInfo) { p.Description = "a\x00" }},
		{"compat without version", func(p *PackageInfo) {
			p.Provides = []Resolvable{{Name: "a", Compat: Version{Major: "1"}}}
		}},
		{"operator without version", func(p *PackageInfo) { p.Requires = []Expression{{Name: "b", Op: OpGreater}} }},
		{"base without version", func(p *PackageInfo) {
			p.Requires, p.BasePackage = []Expression{{Name: "b", Base: true}}, "b"
		}},
		{"base in conflicts", func(p *PackageInfo) {
			p.Conflicts = []Expression{{Name: "b", Op: OpLess, Version: Version{Major: "1"}, Base: true}}
		}},
		{"two bases", func(p *PackageInfo) {
			v := Version{Major: "1"}
			p.Requires = []Expression{{Name: "b", Version: v, Base: true}, {Name: "c", Version: v, Base: true}}
			p.BasePackage = "b"
		}},
		{"upper-case replaces", func(p *PackageInfo) { p.Replaces = []string{"B"} }},
		{"unknown flag", func(p *PackageInfo) { p.Flags = 4 }},
		{"unknown update type", func(p *PackageInfo) {
			p.GlobalWritableFiles = []GlobalWritableFile{{Path: "x", UpdateType: "sometimes"}}
		}},
		{"directory and template", func(p *PackageInfo) {
			p.UserSettingsFiles = []UserSettingsFile{{Path: "x", Directory: true, Template: "y"}}
		}},
		{"bad user", func(p *PackageInfo) { p.Users = []User{{Name: "a b"}} }},
		{"bad group", func(p *PackageInfo) { p.Users = []User{{Name: "a", Groups: []string{""}}} }},
	}
	for _, tt := range tests {
		p := valid()
		tt.change(p)
		err := ValidatePackageInfo(p)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		var b strings.Builder
		if werr := WritePackageInfo(&b, p); werr == nil || b.Len() != 0 {
			t.Errorf("%s: WritePackageInfo wrote %q, %v", tt.name, b.String(), werr)
		}
	}
}
