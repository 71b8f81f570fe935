package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
	"github.com/haikuports/kiln/internal/testenv"
)

// storeFixture returns a directory store whose master/x86_64 target has two
// snapshots (tipster published, then removed), the repo.info it was
// published with, and the store flags.
func storeFixture(t *testing.T) (info string, flags []string) {
	t.Helper()
	dir := t.TempDir()
	info = filepath.Join(dir, "repo.info")
	if err := os.WriteFile(info, []byte(testRepoInfo), 0o644); err != nil {
		t.Fatal(err)
	}
	flags = []string{"--store", filepath.Join(dir, "store"), "--target", "master/x86_64"}
	mustRun(t, append([]string{"repo", "publish", "--info", info, testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}, flags...)...)
	mustRun(t, append([]string{"repo", "publish", "--remove", "tipster"}, flags...)...)
	return info, flags
}

// jsonCommands gives, for every command with --json, arguments that make
// it print JSON.
var jsonCommands = map[string]func(t *testing.T) []string{
	"kiln hpkg info": func(t *testing.T) []string {
		return []string{testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}
	},
	"kiln hpkg list": func(t *testing.T) []string {
		return []string{testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}
	},
	"kiln repo inspect": func(t *testing.T) []string { return []string{testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr")} },
	"kiln doctor":       func(t *testing.T) []string { return []string{"--data", t.TempDir()} },
	"kiln runs list":    func(t *testing.T) []string { return []string{"-c", builtDemo(t)} },
	"kiln runs show":    func(t *testing.T) []string { return []string{"-c", builtDemo(t), "last"} },
	"kiln runs prune":   func(t *testing.T) []string { return []string{"-c", builtDemo(t), "--dry-run"} },
	"kiln plan": func(t *testing.T) []string {
		hp, sys := planFixture(t)
		return []string{"app", "lonely", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	},
	"kiln plan why": func(t *testing.T) []string {
		hp, sys := planFixture(t)
		return []string{"app", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	},
	"kiln plan check": func(t *testing.T) []string {
		return []string{"--repo", testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"), "--system-packages", testenv.Fixture(t, "system-packages/x86_gcc2")}
	},
	"kiln ports list": func(t *testing.T) []string {
		return []string{"--tree", smallTree(t), "--licenses", licensesFile(t)}
	},
	"kiln ports show": func(t *testing.T) []string {
		return []string{"zlib", "--tree", smallTree(t), "--licenses", licensesFile(t)}
	},
	"kiln recipe eval": func(t *testing.T) []string {
		return []string{filepath.Join(smallTree(t), "sys-libs/zlib/zlib-1.3.2.recipe")}
	},
	"kiln repo diff": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{"head~1"}, f...)
	},
	"kiln repo list": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{"--snapshot", "head~1"}, f...)
	},
	"kiln repo snapshots": func(t *testing.T) []string { _, f := storeFixture(t); return f },
	"kiln repo verify":    func(t *testing.T) []string { _, f := storeFixture(t); return f },
	"kiln repo rollback": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{"head~1"}, f...)
	},
	"kiln repo build-packages": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{"r1", "tipster-1.1.1-1-x86_64.hpkg"}, f...)
	},
	"kiln repo mirror": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return []string{"--from", f[1], "--to", t.TempDir()}
	},
	"kiln repo prune": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{"--keep", "1", "--keep-age", "0", "--grace", "0"}, f...)
	},
	"kiln repo publish": func(t *testing.T) []string {
		_, f := storeFixture(t)
		return append([]string{testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")}, f...)
	},
	"kiln builder check": func(t *testing.T) []string {
		// A builder nothing answers for: the report is still JSON.
		dir := t.TempDir()
		testenv.WriteFile(t, dir, "known_hosts", "")
		testenv.WriteFile(t, dir, "b.json", `{"name":"b","portstree":{"path":"/t"},"ssh":{"host":"127.0.0.1","port":"1","user":"u","privateKey":"`+
			sshtest.NewKey(t).Base64()+`"}}`)
		return []string{"--all", "--builders", dir}
	},
	"kiln repo import": func(t *testing.T) []string {
		dir := t.TempDir()
		testenv.CopyTree(t, dir, filepath.Dir(testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")), "tipster-1.1.1-1-x86_64.hpkg")
		testenv.WriteFile(t, dir, "repo.info", testRepoInfo)
		return []string{dir, "--store", filepath.Join(t.TempDir(), "store")}
	},
}

// camelKey is a JSON object key kiln may print: camelCase (an initialism
// such as SHA256 or ID stays upper case after the first word).
var camelKey = regexp.MustCompile(`^[a-z][a-z0-9]*([A-Z][a-zA-Z0-9]*)*$`)

// mapKeys are objects whose keys are data (names), not field names.
var mapKeys = map[string]bool{
	".builds[].outputInfos": true, // runs show: package infos by file name
}

// badKeys returns the object keys of v that are not camelCase, with their
// path.
func badKeys(path string, v any, bad map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !camelKey.MatchString(k) && !mapKeys[path] {
				bad[path+"."+k] = true
			}
			badKeys(path+"."+k, x, bad)
		}
	case []any:
		for _, x := range v {
			badKeys(path+"[]", x, bad)
		}
	}
}

// TestJSONCamelCase runs every command that has --json, including those
// added later (they must be added to jsonCommands), and checks that every
// key it prints is camelCase (repo diff printed Go's From/To).
func TestJSONCamelCase(t *testing.T) {
	var cmds []string
	walkCommands(func(c *cobra.Command) {
		if c.Flags().Lookup("json") != nil {
			cmds = append(cmds, c.CommandPath())
		}
	})
	sort.Strings(cmds)
	for _, path := range cmds {
		t.Run(strings.ReplaceAll(path, " ", "_"), func(t *testing.T) {
			args, ok := jsonCommands[path]
			if !ok {
				t.Fatalf("%s has --json: add it to jsonCommands", path)
			}
			argv := append(append(strings.Fields(path)[1:], args(t)...), "--json")
			stdout, stderr, code := runMain(t, argv...)
			var v any
			if err := json.Unmarshal([]byte(stdout), &v); err != nil {
				t.Fatalf("%v: exit %d, not JSON (%v):\n%.500s\nstderr:\n%s", argv, code, err, stdout, stderr)
			}
			bad := map[string]bool{}
			badKeys("", v, bad)
			if len(bad) > 0 {
				var l []string
				for k := range bad {
					l = append(l, k)
				}
				sort.Strings(l)
				t.Errorf("%v: keys not camelCase: %s", argv, strings.Join(l, ", "))
			}
		})
	}
}

// TestJSONCommandsExist: every command jsonCommands names has --json
// (hpkg list had none).
func TestJSONCommandsExist(t *testing.T) {
	have := map[string]bool{}
	walkCommands(func(c *cobra.Command) {
		have[c.CommandPath()] = c.Flags().Lookup("json") != nil
	})
	for path := range jsonCommands {
		if !have[path] {
			t.Errorf("%s has no --json", path)
		}
	}
	stdout, _, code := runMain(t, "hpkg", "list", "--json", testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	var l []entryJSON
	if err := json.Unmarshal([]byte(stdout), &l); err != nil || code != 0 || len(l) != 17 {
		t.Fatalf("hpkg list --json: exit %d, %v, %d entries", code, err, len(l))
	}
	if e := l[1]; e.Path != "apps/Tipster" || e.Type != "file" || e.Mode != "-rwxr-xr-x" || e.Size != 153840 ||
		e.MTime == nil || e.MTime.Format("2006-01-02 15:04:05") != "2019-03-04 05:58:36" ||
		len(e.Attributes) == 0 || e.Attributes[0].Type != "MIMS" {
		t.Errorf("apps/Tipster: %+v", e)
	}
}

// demoPackageDir writes a directory "hpkg create" makes a package of.
func demoPackageDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".PackageInfo", `name demo
version 1.0-1
architecture x86_64
summary "A demo"
description "Demo package."
packager "kiln <kiln@example.com>"
vendor "Haiku Project"
licenses { "MIT" }
copyrights { "2026 kiln" }
provides { demo = 1.0-1 }
`)
	testenv.WriteFile(t, dir, "data/demo/readme", "demo\n")
	return dir
}

