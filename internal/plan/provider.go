package plan

import (
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/recipe"
)

// Origin says where a provider comes from. Lower origins are preferred:
// HaikuPorter searches the repository's packages, then the system
// packages, then the ports of the tree, and takes the first match.
type Origin uint8

// Origins, in order of preference.
const (
	OriginRepository Origin = iota
	OriginSystem
	OriginPort
)

func (o Origin) String() string {
	switch o {
	case OriginRepository:
		return "repository"
	case OriginSystem:
		return "system"
	default:
		return "port"
	}
}

// MarshalText implements encoding.TextMarshaler.
func (o Origin) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Provider is one package that can satisfy requirements: a package that
// exists (in the repository or among the system packages) or a package a
// port would produce if built.
type Provider struct {
	Origin Origin
	// Info is set for repository and system packages.
	Info *pkginfo.PackageInfo
	// Port and Package are set for packages of ports.
	Port    *recipe.Port
	Package *recipe.Package
}

// Name is the package name.
func (p *Provider) Name() string {
	if p.Info != nil {
		return p.Info.Name
	}
	return p.Package.Name
}

// FileName is the package's canonical file name.
func (p *Provider) FileName() string {
	if p.Info != nil {
		return p.Info.CanonicalFileName()
	}
	return p.Package.FileName()
}

// Architecture is the package's architecture.
func (p *Provider) Architecture() pkginfo.Architecture {
	if p.Info != nil {
		return p.Info.Architecture
	}
	return p.Package.Architecture
}

// Provides lists what the package provides.
func (p *Provider) Provides() []pkginfo.Resolvable {
	if p.Info != nil {
		return p.Info.Provides
	}
	return p.Package.Provides
}

// Requires lists what the package needs installed.
func (p *Provider) Requires() []pkginfo.Expression {
	if p.Info != nil {
		return p.Info.Requires
	}
	return p.Package.Requires
}

// IsFile reports whether the provider is an existing package file, which
// a requirement marked "base" never accepts (HaikuPorter skips .hpkg
// providers for those).
func (p *Provider) IsFile() bool { return p.Origin != OriginPort }

// String is the file name, with the port for port packages:
// "zlib-1.3-1-x86_64.hpkg (repository)", "zlib_devel-1.3-1-x86_64.hpkg (port zlib-1.3)".
func (p *Provider) String() string {
	if p.Port != nil {
		return p.FileName() + " (port " + p.Port.ID() + ")"
	}
	return p.FileName() + " (" + p.Origin.String() + ")"
}
