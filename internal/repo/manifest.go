package repo

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/store"
)

// ManifestSchema is the version of the manifest.json schema this package
// writes. Readers reject manifests with a higher schema.
const ManifestSchema = 1

// maxManifestSize bounds what is read of a manifest or head object.
const maxManifestSize = 512 << 20

// Manifest is one snapshot of a target's repository: the source of truth
// from which repo, repo.info, repo.sha256 and package.list are generated.
type Manifest struct {
	Schema  int       `json:"schema"`
	ID      string    `json:"id"`
	Parent  string    `json:"parent,omitempty"` // the head this snapshot replaced
	Created time.Time `json:"created"`
	Reason  string    `json:"reason,omitempty"`
	// RolledBackTo names the snapshot whose content a rollback restored.
	RolledBackTo string                 `json:"rolledBackTo,omitempty"`
	Repository   pkginfo.RepositoryInfo `json:"repository"`
	// RepoSHA256 is the SHA-256 of the generated repo file (a record;
	// regenerating from the rest of the manifest must give the same value).
	RepoSHA256 string `json:"repoSHA256"`
	Signed     bool   `json:"signed,omitempty"`
	// Packages are sorted by File.
	Packages []Package `json:"packages"`
}

// Package is one published package file.
type Package struct {
	File   string              `json:"file"` // canonical file name under current/packages/
	Size   int64               `json:"size"`
	SHA256 string              `json:"sha256"`
	Info   pkginfo.PackageInfo `json:"info"`
	Source Source              `json:"source,omitzero"`
	Added  time.Time           `json:"added"`
}

// Source says where a package came from.
type Source struct {
	Port         string `json:"port,omitempty"`
	RecipeCommit string `json:"recipeCommit,omitempty"`
	BuildID      string `json:"buildID,omitempty"`
}

// Matches reports whether q is in p's name, file name, summary or one of
// its provides, ignoring case (the search of the API and the web UI).
func (p Package) Matches(q string) bool {
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(q)) }
	if has(p.File) || has(p.Info.Name) || has(p.Info.Summary) {
		return true
	}
	for _, pr := range p.Info.Provides {
		if has(pr.Name) {
			return true
		}
	}
	return false
}

// Lookup returns the package with the given file name.
func (m *Manifest) Lookup(file string) (Package, bool) {
	i, ok := slices.BinarySearchFunc(m.Packages, file, func(p Package, f string) int { return strings.Compare(p.File, f) })
	if !ok {
		return Package{}, false
	}
	return m.Packages[i], true
}

// ByName returns the package whose package name is name.
func (m *Manifest) ByName(name string) (Package, bool) {
	for _, p := range m.Packages {
		if p.Info.Name == name {
			return p, true
		}
	}
	return Package{}, false
}

// Files returns the set of package file names.
func (m *Manifest) Files() map[string]bool {
	s := make(map[string]bool, len(m.Packages))
	for _, p := range m.Packages {
		s[p.File] = true
	}
	return s
}

// sortPackages orders packages by file name (the manifest's canonical order).
func sortPackages(ps []Package) {
	slices.SortFunc(ps, func(a, b Package) int { return strings.Compare(a.File, b.File) })
}

// Marshal encodes the manifest deterministically (compact JSON, packages
// sorted by file name, one package a line).
func (m *Manifest) Marshal() ([]byte, error) {
	c := *m
	c.Packages = slices.Clone(m.Packages)
	sortPackages(c.Packages)
	pkgs := c.Packages
	c.Packages = nil
	head, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("repo: encode manifest %s: %w", m.ID, err)
	}
	// Splice the packages in, one a line, so the file diffs well.
	head = bytes.TrimSuffix(head, []byte(`"packages":null}`))
	var buf bytes.Buffer
	buf.Grow(len(head) + len(pkgs)*1024)
	buf.Write(head)
	buf.WriteString("\"packages\":[")
	for i := range pkgs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n")
		b, err := json.Marshal(&pkgs[i])
		if err != nil {
			return nil, fmt.Errorf("repo: encode manifest %s: package %s: %w", m.ID, pkgs[i].File, err)
		}
		buf.Write(b)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes(), nil
}

// ParseManifest decodes and validates a manifest.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := decodeStrict(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest's invariants: known schema, an id, sorted
// unique file names that are canonical for their package info, package
// infos that pass ValidatePackage (the check publish applies), one package
// per name, hex SHA-256 sums and non-negative sizes.
func (m *Manifest) Validate() error {
	if m.Schema < 1 || m.Schema > ManifestSchema {
		return fmt.Errorf("%w %s: unsupported schema %d (this kiln reads up to %d)", ErrBadManifest, m.ID, m.Schema, ManifestSchema)
	}
	if !validSnapshotID(m.ID) {
		return fmt.Errorf("%w: bad snapshot id %q", ErrBadManifest, m.ID)
	}
	if m.RepoSHA256 != "" && !isHexSHA256(m.RepoSHA256) {
		return fmt.Errorf("%w %s: bad repoSHA256 %q", ErrBadManifest, m.ID, m.RepoSHA256)
	}
	names := make(map[string]string, len(m.Packages))
	for i, p := range m.Packages {
		if !validPackageFile(p.File) {
			return fmt.Errorf("%w %s: package %d: bad file name %q", ErrBadManifest, m.ID, i, p.File)
		}
		if i > 0 && m.Packages[i-1].File >= p.File {
			return fmt.Errorf("%w %s: packages not sorted or duplicated at %q", ErrBadManifest, m.ID, p.File)
		}
		if p.Size < 0 || !isHexSHA256(p.SHA256) {
			return fmt.Errorf("%w %s: package %s: bad size or sha256", ErrBadManifest, m.ID, p.File)
		}
		if err := ValidatePackage(&p.Info); err != nil {
			return fmt.Errorf("%w %s: package %s: %v", ErrBadManifest, m.ID, p.File, err)
		}
		if c := p.Info.CanonicalFileName(); c != p.File {
			return fmt.Errorf("%w %s: package %s: file name does not match its info (%s)", ErrBadManifest, m.ID, p.File, c)
		}
		if o, dup := names[p.Info.Name]; dup {
			return fmt.Errorf("%w %s: package name %q listed twice (%s, %s)", ErrBadManifest, m.ID, p.Info.Name, o, p.File)
		}
		names[p.Info.Name] = p.File
	}
	return nil
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// validSnapshotID accepts ids as newSnapshotID makes them, and anything
// else that is a safe single key segment.
func validSnapshotID(id string) bool { return store.SafeSegment(id) }
