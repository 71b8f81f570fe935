package image

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
)

// ErrNotInLists is returned when a package the image needs is not in
// apt's package lists for an architecture (for a foreign architecture:
// dpkg --add-architecture ARCH && apt-get update).
var ErrNotInLists = errors.New("not in the apt package lists")

// Package is one binary package as apt's lists describe it.
type Package struct {
	Name    string
	Arch    string // amd64, arm64 or all
	Version string
	Source  string // the source package, if named differently ("curl", "glibc"); may carry "(version)"
	// Filename is the path in the archive (pool/main/g/git/git_…_arm64.deb).
	Filename string
	SHA256   string
	Size     int64
	// Depends holds Pre-Depends and Depends, each group's alternatives in
	// order, names only (versions and :any qualifiers dropped).
	Depends [][]string
}

// Apt answers what a package is in apt's lists. AptCache is the real
// one; tests may pass their own.
type Apt interface {
	// Show returns the candidate version of each named package
	// ("git:arm64", "ca-certificates:all") that the lists have; names
	// they lack are left out of the result.
	Show(ctx context.Context, names []string) ([]Package, error)
}

// Closer is an Apt that can also name, in one call, every package roots
// may depend on for arch (a superset: alternatives and exclusions are
// not applied), so Resolve can look them all up at once instead of one
// call per level of the dependency tree.
type Closer interface {
	Closure(ctx context.Context, arch string, roots []string) ([]string, error)
}

// AptCache runs apt-cache show --no-all-versions (and apt-cache depends
// --recurse for Closure).
type AptCache struct{}

// Show implements Apt.
func (AptCache) Show(ctx context.Context, names []string) ([]Package, error) {
	if len(names) == 0 {
		return nil, nil
	}
	cmd := exec.CommandContext(ctx, "apt-cache", append([]string{"show", "--no-all-versions"}, names...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Exit 100 and "No packages found" when none of names is known.
		if strings.Contains(stderr.String(), "No packages found") {
			return nil, nil
		}
		return nil, fmt.Errorf("apt-cache show: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return ParseStanzas(bytes.NewReader(out))
}

// Closure implements Closer.
func (AptCache) Closure(ctx context.Context, arch string, roots []string) ([]string, error) {
	args := []string{"depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
		"--no-breaks", "--no-replaces", "--no-enhances"}
	for _, r := range roots {
		args = append(args, r+":"+arch)
	}
	cmd := exec.CommandContext(ctx, "apt-cache", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("apt-cache depends: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return parseDependsNames(string(out)), nil
}

// parseDependsNames returns the package names apt-cache depends
// --recurse lists (its unindented lines; "<virtual>" brackets and
// ":arch" qualifiers dropped), once each, in order.
func parseDependsNames(out string) []string {
	var names []string
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || line[0] == ' ' {
			continue
		}
		name := strings.Trim(strings.TrimSpace(line), "<>")
		name, _, _ = strings.Cut(name, ":")
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// ParseStanzas reads the package stanzas of apt-cache show (RFC 822
// style: "Field: value", continuation lines start with a space, a blank
// line ends a stanza).
func ParseStanzas(r io.Reader) ([]Package, error) {
	var (
		pkgs   []Package
		fields = map[string]string{}
		last   string
	)
	flush := func() error {
		if len(fields) == 0 {
			return nil
		}
		p, err := stanza(fields)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, p)
		fields, last = map[string]string{}, ""
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				fields[last] += "\n" + line
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("apt stanza: bad line %q", line)
			}
			last = k
			fields[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("apt stanza: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return pkgs, nil
}

func stanza(f map[string]string) (Package, error) {
	p := Package{Name: f["Package"], Arch: f["Architecture"], Version: f["Version"], Filename: f["Filename"], SHA256: f["SHA256"], Source: f["Source"]}
	if p.Name == "" || p.Version == "" || p.Filename == "" || len(p.SHA256) != 64 {
		return Package{}, fmt.Errorf("apt stanza of %q: Package, Version, Filename or SHA256 missing", p.Name)
	}
	if _, err := fmt.Sscan(f["Size"], &p.Size); err != nil {
		return Package{}, fmt.Errorf("apt stanza of %s: bad Size %q", p.Name, f["Size"])
	}
	for _, field := range []string{"Pre-Depends", "Depends"} {
		for _, group := range strings.Split(f[field], ",") {
			var alts []string
			for _, alt := range strings.Split(group, "|") {
				name := strings.TrimSpace(alt)
				if i := strings.IndexAny(name, " (["); i >= 0 {
					name = name[:i]
				}
				name, _, _ = strings.Cut(name, ":")
				if name != "" {
					alts = append(alts, name)
				}
			}
			if len(alts) > 0 {
				p.Depends = append(p.Depends, alts)
			}
		}
	}
	return p, nil
}

// Resolve returns roots and everything they depend on for arch (amd64,
// arm64), sorted by name, from apt's candidate versions. A dependency
// group any of whose alternatives is in exclude is left out with it
// (exclude names what kiln does not need at run time: perl, the
// maintainer scripts' debconf); otherwise its first alternative is
// taken. Packages of architecture all are found too.
func Resolve(ctx context.Context, apt Apt, arch string, roots []string, exclude map[string]bool) ([]Package, error) {
	known := map[string]Package{} // what apt answered, by name
	asked := map[string]bool{}
	lookup := func(names []string) error {
		var ask []string
		for _, n := range names {
			if !asked[n] {
				asked[n] = true
				ask = append(ask, n)
			}
		}
		if len(ask) == 0 {
			return nil
		}
		found, err := show(ctx, apt, arch, ask)
		for n, p := range found {
			known[n] = p
		}
		return err
	}
	if c, ok := apt.(Closer); ok {
		names, err := c.Closure(ctx, arch, roots)
		if err != nil {
			return nil, err
		}
		if err := lookup(names); err != nil {
			return nil, err
		}
	}
	have := map[string]Package{}
	frontier := roots
	for len(frontier) > 0 {
		if err := lookup(frontier); err != nil {
			return nil, err
		}
		var next []string
		for _, name := range frontier {
			p, ok := known[name]
			if !ok {
				return nil, fmt.Errorf("package %s for %s: %w (dpkg --add-architecture %s && apt-get update)", name, arch, ErrNotInLists, arch)
			}
			have[name] = p
		groups:
			for _, g := range p.Depends {
				for _, alt := range g {
					if exclude[alt] {
						continue groups
					}
				}
				if _, ok := have[g[0]]; !ok && !slices.Contains(next, g[0]) && !slices.Contains(frontier, g[0]) {
					next = append(next, g[0])
				}
			}
		}
		frontier = next
	}
	out := make([]Package, 0, len(have))
	for _, p := range have {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// show looks names up as name:arch and name:all in one call (a package
// of architecture all is not found as name:arch); the former wins.
func show(ctx context.Context, apt Apt, arch string, names []string) (map[string]Package, error) {
	var ask []string
	for _, n := range names {
		ask = append(ask, n+":"+arch, n+":all")
	}
	pkgs, err := apt.Show(ctx, ask)
	if err != nil {
		return nil, err
	}
	found := map[string]Package{}
	for _, p := range pkgs {
		if _, ok := found[p.Name]; (p.Arch == arch || p.Arch == "all") && (!ok || p.Arch == arch) {
			found[p.Name] = p
		}
	}
	return found, nil
}