// TestResultOnceLogsWithVerbose: the commands that change something print
// their result on standard output once and log nothing by default (they
// logged "head moved" at INFO, and prune printed each action twice); -v
// shows the INFO log on standard error.
func TestResultOnceLogsWithVerbose(t *testing.T) {
	info, f := storeFixture(t)
	dir := t.TempDir()
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	for _, args := range [][]string{
		append([]string{"repo", "publish", tip}, f...),
		append([]string{"repo", "verify", "--deep"}, f...),
		append([]string{"repo", "rollback", "head~1"}, f...),
		append([]string{"repo", "rollback", "head~1"}, f...),
		append([]string{"repo", "prune", "--keep", "1", "--keep-age", "0", "--grace", "0", "--obsolete-retention", "-1ns"}, f...),
		{"repo", "create", "--info", info, "-o", filepath.Join(dir, "repo"), tip},
		{"hpkg", "create", "--dir", demoPackageDir(t), "-o", filepath.Join(dir, "demo.hpkg")},
	} {
		stdout, stderr, code := runMain(t, args...)
		if code != 0 || stderr != "" || stdout == "" {
			t.Errorf("%v: exit %d, stdout:\n%s\nstderr (want none):\n%s", args, code, stdout, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l] {
				t.Errorf("%v printed %q twice:\n%s", args, l, stdout)
			}
			seen[l] = true
		}
	}
	// The same with -v: INFO on standard error; -vv adds DEBUG.
	_, f = storeFixture(t)
	_, stderr, code := runMain(t, append([]string{"-v", "repo", "publish", tip}, f...)...)
	if code != 0 || !strings.Contains(stderr, "level=INFO msg=\"head moved\"") || strings.Contains(stderr, "level=DEBUG") {
		t.Errorf("publish -v: exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = runMain(t, "hpkg", "create", "-vv", "--dir", demoPackageDir(t), "-o", filepath.Join(dir, "demo2.hpkg"))
	if code != 0 || !strings.Contains(stderr, "level=DEBUG msg=\"package written\"") {
		t.Errorf("hpkg create -vv: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestSingular: a count of one is "1 package", not "1 packages".
func TestSingular(t *testing.T) {
	one := regexp.MustCompile(`(^|[\s(,;:])1 ([a-z]+ )?[a-z]+s\b`)
	info, f := storeFixture(t)
	tip := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	imp := t.TempDir()
	testenv.CopyTree(t, imp, filepath.Dir(tip), filepath.Base(tip))
	testenv.WriteFile(t, imp, "repo.info", testRepoInfo)
	hp, sys := planFixture(t)
	for _, args := range [][]string{
		append([]string{"repo", "publish", tip}, f...),
		append([]string{"repo", "publish", tip}, f...), // unchanged
		append([]string{"repo", "verify"}, f...),
		append([]string{"repo", "rollback", "head~1"}, f...),
		append([]string{"repo", "rollback", "head~1"}, f...),
		append([]string{"repo", "prune", "--keep", "1", "--keep-age", "0", "--grace", "0"}, f...),
		{"repo", "import", imp, "--store", filepath.Join(t.TempDir(), "store")},
		{"repo", "create", "--info", info, "-o", filepath.Join(t.TempDir(), "repo"), tip},
		{"plan", "check", "--repo", filepath.Join(imp, filepath.Base(tip)), "--system-packages", sys, "--arch", "x86_64"},
		{"plan", "zlib", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys, "--repo", filepath.Join(imp, filepath.Base(tip))},
	} {
		stdout, stderr, _ := runMain(t, args...)
		if m := one.FindString(stdout + stderr); m != "" {
			t.Errorf("%v: %q in:\n%s%s", args, m, stdout, stderr)
		}
	}
}

// TestHpkgCreateNamesOutput: an output file that cannot be written is
// named as given (the error named the temporary file).
func TestHpkgCreateNamesOutput(t *testing.T) {
	src := demoPackageDir(t)
	for _, out := range []string{"/nonexistent-kiln-dir/x.hpkg", t.TempDir()} {
		_, stderr, code := runMain(t, "hpkg", "create", "--dir", src, "-o", out)
		if code != 1 || !strings.HasPrefix(stderr, "kiln: hpkg create: "+out+": ") || strings.Contains(stderr, ".kiln-hpkg-") {
			t.Errorf("-o %s: exit %d, stderr:\n%s", out, code, stderr)
		}
	}
}
