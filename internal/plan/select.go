package plan

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/recipe"
)

// selectPorts turns a request into the ports it names.
func (pl *Planner) selectPorts(req Request) ([]*recipe.Port, []Unknown, error) {
	var out []*recipe.Port
	var unknown []Unknown
	seen := make(map[*recipe.Port]bool)
	add := func(p *recipe.Port) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	switch req.Mode {
	case ModeEverything:
		if len(req.Ports) > 0 || len(req.Files) > 0 {
			return nil, nil, fmt.Errorf("%w: everything mode takes no ports or files", ErrInput)
		}
		for _, id := range pl.ids {
			p := pl.byID[id]
			if st, _ := pl.ownState(p); st == StateBuild || st == StateBumpRequired {
				add(p)
			}
		}
		return out, nil, nil
	case ModeUpdate:
		for _, p := range PortsForFiles(pl.in.Ports, req.Files) {
			add(p)
		}
	case ModePorts:
		if len(req.Files) > 0 {
			return nil, nil, fmt.Errorf("%w: ports mode takes no changed files", ErrInput)
		}
	default:
		_, err := ParseMode(string(req.Mode))
		return nil, nil, err
	}
	for _, spec := range req.Ports {
		p, why := pl.lookup(spec)
		if p == nil {
			unknown = append(unknown, Unknown{Spec: spec, Reason: why})
			continue
		}
		add(p)
	}
	return out, unknown, nil
}

// lookup finds the port a spec names: a port id (name-version), a port
// name, a package name, or name-version-revision.
func (pl *Planner) lookup(spec string) (*recipe.Port, string) {
	if p := pl.byID[spec]; p != nil {
		return p, ""
	}
	if p := pl.byName[spec]; p != nil {
		return p, ""
	}
	if p := pl.byPackage[spec]; p != nil {
		return p, ""
	}
	if i := strings.LastIndexByte(spec, '-'); i > 0 {
		head, tail := spec[:i], spec[i+1:]
		if rev, err := strconv.ParseUint(tail, 10, 32); err == nil {
			if p := pl.byID[head]; p != nil {
				if uint64(p.Revision) == rev {
					return p, ""
				}
				return nil, fmt.Sprintf("port %s has revision %d, not %d", head, p.Revision, rev)
			}
		}
		if p := pl.byName[head]; p != nil {
			return nil, fmt.Sprintf("no port version %s (the version known is %s)", spec, p.ID())
		}
	}
	return nil, "no port or package named " + spec
}

// PortsForFiles returns the ports the changed files (paths relative to the
// tree root, slash-separated) belong to, in the order of ports, with
// HaikuPorter's rule (Port.referencesFiles): a port is hit by its recipe,
// the patches and additional files its recipe names (a named folder
// covers everything in it) and licenses/<LICENSE> of its port directory.
//
// A port that names no such files (as read from HaikuPorter's repository,
// which does not record them) is hit by any file in its port directory
// that is not the recipe of another version. That is broader than
// HaikuPorter: a changed patch of an inactive version then selects it too.
func PortsForFiles(ports []*recipe.Port, files []string) []*recipe.Port {
	if len(files) == 0 {
		return nil
	}
	changed := make(map[string]bool, len(files))
	for _, f := range files {
		changed[path.Clean(strings.TrimPrefix(f, "./"))] = true
	}
	var out []*recipe.Port
	for _, p := range ports {
		if p.RecipePath != "" && referencesFiles(p, changed) {
			out = append(out, p)
		}
	}
	return out
}

func referencesFiles(p *recipe.Port, changed map[string]bool) bool {
	rp := path.Clean(p.RecipePath)
	if changed[rp] {
		return true
	}
	dir := path.Dir(rp)
	if len(p.Patches)+len(p.AdditionalFiles)+len(p.Licenses) == 0 {
		for f := range changed {
			if strings.HasPrefix(f, dir+"/") && !(path.Dir(f) == dir && strings.HasSuffix(f, ".recipe")) {
				return true
			}
		}
		return false
	}
	for _, l := range [][]string{p.Patches, p.Licenses} {
		for _, rel := range l {
			if changed[path.Join(dir, rel)] {
				return true
			}
		}
	}
	for _, rel := range p.AdditionalFiles {
		af := path.Join(dir, rel)
		if changed[af] {
			return true
		}
		for f := range changed {
			if strings.HasPrefix(f, af+"/") {
				return true
			}
		}
	}
	return false
}
