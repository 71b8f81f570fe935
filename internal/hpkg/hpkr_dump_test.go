package hpkg

// Parsers for the independent reader's dumps of the repo fixture
// (shared/fixtures/reader-dumps, see the fixtures README): they give the
// expected values the HPKR reader is compared with, by meaning.

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// dumpNode is one attribute of a dumped attribute tree.
type dumpNode struct {
	Name, Type, Value string
	Kids              []*dumpNode
}

func (n *dumpNode) String() string { return fmt.Sprintf("%s : %s : %q", n.Name, n.Type, n.Value) }

var dumpLine = regexp.MustCompile(`^((?:  )*)(package[a-z.:-]*) : (STRING|INT|RAW) : (.*)$`)

// parseAttrDump reads an *.attrs.txt.gz dump: one attribute a line, two
// spaces of indentation per level, "name : TYPE : value"; lines that do not
// look like an attribute continue the previous value (multi-line strings).
func parseAttrDump(t testing.TB, path string) []*dumpNode {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var roots []*dumpNode
	var stack []*dumpNode // stack[d] is the last node at depth d
	var last *dumpNode
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Text()
		m := dumpLine.FindStringSubmatch(line)
		if m == nil {
			if last == nil {
				t.Fatalf("%s:%d: continuation line before any attribute", path, lineNo)
			}
			last.Value += "\n" + line
			continue
		}
		depth := len(m[1]) / 2
		n := &dumpNode{Name: m[2], Type: m[3], Value: m[4]}
		switch {
		case depth == 0:
			roots = append(roots, n)
		case depth <= len(stack):
			p := stack[depth-1]
			p.Kids = append(p.Kids, n)
		default:
			t.Fatalf("%s:%d: indentation %d under depth %d", path, lineNo, depth, len(stack)-1)
		}
		stack = append(stack[:depth], n)
		last = n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return roots
}

// dumpPkgLine is one line of *.hpkr.pkgs.txt.
type dumpPkgLine struct{ Name, Version, Arch string }

func parsePkgsDump(t testing.TB, path string) []dumpPkgLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dumpPkgLine
	for i, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		p := strings.Split(l, " : ")
		if len(p) != 3 {
			t.Fatalf("%s:%d: %q is not name : version : ARCH", path, i+1, l)
		}
		out = append(out, dumpPkgLine{p[0], p[1], p[2]})
	}
	return out
}

// dumpVersionString renders v the way the dumping reader prints versions:
// major.minor.micro.prerelease.revision with empty parts kept.
func dumpVersionString(v pkginfo.Version) string {
	return fmt.Sprintf("%s.%s.%s.%s.%d", v.Major, v.Minor, v.Micro, v.PreRelease, v.Revision)
}

