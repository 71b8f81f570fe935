package sandbox

import (
	"strconv"
	"strings"
)

// Emulations of small coreutils programs, GNU behaviour, for the option
// forms recipes use. Anything else is refused as unsupported.

func cmdBasename(c *cmdIO, args []string) uint8 {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		return c.unsupported("option %s", args[0])
	}
	switch len(args) {
	case 0:
		c.errorf("missing operand")
		return 1
	case 1, 2:
		base := baseName(args[0])
		if len(args) == 2 && args[1] != base && strings.HasSuffix(base, args[1]) {
			base = strings.TrimSuffix(base, args[1])
		}
		c.write(base + "\n")
		return 0
	default:
		c.errorf("extra operand %s", quoteArg(args[2]))
		return 1
	}
}

// baseName is POSIX basename(1): trailing slashes ignored, "/" stays "/".
func baseName(s string) string {
	if s == "" {
		return ""
	}
	t := strings.TrimRight(s, "/")
	if t == "" {
		return "/"
	}
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func cmdDirname(c *cmdIO, args []string) uint8 {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		c.errorf("missing operand")
		return 1
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "-" {
			return c.unsupported("option %s", a)
		}
		c.write(dirName(a) + "\n")
	}
	return 0
}

// dirName is POSIX dirname(1).
func dirName(s string) string {
	t := strings.TrimRight(s, "/")
	if t == "" {
		if strings.HasPrefix(s, "/") {
			return "/"
		}
		return "."
	}
	i := strings.LastIndexByte(t, '/')
	if i < 0 {
		return "."
	}
	t = strings.TrimRight(t[:i], "/")
	if t == "" {
		return "/"
	}
	return t
}

func cmdUname(c *cmdIO, args []string) uint8 {
	if len(args) == 1 && (args[0] == "-m" || args[0] == "-p") {
		c.write(c.st.o.Arch + "\n")
		return 0
	}
	return c.unsupported("arguments %q (only -m)", args)
}

func cmdPython(c *cmdIO, args []string) uint8 {
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-V") {
		c.write("Python " + c.st.o.PythonVersion + "\n")
		return 0
	}
	return c.unsupported("arguments %q (only --version)", args)
}

func cmdHead(c *cmdIO, args []string) uint8 {
	bytes, lines := -1, 10
	for i := 0; i < len(args); i++ {
		a := args[i]
		var val string
		var isBytes bool
		switch {
		case a == "-c" || a == "-n":
			if i+1 >= len(args) {
				c.errorf("option requires an argument -- '%s'", a[1:])
				return 1
			}
			isBytes, val = a == "-c", args[i+1]
			i++
		case strings.HasPrefix(a, "-c") || strings.HasPrefix(a, "-n"):
			isBytes, val = a[1] == 'c', a[2:]
		case len(a) > 1 && a[0] == '-' && isDigits(a[1:]):
			val = a[1:]
		default:
			return c.unsupported("argument %s", a)
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return c.unsupported("count %q", val)
		}
		if isBytes {
			bytes = n
		} else {
			bytes, lines = -1, n
		}
	}
	in, ok := c.input()
	if !ok {
		return 1
	}
	if bytes >= 0 {
		if bytes < len(in) {
			in = in[:bytes]
		}
		c.write(in)
		return 0
	}
	end := 0
	for n := 0; n < lines && end < len(in); n++ {
		i := strings.IndexByte(in[end:], '\n')
		if i < 0 {
			end = len(in)
			break
		}
		end += i + 1
	}
	c.write(in[:end])
	return 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func quoteArg(s string) string { return "'" + s + "'" }

// splitLines splits text into lines without their newline and reports
// whether the last line ended in one.
func splitLines(s string) (lines []string, finalNewline bool) {
	if s == "" {
		return nil, true
	}
	finalNewline = strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n"), finalNewline
}
