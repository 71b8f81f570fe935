package recipe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Settings are the evaluation settings of a run (HaikuPorter's
// configuration and command line, as far as they change what a recipe
// evaluates to). The zero value is not useful; start from DefaultSettings.
type Settings struct {
	// KnownLicenses are the license names present in Haiku's licenses
	// directory (HaikuLicenses by default); a LICENSE entry neither here
	// nor in the port's own licenses/ folder makes the recipe broken.
	KnownLicenses []string `json:"knownLicenses"`
	// AllowUntested makes ports marked ?arch buildable (ALLOW_UNTESTED).
	AllowUntested bool `json:"allowUntested,omitempty"`
	// CreateSourcePackages adds an automatic <port>_source package to
	// every non-meta port without DISABLE_SOURCE_PACKAGE
	// (CREATE_SOURCE_PACKAGES; off in the buildmaster's configuration).
	CreateSourcePackages bool `json:"createSourcePackages,omitempty"`
	// BuildArchitecture is $buildArchitecture: "any" on the buildmaster,
	// the host's architecture for a HaikuPorter run on Linux.
	BuildArchitecture string `json:"buildArchitecture"`
	// PackageLinksDirectory is what findDirectory B_PACKAGE_LINKS_DIRECTORY
	// returns: "stub" on the buildmaster, "/packages" on Linux.
	PackageLinksDirectory string `json:"packageLinksDirectory"`
	// Jobs is $jobs ($jobArgs is -j<jobs> when above 1).
	Jobs int `json:"jobs"`
	// PackagerName and PackagerEmail are $packagerName and $packagerEmail.
	PackagerName  string `json:"packagerName"`
	PackagerEmail string `json:"packagerEmail"`
	// Timeout bounds one recipe's shell evaluation.
	Timeout time.Duration `json:"timeout"`
}

// DefaultSettings are the buildmaster's settings: Haiku's licenses, no
// untested ports, no automatic source packages, findDirectory returning
// "stub".
func DefaultSettings() Settings {
	return Settings{
		KnownLicenses:         slices.Clone(HaikuLicenses),
		BuildArchitecture:     "any",
		PackageLinksDirectory: "stub",
		Jobs:                  1,
		PackagerName:          "kiln",
		PackagerEmail:         "kiln@haiku-os.org",
		Timeout:               10 * time.Second,
	}
}

// Hash identifies the settings for caching evaluation results: two
// settings with the same hash evaluate every recipe alike.
func (s *Settings) Hash() string {
	lic := slices.Clone(s.KnownLicenses)
	slices.Sort(lic)
	h := sha256.New()
	fmt.Fprintf(h, "%q\n%t %t %q %q %d %q %q\n", strings.Join(lic, "\x00"), s.AllowUntested,
		s.CreateSourcePackages, s.BuildArchitecture, s.PackageLinksDirectory, s.Jobs,
		s.PackagerName, s.PackagerEmail)
	return hex.EncodeToString(h.Sum(nil))
}
