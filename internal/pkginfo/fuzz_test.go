package pkginfo

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// fixtureTexts returns the .PackageInfo and repo.info fixtures.
func fixtureTexts(f *testing.F, glob string) [][]byte {
	files, err := filepath.Glob(filepath.Join(testenv.SharedDir(f), "fixtures", glob))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures %s: %v", glob, err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fixtureItems returns the provides (or requires) lines of the fixtures.
func fixtureItems(f *testing.F, field string) []string {
	var out []string
	for _, b := range fixtureTexts(f, "system-packages/*/*.PackageInfo") {
		in := false
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, field):
				in = true
			case line == "}":
				in = false
			case in && line != "":
				out = append(out, line)
			}
		}
	}
	return out
}

// checkParseError fails unless err is one of the documented error kinds.
func checkParseError(t *testing.T, err error) {
	var pe *ParseError
	if !errors.As(err, &pe) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("undocumented error %T: %v", err, err)
	}
}

func FuzzParsePackageInfo(f *testing.F) {
	for _, b := range fixtureTexts(f, "system-packages/*/*.PackageInfo") {
		f.Add(b)
	}
	f.Add([]byte(allFields))
	hpkgTexts, _ := filepath.Glob("testdata/packageinfo/*.PackageInfo")
	for _, name := range hpkgTexts {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePackageInfoBytes(data, "fuzz")
		if err != nil {
			checkParseError(t, err)
			return
		}
		if err := ValidatePackageInfo(p); err != nil {
			t.Fatalf("parsed value is invalid: %v", err)
		}
		var buf bytes.Buffer
		if err := WritePackageInfo(&buf, p); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ParsePackageInfoBytes(buf.Bytes(), "written")
		if err != nil {
			t.Fatalf("parse written: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, p)
		}
	})
}

func FuzzParseRepositoryInfo(f *testing.F) {
	for _, b := range fixtureTexts(f, "repo-info/*.info") {
		f.Add(b)
	}
	f.Add([]byte(haikuPortsTemplate))
	f.Add([]byte(strings.ReplaceAll(haikuPortsTemplate, "$ARCH", "x86_64")))
	f.Add([]byte("name=a; vendor 'b c'; summary \"d\\\"\"\npriority 10x\narchitecture arm\nurl u\nx {\n y { z }\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseRepositoryInfo(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkParseError(t, err)
			return
		}
		var buf bytes.Buffer
		if err := WriteRepositoryInfo(&buf, info); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ParseRepositoryInfo(&buf, "written")
		if err != nil {
			t.Fatalf("parse written: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(back, info) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, info)
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{
		"r1~beta5_hrev58900-1", "R1~alpha4_pm_hrev51198", "1.2.3.4~rc1.2-3", "010", "1.10", "1.9", "1-4294967295",
		"1.0~rc1", "2.7", "6.0", "1..2", "1-0", "",
	} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if c := NaturalCompare(a, b); c != -NaturalCompare(b, a) || (a == b && c != 0) {
			t.Fatalf("NaturalCompare(%q, %q) = %d, not antisymmetric", a, b, c)
		}
		va, err := ParseVersion(a)
		if err != nil {
			if !errors.Is(err, ErrBadVersion) {
				t.Fatalf("error %v does not wrap ErrBadVersion", err)
			}
			return
		}
		back, err := ParseVersion(va.String())
		if err != nil || back != va {
			t.Fatalf("ParseVersion(%q) = %+v, %v; want %+v", va.String(), back, err, va)
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%s.Compare(itself) != 0", va)
		}
		if vb, err := ParseVersion(b); err == nil && va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("Compare(%s, %s) not antisymmetric", va, vb)
		}
	})
}

func FuzzParseExpression(f *testing.F) {
	for _, s := range fixtureItems(f, "requires") {
		f.Add(s)
	}
	for _, s := range fixtureItems(f, "provides") {
		f.Add(s)
	}
	f.Add("foo base")
	f.Add("a!=1 base")
	f.Fuzz(func(t *testing.T, s string) {
		le, lrest, lerr := ParseExpressionLenient(s)
		lr, rrest, rerr := ParseResolvableLenient(s)
		if e, err := ParseExpression(s); err == nil {
			back, err := ParseExpression(e.String())
			if err != nil || back != e {
				t.Fatalf("ParseExpression(%q) = %+v, %v; want %+v", e.String(), back, err, e)
			}
			if lerr != nil || le != e || lrest != "" {
				t.Fatalf("ParseExpressionLenient(%q) = %+v, %q, %v; strict %+v", s, le, lrest, lerr, e)
			}
		} else {
			checkParseError(t, err)
		}
		if r, err := ParseResolvable(s); err == nil {
			if rerr != nil || lr != r || rrest != "" {
				t.Fatalf("ParseResolvableLenient(%q) = %+v, %q, %v; strict %+v", s, lr, rrest, rerr, r)
			}
			back, err := ParseResolvable(r.String())
			if err != nil || back != r {
				t.Fatalf("ParseResolvable(%q) = %+v, %v; want %+v", r.String(), back, err, r)
			}
			// A resolvable always satisfies an exact requirement on itself.
			e := Expression{Name: r.Name, Version: r.Version}
			if !r.Version.IsZero() {
				e.Op = OpEqual
			}
			if !e.Matches(r) {
				t.Fatalf("%s does not match %s", e, r)
			}
		} else {
			checkParseError(t, err)
		}
	})
}
