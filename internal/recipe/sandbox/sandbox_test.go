package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func eval(t *testing.T, src string, opts Options) (*Result, error) {
	t.Helper()
	return Eval(context.Background(), []byte(src), t.Name(), opts)
}

func mustEval(t *testing.T, src string, opts Options) *Result {
	t.Helper()
	res, err := eval(t, src, opts)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	return res
}

// portDir makes a port directory with a few files.
func portDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "patches"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "additional-files"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "patches", "foo-1.0.patchset"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "additional-files", "extra.sh"),
		[]byte("EXTRA=\"from file\"\nEXTRA_V=${portVersion/\\~/\\+}\n"), 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestVariablesAndFunctions(t *testing.T) {
	res := mustEval(t, `
SUMMARY="A test"
PROVIDES="
	foo = $portVersion
	"
arr=(one two three)
declare -A assoc=([0]=zero [k]=v)
BUILD()
{
	make
}
INSTALL() { true; }
`, Options{Vars: []Var{{"portVersion", "1.2"}}})
	for name, want := range map[string]string{
		"SUMMARY":     "A test",
		"PROVIDES":    "\n\tfoo = 1.2\n\t",
		"arr":         "one",  // ${!key} of an array is element 0
		"assoc":       "zero", // and of an associative array key "0"
		"portVersion": "1.2",
	} {
		if got := res.Vars[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := strings.Join(res.Arrays["arr"], ","); got != "one,two,three" {
		t.Errorf("arr elements %q", got)
	}
	for _, f := range []string{"BUILD", "INSTALL", "defineDebugInfoPackage", "getPackagePrefix", "updateRevisionVariables"} {
		if !res.HasFunc(f) {
			t.Errorf("function %s missing from %v", f, res.Funcs)
		}
	}
	if res.HasFunc("PATCH") || res.HasFunc("TEST") {
		t.Errorf("undefined phases reported: %v", res.Funcs)
	}
}

func TestRevisionVariables(t *testing.T) {
	vars := []Var{
		{"portVersion", "1.0"},
		{"portRevision", "$REVISION"},
		{"portFullVersion", "1.0-$REVISION"},
		{"prefix", "/packages/foo-1.0-$REVISION/.self"},
		{"libDir", "/packages/foo-1.0-$REVISION/.self/lib"},
	}
	res := mustEval(t, `
before="$prefix"
REVISION="3"
after="$prefix"
lib=$libDir
`, Options{Vars: vars})
	for name, want := range map[string]string{
		"before":          "/packages/foo-1.0-$REVISION/.self",
		"after":           "/packages/foo-1.0-3/.self",
		"lib":             "/packages/foo-1.0-3/.self/lib",
		"portFullVersion": "1.0-3",
		"portRevision":    "3",
	} {
		if got := res.Vars[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := res.Vars["revisionVariables"]; ok {
		t.Error("revisionVariables not unset by updateRevisionVariables")
	}
	// HaikuPorter's rewrite is textual: only REVISION="…" triggers it.
	res = mustEval(t, "REVISION=4\nx=$portRevision\n", Options{Vars: vars})
	if res.Vars["x"] != "$REVISION" {
		t.Errorf("unquoted REVISION re-evaluated: %q", res.Vars["x"])
	}
}

func TestDefineDebugInfoPackage(t *testing.T) {
	vars := []Var{
		{"portVersion", "2.0"},
		{"portRevisionedName", "foo-2.0-1"},
		{"debugInfoDir", "/p/develop/debug"},
		{"libDir", "/p/lib"},
	}
	res := mustEval(t, `
defineDebugInfoPackage foo "$libDir"/libfoo-bar.so.2 /p/bin/foo
`, Options{Vars: vars})
	wantProvides := "foo_debuginfo = 2.0\n" +
		`"debuginfo:libfoo_bar.so.2(foo)" = 2.0` + "\n" +
		`"debuginfo:foo(foo)" = 2.0`
	if got := res.Vars["PROVIDES_debuginfo"]; got != wantProvides {
		t.Errorf("PROVIDES_debuginfo = %q, want %q", got, wantProvides)
	}
	if got := res.Vars["REQUIRES_debuginfo"]; got != "foo == 2.0 base" {
		t.Errorf("REQUIRES_debuginfo = %q", got)
	}
	if got := strings.Join(res.Arrays["DEBUG_INFO_PATHS_debuginfo"], ","); got != "/p/lib/libfoo-bar.so.2,/p/bin/foo" {
		t.Errorf("paths %q", got)
	}
	if got := res.Arrays["DEBUG_INFO_DEBUG_INFOS_debuginfo"]; len(got) != 2 || got[1] != "/p/develop/debug/foo(foo-2.0-1).debuginfo" {
		t.Errorf("debug infos %q", got)
	}
	if got := res.Vars["DEBUG_INFO_PACKAGES"]; got != " debuginfo" {
		t.Errorf("DEBUG_INFO_PACKAGES %q", got)
	}

	_, err := eval(t, "defineDebugInfoPackage onlyone\n", Options{Vars: vars})
	if !errors.Is(err, ErrFailed) {
		t.Errorf("usage error: %v, want ErrFailed", err)
	}
}

func TestGetPackagePrefixOnMaster(t *testing.T) {
	// The package links never exist where recipes are evaluated: the
	// substitution is empty and the recipe goes on.
	res := mustEval(t, `f() { x="$*"; }; f "$(getPackagePrefix tools)/bin/foo"`, Options{Vars: []Var{
		{"portName", "foo"}, {"portPackageLinksDir", "/packages/foo-1-1"}, {"portFullVersion", "1-1"},
	}})
	if res.Vars["x"] != "/bin/foo" {
		t.Errorf("x = %q", res.Vars["x"])
	}
	if !strings.Contains(res.Stderr, "getPackagePrefix") {
		t.Errorf("stderr %q", res.Stderr)
	}
}

func TestSetE(t *testing.T) {
	for _, src := range []string{
		"false\nSUMMARY=x\n",
		"x=$(false)\n",
		"exit 0\n",
		"${undefined:?not set}\n",
		"source missing-file.sh\n",
	} {
		if _, err := eval(t, src, Options{}); !errors.Is(err, ErrFailed) {
			t.Errorf("%q: %v, want ErrFailed", src, err)
		}
	}
	for _, src := range []string{
		"false || true\n",
		"if false; then :; fi\n",
		"echo $(false)\n",
	} {
		if _, err := eval(t, src, Options{}); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	if _, err := eval(t, "SUMMARY=\"caf\xe9\"\n", Options{}); !errors.Is(err, ErrSyntax) {
		t.Errorf("err = %v, want ErrSyntax", err)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := eval(t, "SUMMARY=\"unterminated\n", Options{})
	if !errors.Is(err, ErrSyntax) || !strings.HasPrefix(err.Error(), "TestSyntaxError:1:9: ") {
		t.Errorf("err = %v", err)
	}
}

func TestRefusedCommands(t *testing.T) {
	for _, src := range []string{
		"rm -rf /\n",
		"x=$(rm -rf /)\n",
		"echo $(curl http://example.org)\n",
		"for i in $(ls /); do :; done\n",       // a for word list does not trip set -e
		"echo a | cat | true\n",                // nor a pipeline stage
		"true $(wget x) && :\n",                // nor an argument
		"/bin/sh -c true\n",                    // paths
		"date\n",                               // non-deterministic
		"sleep 10 &\n",                         // background
		":(){ :|:& };:\n",                      // fork bomb
		"cat <(echo x)\n",                      // process substitution
		"coproc true\n",                        // coprocess
		"echo x > out.txt\n",                   // writes
		"echo x >> /tmp/kiln-sandbox-test\n",   // writes
		"exec /bin/true\n",                     // exec
		"umask 0\n",                            // process state
		"type /etc/passwd\n",                   // host lookups
		"sed -i s/a/b/ file\n",                 // sed beyond the emulation
		"x=$(echo a | sed 's/a/b/w /tmp/x')\n", // sed write command
		"echo a | sed 'y/a/b/'\n",              // unsupported sed command
		"uname -a\n",                           // only -m is pinned
		"python3 -c 'print(1)'\n",              // only --version
		"x=$(printf '%*s' 100000000 x)\n",      // huge widths
		"eval 'rm -rf /'\n",                    // eval'd code
		"f() { rm -rf /; }; f\n",               // functions
		"x=`rm -rf /`\n",                       // backticks
		"if rm -rf /; then :; fi\n",            // conditions
		"! rm -rf /\n",                         // negation
		"rm -rf / || true\n",                   // or-lists
	} {
		_, err := eval(t, src, Options{})
		if !errors.Is(err, ErrRefused) && !errors.Is(err, ErrLimit) {
			t.Errorf("%q: %v, want ErrRefused", src, err)
		}
	}
	if _, err := os.Stat("/tmp/kiln-sandbox-test"); err == nil {
		t.Error("a file was written")
	}
}

func TestRefusalNamesCommand(t *testing.T) {
	_, err := eval(t, "for i in $(nonexistent-tool --flag); do :; done\n", Options{})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "nonexistent-tool") {
		t.Errorf("err = %v", err)
	}
}

func TestFileAccess(t *testing.T) {
	dir := portDir(t)
	outside := t.TempDir()
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("SECRET=1\n"), 0o644))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")))
	opts := Options{Dir: dir, Vars: []Var{{"portVersion", "1.0~rc1"}, {"portDir", dir}}}

	res := mustEval(t, `
source $portDir/additional-files/extra.sh
. additional-files/extra.sh
[ -e patches/foo-1.0.patchset ] && hasPatch=yes
[ -d "$portDir/patches" ] && hasDir=yes
[ -e `+outside+`/secret ] && seesOutside=yes
[ -e /etc/passwd ] && seesEtc=yes
[ -e /dev/null ] && devNull=yes
patches=(patches/*)
echo hidden >/dev/null
here=$(pwd)
`, opts)
	for name, want := range map[string]string{
		"EXTRA": "from file", "EXTRA_V": "1.0+rc1", "hasPatch": "yes", "hasDir": "yes",
		"devNull": "yes", "patches": "patches/foo-1.0.patchset", "here": dir, "PWD": dir,
	} {
		if got := res.Vars[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"seesOutside", "seesEtc"} {
		if _, ok := res.Vars[name]; ok {
			t.Errorf("%s: a path outside the port directory is visible", name)
		}
	}
	// A symlink out of the port directory does not lead anywhere.
	if _, err := eval(t, "source link\n", opts); err == nil {
		t.Error("sourcing a symlink to outside succeeded")
	}
	for _, src := range []string{
		"source " + outside + "/secret\n",
		"source ../" + filepath.Base(outside) + "/secret\n",
		"x=$(<" + outside + "/secret)\n[ -n \"$x\" ]\n",
		"source /etc/passwd\n",
	} {
		if res, err := eval(t, src, opts); err == nil {
			t.Errorf("%q: read outside the port directory (SECRET=%q)", src, res.Vars["SECRET"])
		}
	}
	// Without Dir, nothing is readable.
	if _, err := eval(t, "source "+dir+"/additional-files/extra.sh\n", Options{}); err == nil {
		t.Error("read without Dir")
	}
}

func TestPinnedValues(t *testing.T) {
	src := `
pid=$$ pid2=${$} ppid=$PPID r1=$RANDOM r2=$((RANDOM % 1000)) sub=$(echo $$)
home=$HOME uid=$UID arch=$(uname -m) py=$(python3 --version 2>&1 | sed 's/Python //' | head -c4)
`
	a := mustEval(t, src, Options{Arch: "riscv64"})
	b := mustEval(t, src, Options{Arch: "riscv64"})
	for _, name := range []string{"pid", "pid2", "ppid", "r1", "r2", "sub", "home", "uid"} {
		if a.Vars[name] == "" || a.Vars[name] != b.Vars[name] {
			t.Errorf("%s not pinned: %q vs %q", name, a.Vars[name], b.Vars[name])
		}
		if strings.Contains(a.Vars[name], strconv.Itoa(os.Getpid())) {
			t.Errorf("%s leaks the host pid", name)
		}
	}
	if a.Vars["arch"] != "riscv64" || a.Vars["py"] != "3.10" {
		t.Errorf("arch %q python %q", a.Vars["arch"], a.Vars["py"])
	}
	if h, _ := os.UserHomeDir(); h != "" && a.Vars["home"] == h {
		t.Error("host HOME leaks")
	}
}

func TestLimits(t *testing.T) {
	cases := map[string]string{
		"while true":       "while true; do :; done\n",
		"while [[ ]]":      "while [[ 1 ]]; do x=1; done\n",
		"until":            "until false; do :; done\n",
		"c-style for":      "for ((;;)); do :; done\n",
		"recursion":        "f() { f; }; f\n",
		"mutual recursion": "f() { g; }; g() { f; }; f\n",
		"1 GiB string":     "x=a; while :; do x=$x$x; done\n",
		"string in func":   "f() { x=$x$x$x$x; f; }; x=aaaa; f\n",
		"many variables":   "x=$(printf '%100000s' a); i=0; while :; do eval \"v$i=\\$x\"; i=$((i+1)); done\n",
		"brace bomb":       "echo {1..1000000000}\n",
		"brace product":    "echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}\n",
		"output":           "while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done\n",
		"pipes":            "while :; do echo a | true; done\n",
		"printf width":     "printf '%999999999s' x\n",
		"huge argument":    `x=$(printf "%900000s" a); f() { :; }; f "$x$x$x"`,
		"sleepless spin":   "while :; do let ++x; done\n",
		"one statement":    "x=$(printf '%200000s' a); y=$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x$x\n",
		"quadratic":        "x=$(printf '%1000s' a); y=${x// /$x}\n",
		"doubling chain":   "a=$(printf '%60000s' a); b=$a$a; c=$b$b; d=$c$c; e=$d$d; f=$e$e\n",
		"brace times ref":  "x=$(printf '%10000s' a); y=\"$x\"{1..100}\n",
		"array copies":     "x=$(printf '%100000s' a); a=(\"$x\" \"$x\" \"$x\"); b=(\"${a[@]}\" \"${a[@]}\")\n",
		"many statements":  "x=$(printf '%200000s' a)\n" + strings.Repeat("y=p$x\n", 400),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := eval(t, src, Options{Timeout: 5 * time.Second})
			if !errors.Is(err, ErrLimit) && !errors.Is(err, ErrRefused) {
				t.Errorf("err = %v, want ErrLimit", err)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	start := time.Now()
	_, err := eval(t, "while :; do :; done\n", Options{Timeout: 50 * time.Millisecond, MaxCalls: 1 << 40})
	if !errors.Is(err, ErrLimit) || !errors.Is(err, ErrTimeLimit) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Eval(ctx, []byte("x=1\n"), "x", Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, src := range []string{":(){ :|:& };:\n", "while :; do echo a | true; done\n", "x=$(echo a | sed s/a/b/)\n"} {
		eval(t, src, Options{})
	}
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}

func TestInternalNamesHidden(t *testing.T) {
	res := mustEval(t, "f() { :; }; f; for i in a; do :; done; echo $$ | true\nx=(a b); y=(\"${x[@]/#/p}\")\n", Options{})
	for name := range res.Vars {
		if strings.HasPrefix(name, internalPrefix) {
			t.Errorf("internal variable %s in result", name)
		}
	}
}

func TestFileReadBudget(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("x", 3<<20)), 0o644))
	_, err := eval(t, "y=$(<big)"+strings.Repeat("$(<big)", 30)+"\n", Options{Dir: dir})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("err = %v, want ErrLimit", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "huge"), make([]byte, DefaultMaxSource+1), 0o644))
	if _, err := eval(t, "y=$(<huge)\n", Options{Dir: dir}); !errors.Is(err, ErrLimit) {
		t.Errorf("huge file: err = %v, want ErrLimit", err)
	}
}

func TestInvalidVarName(t *testing.T) {
	for _, n := range []string{"", "a b", "1x", "x;rm", internalPrefix + "pid"} {
		if _, err := eval(t, "x=1\n", Options{Vars: []Var{{n, "v"}}}); err == nil || !strings.Contains(err.Error(), "invalid variable name") {
			t.Errorf("%q: err = %v", n, err)
		}
	}
}

func TestFailureNamesCommand(t *testing.T) {
	_, err := eval(t, "SUMMARY=x\nfalse\nDESCRIPTION=y\n", Options{})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), `last command "false" at 2:1`) {
		t.Errorf("err = %v", err)
	}
}
