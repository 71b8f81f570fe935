package recipe

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// shellVariablesReference is shellVariables written plainly, one string
// at a time: the reference the one-buffer version is checked against.
func shellVariablesReference(name, baseName, version, portDir, targetArch, secondary string, s *Settings) []shellVar {
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

// TestShellVariables: the variables built in one buffer are those built
// one string at a time, for primary and secondary architectures, one or
// more jobs and other settings.
func TestShellVariables(t *testing.T) {
	def := DefaultSettings()
	linux := *referenceSettings(t)
	linux.Jobs = 4
	odd := DefaultSettings()
	odd.PackageLinksDirectory, odd.PackagerName, odd.PackagerEmail, odd.Jobs = "", "", "", 0
	tests := []struct {
		name, baseName, version, dir, target, secondary string
		st                                              *Settings
	}{
		{"zlib", "zlib", "1.3.2", "/t/sys-libs/zlib", "x86_64", "", &def},
		{"zlib_x86", "zlib", "1.3.2", "/t/sys-libs/zlib", "x86_gcc2", "x86", &def},
		{"zlib", "zlib", "1.3.2", "/t/sys-libs/zlib", "x86_gcc2", "", &linux},
		{"a_x86", "a", "1~beta2", "/a very/long/port/directory/name/that/goes/on", "x86_gcc2", "x86", &linux},
		{"x", "x", "0", "", "riscv64", "", &odd},
		{"é", "é", "1.0", "/ü", "arm64", "", &odd},
	}
	for _, tt := range tests {
		got := shellVariables(tt.name, tt.baseName, tt.version, tt.dir, tt.target, tt.secondary, tt.st)
		want := shellVariablesReference(tt.name, tt.baseName, tt.version, tt.dir, tt.target, tt.secondary, tt.st)
		if !slices.Equal(got, want) {
			t.Errorf("%s on %s/%s:\n got %q\nwant %q", tt.name, tt.target, tt.secondary, got, want)
		}
	}
}

func BenchmarkShellVariables(b *testing.B) {
	st := DefaultSettings()
	b.ReportAllocs()
	for b.Loop() {
		shellVariables("zlib_x86", "zlib", "1.3.2", "/t/sys-libs/zlib", "x86_gcc2", "x86", &st)
	}
}
