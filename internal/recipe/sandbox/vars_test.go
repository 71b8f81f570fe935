package sandbox

import (
	"path/filepath"
	"strings"
)

// testVars returns the variables HaikuPorter (8c51a31, Linux host, x86_64
// target, no secondary architecture, not a cross repository) sets for a
// recipe file name-version.recipe in portDir, for parsing (REVISION unknown).
func testVars(recipePath string) []Var {
	base := strings.TrimSuffix(filepath.Base(recipePath), ".recipe")
	name, version, _ := strings.Cut(base, "-")
	if i := strings.LastIndex(base, "-"); i > 0 {
		name, version = base[:i], base[i+1:]
	}
	portDir := filepath.Dir(recipePath)
	vs := []Var{
		{"portName", name},
		{"portBaseName", name},
		{"portVersion", version},
		{"portVersionedName", name + "-" + version},
		{"portBaseDir", portDir},
		{"haikuVersion", "r1~alpha1"},
		{"buildArchitecture", "x86_64"},
		{"targetArchitecture", "x86_64"},
		{"jobs", "1"},
		{"isCrossRepository", "false"},
		{"portRevision", "$REVISION"},
		{"portFullVersion", version + "-$REVISION"},
		{"portRevisionedName", name + "-" + version + "-$REVISION"},
		{"packagerName", "kiln"},
		{"packagerEmail", "kiln@example.org"},
		{"secondaryArchSubDir", ""},
		{"secondaryArchSuffix", ""},
		{"effectiveTargetArchitecture", "x86_64"},
		{"effectiveTargetMachineTriple", "x86_64-unknown-haiku"},
		{"effectiveTargetMachineTripleAsName", "x86_64_unknown_haiku"},
	}
	links := "/packages/" + name + "-" + version + "-$REVISION"
	prefix := links + "/.self"
	vs = append(vs, Var{"portPackageLinksDir", links}, Var{"prefix", prefix}, Var{"sysconfDir", links + "/.settings"})
	rel := [][2]string{
		{"dataDir", "data"}, {"dataRootDir", "data"}, {"binDir", "bin"}, {"sbinDir", "bin"},
		{"libDir", "lib"}, {"includeDir", "develop/headers"}, {"oldIncludeDir", "develop/headers"},
		{"docDir", "documentation/packages/" + name}, {"infoDir", "documentation/info"},
		{"manDir", "documentation/man"}, {"libExecDir", "lib"}, {"sharedStateDir", "var"},
		{"localStateDir", "var"},
		{"addOnsDir", "add-ons"}, {"appsDir", "apps"}, {"debugInfoDir", "develop/debug"},
		{"developDir", "develop"}, {"developDocDir", "develop/documentation/" + name},
		{"developLibDir", "develop/lib"}, {"documentationDir", "documentation"},
		{"fontsDir", "data/fonts"}, {"postInstallDir", "boot/post-install"},
		{"preUninstallDir", "boot/pre-uninstall"}, {"preferencesDir", "preferences"},
		{"settingsDir", "settings"},
	}
	for _, r := range rel {
		vs = append(vs, Var{"relative" + strings.ToUpper(r[0][:1]) + r[0][1:], r[1]}, Var{r[0], prefix + "/" + r[1]})
	}
	vs = append(vs,
		Var{"SOURCE_DIR", name + "-" + version},
		Var{"supportedKeysPattern", "SUMMARY|DESCRIPTION|PROVIDES|REQUIRES"},
		Var{"fileToParse", recipePath},
	)
	return vs
}
