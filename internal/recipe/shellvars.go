package recipe

import (
	"strconv"
	"strings"
)

// shellVar is one variable HaikuPorter sets before sourcing a recipe.
type shellVar struct{ name, value string }

// shellVariables returns the variables HaikuPorter's recipe evaluator sets
// for a port version on a target, in its order, with $REVISION still
// unexpanded in the revision-dependent ones (they are re-evaluated by
// updateRevisionVariables once the recipe sets REVISION).
func shellVariables(name, baseName, version, portDir, targetArch, secondary string, s *Settings) []shellVar {
	vars := make([]shellVar, 0, 96) // all of them, without growing
	vars = append(vars, []shellVar{
		{"portName", name},
		{"portBaseName", baseName},
		{"portVersion", version},
		{"portVersionedName", name + "-" + version},
		{"portBaseDir", portDir},
		{"haikuVersion", "r1~alpha1"},
		{"buildArchitecture", s.BuildArchitecture},
		{"targetArchitecture", targetArch},
		{"jobs", strconv.Itoa(s.Jobs)},
	}...)
	if s.Jobs > 1 {
		vars = append(vars, shellVar{"jobArgs", "-j" + strconv.Itoa(s.Jobs)})
	}
	vars = append(vars, shellVar{"isCrossRepository", "false"})

	revisionedName := name + "-" + version + "-$REVISION"
	vars = append(vars,
		shellVar{"portRevision", "$REVISION"},
		shellVar{"portFullVersion", version + "-$REVISION"},
		shellVar{"portRevisionedName", revisionedName},
		shellVar{"packagerName", s.PackagerName},
		shellVar{"packagerEmail", s.PackagerEmail},
	)
	subDir, suffix, effective := "", "", targetArch
	if secondary != "" {
		subDir, suffix, effective = "/"+secondary, "_"+secondary, secondary
	}
	triple := machineTriples[effective]
	vars = append(vars,
		shellVar{"secondaryArchSubDir", subDir},
		shellVar{"secondaryArchSuffix", suffix},
		shellVar{"effectiveTargetArchitecture", effective},
		shellVar{"effectiveTargetMachineTriple", triple},
		shellVar{"effectiveTargetMachineTripleAsName", strings.ReplaceAll(triple, "-", "_")},
	)
	links := s.PackageLinksDirectory + "/" + revisionedName
	prefix := links + "/.self"
	vars = append(vars, shellVar{"portPackageLinksDir", links})

	relConfigure := [][2]string{
		{"dataDir", "data"},
		{"dataRootDir", "data"},
		{"binDir", "bin" + subDir},
		{"sbinDir", "bin" + subDir},
		{"libDir", "lib" + subDir},
		{"includeDir", "develop/headers" + subDir},
		{"oldIncludeDir", "develop/headers" + subDir},
		{"docDir", "documentation/packages/" + name},
		{"infoDir", "documentation/info"},
		{"manDir", "documentation/man"},
		{"libExecDir", "lib"},
		{"sharedStateDir", "var"},
		{"localStateDir", "var"},
	}
	configure := [][2]string{{"prefix", prefix}, {"sysconfDir", links + "/.settings"}}
	for _, d := range relConfigure {
		vars = append(vars, shellVar{relativeName(d[0]), d[1]})
		configure = append(configure, [2]string{d[0], prefix + "/" + d[1]})
	}
	args := make([]string, 0, len(configure))
	names := make([]string, 0, len(configure))
	cmake := make([]string, 0, 2+len(relConfigure))
	for _, d := range configure {
		vars = append(vars, shellVar{d[0], d[1]})
		args = append(args, "--"+strings.ToLower(d[0])+"="+d[1])
		names = append(names, d[0])
	}
	cmake = append(cmake, "-DCMAKE_INSTALL_PREFIX="+prefix, "-DCMAKE_INSTALL_SYSCONFDIR="+links+"/.settings")
	for _, d := range relConfigure {
		cmake = append(cmake, "-DCMAKE_INSTALL_"+strings.ToUpper(d[0])+"="+d[1])
	}
	vars = append(vars,
		shellVar{"configureDirArgs", strings.Join(args, " ")},
		shellVar{"cmakeDirArgs", strings.Join(cmake, " ")},
		shellVar{"configureDirVariables", strings.Join(names, " ")},
	)
	other := [][2]string{
		{"addOnsDir", "add-ons" + subDir},
		{"appsDir", "apps"},
		{"debugInfoDir", "develop/debug"},
		{"developDir", "develop"},
		{"developDocDir", "develop/documentation/" + name},
		{"developLibDir", "develop/lib" + subDir},
		{"documentationDir", "documentation"},
		{"fontsDir", "data/fonts"},
		{"postInstallDir", "boot/post-install"},
		{"preUninstallDir", "boot/pre-uninstall"},
		{"preferencesDir", "preferences"},
		{"settingsDir", "settings"},
	}
	for _, d := range other {
		vars = append(vars, shellVar{relativeName(d[0]), d[1]}, shellVar{d[0], prefix + "/" + d[1]})
	}
	vars = append(vars, shellVar{"SOURCE_DIR", baseName + "-" + version})
	return vars
}

func relativeName(n string) string {
	return "relative" + strings.ToUpper(n[:1]) + n[1:]
}
