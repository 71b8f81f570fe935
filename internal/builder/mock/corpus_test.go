package mock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
	"github.com/haikuports/kiln/internal/testenv"
)

// TestCorpusRecipes builds every 16th recipe of the real HaikuPorts tree on
// the mock: each buildable port's packages must come out valid and carry
// the recipe's name, version, architecture, provides and requires.
func TestCorpusRecipes(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates ~250 corpus recipes")
	}
	root := testenv.Corpus(t)
	x86_64, _ := pkginfo.ParseArchitecture("x86_64")
	st := recipe.DefaultSettings()
	st.KnownLicenses = testenv.KnownLicenses(t)
	b := newMock(t, Config{PayloadSize: 64})
	built, outputs := 0, 0
	for i, r := range testenv.CorpusRecipes(t) {
		if i%16 != 0 {
			continue
		}
		port, err := recipe.EvaluateSource(context.Background(), r.Src, r.Path, root, recipe.Target{Arch: x86_64}, &st)
		if err != nil {
			t.Fatalf("%s: %v", r.Rel, err)
		}
		if !port.Buildable {
			continue
		}
		var files []string
		for _, p := range port.Packages {
			files = append(files, p.FileName())
		}
		infos, err := builder.OutputInfos(port, files)
		if err != nil {
			t.Fatalf("%s: %v", r.Rel, err)
		}
		got := map[string][]byte{}
		job := builder.Job{Number: int64(i), Port: builder.PortOf(port), Outputs: files, OutputInfos: infos, Log: io.Discard,
			Collect: func(ctx context.Context, f string, rd io.Reader, n int64) error {
				data, err := io.ReadAll(rd)
				got[f] = data
				return err
			}}
		if err := b.Build(context.Background(), job); err != nil {
			t.Errorf("%s: %v", r.Rel, err)
			continue
		}
		built++
		for k, f := range files {
			p, err := hpkg.Open(bytes.NewReader(got[f]), int64(len(got[f])))
			if err != nil {
				t.Errorf("%s: %s: %v", r.Rel, f, err)
				continue
			}
			want := &port.Packages[k]
			if p.Info.Name != want.Name || p.Info.Version != want.Version || p.Info.Architecture != want.Architecture ||
				!slices.Equal(p.Info.Provides, want.Provides) || fmt.Sprint(p.Info.Requires) != fmt.Sprint(want.Requires) {
				t.Errorf("%s: %s: info differs from the recipe's", r.Rel, f)
			}
			p.Close()
			outputs++
		}
	}
	t.Logf("built %d ports, %d packages", built, outputs)
	if built < 150 {
		t.Errorf("only %d buildable ports in the sample", built)
	}
}
