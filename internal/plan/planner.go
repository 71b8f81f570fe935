package plan

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Input is what a plan is made from.
type Input struct {
	// Target is the repository's target; Target.Arch is the primary architecture.
	Target recipe.Target
	// Ports are the ports of the tree for the target, one version per port
	// (the active one; for a port without an active version, the version
	// that explains why: broken, unsupported, ...). Ports with Error set
	// are broken.
	Ports []*recipe.Port
	// Repository are the packages already published.
	Repository []*pkginfo.PackageInfo
	// System are the system packages builds run against.
	System []*pkginfo.PackageInfo
}

// Options tune planning.
type Options struct {
	// AllowUntested lets ports marked untested (?arch) be built, as
	// HaikuPorter's ALLOW_UNTESTED does.
	AllowUntested bool
	// RequireSourcePackages counts source packages among a port's outputs
	// when deciding whether it is up to date. By default they do not
	// count: a port is up to date when its other outputs are published.
	RequireSourcePackages bool
	// ScriptletPrerequires replaces DefaultScriptletPrerequires when not nil.
	ScriptletPrerequires []pkginfo.Expression
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// DefaultScriptletPrerequires are what HaikuPorter's ShellScriptlets
// require on the build host to run the build scriptlets (native build,
// no cross-triple prefix).
func DefaultScriptletPrerequires() []pkginfo.Expression {
	names := []string{"coreutils", "cmd:bash", "cmd:find", "cmd:grep", "cmd:objcopy",
		"cmd:readelf", "cmd:sed", "cmd:strip", "cmd:xres"}
	out := make([]pkginfo.Expression, len(names))
	for i, n := range names {
		out[i] = pkginfo.Expression{Name: n}
	}
	return out
}

// Planner plans build runs over one Input. It is built once (the provides
// index is the expensive part) and can then answer several requests. A
// Planner is not safe for concurrent use.
type Planner struct {
	in        Input
	opt       Options
	log       *slog.Logger
	index     *Index
	published map[string]bool
	byID      map[string]*recipe.Port
	byName    map[string]*recipe.Port
	byPackage map[string]*recipe.Port
	ids       []string // sorted port ids
	res       *resolver
	// inactive indexes the ports that provide nothing (broken,
	// unsupported, untested), to explain missing requirements.
	inactive *Index
}

// New indexes the input. Repository packages are indexed before system
// packages and ports, in the order given (callers sort them; the loaders of
// this package sort by file name).
func New(in Input, opt Options) (*Planner, error) {
	if !in.Target.Arch.Valid() || in.Target.Arch == pkginfo.ArchAny || in.Target.Arch == pkginfo.ArchSource {
		return nil, fmt.Errorf("%w: target architecture %s", ErrInput, in.Target.Arch)
	}
	if opt.ScriptletPrerequires == nil {
		opt.ScriptletPrerequires = DefaultScriptletPrerequires()
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pl := &Planner{
		in:        in,
		opt:       opt,
		log:       log,
		index:     NewIndex(in.Target.Arch),
		inactive:  NewIndex(in.Target.Arch),
		published: make(map[string]bool, len(in.Repository)),
		byID:      make(map[string]*recipe.Port, len(in.Ports)),
		byName:    make(map[string]*recipe.Port, len(in.Ports)),
		byPackage: make(map[string]*recipe.Port),
	}
	for _, p := range in.Repository {
		if p == nil {
			return nil, fmt.Errorf("%w: nil repository package", ErrInput)
		}
		pl.published[p.CanonicalFileName()] = true
		pl.index.AddPackage(OriginRepository, p)
	}
	for _, p := range in.System {
		if p == nil {
			return nil, fmt.Errorf("%w: nil system package", ErrInput)
		}
		pl.index.AddPackage(OriginSystem, p)
	}
	ports := slices.Clone(in.Ports)
	slices.SortStableFunc(ports, func(a, b *recipe.Port) int { return strings.Compare(a.ID(), b.ID()) })
	for _, p := range ports {
		if p == nil {
			return nil, fmt.Errorf("%w: nil port", ErrInput)
		}
		id := p.ID()
		if _, dup := pl.byID[id]; dup {
			return nil, fmt.Errorf("%w: port %s given twice", ErrInput, id)
		}
		pl.byID[id] = p
		pl.ids = append(pl.ids, id)
		if old, ok := pl.byName[p.Name]; !ok || pkgVersionLess(old, p) {
			pl.byName[p.Name] = p
		}
		for _, pk := range p.Packages {
			if _, ok := pl.byPackage[pk.Name]; !ok {
				pl.byPackage[pk.Name] = p
			}
		}
		if st, _ := pl.ownState(p); providing(st) {
			pl.index.AddPort(p)
		} else {
			pl.inactive.AddPort(p)
		}
	}
	pl.res = newResolver(pl.index)
	pl.res.hint = pl.hint
	return pl, nil
}

func pkgVersionLess(a, b *recipe.Port) bool {
	return recipe.CompareVersions(a.Version, b.Version) < 0
}

// providing reports whether ports in state st provide their packages to
// others (a broken, unsupported or untested port never does).
func providing(st State) bool {
	return st == StateBuild || st == StateUpToDate || st == StateBumpRequired
}

// Index returns the planner's provides index.
func (pl *Planner) Index() *Index { return pl.index }

// Published reports whether a package file name is in the repository.
func (pl *Planner) Published(fileName string) bool { return pl.published[fileName] }

// LookupPort returns the port with the given id ("name-version"), or nil.
func (pl *Planner) LookupPort(id string) *recipe.Port { return pl.byID[id] }

// outputs returns the file names of the packages a port produces on the
// target that count for up-to-dateness.
func (pl *Planner) outputs(p *recipe.Port) []string {
	var out []string
	for i := range p.Packages {
		pk := &p.Packages[i]
		if !pl.index.Counts(pk.Architecture) {
			continue
		}
		if pk.Type == "source" && !pl.opt.RequireSourcePackages {
			continue
		}
		out = append(out, pk.FileName())
	}
	return out
}

// ownState classifies a port by itself, before looking at dependencies.
// StateBuild here means "needs building".
func (pl *Planner) ownState(p *recipe.Port) (State, string) {
	arch := pl.in.Target.Arch.String()
	if p.Target.ForSecondary != 0 {
		arch = p.Target.ForSecondary.String()
	}
	if p.Error != "" {
		return StateBroken, "recipe error: " + firstLine(p.Error)
	}
	switch p.Status {
	case recipe.StatusBroken:
		return StateBroken, "marked broken on " + arch + " (!" + arch + " in ARCHITECTURES)"
	case recipe.StatusUnsupported:
		return StateUnsupported, arch + " is not in ARCHITECTURES"
	case recipe.StatusUntested:
		if !pl.opt.AllowUntested {
			return StateUntested, "marked untested on " + arch + " (?" + arch + " in ARCHITECTURES)"
		}
	case recipe.StatusStable:
	default:
		return StateBroken, fmt.Sprintf("unknown status %q", p.Status)
	}
	outs := pl.outputs(p)
	if len(outs) == 0 {
		return StateBroken, "produces no package for " + arch
	}
	var have []string
	for _, f := range outs {
		if pl.published[f] {
			have = append(have, f)
		}
	}
	switch {
	case len(have) == len(outs):
		if len(outs) == 1 {
			return StateUpToDate, "its output package is published"
		}
		return StateUpToDate, fmt.Sprintf("all %d output packages are published", len(outs))
	case len(have) > 0:
		return StateBumpRequired, fmt.Sprintf("%d of %d output packages are already published (%s): revision bump required",
			len(have), len(outs), have[0])
	}
	return StateBuild, ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// hint explains a requirement nothing provides when a port that is not
// built on the target would provide it.
func (pl *Planner) hint(e pkginfo.Expression) string {
	p := pl.inactive.First(e, RuleHaikuPorter)
	if p == nil {
		return ""
	}
	st, why := pl.ownState(p.Port)
	return "port " + p.Port.ID() + " would provide it but is " + string(st) + ": " + why
}
