package recipe

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/testenv"
)

// BenchmarkAttributeLayer evaluates the whole corpus for x86_64 and for
// x86_gcc2 with its secondary x86, replaying recorded shell results: what
// it measures is the attribute layer alone (the shell variables, parsing
// the variables, validation, building the ports), per whole-corpus run.
// Run: go test -run '^$' -bench AttributeLayer -benchmem ./internal/recipe
func BenchmarkAttributeLayer(b *testing.B) {
	tree := testenv.Corpus(b)
	recipes := testenv.CorpusRecipes(b)
	st := DefaultSettings()
	st.KnownLicenses = testenv.KnownLicenses(b)
	gcc2 := []pkginfo.Architecture{pkginfo.ArchX86}
	targets := []Target{
		{Arch: pkginfo.ArchX86_64},
		{Arch: pkginfo.ArchX86Gcc2, Secondary: gcc2},
		{Arch: pkginfo.ArchX86Gcc2, Secondary: gcc2, ForSecondary: pkginfo.ArchX86},
	}
	type key struct{ name, arch string }
	var mu sync.Mutex
	recorded := map[key]shellResult{}
	failed := map[key]error{}
	arch := func(vars []shellVar) string {
		for _, v := range vars {
			if v.Name == "effectiveTargetArchitecture" {
				return v.Value
			}
		}
		return ""
	}
	old := shell
	b.Cleanup(func() { shell = old })
	shell = func(ctx context.Context, src *Source, name, dir string, vars []shellVar, timeout time.Duration) (shellResult, error) {
		res, err := sandboxShell(ctx, src, name, dir, vars, timeout)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed[key{name, arch(vars)}] = err
		} else {
			recorded[key{name, arch(vars)}] = res
		}
		return res, err
	}
	ctx := context.Background()
	run := func() {
		for _, r := range recipes {
			src := NewSource(r.Src)
			for _, t := range targets {
				if _, err := EvaluateShared(ctx, src, r.Path, tree, t, &st); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	run()
	shell = func(ctx context.Context, src *Source, name, dir string, vars []shellVar, timeout time.Duration) (shellResult, error) {
		k := key{name, arch(vars)}
		if err := failed[k]; err != nil {
			return shellResult{}, err
		}
		return recorded[k], nil
	}
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}
