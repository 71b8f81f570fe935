package pkginfo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// allFields uses every field and item form of FORMATS.md §3.2, with Haiku's
// lexer quirks: mixed-case field names, ';' separators, single items without
// braces, joined quoted segments, escapes, comments and escaped new lines.
const allFields = `# a comment
NAME		Foo_Bar
Version		1.2.3~Beta1-4
architecture	X86_64
summary		'It''s "quoted"' # comment after a value
description	"line one\nline two\ttab \\ backslash \" quote
literal new line"
packager	"Joe <joe@example.com>"
vendor		Vendor\ With\ Spaces
copyrights	{ "2020 A" ;"2021 B" }
licenses	MIT
provides {
	foo_bar = 1.2.3~beta1-4 compat >= 1
	cmd:foo=1.2 compatible>=1.0
	lib:libfoo = 1.2 lib:libbar = 3
	cmd:bare
	"quoted:name" = 2
}
requires {
	haiku >= r1~beta4 base
	lib:libz<2 ;lib:libz!=1.2.3 lib:libq
	a<=1
	b==2
	c>3
}
supplements { x >= 1 }
conflicts { y < 2 }
freshens { z == 3 }
replaces Old_Name
flags { approve_license
	SYSTEM_PACKAGE }
urls "https://example.com"
source-urls {
	"https://example.com/src.tar.gz" \
	"git://example.com/repo"
}
global-writable-files {
	"settings/foo" directory keep-old
	"settings/bar" auto-merge
	"settings/baz" directory
	"settings/qux"
	'settings/manual' manual
}
user-settings-files {
	"settings/a" directory
	"settings/b" template "data/b.template"
	"settings/c"
}
users {
	daemon real-name "The Daemon" home "/boot/home/daemon" shell "/bin/sh" groups wheel users
	nobody
	bare groups
}
groups { wheel ; users }
post-install-scripts "boot/post-install/foo.sh"
pre-uninstall-scripts { "a.sh" "b.sh" }
`

