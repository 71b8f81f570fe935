package recipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe/sandbox"
)

// shellResult is the shell state after sourcing a recipe: every variable's
// value (for arrays, element 0, as ${!name} gives it) and the names of the
// functions the recipe left defined.
type shellResult struct {
	vars  map[string]string
	funcs []string
}

// shellEvaluator sources src (the recipe as written; the evaluator applies
// HaikuPorter's REVISION rewriting and helper functions) in a shell with
// the given variables set, in dir, bounded by timeout. An error means the
// script failed (non-zero exit, timeout, sandbox violation).
type shellEvaluator func(ctx context.Context, src *Source, name, dir string, vars []shellVar, timeout time.Duration) (shellResult, error)

// revisionAssignment matches REVISION="x" within one line, which HaikuPorter
// follows by a call of updateRevisionVariables.
var revisionAssignment = regexp.MustCompile("REVISION=\"[^\"\n\r\v\f\x1c-\x1e\u0085\u2028\u2029]*\"")

// prepareRecipe applies HaikuPorter's textual preparation of a recipe.
func prepareRecipe(src string) string {
	return revisionAssignment.ReplaceAllString(src, "$0; updateRevisionVariables ")
}

// RecipeName splits a recipe file name "<port>-<version>.recipe" into the
// port name and version, with HaikuPorter's rule (exactly one '-').
func RecipeName(file string) (name, version string, err error) {
	stem, ok := strings.CutSuffix(filepath.Base(file), ".recipe")
	parts := strings.Split(stem, "-")
	if !ok || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("%w: %s", ErrRecipeName, file)
	}
	return parts[0], parts[1], nil
}

// Evaluate evaluates the recipe at recipePath (absolute, or relative to the
// working directory) within the ports tree treeRoot (the folder holding the
// category folders; "" means the recipe's grandparent's parent) for target,
// as HaikuPorter does. A recipe HaikuPorter would reject gives a Port with
// Error set, status broken and no packages, and a nil error; the error is
// for problems outside the recipe (unreadable file, bad target, a canceled
// context, a recipe outside the tree).
func Evaluate(ctx context.Context, recipePath, treeRoot string, target Target, settings *Settings) (*Port, error) {
	src, err := ReadRecipe(recipePath)
	if err != nil {
		return nil, err
	}
	return EvaluateSource(ctx, src, recipePath, treeRoot, target, settings)
}

// MaxRecipeSize bounds a recipe file (the sandbox refuses larger sources).
const MaxRecipeSize = 4 << 20

// ReadRecipe reads a recipe file, refusing one larger than MaxRecipeSize
// without reading it all (ErrTooLarge).
func ReadRecipe(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	defer f.Close()
	// One allocation of the right size (io.ReadAll grows from 512 bytes).
	var b bytes.Buffer
	if fi, err := f.Stat(); err == nil && fi.Size() <= MaxRecipeSize {
		b.Grow(int(fi.Size()) + bytes.MinRead)
	}
	_, err = b.ReadFrom(io.LimitReader(f, MaxRecipeSize+1))
	data := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	if len(data) > MaxRecipeSize {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, path, MaxRecipeSize)
	}
	return data, nil
}

// EvaluateSource is Evaluate with the recipe's content given.
func EvaluateSource(ctx context.Context, src []byte, recipePath, treeRoot string, target Target, settings *Settings) (*Port, error) {
	return EvaluateShared(ctx, NewSource(src), recipePath, treeRoot, target, settings)
}

