package ports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Options configure Load.
type Options struct {
	// Settings are the evaluation settings (recipe.DefaultSettings() when
	// zero).
	Settings *recipe.Settings
	// Workers is the number of recipes evaluated at once (GOMAXPROCS when
	// zero).
	Workers int
	// CacheDir, when set, keeps evaluation results across runs; results
	// are keyed by recipe content, port directory and settings, never by
	// time.
	CacheDir string
	// Logger receives progress and warnings; nil discards.
	Logger *slog.Logger
}

// Skip is a port version HaikuPorter's repository update skips (its
// .skipped flag): broken, or not buildable on the target.
type Skip struct {
	ID      string        `json:"id"` // name-version ("zlib_x86-1.3")
	Name    string        `json:"name"`
	Version string        `json:"version"`
	Status  recipe.Status `json:"status"`
	// Reason is the recipe's error for a broken recipe, or the status
	// ("untested on x86_64").
	Reason string `json:"reason"`
}

// Stats count what a Load did.
type Stats struct {
	Recipes   int `json:"recipes"`   // recipe files in the tree
	Evaluated int `json:"evaluated"` // evaluations run
	Cached    int `json:"cached"`    // evaluations taken from the cache
}

// Tree is a ports tree evaluated for one target.
type Tree struct {
	Root   string        `json:"root"`
	Target recipe.Target `json:"target"`
	// Active holds the active version of every port that has one, sorted
	// by port name. Secondary-architecture ports appear under their own
	// names (<port>_<arch>).
	Active []*recipe.Port `json:"active"`
	// Skipped are the versions tried before the active one (or all
	// versions of a port without one) that were broken or not buildable,
	// sorted by ID.
	Skipped []Skip `json:"skipped"`
	// Scan is what the tree holds.
	Scan  *ScanResult `json:"-"`
	Stats Stats       `json:"stats"`

	byName map[string]*recipe.Port
	opts   Options
	cache  *cache
	prints *sync.Map // port directory → portDir, filled by the evaluations
	ev     *evaluator
}

// Port returns the active version of the named port, or nil.
func (t *Tree) Port(name string) *recipe.Port { return t.byName[name] }

// DependencyInfos returns the DependencyInfo of every package of every
// active port, as HaikuPorter's repository holds them.
func (t *Tree) DependencyInfos() []recipe.DependencyInfo {
	var out []recipe.DependencyInfo
	for _, p := range t.Active {
		for i := range p.Packages {
			out = append(out, p.DependencyInfo(&p.Packages[i]))
		}
	}
	return out
}

// variants returns the names evaluations are run under for a target: the
// primary architecture, then each secondary architecture.
func variants(t recipe.Target) []recipe.Target {
	out := []recipe.Target{{Arch: t.Arch, Secondary: t.Secondary}}
	for _, s := range t.Secondary {
		out = append(out, recipe.Target{Arch: t.Arch, Secondary: t.Secondary, ForSecondary: s})
	}
	return out
}

