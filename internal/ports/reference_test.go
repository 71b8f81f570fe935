package ports

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// referenceSettings are the settings of the corpus's reference run:
// HaikuPorter on Linux (findDirectory gives /packages, the build
// architecture is the host's), the 47 known licenses, no untested ports,
// no automatic source packages.
func referenceSettings(t testing.TB) *recipe.Settings {
	t.Helper()
	s := recipe.DefaultSettings()
	s.PackageLinksDirectory = "/packages"
	s.BuildArchitecture = "x86_64"
	s.KnownLicenses = testenv.KnownLicenses(t)
	return &s
}

var (
	refTreeOnce sync.Once
	refTree     *Tree
	refTreeErr  error
)

// referenceTree loads the corpus for x86_64 once per test process.
func referenceTree(t testing.TB) *Tree {
	t.Helper()
	root := testenv.Corpus(t)
	st := referenceSettings(t)
	refTreeOnce.Do(func() {
		refTree, refTreeErr = Load(context.Background(), root, recipe.Target{Arch: pkginfo.ArchX86_64}, Options{Settings: st})
	})
	if refTreeErr != nil {
		t.Fatal(refTreeErr)
	}
	return refTree
}

// placeholderPorts are ports whose evaluation reads a file that the corpus
// holds only as an empty placeholder, so the reference cannot be
// reproduced from it; their packages are left out of the agreement ratio
// (and listed in the report).
var placeholderPorts = []string{"texlive"}

// disagreement keys: "package <file stem>", "skipped <id>", "active <name>".
func compareWithReference(t *testing.T, tree *Tree, ref string) (keys []string, agree, total, excluded int) {
	ours := map[string][]byte{}
	ourPort := map[string]string{}
	for _, p := range tree.Active {
		for i := range p.Packages {
			d := p.DependencyInfo(&p.Packages[i])
			stem := strings.TrimSuffix(d.FileName(), ".DependencyInfo")
			ours[stem] = d.MarshalHaikuPorter()
			ourPort[stem] = p.BaseName
		}
	}
	refFiles, _ := filepath.Glob(filepath.Join(ref, "*.DependencyInfo"))
	var portMap map[string]string
	data, err := os.ReadFile(filepath.Join(ref, ".portIdForPackageIdMap"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &portMap); err != nil {
		t.Fatal(err)
	}
	isPlaceholder := func(portID string) bool {
		for _, p := range placeholderPorts {
			if strings.HasPrefix(portID, p+"-") {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	for _, f := range refFiles {
		stem := strings.TrimSuffix(filepath.Base(f), ".DependencyInfo")
		seen[stem] = true
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if isPlaceholder(portMap[stem]) {
			excluded++
		} else {
			total++
		}
		got, ok := ours[stem]
		if ok && bytes.Equal(got, want) {
			if !isPlaceholder(portMap[stem]) {
				agree++
			}
			continue
		}
		keys = append(keys, "package "+stem)
	}
	for stem := range ours {
		if !seen[stem] {
			keys = append(keys, "package "+stem)
		}
	}
	// skipped versions
	refSkipped := map[string]bool{}
	ents, err := os.ReadDir(filepath.Join(ref, ".skipped"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		refSkipped[e.Name()] = true
	}
	ourSkipped := map[string]bool{}
	for _, s := range tree.Skipped {
		ourSkipped[s.ID] = true
		if !refSkipped[s.ID] {
			keys = append(keys, "skipped "+s.ID)
		}
	}
	for id := range refSkipped {
		if !ourSkipped[id] {
			keys = append(keys, "skipped "+id)
		}
	}
	// active versions: the reference's are the port IDs of its packages
	refActive := map[string]string{} // name -> id
	for _, portID := range portMap {
		if r := tree.Scan.ByID[portID]; r != nil {
			refActive[r.Name] = portID
		}
	}
	for _, p := range tree.Active {
		if refActive[p.Name] != p.ID() {
			keys = append(keys, "active "+p.Name)
		}
	}
	for name := range refActive {
		if tree.Port(name) == nil {
			keys = append(keys, "active "+name)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), agree, total, excluded
}

// reportKeys reads the keys listed in the disagreement report: lines
// starting with "- `key`".
func reportKeys(t *testing.T, path string) map[string]bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "- `"); ok {
			if k, _, ok := strings.Cut(rest, "`"); ok {
				keys[k] = true
			}
		}
	}
	return keys
}

// TestReferenceAgreement compares the whole corpus evaluated for x86_64
// with HaikuPorter's own output: DependencyInfos byte for byte, the
// skipped versions and the active versions. Every disagreement must be
// listed, with its cause, in testdata/reference-disagreements.md.
func TestReferenceAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates the whole corpus")
	}
	tree := referenceTree(t)
	ref := testenv.Reference(t)
	keys, agree, total, excluded := compareWithReference(t, tree, ref)
	ratio := float64(agree) / float64(total)
	t.Logf("DependencyInfos equal: %d of %d (%.3f%%), %d left out (placeholder inputs); %d disagreements; %d active ports, %d skipped",
		agree, total, 100*ratio, excluded, len(keys), len(tree.Active), len(tree.Skipped))
	if os.Getenv("KILN_WRITE_DISAGREEMENTS") != "" {
		os.WriteFile(filepath.Join(t.TempDir(), "keys.txt"), []byte(strings.Join(keys, "\n")), 0o644)
		for _, k := range keys {
			t.Logf("KEY %s", k)
		}
	}
	if ratio < 0.999 {
		t.Errorf("agreement %.3f%% is below 99.9%%", 100*ratio)
	}
	listed := reportKeys(t, filepath.Join("testdata", "reference-disagreements.md"))
	for _, k := range keys {
		if !listed[k] {
			t.Errorf("disagreement not in testdata/reference-disagreements.md: %s", k)
		}
	}
	cur := map[string]bool{}
	for _, k := range keys {
		cur[k] = true
	}
	for k := range listed {
		if !cur[k] {
			t.Logf("listed disagreement no longer occurs: %s", k)
		}
	}
}
