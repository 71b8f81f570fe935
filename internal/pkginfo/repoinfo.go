package pkginfo

// DefaultPriority is the repository priority Haiku assumes when none is given.
const DefaultPriority = 50

// RepositoryInfo describes a package repository: what repo.info declares and
// what the repo (HPKR) file embeds as a flattened BMessage (FORMATS.md §2.3–2.4).
// Identifier falls back to the legacy "url" key/field when reading.
type RepositoryInfo struct {
	Name         string       `json:"name"`
	Identifier   string       `json:"identifier"`
	BaseURL      string       `json:"baseURL,omitempty"`
	Vendor       string       `json:"vendor"`
	Summary      string       `json:"summary"`
	Priority     uint8        `json:"priority"`
	Architecture Architecture `json:"architecture"`
	// LicenseNames and LicenseTexts are parallel lists of the license texts
	// the repository embeds (from approve_license packages).
	LicenseNames []string `json:"licenseNames,omitempty"`
	LicenseTexts []string `json:"licenseTexts,omitempty"`
}
