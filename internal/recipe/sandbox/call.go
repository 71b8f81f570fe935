package sandbox

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Internal commands inserted by the rewriter or called by the prelude.
const (
	cmdTick      = internalPrefix + "tick"      // loop iteration
	cmdDepth     = internalPrefix + "depth"     // function entry: __kiln_depth N
	cmdPipe      = internalPrefix + "pipe"      // pipeline start
	cmdBg        = internalPrefix + "bg"        // a background command (refused)
	cmdProcSubst = internalPrefix + "procsubst" // process substitution (refused)
	cmdRefuse    = internalPrefix + "refuse"    // __kiln_refuse REASON: a construct refused where it runs
	cmdDDIP      = internalPrefix + "ddip"      // defineDebugInfoPackage
	cmdRevision  = internalPrefix + "revision"  // updateRevisionVariables
	depthVar     = internalPrefix + "d"
)

// call runs before every simple command (builtins and functions too): it
// enforces the budgets and implements what the interpreter lacks by
// rewriting the command, mostly into an eval of generated code.
func (st *state) call(ctx context.Context, args []string) (_ []string, err error) {
	defer st.recovered(&err)
	if st.calls.Add(1) > st.o.MaxCalls {
		return nil, st.limit("more than %d commands", st.o.MaxCalls)
	}
	size := 0
	for _, a := range args {
		size += len(a)
	}
	if size > st.o.MaxVarSize && args[0] != cmdGuard { // a guard checks its own size
		return nil, st.limit("%s with %d bytes of arguments", describeInternal(args[0]), size)
	}
	if !strings.HasPrefix(args[0], internalPrefix) {
		pos := interp.HandlerCtx(ctx).Pos
		st.lastName.Store(&args[0])
		st.lastPos.Store(uint64(pos.Line())<<32 | uint64(pos.Col()))
		// The sandbox's names are not the recipe's to use (a computed
		// name could reset the depth counter: read, printf -v, unset…).
		for _, a := range args {
			if strings.Contains(a, internalPrefix) {
				return nil, st.refuse("command %s with a reserved name (%s…) at %s", quoteArg(args[0]), internalPrefix, pos)
			}
		}
	}
	switch args[0] {
	case cmdTick:
		return noop, st.checkVars(ctx)
	case cmdDepth:
		if len(args) == 2 {
			if n, _ := strconv.Atoi(args[1]); n > st.o.MaxDepth {
				return nil, st.limit("functions nested more than %d deep", st.o.MaxDepth)
			}
		}
		return noop, st.checkVars(ctx)
	case cmdGuard:
		return noop, st.checkGuard(ctx, args[1:])
	case cmdPipe:
		if st.pipes.Add(1) > st.o.MaxPipes {
			return nil, st.limit("more than %d pipelines", st.o.MaxPipes)
		}
		return noop, nil
	case cmdBg:
		return nil, st.refuse("background command at %s", interp.HandlerCtx(ctx).Pos)
	case cmdRefuse:
		if len(args) == 2 {
			return nil, st.refuse("%s", args[1])
		}
	case "builtin", "command":
		// `builtin X` and `command X` run X without this handler: handle X
		// here, then let them run what it became.
		rest := args[1:]
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:]
		}
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			if args[0] == "builtin" {
				break
			}
			// command -v/-V looks names up in PATH on the host.
			for _, a := range rest {
				if strings.Contains(a, "/") {
					return nil, st.refuse("%s with a path (%s)", args[0], a)
				}
			}
			return st.pinLookup(ctx, args), nil
		}
		out, err := st.call(ctx, rest)
		if err != nil {
			return nil, err
		}
		return append([]string{args[0]}, out...), nil
	case cmdProcSubst:
		return nil, st.refuse("process substitution at %s", interp.HandlerCtx(ctx).Pos)
	case cmdDDIP:
		return st.defineDebugInfoPackage(ctx, args[1:])
	case cmdRevision:
		return st.updateRevisionVariables(ctx)
	case "echo":
		return args, st.countOutput(size + len(args))
	case "printf":
		return st.printf(ctx, args)
	case "eval":
		return st.evalArgs(args)
	case "source", ".":
		return st.source(ctx, args)
	case "type", "hash", "which":
		for _, a := range args[1:] {
			if strings.Contains(a, "/") {
				return nil, st.refuse("%s with a path (%s)", args[0], a)
			}
		}
		return st.pinLookup(ctx, args), nil
	case "unset":
		// An array subscript is parsed as arithmetic at run time.
		for _, a := range args[1:] {
			if err := checkNesting(a, "unset subscript"); err != nil {
				return nil, st.violate(err)
			}
		}
	case "exec":
		if len(args) > 1 {
			return nil, st.refuse("exec %s", args[1])
		}
	case "umask", "ulimit", "kill", "enable", "disown", "bind", "history", "fc", "suspend", "logout":
		return nil, st.refuse("builtin %s", args[0])
	case "trap", "alias":
		// Their code is parsed by the interpreter at run time, out of the
		// rewriter's reach (no loop or expansion bounds). No recipe uses them
		// outside build phases.
		return nil, st.refuse("builtin %s", args[0])
	}
	return args, nil
}

