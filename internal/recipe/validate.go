package recipe

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// portContext is what validation needs to know about the port version
// being evaluated besides the recipe's values.
type portContext struct {
	name          string // port name, with _<secondary arch> for secondary ports
	baseName      string // port name as in the recipe file name
	version       string
	file          string // recipe path, for messages
	dir           string // port directory (holds patches/, licenses/)
	meta          bool   // category meta-ports: no HOMEPAGE or SOURCE_URI needed
	effectiveArch string // target architecture, or the secondary architecture
	knownLicenses []string
	folders       *folders // the listings of dir's folders (portdir.go)
}

// recipeKeys are the values of every package extension after inheritance
// and defaults (HaikuPorter's recipeKeysByExtension): exts sorted, the
// base package ("") first, and their values in the same order.
type recipeKeys struct {
	exts []string
	pkgs []*attrValues
}

// Defaults that are the same value every time (no allocation; an empty
// list has no room to be written into).
var (
	emptyList    any = []string{}
	buildPhase   any = "BUILD"
	noIndexed    any = indexed(nil)
	noArchStatus any = archStatus(nil)
)

// defaultValue returns the default of an attribute (not to be modified).
func defaultValue(id attrID) any {
	a := &attributeTable[id]
	if a.indexable {
		return noIndexed
	}
	switch id {
	case attrBuildPackageActivationPhase:
		return buildPhase
	case attrDisableSourcePackage:
		return false
	case attrRevision:
		return 1
	case attrAdditionalFiles:
		return noIndexed // HaikuPorter's default is an empty dict
	case attrSecondaryArchitectures:
		return noArchStatus
	}
	switch a.typ {
	case typeList, typeProvides, typeRequires:
		return emptyList
	}
	return nil
}

// validate applies HaikuPorter's recipe validation: required keys,
// inheritance and defaults per package, SUMMARY, DESCRIPTION, LICENSE and
// COPYRIGHT rules, and unreferenced patches. It completes pr's values in
// place.
func validate(pr *parsedRecipe, pc *portContext) (*recipeKeys, error) {
	base, ok := pr.byExtension[""]
	if !ok {
		return nil, brokenf("no base package defined (in %s)", pc.file)
	}
	if base.has(attrPackageName) {
		return nil, brokenf("setting a custom name for the main package isn't supported (in %s)", pc.file)
	}
	if base.has(attrPackageVersion) {
		return nil, brokenf("setting a custom version for the main package isn't supported (in %s)", pc.file)
	}
	rk := &recipeKeys{exts: make([]string, 0, len(pr.byExtension))}
	for e := range pr.byExtension {
		rk.exts = append(rk.exts, e)
	}
	slices.Sort(rk.exts)
	rk.pkgs = make([]*attrValues, len(rk.exts))
	var allPatches []string
	for i, ext := range rk.exts {
		vals := pr.byExtension[ext]
		rk.pkgs[i] = vals
		for id := range numAttributes {
			a := &attributeTable[id]
			// A package extension inherits the base package's per-port
			// attributes (it has no key of them: what the parser files
			// there is an indexed key, not one of the extension's) and
			// the inheritable ones it does not set.
			if ext != "" && (a.ext == perPort || a.ext == perPackageInh && !vals.has(id)) {
				vals.v[id] = inherited(base, id, ext)
				continue
			}
			if !vals.has(id) {
				required := a.required
				if pc.meta && (id == attrHomepage || id == attrSourceURI) {
					required = false
				}
				if id == attrProvides && ext != "" {
					required = true
				}
				if required {
					return nil, brokenf("no %s found (in %s)", fullKey(a.name, ext), pc.file)
				}
				vals.v[id] = defaultValue(id)
			}
			if err := validateValue(id, ext, vals, pc, &allPatches); err != nil {
				return nil, err
			}
		}
	}
	if !pc.meta {
		if err := checkUnreferencedPatches(pc, allPatches); err != nil {
			return nil, err
		}
	}
	return rk, nil
}

// fullKey is an attribute's key in a package extension.
func fullKey(name, ext string) string {
	if ext == "" {
		return name
	}
	return name + "_" + ext
}

// inherited is the value a package extension inherits from the base
// package (validated): the same, but SUMMARY gets a suffix for typed
// packages (" (development files)").
func inherited(base *attrValues, id attrID, ext string) any {
	v := base.v[id]
	if id == attrSummary {
		if sfx, ok := summarySuffix[ext]; ok {
			s, _ := v.(string)
			return s + sfx
		}
	}
	return v
}

