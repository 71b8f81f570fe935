package recipe

import (
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/recipe/sandbox"
)

// shellVar is one variable HaikuPorter sets before sourcing a recipe (the
// sandbox's type, so that the list is handed over as it is).
type shellVar = sandbox.Var

// shellVariables returns the variables HaikuPorter's recipe evaluator sets
// for a port version on a target, in its order, with $REVISION still
// unexpanded in the revision-dependent ones (they are re-evaluated by
// updateRevisionVariables once the recipe sets REVISION).
func shellVariables(name, baseName, version, portDir, targetArch, secondary string, s *Settings) []shellVar {
	vars := make([]shellVar, 0, 96) // all of them, without growing
	vars = append(vars, []shellVar{
		{Name: "portName", Value: name},
		{Name: "portBaseName", Value: baseName},
		{Name: "portVersion", Value: version},
		{Name: "portVersionedName", Value: name + "-" + version},
		{Name: "portBaseDir", Value: portDir},
		{Name: "haikuVersion", Value: "r1~alpha1"},
		{Name: "buildArchitecture", Value: s.BuildArchitecture},
		{Name: "targetArchitecture", Value: targetArch},
		{Name: "jobs", Value: strconv.Itoa(s.Jobs)},
	}...)
	if s.Jobs > 1 {
		vars = append(vars, shellVar{Name: "jobArgs", Value: "-j" + strconv.Itoa(s.Jobs)})
	}
	vars = append(vars, shellVar{Name: "isCrossRepository", Value: "false"})

	revisionedName := name + "-" + version + "-$REVISION"
	vars = append(vars,
		shellVar{Name: "portRevision", Value: "$REVISION"},
		shellVar{Name: "portFullVersion", Value: version + "-$REVISION"},
		shellVar{Name: "portRevisionedName", Value: revisionedName},
		shellVar{Name: "packagerName", Value: s.PackagerName},
		shellVar{Name: "packagerEmail", Value: s.PackagerEmail},
	)
	subDir, suffix, effective := "", "", targetArch
	if secondary != "" {
		subDir, suffix, effective = "/"+secondary, "_"+secondary, secondary
	}
	triple := machineTriples[effective]
	vars = append(vars,
		shellVar{Name: "secondaryArchSubDir", Value: subDir},
		shellVar{Name: "secondaryArchSuffix", Value: suffix},
		shellVar{Name: "effectiveTargetArchitecture", Value: effective},
		shellVar{Name: "effectiveTargetMachineTriple", Value: triple},
		shellVar{Name: "effectiveTargetMachineTripleAsName", Value: strings.ReplaceAll(triple, "-", "_")},
	)
	links := s.PackageLinksDirectory + "/" + revisionedName
	prefix := links + "/.self"
	vars = append(vars, shellVar{Name: "portPackageLinksDir", Value: links})

	rel := func(d dirVar) string {
		r := d.dir
		if d.named {
			r += name
		}
		if d.sub {
			r += subDir
		}
		return r
	}
	rels := make([]string, len(relConfigure))
	for i, d := range relConfigure {
		rels[i] = rel(d)
		vars = append(vars, shellVar{Name: d.relative, Value: rels[i]})
	}
	args := make([]string, 0, 2+len(relConfigure))
	names := make([]string, 0, 2+len(relConfigure))
	cmake := make([]string, 0, 2+len(relConfigure))
	vars = append(vars, shellVar{Name: "prefix", Value: prefix}, shellVar{Name: "sysconfDir", Value: links + "/.settings"})
	args = append(args, "--prefix="+prefix, "--sysconfdir="+links+"/.settings")
	names = append(names, "prefix", "sysconfDir")
	for i, d := range relConfigure {
		abs := prefix + "/" + rels[i]
		vars = append(vars, shellVar{Name: d.name, Value: abs})
		args = append(args, d.arg+abs)
		names = append(names, d.name)
	}
	cmake = append(cmake, "-DCMAKE_INSTALL_PREFIX="+prefix, "-DCMAKE_INSTALL_SYSCONFDIR="+links+"/.settings")
	for i, d := range relConfigure {
		cmake = append(cmake, d.cmake+rels[i])
	}
	vars = append(vars,
		shellVar{Name: "configureDirArgs", Value: strings.Join(args, " ")},
		shellVar{Name: "cmakeDirArgs", Value: strings.Join(cmake, " ")},
		shellVar{Name: "configureDirVariables", Value: strings.Join(names, " ")},
	)
	for _, d := range otherDirs {
		r := rel(d)
		vars = append(vars, shellVar{Name: d.relative, Value: r}, shellVar{Name: d.name, Value: prefix + "/" + r})
	}
	vars = append(vars, shellVar{Name: "SOURCE_DIR", Value: baseName + "-" + version})
	return vars
}

func relativeName(n string) string {
	return "relative" + strings.ToUpper(n[:1]) + n[1:]
}

// dirVar is one of the directory variables HaikuPorter sets: name, its
// relative<Name> twin, the directory below the prefix, whether the port
// name and the secondary architecture's sub directory are appended, and
// the configure and cmake argument prefixes (computed once).
type dirVar struct {
	name, relative, dir string
	named, sub          bool
	arg, cmake          string
}

func dirVars(specs ...string) []dirVar {
	var out []dirVar
	for _, s := range specs {
		name, dir, _ := strings.Cut(s, " ")
		d, sub := strings.CutSuffix(dir, "+sub")
		d, named := strings.CutSuffix(d, "+name")
		out = append(out, dirVar{name: name, relative: relativeName(name), dir: d, named: named, sub: sub,
			arg: "--" + strings.ToLower(name) + "=", cmake: "-DCMAKE_INSTALL_" + strings.ToUpper(name) + "="})
	}
	return out
}

// relConfigure are the directories configure and cmake get (in order);
// otherDirs the other ones; "+name" marks those ending in the port name,
// "+sub" those that get the secondary architecture's sub directory.
var (
	relConfigure = dirVars("dataDir data", "dataRootDir data", "binDir bin+sub", "sbinDir bin+sub",
		"libDir lib+sub", "includeDir develop/headers+sub", "oldIncludeDir develop/headers+sub",
		"docDir documentation/packages/+name", "infoDir documentation/info", "manDir documentation/man",
		"libExecDir lib", "sharedStateDir var", "localStateDir var")
	otherDirs = dirVars("addOnsDir add-ons+sub", "appsDir apps", "debugInfoDir develop/debug",
		"developDir develop", "developDocDir develop/documentation/+name", "developLibDir develop/lib+sub",
		"documentationDir documentation", "fontsDir data/fonts", "postInstallDir boot/post-install",
		"preUninstallDir boot/pre-uninstall", "preferencesDir preferences", "settingsDir settings")
)
