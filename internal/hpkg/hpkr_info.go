package hpkg

import (
	"fmt"

	"github.com/haikuports/kiln/internal/bmessage"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// Field names of BRepositoryInfo::Archive (RepositoryInfo.cpp).
const (
	infoFieldClass        = "class"
	infoFieldBaseURL      = "baseUrl"
	infoFieldName         = "name"
	infoFieldIdentifier   = "identifier"
	infoFieldURL          = "url"
	infoFieldVendor       = "vendor"
	infoFieldSummary      = "summary"
	infoFieldPriority     = "priority"
	infoFieldArchitecture = "architecture"
	infoFieldLicenseName  = "licenseName"
	infoFieldLicenseText  = "licenseText"
)

// repoInfoMessage builds the message BRepositoryInfo::Archive produces, in
// its field order: class (empty, as in repos built on Linux), baseUrl if
// set, name, identifier, url (legacy copy of the identifier), vendor,
// summary, priority, architecture, then every licenseName and every
// licenseText.
func repoInfoMessage(info *pkginfo.RepositoryInfo) (*bmessage.Message, error) {
	if len(info.LicenseNames) != len(info.LicenseTexts) {
		return nil, fmt.Errorf("%w: repository info has %d license names but %d license texts",
			ErrRejected, len(info.LicenseNames), len(info.LicenseTexts))
	}
	m := bmessage.New(0)
	var err error
	add := func(name, v string) {
		if err == nil {
			err = m.AddString(name, v)
		}
	}
	add(infoFieldClass, "")
	if info.BaseURL != "" {
		add(infoFieldBaseURL, info.BaseURL)
	}
	add(infoFieldName, info.Name)
	add(infoFieldIdentifier, info.Identifier)
	add(infoFieldURL, info.Identifier)
	add(infoFieldVendor, info.Vendor)
	add(infoFieldSummary, info.Summary)
	if err == nil {
		err = m.AddUint8(infoFieldPriority, info.Priority)
	}
	if err == nil {
		err = m.AddUint8(infoFieldArchitecture, uint8(info.Architecture))
	}
	for _, n := range info.LicenseNames {
		add(infoFieldLicenseName, n)
	}
	for _, t := range info.LicenseTexts {
		add(infoFieldLicenseText, t)
	}
	return m, err
}

// parseRepoInfo reads a repository-info message as BRepositoryInfo's
// archive constructor does: name, identifier (falling back to url), vendor,
// summary, priority and architecture are required, the architecture must
// be known and not "any", baseUrl is optional, and licenseName/licenseText
// must pair up. A missing baseUrl stays empty (Haiku's fallback to an
// http identifier is left to callers).
func parseRepoInfo(b []byte) (pkginfo.RepositoryInfo, error) {
	var info pkginfo.RepositoryInfo
	m, err := bmessage.Unflatten(b)
	if err != nil {
		return info, fmt.Errorf("%w: repository info: %w", ErrFormat, err)
	}
	str := func(name string, required bool) string {
		if err != nil {
			return ""
		}
		s, e := m.Strings(name)
		switch {
		case e != nil:
			err = e
		case len(s) > 0:
			return s[0]
		case required:
			err = fmt.Errorf("field %q missing", name)
		}
		return ""
	}
	info.Name = str(infoFieldName, true)
	info.Identifier = str(infoFieldIdentifier, false)
	if info.Identifier == "" {
		info.Identifier = str(infoFieldURL, true)
	}
	info.BaseURL = str(infoFieldBaseURL, false)
	info.Vendor = str(infoFieldVendor, true)
	info.Summary = str(infoFieldSummary, true)
	if err == nil {
		info.Priority, err = m.Uint8(infoFieldPriority)
	}
	if err == nil {
		var a uint8
		a, err = m.Uint8(infoFieldArchitecture)
		info.Architecture = pkginfo.Architecture(a)
		if err == nil && (!info.Architecture.Valid() || info.Architecture == pkginfo.ArchAny) {
			err = fmt.Errorf("architecture %d is not a repository architecture", a)
		}
	}
	if err == nil {
		info.LicenseNames, err = m.Strings(infoFieldLicenseName)
	}
	if err == nil {
		info.LicenseTexts, err = m.Strings(infoFieldLicenseText)
	}
	if err == nil && len(info.LicenseNames) != len(info.LicenseTexts) {
		err = fmt.Errorf("%d license names but %d license texts", len(info.LicenseNames), len(info.LicenseTexts))
	}
	if err != nil {
		return pkginfo.RepositoryInfo{}, fmt.Errorf("%w: repository info: %w", ErrFormat, err)
	}
	return info, nil
}