// EvaluateShared is EvaluateSource with the content given as a Source,
// which is parsed at most once for all the targets it is evaluated for.
func EvaluateShared(ctx context.Context, src *Source, recipePath, treeRoot string, target Target, settings *Settings) (*Port, error) {
	if settings == nil {
		d := DefaultSettings()
		settings = &d
	}
	abs, err := filepath.Abs(recipePath)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	portDir := filepath.Dir(abs)
	if treeRoot == "" {
		treeRoot = filepath.Dir(filepath.Dir(portDir))
	}
	root, err := filepath.Abs(treeRoot)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") || strings.Count(filepath.ToSlash(rel), "/") != 2 {
		return nil, fmt.Errorf("%w: %s is not <category>/<port>/<recipe> in %s", ErrRecipeName, recipePath, treeRoot)
	}
	baseName, version, err := RecipeName(abs)
	if err != nil {
		return nil, err
	}
	targetArch, secondary, err := target.names()
	if err != nil {
		return nil, err
	}
	category := filepath.Base(filepath.Dir(portDir))
	name := baseName
	if secondary != "" {
		name += "_" + secondary
	}
	p := &Port{
		Name: name, BaseName: baseName, Version: version, Category: category,
		RecipePath: filepath.ToSlash(rel), Target: target, Status: StatusBroken,
		BuildRequires: []pkginfo.Expression{}, BuildPrerequires: []pkginfo.Expression{},
		TestRequires: []pkginfo.Expression{}, Packages: []Package{},
	}
	pc := &portContext{
		name: name, baseName: baseName, version: version, file: p.RecipePath,
		dir: portDir, meta: category == "meta-ports", effectiveArch: targetArch,
		knownLicenses: settings.KnownLicenses, folders: &src.dir,
	}
	if secondary != "" {
		pc.effectiveArch = secondary
	}
	src.evaluatedFor(target)
	err = evaluate(ctx, p, pc, src, targetArch, secondary, settings)
	if err == nil {
		return p, nil
	}
	if errors.Is(err, ErrBroken) && ctx.Err() == nil {
		*p = Port{
			Name: p.Name, BaseName: p.BaseName, Version: p.Version, Category: p.Category,
			RecipePath: p.RecipePath, Target: p.Target, Status: StatusBroken,
			BuildRequires: []pkginfo.Expression{}, BuildPrerequires: []pkginfo.Expression{},
			TestRequires: []pkginfo.Expression{}, Packages: []Package{},
			Error:    strings.TrimPrefix(err.Error(), ErrBroken.Error()+": "),
			TimedOut: errors.As(err, new(errTimeLimit)),
		}
		return p, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, err
}

func evaluate(ctx context.Context, p *Port, pc *portContext, src *Source, target, secondary string, st *Settings) error {
	vars := shellVariables(pc.name, pc.baseName, pc.version, pc.dir, target, secondary, st)
	res, err := shell(ctx, src, p.RecipePath, pc.dir, vars, st.Timeout)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrNoEvaluator) {
			return err
		}
		if errors.Is(err, sandbox.ErrTimeLimit) {
			return fmt.Errorf("%w: can't evaluate: %w", ErrBroken, errTimeLimit{err})
		}
		return brokenf("can't evaluate: %v", err)
	}
	pr, err := parseVars(res.vars, res.funcs, p.RecipePath)
	if err != nil {
		return err
	}
	rk, err := validate(pr, pc)
	if err != nil {
		return err
	}
	p.Warnings = append(p.Warnings, pr.warnings...)
	p.DefinedPhases = pr.definedPhases
	return buildPort(p, rk, pc, target, secondary, st)
}

// names returns the target's architecture names; secondary is the
// architecture the recipe is evaluated for as a secondary one, or "".
func (t Target) names() (target, secondary string, err error) {
	if !t.Arch.Valid() || t.Arch == pkginfo.ArchAny || t.Arch == pkginfo.ArchSource {
		return "", "", fmt.Errorf("%w: architecture %s", ErrBadTarget, t.Arch)
	}
	if t.ForSecondary != 0 {
		if !t.ForSecondary.Valid() || t.ForSecondary == pkginfo.ArchSource || t.ForSecondary == t.Arch {
			return "", "", fmt.Errorf("%w: secondary architecture %s", ErrBadTarget, t.ForSecondary)
		}
		return t.Arch.String(), t.ForSecondary.String(), nil
	}
	return t.Arch.String(), "", nil
}

// shell is the recipe evaluator in use (tests swap in bash as an oracle).
var shell shellEvaluator = sandboxShell

// sandboxShell evaluates a recipe with the in-process sandbox.
func sandboxShell(ctx context.Context, src *Source, name, dir string, vars []shellVar, timeout time.Duration) (shellResult, error) {
	script, err := src.script(name)
	if err != nil {
		return shellResult{}, err
	}
	opts := sandbox.Options{Vars: vars, Dir: dir, Timeout: timeout, UpperOnly: true} // keys are A–Z
	var res *sandbox.Result
	switch tracing, prev := src.traced(); {
	case prev != nil:
		res, err = script.EvalReusing(ctx, opts, prev)
	case tracing:
		var trace *sandbox.Trace
		res, trace, err = script.EvalTraced(ctx, opts, nil)
		if err == nil {
			src.keepTrace(trace)
		}
	default:
		res, err = script.Eval(ctx, opts)
	}
	if err != nil {
		return shellResult{}, err
	}
	return shellResult{vars: res.Vars, funcs: res.Funcs}, nil
}

// errTimeLimit marks an evaluation stopped by the time limit: its outcome
// depends on the machine's speed and load, so it must not be cached.
type errTimeLimit struct{ err error }

func (e errTimeLimit) Error() string { return e.err.Error() }
func (e errTimeLimit) Unwrap() error { return e.err }
