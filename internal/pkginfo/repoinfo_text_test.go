package pkginfo

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// haikuPortsTemplate is HaikuPorter's repo.info template (FORMATS.md §2.4).
const haikuPortsTemplate = `name HaikuPorts
vendor "Haiku Project"
summary "The HaikuPorts repository"
priority 1
baseurl https://eu.hpkg.haiku-os.org/haikuports/master/$ARCH/current
identifier tag:haikuports.org,2013:repositories/haikuports/master/$ARCH
architecture $ARCH
`

func TestParseRepositoryInfoFixtures(t *testing.T) {
	tests := []struct {
		file string
		want RepositoryInfo
	}{
		{"sample-repo.info", RepositoryInfo{
			Name: "HaikuPorts", Identifier: "f0c086e5-e096-429c-b38d-57beabd764e9", Vendor: "Haiku Project",
			Summary: "The HaikuPorts repository", Priority: 1, Architecture: ArchX86Gcc2,
		}},
		{"x86_gcc2-repo.info", RepositoryInfo{
			Name: "HaikuPorts", Identifier: "https://vmpkg.haiku-os.org/haikuports/master/repository/x86_gcc2",
			Vendor: "Haiku Project", Summary: "The HaikuPorts repository", Priority: 1, Architecture: ArchX86Gcc2,
		}},
	}
	for _, tt := range tests {
		f, err := os.Open(testenv.Fixture(t, "repo-info/"+tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseRepositoryInfo(f, tt.file)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.file, *got, tt.want)
		}
		assertRepoRoundTrip(t, got)
	}

	got, err := ParseRepositoryInfo(strings.NewReader(strings.ReplaceAll(haikuPortsTemplate, "$ARCH", "x86_64")), "template")
	if err != nil {
		t.Fatal(err)
	}
	want := RepositoryInfo{
		Name: "HaikuPorts", Identifier: "tag:haikuports.org,2013:repositories/haikuports/master/x86_64",
		BaseURL: "https://eu.hpkg.haiku-os.org/haikuports/master/x86_64/current", Vendor: "Haiku Project",
		Summary: "The HaikuPorts repository", Priority: 1, Architecture: ArchX86_64,
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("template: got %+v, want %+v", *got, want)
	}
	assertRepoRoundTrip(t, got)
	var buf bytes.Buffer
	if err := WriteRepositoryInfo(&buf, got); err != nil {
		t.Fatal(err)
	}
	if buf.String() != strings.ReplaceAll(haikuPortsTemplate, "$ARCH", "x86_64") {
		t.Errorf("written:\n%s\nwant the template's layout", buf.String())
	}
	// Unexpanded, $ARCH is no architecture.
	if _, err := ParseRepositoryInfo(strings.NewReader(haikuPortsTemplate), "raw"); !errors.Is(err, ErrInvalid) {
		t.Errorf("raw template: %v, want ErrInvalid", err)
	}
}

func assertRepoRoundTrip(t *testing.T, info *RepositoryInfo) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteRepositoryInfo(&buf, info); err != nil {
		t.Fatal(err)
	}
	back, err := ParseRepositoryInfo(&buf, "written")
	if err != nil {
		t.Fatalf("parse written repo.info: %v\n%s", err, buf.String())
	}
	want := *info
	want.LicenseNames, want.LicenseTexts = nil, nil
	if !reflect.DeepEqual(*back, want) {
		t.Fatalf("round trip: got %+v, want %+v\n%s", *back, want, buf.String())
	}
}

