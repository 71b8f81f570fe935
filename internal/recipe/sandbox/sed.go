package sandbox

import (
	"regexp"
	"strconv"
	"strings"
)

// sed [-n] [-E|-r] [-e SCRIPT]... [SCRIPT], reading standard input, with the
// commands s (flags g, p, N, I), d and p, each optionally behind one address
// (/regex/, a line number or $). That is what recipes use; anything else is
// refused as unsupported rather than emulated wrongly.

type sedCmd struct {
	addrRe   *regexp.Regexp
	addrLine int // >0 line number, -1 last line
	op       byte
	re       *regexp.Regexp
	repl     []replPart
	global   bool
	nth      int
	print    bool
}

type replPart struct {
	lit   string
	group int // -1 for a literal
}

func cmdSed(c *cmdIO, args []string) uint8 {
	quiet, ere := false, false
	var scripts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-n" || a == "--quiet" || a == "--silent":
			quiet = true
		case a == "-E" || a == "-r" || a == "--regexp-extended":
			ere = true
		case a == "-e":
			if i+1 >= len(args) {
				c.errorf("option requires an argument -- 'e'")
				return 1
			}
			i++
			scripts = append(scripts, args[i])
		case strings.HasPrefix(a, "-e"):
			scripts = append(scripts, a[2:])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			return c.unsupported("option %s", a)
		case len(scripts) == 0:
			scripts = append(scripts, a)
		default:
			return c.unsupported("file argument %s", a)
		}
	}
	if len(scripts) == 0 {
		c.errorf("no script specified")
		return 1
	}
	var prog []sedCmd
	for _, s := range scripts {
		cmds, err := parseSed(s, ere)
		if err != "" {
			return c.unsupported("script %q: %s", s, err)
		}
		prog = append(prog, cmds...)
	}
	if len(prog) > maxScriptParts {
		return c.unsupported("%d commands (at most %d)", len(prog), maxScriptParts)
	}
	in, ok := c.input()
	if !ok {
		return 1
	}
	lines, finalNL := splitLines(in)
	var out strings.Builder
	for n, line := range lines {
		last := n == len(lines)-1
		deleted := false
		for i := range prog {
			cmd := &prog[i]
			if !cmd.matches(line, n+1, last) {
				continue
			}
			switch cmd.op {
			case 'd':
				deleted = true
			case 'p':
				if out.Len()+len(line) > c.st.o.MaxVarSize {
					c.err = c.st.limit("sed: more than %d bytes of output", c.st.o.MaxVarSize)
					return 2
				}
				out.WriteString(line + "\n")
			case 's':
				var did, fits bool
				line, did, fits = cmd.substitute(line, c.st.o.MaxVarSize)
				if !fits {
					c.err = c.st.limit("sed: a substitution makes a line of more than %d bytes", c.st.o.MaxVarSize)
					return 2
				}
				if did && cmd.print {
					out.WriteString(line + "\n")
				}
			}
			if deleted {
				break
			}
		}
		if !deleted && !quiet {
			out.WriteString(line)
			if !last || finalNL {
				out.WriteByte('\n')
			}
		}
		if out.Len() > c.st.o.MaxVarSize {
			break
		}
	}
	c.write(out.String())
	return 0
}

func (cmd *sedCmd) matches(line string, n int, last bool) bool {
	switch {
	case cmd.addrRe != nil:
		return cmd.addrRe.MatchString(line)
	case cmd.addrLine == -1:
		return last
	case cmd.addrLine > 0:
		return n == cmd.addrLine
	}
	return true
}

// substitute applies an s command to line; fits is false (and nothing more
// is allocated) once the result would exceed limit bytes: each & or \N
// copies a match, so s/./&&&…/g multiplies the input.
func (cmd *sedCmd) substitute(line string, limit int) (_ string, did, fits bool) {
	locs := cmd.re.FindAllStringSubmatchIndex(line, -1)
	if len(locs) == 0 {
		return line, false, true
	}
	var b strings.Builder
	last := 0
	write := func(s string) bool {
		if b.Len()+len(s) > limit {
			return false
		}
		b.WriteString(s)
		return true
	}
	for i, loc := range locs {
		if !cmd.global && i+1 != max(cmd.nth, 1) {
			continue
		}
		if !write(line[last:loc[0]]) {
			return "", did, false
		}
		for _, p := range cmd.repl {
			s := p.lit
			if p.group >= 0 {
				s = ""
				if 2*p.group+1 < len(loc) && loc[2*p.group] >= 0 {
					s = line[loc[2*p.group]:loc[2*p.group+1]]
				}
			}
			if !write(s) {
				return "", did, false
			}
		}
		last, did = loc[1], true
		if !cmd.global {
			break
		}
	}
	if !write(line[last:]) {
		return "", did, false
	}
	return b.String(), did, true
}

