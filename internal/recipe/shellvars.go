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
// updateRevisionVariables once the recipe sets REVISION). The values it
// composes share one buffer.
func shellVariables(name, baseName, version, portDir, targetArch, secondary string, s *Settings) []shellVar {
	linksLen := len(s.PackageLinksDirectory) + len(name) + len(version) + len("//-$REVISION/.settings")
	w := newVarWriter(48*linksLen + 2048) // room for all values, without growing
	w.set("portName", name)
	w.set("portBaseName", baseName)
	w.set("portVersion", version)
	w.begin("portVersionedName").add(name, "-", version)
	w.set("portBaseDir", portDir)
	w.set("haikuVersion", "r1~alpha1")
	w.set("buildArchitecture", s.BuildArchitecture)
	w.set("targetArchitecture", targetArch)
	w.set("jobs", strconv.Itoa(s.Jobs))
	if s.Jobs > 1 {
		w.begin("jobArgs").add("-j", strconv.Itoa(s.Jobs))
	}
	w.set("isCrossRepository", "false")

	w.set("portRevision", "$REVISION")
	w.begin("portFullVersion").add(version, "-$REVISION")
	w.begin("portRevisionedName").add(name, "-", version, "-$REVISION")
	w.set("packagerName", s.PackagerName)
	w.set("packagerEmail", s.PackagerEmail)
	subDir, effective := "", targetArch
	if secondary != "" {
		subDir, effective = "/"+secondary, secondary
		w.begin("secondaryArchSubDir").add("/", secondary)
		w.begin("secondaryArchSuffix").add("_", secondary)
	} else {
		w.set("secondaryArchSubDir", "")
		w.set("secondaryArchSuffix", "")
	}
	triple := machineTriples[effective]
	w.set("effectiveTargetArchitecture", effective)
	w.set("effectiveTargetMachineTriple", triple)
	w.set("effectiveTargetMachineTripleAsName", machineTripleNames[effective])

	// links: the package links directory, prefix: its .self (one string)
	prefix := s.PackageLinksDirectory + "/" + name + "-" + version + "-$REVISION/.self"
	links := prefix[:len(prefix)-len("/.self")]
	addRel := func(w *varWriter, d *dirVar) *varWriter {
		w.add(d.dir)
		if d.named {
			w.add(name)
		}
		if d.sub {
			w.add(subDir)
		}
		return w
	}
	w.set("portPackageLinksDir", links)
	for i := range relConfigure {
		d := &relConfigure[i]
		addRel(w.begin(d.relative), d)
	}
	w.set("prefix", prefix)
	w.begin("sysconfDir").add(links, "/.settings")
	for i := range relConfigure {
		d := &relConfigure[i]
		addRel(w.begin(d.name).add(prefix, "/"), d)
	}
	w.begin("configureDirArgs").add("--prefix=", prefix, " --sysconfdir=", links, "/.settings")
	for i := range relConfigure {
		d := &relConfigure[i]
		addRel(w.add(" ", d.arg, prefix, "/"), d)
	}
	w.begin("cmakeDirArgs").add("-DCMAKE_INSTALL_PREFIX=", prefix, " -DCMAKE_INSTALL_SYSCONFDIR=", links, "/.settings")
	for i := range relConfigure {
		d := &relConfigure[i]
		addRel(w.add(" ", d.cmake), d)
	}
	w.set("configureDirVariables", configureDirVariables)
	for i := range otherDirs {
		d := &otherDirs[i]
		addRel(w.begin(d.relative), d)
		addRel(w.begin(d.name).add(prefix, "/"), d)
	}
	w.begin("SOURCE_DIR").add(baseName, "-", version)
	return w.finish()
}

// maxShellVars bounds the number of variables shellVariables sets.
const maxShellVars = 96

// varWriter collects shell variables; the values it composes (begin, then
// add) are written to one buffer and cut out of it by finish.
type varWriter struct {
	vars   []shellVar
	buf    strings.Builder
	spans  [maxShellVars]varSpan
	nspans int
	open   bool // the last span is still being written
}

// varSpan is where a composed value is in the buffer.
type varSpan struct{ i, start, end int32 }

func newVarWriter(bytes int) *varWriter {
	w := &varWriter{vars: make([]shellVar, 0, maxShellVars)}
	w.buf.Grow(bytes)
	return w
}

// set adds a variable with the value as it is.
func (w *varWriter) set(name, value string) {
	w.end()
	w.vars = append(w.vars, shellVar{Name: name, Value: value})
}

// begin adds a variable whose value the following adds compose.
func (w *varWriter) begin(name string) *varWriter {
	w.end()
	w.vars = append(w.vars, shellVar{Name: name})
	w.spans[w.nspans] = varSpan{i: int32(len(w.vars) - 1), start: int32(w.buf.Len())}
	w.nspans++
	w.open = true
	return w
}

// add appends to the value begun last.
func (w *varWriter) add(parts ...string) *varWriter {
	for _, p := range parts {
		w.buf.WriteString(p)
	}
	return w
}

// end closes the value begun last, if open.
func (w *varWriter) end() {
	if w.open {
		w.spans[w.nspans-1].end = int32(w.buf.Len())
		w.open = false
	}
}

// finish returns the variables, their composed values cut out of the
// buffer.
func (w *varWriter) finish() []shellVar {
	w.end()
	all := w.buf.String()
	for _, sp := range w.spans[:w.nspans] {
		w.vars[sp.i].Value = all[sp.start:sp.end]
	}
	return w.vars
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

// configureDirVariables is $configureDirVariables: the names of the
// directories configure gets.
var configureDirVariables = func() string {
	names := []string{"prefix", "sysconfDir"}
	for _, d := range relConfigure {
		names = append(names, d.name)
	}
	return strings.Join(names, " ")
}()

// machineTripleNames are the machine triples as names ('-' made '_').
var machineTripleNames = func() map[string]string {
	m := make(map[string]string, len(machineTriples))
	for a, t := range machineTriples {
		m[a] = strings.ReplaceAll(t, "-", "_")
	}
	return m
}()
