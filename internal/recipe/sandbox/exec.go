package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

// A command is one emulated program: it reads stdin and writes stdout
// through cmdIO and returns its exit status. It must be pure: no host state,
// no file access.
type command func(c *cmdIO, args []string) uint8

// commands are the programs a recipe may run, emulated in Go. Every other
// external command is refused. The set is what recipes of the HaikuPorts
// tree use outside their build phases.
var commands map[string]command

func init() {
	commands = map[string]command{
		"basename": cmdBasename,
		"cut":      cmdCut,
		"dirname":  cmdDirname,
		"grep":     cmdGrep,
		"head":     cmdHead,
		"python3":  cmdPython,
		"sed":      cmdSed,
		"tr":       cmdTr,
		"uname":    cmdUname,
	}
}

// maxScriptParts bounds the sed commands, grep patterns and cut ranges of
// one emulated command: each costs a pass over every line of up to
// MaxVarSize bytes of input, inside one command where no deadline is
// checked (recipes use one to three).
const maxScriptParts = 100

// cmdIO is the environment of one emulated command.
type cmdIO struct {
	st     *state
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	name   string
	err    error // a sandbox violation (e.g. output limit)
}

// input reads all of stdin, bounded by MaxVarSize.
func (c *cmdIO) input() (string, bool) {
	if c.stdin == nil {
		return "", true
	}
	limit := int64(c.st.o.MaxVarSize)
	b, err := io.ReadAll(io.LimitReader(c.stdin, limit+1))
	if err != nil {
		c.errorf("reading standard input: %v", err)
		return "", false
	}
	if int64(len(b)) > limit {
		c.err = c.st.limit("%s: more than %d bytes of input", c.name, limit)
		return "", false
	}
	return string(b), true
}

func (c *cmdIO) write(s string) {
	if c.err != nil {
		return
	}
	if err := c.st.countOutput(len(s)); err != nil {
		c.err = err
		return
	}
	if err := c.st.produce(int64(len(s))); err != nil {
		c.err = err
		return
	}
	io.WriteString(c.stdout, s)
}

func (c *cmdIO) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, c.name+": "+format+"\n", args...)
}

// unsupported refuses a use of an emulated command the emulation does not
// cover, so that a recipe never silently gets a wrong result.
func (c *cmdIO) unsupported(format string, args ...any) uint8 {
	c.err = c.st.refuse("%s: unsupported: %s", c.name, fmt.Sprintf(format, args...))
	return 2
}

// execMiddleware replaces the interpreter's exec handler: it never calls
// next (which would run a host program).
func (st *state) execMiddleware(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return st.exec
}

func (st *state) exec(ctx context.Context, args []string) (err error) {
	defer st.recovered(&err)
	name := args[0]
	cmd, ok := commands[name]
	if !ok || strings.Contains(name, "/") {
		hc := interp.HandlerCtx(ctx)
		fmt.Fprintf(hc.Stderr, "%s: command refused by the recipe sandbox\n", name)
		return st.refuse("command %q at %s", name, hc.Pos)
	}
	hc := interp.HandlerCtx(ctx)
	c := &cmdIO{st: st, stdin: hc.Stdin, stdout: hc.Stdout, stderr: hc.Stderr, name: name}
	status := cmd(c, args[1:])
	if c.err != nil {
		return c.err
	}
	if status != 0 {
		return interp.NewExitStatus(status)
	}
	return nil
}