// dumpPackage converts a dumped "package" attribute to the PackageInfo it
// means (FORMATS.md §1.6). This mapping is written independently of the
// reader's so the test checks both the decoding and the mapping.
func dumpPackage(t testing.TB, root *dumpNode) pkginfo.PackageInfo {
	t.Helper()
	fail := func(n *dumpNode, msg string) { t.Fatalf("package %s: %v: %s", root.Value, n, msg) }
	num := func(n *dumpNode) uint64 {
		if n.Type != "INT" {
			fail(n, "not an INT")
		}
		v, err := strconv.ParseUint(n.Value, 10, 32)
		if err != nil {
			fail(n, err.Error())
		}
		return v
	}
	version := func(n *dumpNode) pkginfo.Version {
		v := pkginfo.Version{Major: n.Value}
		for _, k := range n.Kids {
			switch k.Name {
			case "package:version.minor":
				v.Minor = k.Value
			case "package:version.micro":
				v.Micro = k.Value
			case "package:version.prerelease":
				v.PreRelease = k.Value
			case "package:version.revision":
				v.Revision = uint32(num(k))
			default:
				fail(k, "unexpected in a version")
			}
		}
		return v
	}
	expr := func(n *dumpNode) pkginfo.Expression {
		e := pkginfo.Expression{Name: n.Value}
		for _, k := range n.Kids {
			switch k.Name {
			case "package:resolvable.operator":
				e.Op = pkginfo.Operator(num(k))
			case "package:version.major":
				e.Version = version(k)
			default:
				fail(k, "unexpected in an expression")
			}
		}
		return e
	}
	updateTypes := []pkginfo.WritableFileUpdateType{pkginfo.UpdateKeepOld, pkginfo.UpdateManual, pkginfo.UpdateAutoMerge}
	var p pkginfo.PackageInfo
	if root.Name != "package" {
		fail(root, "top-level attribute is not package")
	}
	for _, n := range root.Kids {
		switch n.Name {
		case "package:name":
			p.Name = n.Value
		case "package:summary":
			p.Summary = n.Value
		case "package:description":
			p.Description = n.Value
		case "package:vendor":
			p.Vendor = n.Value
		case "package:packager":
			p.Packager = n.Value
		case "package:base-package":
			p.BasePackage = n.Value
		case "package:flags":
			p.Flags = pkginfo.Flags(num(n))
		case "package:architecture":
			p.Architecture = pkginfo.Architecture(num(n))
		case "package:version.major":
			p.Version = version(n)
		case "package:copyright":
			p.Copyrights = append(p.Copyrights, n.Value)
		case "package:license":
			p.Licenses = append(p.Licenses, n.Value)
		case "package:url":
			p.URLs = append(p.URLs, n.Value)
		case "package:source-url":
			p.SourceURLs = append(p.SourceURLs, n.Value)
		case "package:provides":
			r := pkginfo.Resolvable{Name: n.Value}
			for _, k := range n.Kids {
				switch k.Name {
				case "package:version.major":
					r.Version = version(k)
				case "package:provides.compatible":
					r.Compat = version(k)
				default:
					fail(k, "unexpected in provides")
				}
			}
			p.Provides = append(p.Provides, r)
		case "package:requires":
			p.Requires = append(p.Requires, expr(n))
		case "package:supplements":
			p.Supplements = append(p.Supplements, expr(n))
		case "package:conflicts":
			p.Conflicts = append(p.Conflicts, expr(n))
		case "package:freshens":
			p.Freshens = append(p.Freshens, expr(n))
		case "package:replaces":
			p.Replaces = append(p.Replaces, n.Value)
		case "package:global-writable-file":
			g := pkginfo.GlobalWritableFile{Path: n.Value}
			for _, k := range n.Kids {
				switch k.Name {
				case "package:is-writable-directory":
					g.Directory = num(k) != 0
				case "package:writable-file-update-type":
					u := num(k)
					if u >= uint64(len(updateTypes)) {
						fail(k, "unknown update type")
					}
					g.UpdateType = updateTypes[u]
				default:
					fail(k, "unexpected in global-writable-file")
				}
			}
			p.GlobalWritableFiles = append(p.GlobalWritableFiles, g)
		case "package:user-settings-file":
			u := pkginfo.UserSettingsFile{Path: n.Value}
			for _, k := range n.Kids {
				switch k.Name {
				case "package:is-writable-directory":
					u.Directory = num(k) != 0
				case "package:settings-file-template":
					u.Template = k.Value
				default:
					fail(k, "unexpected in user-settings-file")
				}
			}
			p.UserSettingsFiles = append(p.UserSettingsFiles, u)
		case "package:user":
			u := pkginfo.User{Name: n.Value}
			for _, k := range n.Kids {
				switch k.Name {
				case "package:user.real-name":
					u.RealName = k.Value
				case "package:user.home":
					u.Home = k.Value
				case "package:user.shell":
					u.Shell = k.Value
				case "package:user.group":
					u.Groups = append(u.Groups, k.Value)
				default:
					fail(k, "unexpected in user")
				}
			}
			p.Users = append(p.Users, u)
		case "package:group":
			p.Groups = append(p.Groups, n.Value)
		case "package:post-install-script":
			p.PostInstallScripts = append(p.PostInstallScripts, n.Value)
		case "package:pre-uninstall-script":
			p.PreUninstallScripts = append(p.PreUninstallScripts, n.Value)
		case "package:install-path":
			p.InstallPath = n.Value
		case "package:checksum":
			p.Checksum = n.Value
		default:
			fail(n, "unknown attribute")
		}
		if len(n.Kids) > 0 && !strings.Contains(" package:version.major package:provides package:requires package:supplements package:conflicts package:freshens package:global-writable-file package:user-settings-file package:user ", " "+n.Name+" ") {
			fail(n, "unexpected children")
		}
	}
	// A base-package names the requirement on the base package ("requires
	// { name base }" in .PackageInfo).
	for i := range p.Requires {
		if p.BasePackage != "" && p.Requires[i].Name == p.BasePackage {
			p.Requires[i].Base = true
		}
	}
	return p
}

// fixtureDumps returns the expected packages of the repo fixture.
func fixtureDumps(t testing.TB) ([]pkginfo.PackageInfo, []dumpPkgLine) {
	t.Helper()
	roots := parseAttrDump(t, testenv.Fixture(t, "reader-dumps/repo-2013-x86.hpkr.attrs.txt.gz"))
	pkgs := make([]pkginfo.PackageInfo, len(roots))
	for i, r := range roots {
		pkgs[i] = dumpPackage(t, r)
		if pkgs[i].Name != r.Value {
			t.Fatalf("package %q has package:name %q", r.Value, pkgs[i].Name)
		}
	}
	return pkgs, parsePkgsDump(t, testenv.Fixture(t, "reader-dumps/repo-2013-x86.hpkr.pkgs.txt"))
}

func TestFixtureDumpsParse(t *testing.T) {
	pkgs, lines := fixtureDumps(t)
	if len(pkgs) != 235 || len(lines) != 235 {
		t.Fatalf("%d packages in the attribute dump, %d lines in the package list; want 235", len(pkgs), len(lines))
	}
	for i, p := range pkgs {
		l := lines[i]
		if p.Name != l.Name || dumpVersionString(p.Version) != l.Version || !strings.EqualFold(p.Architecture.String(), l.Arch) {
			t.Errorf("package %d: attribute dump says %s %s %s, package list says %v", i, p.Name, dumpVersionString(p.Version), p.Architecture, l)
		}
		if len(p.Checksum) != 64 {
			t.Errorf("%s: checksum %q", p.Name, p.Checksum)
		}
	}
}
