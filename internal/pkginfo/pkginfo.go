// Package pkginfo is kiln's model of a Haiku package's metadata (what a
// .PackageInfo file declares and what HPKG/HPKR package attributes hold),
// with Haiku's version ordering and resolvable matching rules.
package pkginfo

import "strings"

// Flags are the package flags (package:flags).
type Flags uint32

// Package flags.
const (
	FlagApproveLicense Flags = 1 << 0
	FlagSystemPackage  Flags = 1 << 1
)

// WritableFileUpdateType says what happens to a global writable file on update.
type WritableFileUpdateType string

// Update types of a global writable file ("" means none given).
const (
	UpdateNone      WritableFileUpdateType = ""
	UpdateKeepOld   WritableFileUpdateType = "keep-old"
	UpdateManual    WritableFileUpdateType = "manual"
	UpdateAutoMerge WritableFileUpdateType = "auto-merge"
)

// GlobalWritableFile is an entry of global-writable-files.
type GlobalWritableFile struct {
	Path       string                 `json:"path"`
	Directory  bool                   `json:"directory,omitempty"`
	UpdateType WritableFileUpdateType `json:"updateType,omitempty"`
}

// UserSettingsFile is an entry of user-settings-files.
type UserSettingsFile struct {
	Path      string `json:"path"`
	Directory bool   `json:"directory,omitempty"`
	Template  string `json:"template,omitempty"`
}

// User is an entry of users.
type User struct {
	Name     string   `json:"name"`
	RealName string   `json:"realName,omitempty"`
	Home     string   `json:"home,omitempty"`
	Shell    string   `json:"shell,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// PackageInfo is everything Haiku records about a package (FORMATS.md §1.5–1.6).
// Checksum is only set for packages read from or written to a repository (HPKR).
type PackageInfo struct {
	Name                string               `json:"name"`
	Summary             string               `json:"summary"`
	Description         string               `json:"description"`
	Vendor              string               `json:"vendor"`
	Packager            string               `json:"packager"`
	BasePackage         string               `json:"basePackage,omitempty"`
	Flags               Flags                `json:"flags,omitempty"`
	Architecture        Architecture         `json:"architecture"`
	Version             Version              `json:"version"`
	Copyrights          []string             `json:"copyrights,omitempty"`
	Licenses            []string             `json:"licenses,omitempty"`
	URLs                []string             `json:"urls,omitempty"`
	SourceURLs          []string             `json:"sourceURLs,omitempty"`
	Provides            []Resolvable         `json:"provides,omitempty"`
	Requires            []Expression         `json:"requires,omitempty"`
	Supplements         []Expression         `json:"supplements,omitempty"`
	Conflicts           []Expression         `json:"conflicts,omitempty"`
	Freshens            []Expression         `json:"freshens,omitempty"`
	Replaces            []string             `json:"replaces,omitempty"`
	GlobalWritableFiles []GlobalWritableFile `json:"globalWritableFiles,omitempty"`
	UserSettingsFiles   []UserSettingsFile   `json:"userSettingsFiles,omitempty"`
	Users               []User               `json:"users,omitempty"`
	Groups              []string             `json:"groups,omitempty"`
	PostInstallScripts  []string             `json:"postInstallScripts,omitempty"`
	PreUninstallScripts []string             `json:"preUninstallScripts,omitempty"`
	InstallPath         string               `json:"installPath,omitempty"`
	Checksum            string               `json:"checksum,omitempty"`
}

// CanonicalFileName is the file name Haiku gives the package:
// name-version-arch.hpkg (BPackageInfo::CanonicalFileName), which is also
// the name pkgman downloads from <base>/packages/.
func (p *PackageInfo) CanonicalFileName() string {
	var b strings.Builder
	b.WriteString(p.Name)
	b.WriteByte('-')
	b.WriteString(p.Version.String())
	b.WriteByte('-')
	b.WriteString(p.Architecture.String())
	b.WriteString(".hpkg")
	return b.String()
}