// parseSed parses a script; the error is a short reason or "".
func parseSed(s string, ere bool) ([]sedCmd, string) {
	var cmds []sedCmd
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == ';') {
			i++
		}
		if i >= len(s) {
			return cmds, ""
		}
		var cmd sedCmd
		switch {
		case s[i] == '/':
			re, n, ok := sedDelimited(s[i+1:], '/')
			if !ok {
				return nil, "unterminated address"
			}
			rx, err := compileRegex(re, ere, false)
			if err != nil {
				return nil, err.Error()
			}
			cmd.addrRe = rx
			i += 1 + n
		case s[i] == '$':
			cmd.addrLine = -1
			i++
		case s[i] >= '0' && s[i] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			cmd.addrLine, _ = strconv.Atoi(s[i:j])
			if cmd.addrLine == 0 {
				return nil, "invalid line 0"
			}
			i = j
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return nil, "missing command"
		}
		cmd.op = s[i]
		i++
		switch cmd.op {
		case 'd', 'p':
		case 's':
			if i >= len(s) || s[i] == '\\' || s[i] == '\n' {
				return nil, "bad s delimiter"
			}
			delim := s[i]
			re, n, ok := sedDelimited(s[i+1:], delim)
			if !ok {
				return nil, "unterminated s"
			}
			i += 1 + n
			repl, m, ok := sedDelimited(s[i:], delim)
			if !ok {
				return nil, "unterminated s replacement"
			}
			i += m
			icase := false
			for i < len(s) && s[i] != ';' && s[i] != '\n' && s[i] != '}' {
				switch f := s[i]; {
				case f == 'g':
					cmd.global = true
				case f == 'p':
					cmd.print = true
				case f == 'I' || f == 'i':
					icase = true
				case f >= '1' && f <= '9':
					cmd.nth = cmd.nth*10 + int(f-'0')
				case f == ' ' || f == '\t':
				default:
					return nil, "unsupported s flag " + string(f)
				}
				i++
			}
			rx, err := compileRegex(re, ere, icase)
			if err != nil {
				return nil, err.Error()
			}
			cmd.re = rx
			cmd.repl = parseRepl(repl, delim)
		default:
			return nil, "unsupported command " + string(cmd.op)
		}
		cmds = append(cmds, cmd)
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] != ';' && s[i] != '\n' {
			return nil, "junk after command"
		}
	}
}

// sedDelimited returns the text up to the unescaped delimiter (with \delim
// turned into delim) and how many bytes were consumed including it.
func sedDelimited(s string, delim byte) (string, int, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			if s[i+1] == delim {
				b.WriteByte(delim)
			} else {
				b.WriteByte('\\')
				b.WriteByte(s[i+1])
			}
			i++
		case s[i] == delim:
			return b.String(), i + 1, true
		case s[i] == '[' && delim != '[':
			end := bracketEnd(s, i)
			if end < 0 {
				b.WriteByte('[')
				continue
			}
			b.WriteString(s[i : end+1])
			i = end
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, false
}

func parseRepl(s string, delim byte) []replPart {
	var parts []replPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, replPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; {
			case e >= '0' && e <= '9':
				flush()
				parts = append(parts, replPart{group: int(e - '0')})
			case e == 'n':
				lit.WriteByte('\n')
			case e == 't':
				lit.WriteByte('\t')
			default:
				lit.WriteByte(e)
			}
		case s[i] == '&':
			flush()
			parts = append(parts, replPart{group: 0})
		default:
			lit.WriteByte(s[i])
		}
	}
	flush()
	return parts
}