// Load scans the tree at root and evaluates it for target: every port's
// active version and the skipped versions, as HaikuPorter's repository
// update computes them. Recipes are evaluated concurrently, newest
// version first, only as far as needed to find the active version.
func Load(ctx context.Context, root string, target recipe.Target, opts Options) (*Tree, error) {
	if opts.Settings == nil {
		s := recipe.DefaultSettings()
		opts.Settings = &s
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("ports: %w", err)
	}
	// Load the cache while scanning the tree.
	var (
		c    *cache
		cerr error
		cwg  sync.WaitGroup
	)
	cwg.Add(1)
	go func() {
		defer cwg.Done()
		c, cerr = openCache(opts.CacheDir, cacheName(opts.Settings, target))
	}()
	sr, err := Scan(abs)
	cwg.Wait()
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		return nil, cerr
	}
	for _, w := range sr.Warnings {
		opts.Logger.Debug("scan", "warning", w)
	}
	t := &Tree{Root: abs, Target: target, Scan: sr, byName: map[string]*recipe.Port{},
		opts: opts, cache: c, prints: &sync.Map{}}
	t.ev = &evaluator{tree: t, settingsHash: opts.Settings.Hash()}
	t.Stats.Recipes = len(sr.Recipes)

	// One job per port evaluates all its variants one after the other, so
	// that a recipe evaluated for several of them (x86_gcc2 and its
	// secondary x86) is read and parsed once (recipe.Source).
	names := make([]string, 0, len(sr.Versions))
	for n := range sr.Versions {
		names = append(names, n)
	}
	slices.Sort(names)
	vs := variants(target)
	type outcome struct {
		active  *recipe.Port
		skipped []Skip
		err     error
	}
	results := make([]outcome, len(vs)*len(names)) // variant-major
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(names) || ctx.Err() != nil {
					return
				}
				base := names[n]
				sources := map[string]*recipe.Source{}
				for vi, variant := range vs {
					var o outcome
					for _, ver := range sr.Versions[base] {
						r := sr.ByID[base+"-"+ver]
						p, err := t.ev.port(ctx, r, variant, sources)
						if err != nil {
							o.err = err
							cancel()
							break
						}
						if p.Error == "" && p.Buildable {
							o.active = p
							break
						}
						o.skipped = append(o.skipped, skipOf(p, target))
					}
					results[vi*len(names)+n] = o
					if o.err != nil {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, o := range results {
		if o.err != nil {
			return nil, o.err
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	for _, o := range results {
		if o.active != nil {
			t.Active = append(t.Active, o.active)
			t.byName[o.active.Name] = o.active
		}
		t.Skipped = append(t.Skipped, o.skipped...)
	}
	slices.SortFunc(t.Active, func(a, b *recipe.Port) int { return cmpStrings(a.Name, b.Name) })
	slices.SortFunc(t.Skipped, func(a, b Skip) int { return cmpStrings(a.ID, b.ID) })
	t.Stats.Evaluated = int(t.ev.evaluated.Load())
	t.Stats.Cached = int(t.ev.cached.Load())
	if err := c.save(); err != nil {
		opts.Logger.Warn("cache not saved", "err", err)
	}
	return t, nil
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func skipOf(p *recipe.Port, target recipe.Target) Skip {
	s := Skip{ID: p.ID(), Name: p.Name, Version: p.Version, Status: p.Status, Reason: p.Error}
	if s.Reason == "" {
		arch := target.Arch
		if p.Target.ForSecondary != 0 {
			arch = p.Target.ForSecondary
		}
		s.Reason = fmt.Sprintf("%s on %s", p.Status, arch)
	}
	return s
}

// cacheName names the cache file for settings and target.
func cacheName(s *recipe.Settings, t recipe.Target) string {
	h := sha256.Sum256([]byte(s.Hash() + "|" + t.Arch.String() + "|" + archList(t.Secondary)))
	return "eval-" + hex.EncodeToString(h[:8])
}

func archList(l []pkginfo.Architecture) string {
	var s string
	for _, a := range l {
		s += a.String() + ","
	}
	return s
}

// evaluator evaluates recipes of a tree through the cache.
type evaluator struct {
	tree         *Tree
	settingsHash string
	evaluated    atomic.Int64
	cached       atomic.Int64
}

// port evaluates one recipe for one target variant, from the cache when
// nothing it depends on changed. sources, when not nil, holds the recipes
// already read by the calling goroutine (by path; not safe for concurrent
// use), shared between the variants of one port.
func (e *evaluator) port(ctx context.Context, r *Recipe, variant recipe.Target, sources map[string]*recipe.Source) (*recipe.Port, error) {
	t := e.tree
	path := filepath.Join(t.Root, filepath.FromSlash(r.Path))
	source := sources[r.Path]
	var src []byte
	var err error
	if source != nil {
		src = source.Bytes()
	} else {
		src, err = recipe.ReadRecipe(path)
	}
	if errors.Is(err, recipe.ErrTooLarge) {
		// HaikuPorter would evaluate it; kiln refuses it as broken.
		return &recipe.Port{Name: variantName(r.Name, variant), BaseName: r.Name, Version: r.Version,
			Category: r.Category, RecipePath: r.Path, Target: variant, Status: recipe.StatusBroken,
			Error: err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ports: %w", err)
	}
	if source == nil {
		source = recipe.NewSource(src)
		if sources != nil {
			sources[r.Path] = source
		}
	}
	dir := filepath.Dir(path)
	var pd portDir
	if v, ok := t.prints.Load(dir); ok {
		pd = v.(portDir)
	} else {
		if pd.print, pd.listing, err = portDirFingerprint(dir, t.Scan.dirs[dir]); err != nil {
			return nil, err
		}
		t.prints.Store(dir, pd)
	}
	key := cacheKey(e.settingsHash, variant.Arch.String()+"/"+forSecondaryName(variant), r.Path, src, pd.print)
	if p := t.cache.get(key); p != nil {
		e.cached.Add(1)
		return p, nil
	}
	source.SetPortDir(pd.listing)
	p, err := recipe.EvaluateShared(ctx, source, path, t.Root, variant, t.opts.Settings)
	if err != nil {
		return nil, err
	}
	e.evaluated.Add(1)
	if !p.TimedOut {
		t.cache.put(key, p)
	}
	return p, nil
}

// portDir is what Load knows of a port directory: its fingerprint and the
// listings of the folders an evaluation reads.
type portDir struct {
	print   string
	listing recipe.PortDir
}

func forSecondaryName(t recipe.Target) string {
	if t.ForSecondary == 0 {
		return ""
	}
	return t.ForSecondary.String()
}

// Settings returns the evaluation settings the tree was loaded with.
func (t *Tree) Settings() *recipe.Settings { return t.opts.Settings }

// ErrNoPort means a port version is not in the tree.
var ErrNoPort = errors.New("no such port version")

// Version evaluates (through the cache) one version of a port, active or
// not. name may carry a secondary architecture suffix (zlib_x86).
func (t *Tree) Version(ctx context.Context, name, version string) (*recipe.Port, error) {
	for _, v := range variants(t.Target) {
		base := name
		if v.ForSecondary != 0 {
			b, ok := strings.CutSuffix(name, "_"+v.ForSecondary.String())
			if !ok {
				continue
			}
			base = b
		}
		if r, ok := t.Scan.ByID[base+"-"+version]; ok {
			p, err := t.ev.port(ctx, r, v, nil)
			if err == nil {
				if serr := t.cache.save(); serr != nil {
					t.opts.Logger.Warn("cache not saved", "err", serr)
				}
			}
			return p, err
		}
	}
	return nil, fmt.Errorf("%w: %s-%s", ErrNoPort, name, version)
}

func variantName(name string, t recipe.Target) string {
	if t.ForSecondary == 0 {
		return name
	}
	return name + "_" + t.ForSecondary.String()
}