// validateValue applies the rules of one attribute to its value in an
// extension (given or default), collecting the base package's PATCHES.
func validateValue(id attrID, ext string, vals *attrValues, pc *portContext, allPatches *[]string) error {
	v := vals.v[id]
	switch id {
	case attrSummary:
		return validateSummary(fullKey("SUMMARY", ext), v, pc)
	case attrDescription:
		// HaikuPorter compares with SUMMARY of the same key set, which
		// only the base package's has (and only when given, as
		// DESCRIPTION comes first).
		var summary any
		if ext == "" {
			summary = vals.v[attrSummary]
		}
		return validateDescription(fullKey("DESCRIPTION", ext), v, summary, pc)
	case attrLicense:
		return validateLicense(fullKey("LICENSE", ext), v, pc)
	case attrCopyright:
		return validateCopyright(fullKey("COPYRIGHT", ext), v, pc)
	case attrPatches:
		idx, _ := v.(indexed)
		for _, l := range idx {
			for _, p := range stringList(l) {
				if !strings.HasPrefix(strings.TrimLeft(p, " \t"), "#") {
					*allPatches = append(*allPatches, p)
				}
			}
		}
	}
	return nil
}
func checkUnreferencedPatches(pc *portContext, allPatches []string) error {
	names := pc.folders.folder(pc.dir, folderPatches)
	if len(names) == 0 {
		return nil
	}
	present := make(map[string]bool, len(names))
	for _, n := range names {
		present[n] = true
	}
	versioned := pc.baseName + "-" + pc.version
	suffixes := []string{"", "-" + pc.effectiveArch, "-gcc4"}
	if pc.effectiveArch == "x86_gcc2" {
		suffixes[2] = "-gcc2"
	}
	for _, ext := range []string{"diff", "patch", "patchset"} {
		for _, sfx := range suffixes {
			name := versioned + sfx + "." + ext
			if present[name] && !slices.Contains(allPatches, name) {
				return brokenf("patch file %s is not referenced in PATCHES, so it will not be used (in %s)", name, pc.file)
			}
		}
	}
	return nil
}

func validateSummary(key string, v any, pc *portContext) error {
	s, _ := v.(string)
	switch {
	case s == "":
		return brokenf("no %s found (in %s)", key, pc.file)
	case strings.Contains(s, "\n"):
		return brokenf("%s must be a single line of text (%s)", key, pc.file)
	case strings.HasPrefix(strings.ToLower(s), pc.name):
		return brokenf("%s cannot start with the name of the port (%s)", key, pc.file)
	case isPyLower(firstRune(s)):
		return brokenf("%s must start with a capital letter (%s)", key, pc.file)
	case strings.HasSuffix(s, "."):
		return brokenf("%s cannot end in \".\" (%s)", key, pc.file)
	case strings.Count(s, " ") < 2:
		return brokenf("%s must have at least 3 words (%s)", key, pc.file)
	case len([]rune(s)) > 80:
		return brokenf("%s exceeds 80 chars (in %s)", key, pc.file)
	}
	return nil
}

// firstRune is []rune(s)[0] (s not empty), without converting all of s.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isPyLower reports whether a character is lower case (Python's islower
// on one character).
func isPyLower(r rune) bool { return unicode.IsLower(r) }

func validateDescription(key string, v, summary any, pc *portContext) error {
	d, _ := v.([]string)
	if len(d) == 0 {
		return brokenf("no %s found (in %s)", key, pc.file)
	}
	if s, ok := summary.(string); ok && joinedEqual(d, s) {
		return brokenf("%s cannot be the same as SUMMARY (in %s)", key, pc.file)
	}
	return nil
}

func validateLicense(key string, v any, pc *portContext) error {
	l, _ := v.([]string)
	if len(l) == 0 {
		return brokenf("no %s found (in %s)", key, pc.file)
	}
	var own []string
	listed := false
	for _, item := range l {
		if slices.Contains(pc.knownLicenses, item) {
			continue
		}
		if !pc.meta && !listed {
			listed = true
			own = pc.folders.folder(pc.dir, folderLicenses)
		}
		if !slices.Contains(own, item) {
			return brokenf("no match found for license %s (in %s)", item, pc.file)
		}
	}
	return nil
}

func validateCopyright(key string, v any, pc *portContext) error {
	c, _ := v.([]string)
	full := strings.Join(c, "\n")
	if len(c) == 0 {
		return brokenf("no %s found (in %s)", key, pc.file)
	}
	if strings.Contains(full, "@") {
		return brokenf("%s must not contain e-mail addresses (in %s)", key, pc.file)
	}
	lower := strings.ToLower(full)
	if strings.Contains(lower, "copyright") || strings.Contains(lower, "(c)") || strings.Contains(lower, "©") {
		return brokenf("%s must not contain \"COPYRIGHT\", \"(C)\", or © (in %s)", key, pc.file)
	}
	return nil
}

// joinedEqual reports whether strings.Join(l, "") == s, without joining.
func joinedEqual(l []string, s string) bool {
	for _, e := range l {
		var ok bool
		if s, ok = strings.CutPrefix(s, e); !ok {
			return false
		}
	}
	return s == ""
}