func TestParsePackageInfoAllFields(t *testing.T) {
	p, err := ParsePackageInfoBytes([]byte(allFields), "all")
	if err != nil {
		t.Fatal(err)
	}
	v := func(s string) Version { return mustVersion(t, s) }
	want := &PackageInfo{
		Name:         "foo_bar",
		Summary:      `Its "quoted"`,
		Description:  "line one\nline two\ttab \\ backslash \" quote\nliteral new line",
		Vendor:       "Vendor With Spaces",
		Packager:     "Joe <joe@example.com>",
		BasePackage:  "haiku",
		Flags:        FlagApproveLicense | FlagSystemPackage,
		Architecture: ArchX86_64,
		Version:      v("1.2.3~beta1-4"),
		Copyrights:   []string{"2020 A", "2021 B"},
		Licenses:     []string{"MIT"},
		URLs:         []string{"https://example.com"},
		SourceURLs:   []string{"https://example.com/src.tar.gz", "git://example.com/repo"},
		Provides: []Resolvable{
			{Name: "foo_bar", Version: v("1.2.3~beta1-4"), Compat: v("1")},
			{Name: "cmd:foo", Version: v("1.2"), Compat: v("1.0")},
			{Name: "lib:libfoo", Version: v("1.2")},
			{Name: "lib:libbar", Version: v("3")},
			{Name: "cmd:bare"},
			{Name: "quoted:name", Version: v("2")},
		},
		Requires: []Expression{
			{Name: "haiku", Op: OpGreaterEqual, Version: v("r1~beta4"), Base: true},
			{Name: "lib:libz", Op: OpLess, Version: v("2")},
			{Name: "lib:libz", Op: OpNotEqual, Version: v("1.2.3")},
			{Name: "lib:libq"},
			{Name: "a", Op: OpLessEqual, Version: v("1")},
			{Name: "b", Op: OpEqual, Version: v("2")},
			{Name: "c", Op: OpGreater, Version: v("3")},
		},
		Supplements: []Expression{{Name: "x", Op: OpGreaterEqual, Version: v("1")}},
		Conflicts:   []Expression{{Name: "y", Op: OpLess, Version: v("2")}},
		Freshens:    []Expression{{Name: "z", Op: OpEqual, Version: v("3")}},
		Replaces:    []string{"old_name"},
		GlobalWritableFiles: []GlobalWritableFile{
			{Path: "settings/foo", Directory: true, UpdateType: UpdateKeepOld},
			{Path: "settings/bar", UpdateType: UpdateAutoMerge},
			{Path: "settings/baz", Directory: true},
			{Path: "settings/qux"},
			{Path: "settings/manual", UpdateType: UpdateManual},
		},
		UserSettingsFiles: []UserSettingsFile{
			{Path: "settings/a", Directory: true},
			{Path: "settings/b", Template: "data/b.template"},
			{Path: "settings/c"},
		},
		Users: []User{
			{Name: "daemon", RealName: "The Daemon", Home: "/boot/home/daemon", Shell: "/bin/sh", Groups: []string{"wheel", "users"}},
			{Name: "nobody"},
			{Name: "bare"},
		},
		Groups:              []string{"wheel", "users"},
		PostInstallScripts:  []string{"boot/post-install/foo.sh"},
		PreUninstallScripts: []string{"a.sh", "b.sh"},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	assertRoundTrip(t, p)
}

func TestParsePackageInfoBasePackageOrder(t *testing.T) {
	head := "name a\nversion 1-1\narchitecture any\nsummary s\ndescription d\npackager p\nvendor v\ncopyrights c\nlicenses l\nprovides { a = 1 }\n"
	// As in Haiku, requires resets the base package to the one it marks.
	p, err := ParsePackageInfoBytes([]byte(head+"base-package x\nrequires { b }\n"), "t")
	if err != nil || p.BasePackage != "" {
		t.Errorf("base-package before requires: %q, %v", p.BasePackage, err)
	}
	p, err = ParsePackageInfoBytes([]byte(head+"requires { b >= 1 base }\nbase-package x\n"), "t")
	if err != nil || p.BasePackage != "x" || !p.Requires[0].Base {
		t.Errorf("base-package after requires: %+v, %v", p, err)
	}
	assertRoundTrip(t, p)
}

func TestParsePackageInfoErrors(t *testing.T) {
	head := "name a\nversion 1-1\narchitecture any\nsummary s\ndescription d\npackager p\nvendor v\ncopyrights c\nlicenses l\n"
	full := head + "provides { a = 1 }\n"
	tests := []struct {
		name, in  string
		line, col int
		msg       string
		cause     error
	}{
		{"missing provides", head, 10, 1, "mandatory field provides missing", nil},
		{"missing name", strings.Replace(full, "name a\n", "", 1), 10, 1, "mandatory field name missing", nil},
		{"duplicate", full + "Name b\n", 11, 1, "name given more than once", nil},
		{"unknown field", full + "colour blue\n", 11, 1, `unknown field "colour"`, nil},
		{"checksum", full + "checksum abc\n", 11, 1, `unknown field "checksum"`, nil},
		{"Kelvin sign", full + "pac\u212aager x\n", 11, 1, "unknown field", nil},
		{"Kelvin flag", full + "flags system_pac\u212aage\n", 11, 7, "expected 'approve_license'", nil},
		{"no revision", strings.Replace(full, "version 1-1", "version 1", 1), 2, 9, "no revision", ErrBadVersion},
		{"bad version", strings.Replace(full, "version 1-1", "version 1..2-1", 1), 2, 9, "empty minor", ErrBadVersion},
		{"bad arch", strings.Replace(full, "architecture any", "architecture vax", 1), 3, 14, "unknown architecture", ErrUnknownArchitecture},
		{"summary newline", strings.Replace(full, "summary s", `summary "a\nb"`, 1), 4, 9, "line break", nil},
		{"bad name", strings.Replace(full, "name a", "name a-b", 1), 1, 6, "invalid character '-'", nil},
		{"empty name", strings.Replace(full, "name a", `name ""`, 1), 1, 6, "empty package name", nil},
		{"provides without braces", head + "provides a\n", 10, 10, "expected '{'", nil},
		{"unterminated list", head + "provides {\n a\n", 12, 1, "expected '}' closing the list opened at 10:10", nil},
		{"provides op", head + "provides { a >= 1 }\n", 10, 14, "expected '='", nil},
		{"provides two names", head + "provides { a b }\n", 10, 14, "expected '='", nil},
		{"requires =", full + "requires { b = 1 }\n", 11, 14, "use '=='", nil},
		{"base without version", full + "requires { b base }\n", 11, 14, "expected one of", nil},
		{"two bases", full + "requires { b > 1 base\nc > 1 base }\n", 12, 1, "both marked as base package", nil},
		{"bad flag", full + "flags { foo }\n", 11, 9, "expected 'approve_license'", nil},
		{"bad update type", full + "global-writable-files { \"x\" directory sometimes }\n", 11, 39, "expected an update type", nil},
		{"settings both", full + "user-settings-files { \"x\" directory template \"y\" }\n", 11, 46, "expected 'directory', 'template'", nil},
		{"template without path", full + "user-settings-files { \"x\" template }\n", 11, 36, "expected a settings template path", nil},
		{"bad user", full + "users { \"a b\" }\n", 11, 9, "expected a user name", nil},
		{"bad user attr", full + "users { a colour \"x\" }\n", 11, 11, "expected 'real-name'", nil},
		{"bad group", full + "users { a groups b-c }\n", 11, 18, "expected a group name", nil},
		{"user attr value", full + "users { a home }\n", 11, 16, "expected home", nil},
		{"replaces name", full + "replaces a/b\n", 11, 10, "invalid character '/'", nil},
		{"lone !", full + "requires { a ! 1 }\n", 11, 14, "unknown token '!'", nil},
		{"unterminated quote", full + "urls \"abc\n", 11, 6, "unterminated quoted string", nil},
		{"NUL", full + "urls a\x00b\n", 11, 7, "NUL byte", nil},
		{"trailing backslash", full + "urls a\\", 11, 6, "'\\' at end of input", nil},
		{"stray brace", full + "}\n", 11, 1, "expected a field name", nil},
		{"single item is a separator", full + "urls\n\"x\"\n", 11, 5, "expected a string, found end of item", nil},
		{"tab column", full + "\turls {", 11, 8, "expected '}' closing the list opened at 11:7", nil},
		{"semicolon inside a word", full + "requires { a<2;b }\n", 11, 14, "invalid version \"2;b\"", ErrBadVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePackageInfoBytes([]byte(tt.in), "f.PackageInfo")
			if err == nil {
				t.Fatalf("parsed: %+v", p)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("%v is not a *ParseError wrapping ErrSyntax", err)
			}
			if pe.Line != tt.line || pe.Col != tt.col || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %v; want %d:%d …%s…", err, tt.line, tt.col, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "f.PackageInfo:") {
				t.Errorf("error %q does not name the file", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("%v does not wrap %v", err, tt.cause)
			}
		})
	}
}

func TestParsePackageInfoTooLarge(t *testing.T) {
	big := strings.Repeat("#", MaxTextSize+1)
	if _, err := ParsePackageInfo(strings.NewReader(big), "big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ParsePackageInfo: %v, want ErrTooLarge", err)
	}
	if _, err := ParsePackageInfoBytes([]byte(big), "big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ParsePackageInfoBytes: %v, want ErrTooLarge", err)
	}
	// Exactly the limit is fine as far as size goes.
	if _, err := ParsePackageInfo(strings.NewReader(big[1:]), "big"); errors.Is(err, ErrTooLarge) {
		t.Errorf("ParsePackageInfo at the limit: %v", err)
	}
}
