package sandbox

import (
	"fmt"
	"strings"
)

// Inert variables. Most recipes use the variables that differ between a
// primary and a secondary architecture (secondaryArchSuffix, libDir,
// portName, …) only to build the values of other variables:
//
//	PROVIDES="lib:libfoo$secondaryArchSuffix = $portVersion"
//	commandBinDir=$binDir
//
// Such a use copies the value without looking at it: no test, pattern,
// length, split or command sees it. When every use of a variable in the
// code that can run is of that kind, directly or through the variables it
// is copied into, the evaluation does the same whatever its value, and
// each result value is a concatenation of literal text and the values it
// was built from. An evaluation can then run once with a unique marker in
// place of each such variable and give, by substituting the values, the
// result of every evaluation that differs only in them (marks.go).
//
// analyzeInert proves that from the syntax tree before the sandbox's
// rewrite. It is conservative: anything it does not understand makes the
// whole script opaque (no variable inert), and a variable is inert only
// when all its uses are inert. It analyzes only the code that can run
// (reach, unreached.go): the other function bodies (BUILD, INSTALL, …)
// never run during an evaluation.

// inertInfo is what analyzeInert found for a script that is not opaque.
type inertInfo struct {
	// mentioned holds every variable name the code that can run expands
	// or assigns; a variable it does not mention is never read (nothing
	// reads variables by computed name in a script that is not opaque).
	mentioned map[string]bool
	// unsafe holds the mentioned names used in a way that looks at the
	// value, directly or through a variable they are copied into.
	unsafe map[string]bool
	// plain holds the names whose values must be plain (plainValue) for a
	// marked evaluation to hold (inert_ddip.go).
	plain map[string]bool
}

// inert reports whether name can be given a marker in an evaluation of a
// script with info i.
func (i *inertInfo) inert(name string) bool {
	return i != nil && i.mentioned[name] && !i.unsafe[name]
}

// opaqueCommands can read or write variables by a name computed at run
// time, enumerate them, run code they are given, or inspect their
// arguments in ways the analysis does not follow.
var opaqueCommands = map[string]bool{
	"eval": true, "source": true, ".": true, "declare": true, "typeset": true, "local": true,
	"export": true, "readonly": true, "unset": true, "read": true, "mapfile": true,
	"readarray": true, "set": true, "let": true, "compgen": true, "complete": true, "trap": true,
	"alias": true, "unalias": true, "printf": true, "getopts": true, "shift": true, "command": true,
	"builtin": true, "exec": true, "type": true, "hash": true, "env": true, "printenv": true,
	"xargs": true, "find": true, "timeout": true, "nice": true, "nohup": true, "shopt": true,
	"enable": true, "caller": true, "wait": true, "jobs": true, "fg": true, "bg": true,
	"getPackagePrefix": true, internalPrefix + "ddip": true,
}

// sinkVars are read by the interpreter or the sandbox's helpers by name:
// a value copied into one of them is looked at.
var sinkVars = map[string]bool{
	"PATH": true, "PATHEXT": true, "IFS": true, "HOME": true, "PWD": true, "OLDPWD": true,
	"CDPATH": true, "OPTIND": true, "OPTARG": true, "TMPDIR": true, "USERPROFILE": true,
	"UID": true, "EUID": true, "GID": true, "REVISION": true, "revisionVariables": true,
	"LANG": true, "GLOBIGNORE": true, "PS4": true,
}

func isSink(name string) bool {
	return sinkVars[name] || strings.HasPrefix(name, internalPrefix) ||
		strings.HasPrefix(name, "BASH") || strings.HasPrefix(name, "LC_")
}

// analyzeInert analyzes the code of a recipe that can run, r (parsed,
// not yet rewritten); it returns nil and the reason when it is opaque.
func analyzeInert(r *reach) (info *inertInfo, opaque string) {
	defer func() {
		// A tree the analysis did not foresee makes the script opaque,
		// never the process fail.
		if p := recover(); p != nil {
			info, opaque = nil, fmt.Sprintf("analysis failed: %v", p)
		}
	}()
	if r.dynamic {
		return nil, "a command called by a computed name or through eval, source, …"
	}
	a := &inertAnalysis{
		funcs:    r.funcs,
		info:     &inertInfo{mentioned: map[string]bool{}, unsafe: map[string]bool{}, plain: map[string]bool{}},
		flows:    map[string][]string{},
		assigned: map[string]bool{},
	}
	for _, n := range r.roots {
		if a.opaque != "" {
			break
		}
		a.walk(n)
	}
	for name := range a.info.plain {
		if a.assigned[name] {
			a.info.unsafe[name] = true // its value is not the one checked
		}
	}
	if a.opaque == "" && a.info.mentioned["revisionVariables"] {
		// updateRevisionVariables would read the names it lists
		a.opaque = "revisionVariables assigned"
	}
	if a.opaque != "" {
		return nil, a.opaque
	}
	// A name copied into an unsafe variable is unsafe too.
	for changed := true; changed; {
		changed = false
		for to, froms := range a.flows {
			if !a.info.unsafe[to] {
				continue
			}
			for _, from := range froms {
				if !a.info.unsafe[from] {
					a.info.unsafe[from] = true
					changed = true
				}
			}
		}
	}
	return a.info, ""
}
