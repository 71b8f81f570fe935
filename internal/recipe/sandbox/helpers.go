package sandbox

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// The Go side of the wrapper's helpers. A CallHandler cannot set shell
// variables, so each helper computes the assignments and turns the command
// into an eval of them; the eval runs in the caller's scope exactly like the
// assignments (or printf -v) in HaikuPorter's bash functions.

func quote(s string) string {
	q, err := syntax.Quote(s, syntax.LangBash)
	if err != nil {
		// Only invalid UTF-8 / NUL can fail; fall back to $'…' of bytes.
		var b strings.Builder
		b.WriteString("$'")
		for i := 0; i < len(s); i++ {
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		}
		b.WriteString("'")
		return b.String()
	}
	return q
}

func assign(b *strings.Builder, name, value string) {
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(quote(value))
	b.WriteByte('\n')
}

func usage(msg string) []string {
	return []string{"eval", "echo >&2 " + quote(msg) + "; exit 1"}
}

// defineDebugInfoPackage [--directory DIR] BASENAME PATH...: declares the
// debuginfo package of BASENAME (PROVIDES_debuginfo, REQUIRES_debuginfo)
// with one provides entry per path, and records the paths in the arrays
// DEBUG_INFO_PATHS_debuginfo / DEBUG_INFO_DEBUG_INFOS_debuginfo, as
// HaikuPorter's helper of the same name does.
func (st *state) defineDebugInfoPackage(ctx context.Context, args []string) ([]string, error) {
	if len(args) < 2 || args[0] == "--directory" && len(args) < 4 {
		return usage("Usage: defineDebugInfoPackage [ --directory <toDirectory> ] <basePackageName> <path> ..."), nil
	}
	env := interp.HandlerCtx(ctx).Env
	get := func(name string) string { return env.Get(name).String() }
	destDir := get("debugInfoDir")
	if args[0] == "--directory" {
		destDir = args[1]
		args = args[2:]
	}
	base := args[0]
	portVersion := get("portVersion")
	suffix := "(" + get("portRevisionedName") + ")"

	provides := base + "_debuginfo = " + portVersion
	var b strings.Builder
	assign(&b, "REQUIRES_debuginfo", base+" == "+portVersion+" base")
	pkgs := get("DEBUG_INFO_PACKAGES")
	assign(&b, "DEBUG_INFO_PACKAGES", pkgs+" debuginfo")

	count := arrayLen(env.Get("DEBUG_INFO_PATHS_debuginfo"))
	for _, path := range args[1:] {
		// The original runs $(basename $path): unquoted, so split on
		// whitespace, and a second word is basename's suffix operand.
		entity := basenameOfWords(strings.Fields(path))
		provides += "\n\"debuginfo:" + strings.ReplaceAll(entity, "-", "_") + "(" + base + ")\" = " + portVersion
		idx := strconv.Itoa(count)
		assign(&b, "DEBUG_INFO_PATHS_debuginfo["+idx+"]", path)
		assign(&b, "DEBUG_INFO_DEBUG_INFOS_debuginfo["+idx+"]", destDir+"/"+entity+suffix+".debuginfo")
		count++
	}
	assign(&b, "PROVIDES_debuginfo", provides)
	return []string{"eval", b.String()}, nil
}

// basenameOfWords is what `basename WORDS...` prints (empty on usage errors).
func basenameOfWords(w []string) string {
	switch len(w) {
	case 1:
		return baseName(w[0])
	case 2:
		b := baseName(w[0])
		if w[1] != b && strings.HasSuffix(b, w[1]) {
			b = strings.TrimSuffix(b, w[1])
		}
		return b
	}
	return ""
}

func arrayLen(v expand.Variable) int {
	switch {
	case !v.IsSet():
		return 0
	case v.Kind == expand.Indexed:
		return len(v.List)
	case v.Kind == expand.Associative:
		return len(v.Map)
	}
	return 1
}

