package sandbox

import (
	"errors"
	"strings"
	"testing"
)

func runCmd(name, stdin string, args ...string) (string, uint8, error) {
	o := (&Options{}).withDefaults()
	st := newState(&o, "cmd")
	var out, errOut strings.Builder
	c := &cmdIO{st: st, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, name: name}
	status := commands[name](c, args)
	return out.String(), status, c.err
}

// The expected outputs are GNU coreutils/sed/grep's for the same input.
func TestEmulatedCommands(t *testing.T) {
	cases := []struct {
		cmd, stdin string
		args       []string
		want       string
		status     uint8
	}{
		// sed, in the forms recipes use
		{"sed", "1.2_3\n", []string{`s/\_/-/g`}, "1.2-3\n", 0},
		{"sed", "1.2.3\n", []string{`s/\./-/g`}, "1-2-3\n", 0},
		{"sed", "1.2.3\n", []string{`s/\.//g`}, "123\n", 0},
		{"sed", "1.2.3\n", []string{"s/\\./_/"}, "1_2.3\n", 0},
		{"sed", "1.2.13\n", []string{"-e", `s/\.\([0-9]\>\)/0\1/g`, "-e", `s/\.//g`}, "10213\n", 0},
		{"sed", "/boot/var\n", []string{"-e", `s/\//\\\//g`}, `\/boot\/var` + "\n", 0},
		{"sed", "Python 3.10.4\n", []string{"s/Python //"}, "3.10.4\n", 0},
		{"sed", "\tcmd:a = 1\n\tlib:b\n  cmd:c = 2\n", []string{"-n", "-e", `s/^\s*cmd://p`}, "a = 1\nc = 2\n", 0},
		{"sed", "\tcmd:foo_x86 = 1\n\tcmd:bar = 1\n", []string{"-n", "-e", `s/^[\t]*cmd:\(.*\)_x86 =.*/\1/p;`}, "foo\n", 0},
		{"sed", "a\n# c\nb\n", []string{"-e", `/^\s*#/ d;`}, "a\nb\n", 0},
		{"sed", "lib:mod_a\nlib:mod_b_x86\n", []string{"-n", "-e", `s/^\s*lib:\(mod_.*\)_x86/\1/p;`}, "mod_b\n", 0},
		{"sed", "a_b_c\n", []string{"-e", "s/_/-/g"}, "a-b-c\n", 0},
		{"sed", "abc", []string{"s/b/&&/"}, "abbc", 0},
		{"sed", "aaa\n", []string{"s/a/x/2"}, "axa\n", 0},
		{"sed", "x\ny\n", []string{"-n", "$p"}, "y\n", 0},
		{"sed", "x\ny\n", []string{"1d"}, "y\n", 0},
		{"sed", "a+b\n", []string{"-E", "s/(a)\\+(b)/\\2\\1/"}, "ba\n", 0},
		{"sed", "ABC\n", []string{"s/b/x/I"}, "AxC\n", 0},
		{"sed", "a.b\n", []string{"s,\\.,/,"}, "a/b\n", 0},
		// cut
		{"cut", "2023.1\n", []string{"-b1-4"}, "2023\n", 0},
		{"cut", "1.2.3~rc1\n", []string{"-d~", "-f1"}, "1.2.3\n", 0},
		{"cut", "abcdefghij\n", []string{"-c", "1-7"}, "abcdefg\n", 0},
		{"cut", "abcdefghij\n", []string{"-b3-7"}, "cdefg\n", 0},
		{"cut", "a.b.c\n", []string{"-d.", "-f2"}, "b\n", 0},
		{"cut", "a.b.c\n", []string{"-d", ".", "-f", "1,3"}, "a.c\n", 0},
		{"cut", "a.b.c\n", []string{"-d.", "-f2-"}, "b.c\n", 0},
		{"cut", "abc\n", []string{"-d.", "-f2"}, "abc\n", 0},
		{"cut", "abc\n", []string{"-s", "-d.", "-f2"}, "", 0},
		// tr
		{"tr", "1.2.3\n", []string{"-d", "."}, "123\n", 0},
		{"tr", "Pt-BR\n", []string{"[:upper:]", "[:lower:]"}, "pt-br\n", 0},
		{"tr", "ABC\n", []string{"[A-Z]", "[a-z]"}, "abc\n", 0},
		{"tr", "a  b\n", []string{"-s", " "}, "a b\n", 0},
		{"tr", "abc", []string{"a-c", "x"}, "xxx", 0},
		// head
		{"head", "3.10.4\n", []string{"-c4"}, "3.10", 0},
		{"head", "3.10.4\n", []string{"-c", "2"}, "3.", 0},
		{"head", "a\nb\nc\n", []string{"-n", "2"}, "a\nb\n", 0},
		{"head", "a\nb\nc\n", []string{"-1"}, "a\n", 0},
		// basename / dirname
		{"basename", "", []string{"/a/b/libfoo.so.1"}, "libfoo.so.1\n", 0},
		{"basename", "", []string{"/a/b/foo.tar.gz", ".gz"}, "foo.tar\n", 0},
		{"basename", "", []string{"/a/b/"}, "b\n", 0},
		{"basename", "", []string{"/"}, "/\n", 0},
		{"basename", "", []string{".gz", ".gz"}, ".gz\n", 0},
		{"basename", "", nil, "", 1},
		{"basename", "", []string{"a", "b", "c"}, "", 1},
		{"dirname", "", []string{"/packages/foo-1/.self"}, "/packages/foo-1\n", 0},
		{"dirname", "", []string{"foo"}, ".\n", 0},
		{"dirname", "", []string{"/foo"}, "/\n", 0},
		{"dirname", "", []string{"a//b//"}, "a\n", 0},
		// grep
		{"grep", "a\nno_debug\nb\n", []string{"-v", "no_debug"}, "a\nb\n", 0},
		{"grep", "a\nb\n", []string{"-q", "b"}, "", 0},
		{"grep", "a\nb\n", []string{"c"}, "", 1},
		{"grep", "ab\nAB\n", []string{"-i", "-c", "ab"}, "2\n", 0},
		{"grep", "a1\nb\n", []string{"-E", "[0-9]+"}, "a1\n", 0},
		// pinned
		{"uname", "", []string{"-m"}, "x86_64\n", 0},
		{"python3", "", []string{"--version"}, "Python 3.10.19\n", 0},
	}
	for _, c := range cases {
		got, status, err := runCmd(c.cmd, c.stdin, c.args...)
		if err != nil || got != c.want || status != c.status {
			t.Errorf("%s %q <<< %q = %q status %d (%v), want %q status %d", c.cmd, c.args, c.stdin, got, status, err, c.want, c.status)
		}
	}
}

func TestEmulatedCommandsRefuseTheRest(t *testing.T) {
	for _, c := range [][]string{
		{"sed", "-i", "s/a/b/", "f"},
		{"sed", "s/a/b/", "file"},
		{"sed", "y/abc/xyz/"},
		{"sed", `s/\(a\)\1/x/`},
		{"sed", "1,3d"},
		{"cut", "-f1", "file"},
		{"tr", "-c", "a", "b"},
		{"head", "file"},
		{"grep", "-r", "x"},
		{"grep", "x", "file"},
		{"uname"},
		{"uname", "-r"},
		{"python3", "script.py"},
		{"basename", "-a", "x"},
	} {
		_, _, err := runCmd(c[0], "", c[1:]...)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%q: %v, want ErrRefused", c, err)
		}
	}
}
