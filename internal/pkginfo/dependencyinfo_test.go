package pkginfo

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// TestDependencyInfoCorpus parses every provides and requirement string of
// HaikuPorter's 6,552 reference DependencyInfo files (real recipe text after
// shell expansion). Comment-only entries fail with ErrEmpty; the only other
// failures are eleven provides that are malformed in the recipes themselves
// (HaikuPorter's lenient regular expressions ignore the junk), which
// ParseResolvableLenient reads with the junk as rest. Where the strict
// parsers succeed, the lenient ones agree.
func TestDependencyInfoCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("unpacks the reference corpus")
	}
	files, err := filepath.Glob(filepath.Join(testenv.Reference(t), "*.DependencyInfo"))
	if err != nil || len(files) != 6552 {
		t.Fatalf("%d DependencyInfo files, %v", len(files), err)
	}
	wantBad := []string{
		// kdnssd6: "$libVersionCompat" lost its '$'.
		"lib:libkf6dnssd = 6.28.0 libversioncompat",
		"devel:libkf6dnssd = 6.28.0 libversioncompat",
		// "base" is for requirements.
		"libktorrent_devel = 2.1.1 base",
		// "compat = …" (Haiku would read a second resolvable named "compat").
		"devel:libnsgif = 1.0.0 compat = 1.0.0 compat >= 1",
		"devel:libnslog = 0.1.3 compat = 0.1.3 compat >= 0",
		"devel:libnsutils = 0.1.1 compat = 0.1.1 compat >= 0",
		"devel:libparserutils = 0.2.5 compat = 0.2.5 compat >= 0",
		"devel:libsvgtiny = 0.1.8 compat = 0.1.8 compat >= 0",
		"devel:libwapcaplet = 0.4.3 compat = 0.4.3 compat >= 0",
		"lib:libsigc_2.0 = 0.0.0 compat = 0",
		"devel:libsigc_2.0 = 0.0.0 compat = 0",
	}
	var strs, empty int
	var bad []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Name, Version                                                     string
			Provides, Requires, BuildRequires, BuildPrerequires, TestRequires []string
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := ParseVersion(d.Version); err != nil {
			t.Errorf("%s: version: %v", filepath.Base(f), err)
		}
		for _, s := range d.Provides {
			strs++
			r, err := ParseResolvable(s)
			lr, rest, lerr := ParseResolvableLenient(s)
			switch {
			case errors.Is(err, ErrEmpty):
				empty++
				if !errors.Is(lerr, ErrEmpty) {
					t.Errorf("%q: lenient: %v", s, lerr)
				}
			case err != nil:
				bad = append(bad, s)
				if lerr != nil || rest == "" {
					t.Errorf("%q: lenient: %v, %q, %v", s, lr, rest, lerr)
				}
			default:
				if lerr != nil || lr != r || rest != "" {
					t.Errorf("%q: lenient %v, %q, %v; strict %v", s, lr, rest, lerr, r)
				}
				if back, err := ParseResolvable(r.String()); err != nil || back != r {
					t.Errorf("%q: String %q reads back as %v, %v", s, r.String(), back, err)
				}
			}
		}
		for _, l := range [][]string{d.Requires, d.BuildRequires, d.BuildPrerequires, d.TestRequires} {
			for _, s := range l {
				strs++
				e, err := ParseExpression(s)
				le, rest, lerr := ParseExpressionLenient(s)
				switch {
				case errors.Is(err, ErrEmpty):
					empty++
				case err != nil:
					bad = append(bad, s)
				default:
					if lerr != nil || le != e || rest != "" {
						t.Errorf("%q: lenient %v, %q, %v; strict %v", s, le, rest, lerr, e)
					}
					if back, err := ParseExpression(e.String()); err != nil || back != e {
						t.Errorf("%q: String %q reads back as %v, %v", s, e.String(), back, err)
					}
				}
			}
		}
	}
	slices.Sort(bad)
	slices.Sort(wantBad)
	if !slices.Equal(bad, wantBad) {
		t.Errorf("unparsable entries:\n%q\nwant\n%q", bad, wantBad)
	}
	t.Logf("%d strings, %d comment-only", strs, empty)
	if strs < 140000 || empty == 0 {
		t.Errorf("only %d strings, %d comment-only", strs, empty)
	}
}