// updateRevisionVariables re-evaluates the variables named in
// revisionVariables now that REVISION is known (their values contain the
// text $REVISION).
func (st *state) updateRevisionVariables(ctx context.Context) ([]string, error) {
	env := interp.HandlerCtx(ctx).Env
	names := strings.Fields(env.Get("revisionVariables").String())
	if len(names) == 0 {
		return noop, nil
	}
	revision := env.Get("REVISION").String()
	var b strings.Builder
	for _, name := range names {
		if !validName.MatchString(name) {
			continue
		}
		v := env.Get(name).String()
		v = strings.ReplaceAll(v, "${REVISION}", revision)
		v = strings.ReplaceAll(v, "$REVISION", revision)
		assign(&b, name, v)
	}
	return []string{"eval", b.String()}, nil
}

var (
	validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// a variable name, optionally with a simple array subscript
	validTarget = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[A-Za-z0-9_$]*\])?$`)
	// numbers in a printf format: widths and precisions
	formatNumber = regexp.MustCompile(`%[-+ #0]*([0-9]*)(?:\.([0-9]*))?`)
)

// printf checks formats against huge widths, and implements -v VAR.
func (st *state) printf(ctx context.Context, args []string) ([]string, error) {
	target := ""
	rest := args[1:]
	if len(rest) >= 2 && rest[0] == "-v" {
		target, rest = rest[1], rest[2:]
	} else if len(rest) >= 1 && strings.HasPrefix(rest[0], "-v") && len(rest[0]) > 2 {
		target, rest = rest[0][2:], rest[1:]
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return args, nil
	}
	format := rest[0]
	if strings.Contains(format, "*") {
		return nil, st.refuse("printf with a * width or precision")
	}
	widths := 0
	for _, m := range formatNumber.FindAllStringSubmatch(format, -1) {
		for _, n := range m[1:] {
			if len(n) > 6 {
				return nil, st.limit("printf width %s", n)
			}
			w, _ := strconv.Atoi(n)
			widths += w
		}
	}
	// Charge what printf can produce before it formats anything: the
	// format is applied once per group of arguments, each time with its
	// widths, and an argument may grow fourfold (%q, %b).
	convs := strings.Count(format, "%") - 2*strings.Count(format, "%%")
	passes := 1
	if fargs := len(rest) - 1; convs > 0 && fargs > convs {
		passes = (fargs + convs - 1) / convs
	}
	bound := int64(passes) * int64(len(format)+widths)
	for _, a := range rest[1:] {
		bound += 4 * int64(len(a))
	}
	if bound > int64(st.o.MaxVarSize) {
		return nil, st.limit("printf at %s could write %d bytes (limit %d)", interp.HandlerCtx(ctx).Pos, bound, st.o.MaxVarSize)
	}
	if err := st.produce(bound); err != nil {
		return nil, err
	}
	if target == "" {
		return args, nil
	}
	if !validTarget.MatchString(target) {
		return usage("printf: `" + target + "': not a valid identifier"), nil
	}
	var out strings.Builder
	fargs := rest[1:]
	for {
		s, n, err := expand.Format(nil, format, fargs)
		if err != nil {
			return usage("printf: " + err.Error()), nil
		}
		out.WriteString(s)
		if out.Len() > st.o.MaxVarSize {
			return nil, st.limit("printf -v result over %d bytes", st.o.MaxVarSize)
		}
		fargs = fargs[n:]
		if n == 0 || len(fargs) == 0 {
			break
		}
	}
	return []string{"eval", target + "=" + quote(out.String())}, nil
}

// checkVars bounds the size of every variable and of all together.
func (st *state) checkVars(ctx context.Context) error {
	total, largest := int64(0), int64(0)
	var err error
	if st.tr != nil {
		st.tr.internal.Add(1)
		defer func() {
			st.tr.internal.Add(-1)
			if err == nil {
				st.tr.checked(total, largest)
			}
		}()
	}
	interp.HandlerCtx(ctx).Env.Each(func(name string, v expand.Variable) bool {
		n := len(v.Str)
		for _, e := range v.List {
			n += len(e)
		}
		for k, e := range v.Map {
			n += len(k) + len(e)
		}
		if n > st.o.MaxVarSize {
			err = st.limit("variable %s has %d bytes", name, n)
			return false
		}
		largest = max(largest, int64(n))
		total += int64(n)
		if total > st.o.MaxVars {
			err = st.limit("variables hold more than %d bytes", st.o.MaxVars)
			return false
		}
		return true
	})
	return err
}
