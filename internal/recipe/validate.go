package recipe

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
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
}

// recipeKeys are the values per package extension keyed by base key, after
// inheritance and defaults (HaikuPorter's recipeKeysByExtension).
type recipeKeys map[string]map[string]any

// defaultValue returns a fresh default for an attribute.
func defaultValue(baseKey string) any {
	a := attributes[baseKey]
	if a.indexable {
		return indexed{}
	}
	switch baseKey {
	case "BUILD_PACKAGE_ACTIVATION_PHASE":
		return "BUILD"
	case "DISABLE_SOURCE_PACKAGE":
		return false
	case "REVISION":
		return 1
	case "ADDITIONAL_FILES":
		return indexed{} // HaikuPorter's default is an empty dict
	case "SECONDARY_ARCHITECTURES":
		return archStatus{}
	}
	switch a.typ {
	case typeList, typeProvides, typeRequires:
		return []string{}
	}
	return nil
}

// validate applies HaikuPorter's recipe validation: required keys,
// inheritance and defaults per package, SUMMARY, DESCRIPTION, LICENSE and
// COPYRIGHT rules, and unreferenced patches.
func validate(pr *parsedRecipe, pc *portContext) (recipeKeys, error) {
	base, ok := pr.byExtension[""]
	if !ok {
		return nil, brokenf("no base package defined (in %s)", pc.file)
	}
	if _, ok := base["PACKAGE_NAME"]; ok {
		return nil, brokenf("setting a custom name for the main package isn't supported (in %s)", pc.file)
	}
	if _, ok := base["PACKAGE_VERSION"]; ok {
		return nil, brokenf("setting a custom version for the main package isn't supported (in %s)", pc.file)
	}
	exts := make([]string, 0, len(pr.byExtension))
	for e := range pr.byExtension {
		exts = append(exts, e)
	}
	slices.Sort(exts)
	out := recipeKeys{}
	var allPatches []string
	providesRequired := false
	for _, ext := range exts {
		ents := pr.byExtension[ext]
		keys := make(map[string]any, len(attributeOrder))
		if ext != "" {
			providesRequired = true
		}
		for _, baseKey := range attributeOrder {
			a := attributes[baseKey]
			key := baseKey
			if ext != "" {
				key = baseKey + "_" + ext
				if _, ok := ents[key]; !ok {
					if a.ext == perPackageDef {
						keys[baseKey] = defaultValue(baseKey)
					} else {
						v := base[baseKey]
						if baseKey == "SUMMARY" {
							if sfx, ok := summarySuffix[ext]; ok {
								s, _ := v.(string)
								v = s + sfx
							}
						}
						keys[baseKey] = v
						continue
					}
				}
			}
			if _, ok := ents[key]; !ok {
				required := a.required
				if pc.meta && (baseKey == "HOMEPAGE" || baseKey == "SOURCE_URI") {
					required = false
				}
				if baseKey == "PROVIDES" && providesRequired {
					required = true
				}
				if required {
					return nil, brokenf("no %s found (in %s)", key, pc.file)
				}
				ents[key] = defaultValue(baseKey)
			}
			var err error
			switch baseKey {
			case "SUMMARY":
				err = validateSummary(key, ents, pc)
			case "DESCRIPTION":
				err = validateDescription(key, ents, pc)
			case "LICENSE":
				err = validateLicense(key, ents, pc)
			case "COPYRIGHT":
				err = validateCopyright(key, ents, pc)
			case "PATCHES":
				if idx, ok := ents[key].(indexed); ok {
					for _, v := range idx {
						l, _ := v.([]string)
						for _, p := range l {
							if !strings.HasPrefix(strings.TrimLeft(p, " \t"), "#") {
								allPatches = append(allPatches, p)
							}
						}
					}
				}
			}
			if err != nil {
				return nil, err
			}
			keys[baseKey] = ents[key]
		}
		out[ext] = keys
	}
	if !pc.meta {
		if err := checkUnreferencedPatches(pc, allPatches); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func checkUnreferencedPatches(pc *portContext, allPatches []string) error {
	des, err := os.ReadDir(filepath.Join(pc.dir, "patches"))
	if err != nil || len(des) == 0 {
		return nil
	}
	present := make(map[string]bool, len(des))
	for _, de := range des {
		present[de.Name()] = true
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

func validateSummary(key string, ents entries, pc *portContext) error {
	s, _ := ents[key].(string)
	switch {
	case s == "":
		return brokenf("no %s found (in %s)", key, pc.file)
	case strings.Contains(s, "\n"):
		return brokenf("%s must be a single line of text (%s)", key, pc.file)
	case strings.HasPrefix(strings.ToLower(s), pc.name):
		return brokenf("%s cannot start with the name of the port (%s)", key, pc.file)
	case isPyLower([]rune(s)[0]):
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

// isPyLower reports whether a character is lower case (Python's islower
// on one character).
func isPyLower(r rune) bool { return unicode.IsLower(r) }

func validateDescription(key string, ents entries, pc *portContext) error {
	d, _ := ents[key].([]string)
	if len(d) == 0 {
		return brokenf("no %s found (in %s)", key, pc.file)
	}
	if s, ok := ents["SUMMARY"].(string); ok && strings.Join(d, "") == s {
		return brokenf("%s cannot be the same as SUMMARY (in %s)", key, pc.file)
	}
	return nil
}

func validateLicense(key string, ents entries, pc *portContext) error {
	l, _ := ents[key].([]string)
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
			if des, err := os.ReadDir(filepath.Join(pc.dir, "licenses")); err == nil {
				for _, de := range des {
					own = append(own, de.Name())
				}
			}
		}
		if !slices.Contains(own, item) {
			return brokenf("no match found for license %s (in %s)", item, pc.file)
		}
	}
	return nil
}

func validateCopyright(key string, ents entries, pc *portContext) error {
	c, _ := ents[key].([]string)
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