func TestParseRepositoryInfoSyntax(t *testing.T) {
	base := "vendor v\nsummary s\npriority 5\narchitecture x86_64\nidentifier id\n"
	tests := []struct {
		name, in string
		check    func(*RepositoryInfo) bool
	}{
		{"assignment", base + "name = foo", func(r *RepositoryInfo) bool { return r.Name == "foo" }},
		{"assignment no spaces", base + "name=foo", func(r *RepositoryInfo) bool { return r.Name == "foo" }},
		{"semicolons", "name a; vendor b; summary c; priority 2; architecture arm64; url u",
			func(r *RepositoryInfo) bool {
				return r.Name == "a" && r.Identifier == "u" && r.Architecture == ArchARM64
			}},
		{"identifier beats url", base + "name n\nurl u\n", func(r *RepositoryInfo) bool { return r.Identifier == "id" }},
		{"escapes", base + `name a\ b\"c`, func(r *RepositoryInfo) bool { return r.Name == `a b"c` }},
		{"single quotes", base + `name 'a "b"'`, func(r *RepositoryInfo) bool { return r.Name == `a "b"` }},
		{"quoted new line", base + "name \"a\nb\"", func(r *RepositoryInfo) bool { return r.Name == "a\nb" }},
		{"comments", "# head\n" + base + "name n # trailing\n#tail", func(r *RepositoryInfo) bool { return r.Name == "n" }},
		{"priority like atoi", strings.Replace(base, "priority 5", "priority 10abc", 1) + "name n",
			func(r *RepositoryInfo) bool { return r.Priority == 10 }},
		{"priority 255", strings.Replace(base, "priority 5", "priority 255", 1) + "name n",
			func(r *RepositoryInfo) bool { return r.Priority == 255 }},
		{"architecture case", strings.Replace(base, "x86_64", "X86_64", 1) + "name n",
			func(r *RepositoryInfo) bool { return r.Architecture == ArchX86_64 }},
		{"CRLF", strings.ReplaceAll(base+"name n\n", "\n", "\r\n"), func(r *RepositoryInfo) bool { return r.Name == "n" }},
	}
	for _, tt := range tests {
		got, err := ParseRepositoryInfo(strings.NewReader(tt.in), tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.check(got) {
			t.Errorf("%s: got %+v", tt.name, *got)
		}
	}
}

func TestParseRepositoryInfoErrors(t *testing.T) {
	full := "name n\nvendor v\nsummary s\npriority 5\narchitecture x86_64\nidentifier id\n"
	tests := []struct {
		name, in string
		want     error
		msg      string
	}{
		{"empty", "", ErrInvalid, "name missing"},
		{"no name", strings.Replace(full, "name n\n", "", 1), ErrInvalid, "name missing"},
		{"empty name", strings.Replace(full, "name n", `name ""`, 1), ErrInvalid, "name missing or empty"},
		{"name without value", strings.Replace(full, "name n", "name", 1), ErrInvalid, "name missing"},
		{"no identifier", strings.Replace(full, "identifier id\n", "", 1), ErrInvalid, "identifier (or url)"},
		{"no vendor", strings.Replace(full, "vendor v\n", "", 1), ErrInvalid, "vendor"},
		{"no summary", strings.Replace(full, "summary s\n", "", 1), ErrInvalid, "summary"},
		{"no priority", strings.Replace(full, "priority 5\n", "", 1), ErrInvalid, "priority"},
		{"bad priority", strings.Replace(full, "priority 5", "priority high", 1), ErrInvalid, ":4:1: pkginfo: invalid package or repository info: priority \"high\""},
		{"priority overflow", strings.Replace(full, "priority 5", "priority 256", 1), ErrInvalid, "from 0 to 255"},
		{"negative priority", strings.Replace(full, "priority 5", "priority -1", 1), ErrInvalid, "from 0 to 255"},
		{"no architecture", strings.Replace(full, "architecture x86_64\n", "", 1), ErrInvalid, "architecture"},
		{"any", strings.Replace(full, "x86_64", "any", 1), ErrInvalid, "any is not allowed"},
		{"unknown arch", strings.Replace(full, "x86_64", "vax", 1), ErrInvalid, `unknown architecture "vax"`},
		// kiln is stricter than Haiku: what it does not understand is refused.
		{"unknown key", full + "garbage line here\n", ErrInvalid, `:7:1: pkginfo: invalid package or repository info: unknown key "garbage"`},
		{"keys are case-sensitive", full + "NAME m\n", ErrInvalid, `:7:1: pkginfo: invalid package or repository info: unknown key "NAME"`},
		{"duplicate key", full + "name b\n", ErrInvalid, ":7:1: pkginfo: invalid package or repository info: name given twice (first on line 1)"},
		{"duplicate via semicolon", "vendor a; vendor b", ErrInvalid, ":1:11: pkginfo: invalid package or repository info: vendor given twice"},
		{"several values", strings.Replace(full, "name n", "name a b c", 1), ErrInvalid, ":1:1: pkginfo: invalid package or repository info: name: 3 values, want one"},
		{"block", full + "baseurl u {\n name inner\n}\n", ErrInvalid, ":7:1: pkginfo: invalid package or repository info: baseurl: a repo.info has no { } blocks"},
		{"block on next line", full + "x y\n{\n name inner\n}\n", ErrInvalid, `:7:1: pkginfo: invalid package or repository info: unknown key "x"`},
		{"a README", "# kiln\n\nkiln is a build master.\n" + full, ErrInvalid, `:3:1: pkginfo: invalid package or repository info: unknown key "kiln"`},
		{"unterminated quote", full + `x "abc`, ErrSyntax, ":7:3: unterminated quoted string"},
		{"trailing backslash", full + `x abc\`, ErrSyntax, "'\\' at end of input"},
		{"stray brace", full + "}\n", ErrSyntax, ":7:1: '}' without '{'"},
		{"open brace", full + "x {\n y\n", ErrSyntax, ":7:3: '{' without '}'"},
		{"NUL", full + "x a\x00", ErrSyntax, "NUL byte"},
		{"too deep", full + strings.Repeat("a {\n", 9) + strings.Repeat("}\n", 9), ErrSyntax, "nested more than 8"},
		{"too large", full + strings.Repeat("#", MaxTextSize), ErrTooLarge, "more than"},
	}
	for _, tt := range tests {
		got, err := ParseRepositoryInfo(strings.NewReader(tt.in), "r.info")
		if err == nil {
			t.Errorf("%s: parsed %+v", tt.name, *got)
			continue
		}
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "r.info") {
			t.Errorf("%s: %v; want %v …%s…", tt.name, err, tt.want, tt.msg)
		}
	}
	// Nesting of exactly 8 levels is a syntax kiln refuses only as a block.
	ok := full + strings.Repeat("a {\n", 8) + strings.Repeat("}\n", 8)
	if _, err := ParseRepositoryInfo(strings.NewReader(ok), "r.info"); !errors.Is(err, ErrInvalid) || errors.Is(err, ErrSyntax) {
		t.Errorf("8 levels: %v", err)
	}
}

func TestWriteRepositoryInfo(t *testing.T) {
	valid := RepositoryInfo{Name: "n", Identifier: "i", Vendor: "v", Summary: "s", Architecture: ArchRISCV64}
	odd := valid
	odd.Name, odd.Summary, odd.Vendor, odd.BaseURL = `a "b" \c`, "x\ny;z # w", "=v", "{u}"
	odd.Priority = 200
	assertRepoRoundTrip(t, &odd)
	for name, change := range map[string]func(*RepositoryInfo){
		"no name":       func(r *RepositoryInfo) { r.Name = "" },
		"no identifier": func(r *RepositoryInfo) { r.Identifier = "" },
		"no vendor":     func(r *RepositoryInfo) { r.Vendor = "" },
		"no summary":    func(r *RepositoryInfo) { r.Summary = "" },
		"any":           func(r *RepositoryInfo) { r.Architecture = ArchAny },
		"unknown arch":  func(r *RepositoryInfo) { r.Architecture = 77 },
		"NUL":           func(r *RepositoryInfo) { r.BaseURL = "a\x00" },
	} {
		r := valid
		change(&r)
		var buf bytes.Buffer
		if err := WriteRepositoryInfo(&buf, &r); !errors.Is(err, ErrInvalid) || buf.Len() != 0 {
			t.Errorf("%s: %v, wrote %q", name, err, buf.String())
		}
	}
}
