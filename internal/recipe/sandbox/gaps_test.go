package sandbox

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// bashValues runs src in the host's bash (when there is one; only tests do
// this) and returns the values of the given variables.
func bashValues(t *testing.T, src string, names []string) map[string]string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		return nil
	}
	script := "set -e\n" + src + "\n"
	for _, n := range names {
		script += "printf '%s=%s\\0' " + n + " \"${" + n + "}\"\n"
	}
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", script).Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	m := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// Regression tests for the places where mvdan.cc/sh v3.14.1 differs from
// bash on recipes; the wanted values are bash 5.2's.
func TestInterpreterGaps(t *testing.T) {
	cases := []struct {
		name, src string
		want      map[string]string
	}{
		{"printf -v", `printf -v out "%s-%03d" abc 7; printf -v 'arr[1]' %s x; f() { local l; printf -v l %s in; g=$l; }; f`,
			map[string]string{"out": "abc-007", "g": "in"}},
		{"printf -v repeats format", `printf -v out "%s," a b c`, map[string]string{"out": "a,b,c,"}},
		{"anchored prefix on array (sg3_utils)", `prefix=/p; a=(x y); r=("${a[@]/#/$prefix\/bin/sg_}"); n=${#r[@]}; r1=${r[1]}`,
			map[string]string{"r": "/p/bin/sg_x", "r1": "/p/bin/sg_y", "n": "2"}},
		{"anchored prefix with pattern", `v=abcabc; p=${v/#ab/X}; q=${v/#bc/X}`, map[string]string{"p": "Xcabc", "q": "abcabc"}},
		{"anchored suffix", `v=abcabc; p=${v/%bc/X}; q=${v/%ab/X}; a=(1.so 2.so); r=("${a[@]/%.so/.a}")`,
			map[string]string{"p": "abcaX", "q": "abcabc", "r": "1.a"}},
		{"anchored glob is longest", `v=aaa; p=${v/#a*/X}`, map[string]string{"p": "X"}},
		{"anchored in arguments", `f() { out="$*"; }; a=(x y); f "${a[@]/#/-I}"`, map[string]string{"out": "-Ix -Iy"}},
		{"anchored in for list", `out=; for i in "${a[@]/#/-L}"; do out="$out$i,"; done`, map[string]string{"out": ""}},
		{"anchored in for list 2", `a=(1 2); out=; for i in "${a[@]/#/-L}"; do out="$out$i,"; done`, map[string]string{"out": "-L1,-L2,"}},
		{"escaped replacement (w3m)", `portVersion=0.5.3~git2023; u="v${portVersion/\~/\+}.tar.gz"; d=w3m-${portVersion/\~/\-}`,
			map[string]string{"u": "v0.5.3+git2023.tar.gz", "d": "w3m-0.5.3-git2023"}},
		{"escape in assignment", `a=x\+y; b=x\ y; c=\$HOME; d=a\\b`, map[string]string{"a": "x+y", "b": "x y", "c": "$HOME", "d": `a\b`}},
		{"escape in default word", `a=${unset:-x\+y}; b="${unset:-x\+y}"; c="${unset:-x\"y}"`,
			map[string]string{"a": "x+y", "b": `x\+y`, "c": `x"y`}},
		{"pattern escapes stay patterns", `v=3.02~a09; a=${v%\~*}; b=${v/\~/}; c=${v//\~*}`,
			map[string]string{"a": "3.02", "b": "3.02a09", "c": "3.02"}},
		{"typeset -l (libreoffice)", `for lang in pt-BR zh-CN; do typeset -l langcode; langcode=${lang/-/_}; eval "PROVIDES_${langcode}=x"; done`,
			map[string]string{"langcode": "zh_cn", "PROVIDES_pt_br": "x", "PROVIDES_zh_cn": "x"}},
		{"declare -l with value", `declare -l low=ABC; declare -u up=abc; up+=def`, map[string]string{"low": "abc", "up": "ABCDEF"}},
		{"local -l", `f() { local -l v=XY; out=$v; }; f`, map[string]string{"out": "xy"}},
		{"eval'd code is rewritten too", `eval 'x=a\+b; a=(q); y=("${a[@]/#/p}"); printf -v z %s ok'`,
			map[string]string{"x": "a+b", "y": "pq", "z": "ok"}},
		{"arrays set by element", `e[0]=x; e[1]=y`, map[string]string{"e": "x"}},
		{"shopt extglob (noto)", `shopt -s extglob; w=1`, map[string]string{"w": "1"}},
		{"sed word end (GNU \\>)", `v=$(echo 1.2.3 | sed -e 's/\.\([0-9]\>\)/0\1/g' -e 's/\.//g')`, map[string]string{"v": "10203"}},
		{"sed in for list (libpcre)", "PROVIDES=\"\n\tlibpcre = 1\n\tcmd:pcregrep = 1\n\tcmd:pcretest = 1\n\"\nl=; for i in `echo \"$PROVIDES\" | sed -n -e \"s/^[\\t]*cmd:\\(.*\\) =.*/\\1/p;\"`; do l=\"$l$i \"; done",
			map[string]string{"l": "pcregrep pcretest "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var names []string
			for k := range c.want {
				names = append(names, k)
			}
			if oracle := bashValues(t, c.src, names); oracle != nil {
				for k, want := range c.want {
					if oracle[k] != want {
						t.Errorf("test expects %s = %q but bash gives %q", k, want, oracle[k])
					}
				}
			}
			res, err := eval(t, c.src, Options{})
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			for k, want := range c.want {
				if got := res.Vars[k]; got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestRewrittenCodePrints checks that everything the rewriter produces
// prints back to bash that parses (eval'd code is handed over as text).
func TestRewrittenCodePrints(t *testing.T) {
	st := newState(&Options{MaxSource: DefaultMaxSource}, "t")
	src := `f() { a=x\+y; b=("${c[@]/#/p}"); typeset -l l; l=A; echo $$ $RANDOM | cat; sleep 1 & }
while :; do x=${y:-\'}; done
for i in {1..3}; do :; done
cat <(true)
`
	out, changed, err := st.rewriteText(src, "t")
	if err != nil || !changed {
		t.Fatalf("rewriteText: changed %v, %v", changed, err)
	}
	// (Not rewriteText: the recipe's own text may not use the sandbox's
	// reserved names, which the printed code is full of.)
	if _, err := parse(strings.NewReader(out), "t2"); err != nil {
		t.Fatalf("printed code does not parse again (%v): %s", err, out)
	}
	for _, want := range []string{cmdTick, cmdDepth, cmdBg, cmdProcSubst, internalPrefix + "pid", internalPrefix + "h1"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s missing from\n%s", want, out)
		}
	}
}

func TestRevisionReader(t *testing.T) {
	for in, want := range map[string]string{
		"REVISION=\"1\"\n":                "REVISION=\"1\"; updateRevisionVariables \n",
		"REVISION=\"1\" # x\nA=1":         "REVISION=\"1\"; updateRevisionVariables  # x\nA=1",
		"REVISION=1\n":                    "REVISION=1\n",
		"REVISION=\"1\nREVISION=\"2\"":    "REVISION=\"1\nREVISION=\"2\"; updateRevisionVariables ",
		"XREVISION=\"\" REVISION=\"3\"\n": "XREVISION=\"\"; updateRevisionVariables  REVISION=\"3\"; updateRevisionVariables \n",
		"SUMMARY=\"no revision here\"\n":  "SUMMARY=\"no revision here\"\n",
		"REVISION=\"1\r\"\n":              "REVISION=\"1\r\"\n",
		"REVISION=\"1\u2028\"\n":          "REVISION=\"1\u2028\"\n",
		"REVISION=\"é\"\n":                "REVISION=\"é\"; updateRevisionVariables \n",
		"# REVISION=\"9\" in a comment\n": "# REVISION=\"9\"; updateRevisionVariables  in a comment\n",
	} {
		if got, _ := io.ReadAll(revisionReader([]byte(in))); string(got) != want {
			t.Errorf("revisionReader(%q) reads %q, want %q", in, got, want)
		}
	}
}

// TestBraceCountUnclosed: a word of unclosed '{' (under the nesting bound)
// was counted in time exponential in their number; found by FuzzPreset.
func TestBraceCountUnclosed(t *testing.T) {
	for _, n := range []int{30, 1990} {
		src := "0!!!" + strings.Repeat("{", n) + "!!!!0*\n"
		t0 := time.Now()
		if got := braceCount(src); got != 1 {
			t.Errorf("%d unclosed braces: count %d, want 1", n, got)
		}
		if _, err := Eval(context.Background(), []byte(src), "t.recipe", Options{Timeout: time.Second}); err != nil && !errors.Is(err, ErrFailed) {
			t.Errorf("%d unclosed braces: %v", n, err)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%d unclosed braces took %v", n, d)
		}
	}
	if got := braceCount("{a,b}{" + strings.Repeat("{", 500) + "{c,d,e}"); got != 6 {
		t.Errorf("count %d, want 6", got)
	}
}