var noop = []string{":"}

// pinLookup makes a command that searches PATH (type, command -v, hash)
// search the sandbox's PATH, which leads nowhere: the interpreter looks
// names up with os.Stat on the host, so a recipe that set PATH=/usr/bin
// would learn the host's programs.
func (st *state) pinLookup(ctx context.Context, args []string) []string {
	if interp.HandlerCtx(ctx).Env.Get("PATH").String() == sandboxPath {
		return args
	}
	var b strings.Builder
	b.WriteString("PATH=" + sandboxPath + " builtin")
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(quote(a))
	}
	return []string{"eval", b.String()}
}

// evalArgs applies the sandbox's rewrites to the code of an eval.
func (st *state) evalArgs(args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	code := strings.Join(args[1:], " ")
	out, changed, err := st.rewriteText(code, "eval")
	if err != nil || !changed {
		// A syntax error is reported by eval itself.
		return args, err
	}
	return []string{"eval", out}, nil
}

// source reads a file (confined to the port directory) and evaluates it
// rewritten, like eval; positional parameters are not supported.
func (st *state) source(ctx context.Context, args []string) ([]string, error) {
	if len(args) > 2 {
		// The builtin would run the file unrewritten, without bounds.
		return nil, st.refuse("%s with arguments", args[0])
	}
	if len(args) != 2 {
		return args, nil
	}
	f, err := st.open(ctx, args[1], 0, 0)
	if err != nil {
		return args, nil // let the builtin report it
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(st.o.MaxSource)+1))
	if err != nil {
		return args, nil
	}
	if len(b) > st.o.MaxSource {
		return nil, st.limit("%s is larger than %d bytes", args[1], st.o.MaxSource)
	}
	out, changed, err := st.rewriteText(string(b), args[1])
	if err != nil {
		return nil, err
	}
	if !changed {
		// Never the builtin: it would open the file again and hold it open
		// while it runs (a file sourcing itself held thousands).
		out = string(b)
	}
	return []string{"eval", out}, nil
}

// rewriteText parses code, rewrites it and prints it back when the rewrite
// changed anything.
func (st *state) rewriteText(code, name string) (string, bool, error) {
	if len(code) > st.o.MaxSource {
		return "", false, st.limit("%s: %d bytes of code", name, len(code))
	}
	if err := checkNesting(code, name); err != nil {
		return "", false, st.violate(err)
	}
	if err := checkReserved(code, name); err != nil {
		return "", false, st.violate(err)
	}
	f, err := parse(strings.NewReader(code), name)
	if err != nil {
		return "", false, nil
	}
	rw := &rewriter{st: st}
	if err := rw.file(f); err != nil {
		return "", false, err
	}
	if !rw.changed {
		return "", false, nil
	}
	var b bytes.Buffer
	if err := syntax.NewPrinter().Print(&b, f); err != nil {
		return "", false, err
	}
	return b.String(), true, nil
}
