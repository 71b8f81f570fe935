package image

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fakeApt answers Show from stanzas keyed by "name:arch".
type fakeApt map[string]Package

// closingApt is a fakeApt that is also a Closer naming closure, and
// counts the Show calls.
type closingApt struct {
	fakeApt
	closure []string
	shows   int
}

func (c *closingApt) Show(ctx context.Context, names []string) ([]Package, error) {
	c.shows++
	return c.fakeApt.Show(ctx, names)
}

func (c *closingApt) Closure(context.Context, string, []string) ([]string, error) {
	return c.closure, nil
}

func (f fakeApt) Show(_ context.Context, names []string) ([]Package, error) {
	var out []Package
	for _, n := range names {
		if p, ok := f[n]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func pkg(name, arch string, deps ...[]string) Package {
	return Package{Name: name, Arch: arch, Version: "1", Filename: "pool/" + name + ".deb", SHA256: strings.Repeat("0", 64), Depends: deps}
}

func TestResolve(t *testing.T) {
	apt := fakeApt{
		"git:arm64":           pkg("git", "arm64", []string{"libc6"}, []string{"perl"}, []string{"libcurl"}, []string{"git-man"}),
		"libc6:arm64":         pkg("libc6", "arm64", []string{"libgcc-s1"}),
		"libgcc-s1:arm64":     pkg("libgcc-s1", "arm64", []string{"libc6"}),
		"libcurl:arm64":       pkg("libcurl", "arm64", []string{"libssl", "libgnutls"}, []string{"zlib1g"}),
		"libssl:arm64":        pkg("libssl", "arm64"),
		"zlib1g:arm64":        pkg("zlib1g", "arm64", []string{"libc6"}),
		"ca-certificates:all": pkg("ca-certificates", "all", []string{"openssl"}, []string{"debconf", "debconf-2.0"}),
		"perl:arm64":          pkg("perl", "arm64", []string{"perl-base"}),
	}
	got, err := Resolve(context.Background(), apt, "arm64", []string{"git", "ca-certificates"}, Excluded)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name+":"+p.Arch)
	}
	want := "[ca-certificates:all git:arm64 libc6:arm64 libcurl:arm64 libgcc-s1:arm64 libssl:arm64 zlib1g:arm64]"
	if fmt.Sprint(names) != want {
		t.Errorf("resolved %v\nwant %s", names, want)
	}

	// With the closure known up front, one Show answers all; one that
	// misses a package still finds it level by level.
	for _, closure := range [][]string{
		{"git", "ca-certificates", "libc6", "perl", "libcurl", "libgcc-s1", "libssl", "zlib1g", "git-man"},
		{"git", "ca-certificates", "libc6", "perl"},
	} {
		c := &closingApt{fakeApt: apt, closure: closure}
		got, err := Resolve(context.Background(), c, "arm64", []string{"git", "ca-certificates"}, Excluded)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 7 {
			t.Errorf("closure %v: resolved %d packages", closure, len(got))
		}
		if len(closure) == 9 && c.shows != 1 {
			t.Errorf("closure %v: %d Show calls, want 1", closure, c.shows)
		}
	}

	delete(apt, "zlib1g:arm64")
	_, err = Resolve(context.Background(), apt, "arm64", []string{"git"}, Excluded)
	if !errors.Is(err, ErrNotInLists) || !strings.Contains(err.Error(), "zlib1g") {
		t.Errorf("a missing dependency: %v", err)
	}
}

func TestParseStanzas(t *testing.T) {
	const in = `Package: libcurl3-gnutls
Source: curl
Version: 7.88.1-10+deb12u15
Architecture: arm64
Pre-Depends: libc6 (>= 2.34)
Depends: libbrotli1 (>= 0.6.0), libgnutls30 (>= 3.7.5) | libssl3,
 python3:any, zlib1g (>= 1:1.1.4)
Description: easy-to-use client-side URL transfer library
 a continuation line
Filename: pool/main/c/curl/libcurl3-gnutls_7.88.1-10+deb12u15_arm64.deb
Size: 386008
SHA256: bf430ecf80f7808704e0187cddc582fd57fc98789ea356d4797651edad387ef3

Package: ca-certificates
Version: 20230311+deb12u1
Architecture: all
Filename: pool/main/c/ca-certificates/ca-certificates_20230311+deb12u1_all.deb
Size: 153
SHA256: 0000000000000000000000000000000000000000000000000000000000000000
`
	pkgs, err := ParseStanzas(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 {
		t.Fatalf("%d packages", len(pkgs))
	}
	p := pkgs[0]
	if p.Name != "libcurl3-gnutls" || p.Source != "curl" || p.Arch != "arm64" || p.Size != 386008 {
		t.Errorf("%+v", p)
	}
	if got := fmt.Sprint(p.Depends); got != "[[libc6] [libbrotli1] [libgnutls30 libssl3] [python3] [zlib1g]]" {
		t.Errorf("depends %s", got)
	}
	if pkgs[1].Depends != nil || pkgs[1].Arch != "all" {
		t.Errorf("%+v", pkgs[1])
	}
	for _, bad := range []string{
		"Package: x\nVersion: 1\n", // no Filename, SHA256
		"Package x\n",              // not a field
		"Package: x\nVersion: 1\nFilename: f\nSHA256: " + strings.Repeat("a", 64) + "\nSize: big\n",
	} {
		if _, err := ParseStanzas(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseDependsNames(t *testing.T) {
	const out = `git:arm64
  Depends: libc6:arm64
  Depends: perl:any
    perl:arm64
<perl:any>
  perl
libc6:arm64
  Depends: libgcc-s1:arm64
ca-certificates
 |Depends: debconf
`
	if got := fmt.Sprint(parseDependsNames(out)); got != "[git perl libc6 ca-certificates]" {
		t.Errorf("names %s", got)
	}
}
