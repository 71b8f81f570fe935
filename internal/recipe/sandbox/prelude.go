package sandbox

import (
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// preludeSource is the sandbox's equivalent of the part of HaikuPorter's
// wrapper script (ShellScriptlets.py, configFileEvaluatorScript) that runs
// before the recipe is sourced: the helper functions a recipe may call at top
// level. It is written for this sandbox; the heavy lifting of
// defineDebugInfoPackage and updateRevisionVariables is done in Go by the
// internal commands __kiln_ddip and __kiln_revision (see helpers.go), which
// avoids printf -v, subshells and eval re-parsing.
//
// getPackagePrefix behaves as on a build master: the package links directory
// never exists there, so it reports an error and exits its (command
// substitution) subshell with status 1, leaving an empty string.
const preludeSource = `
getPackagePrefix()
{
	local linksParent="$(dirname $installDestDir$portPackageLinksDir)"
	local self
	if [[ $1 == *-* ]]; then
		self="$linksParent/$1/.self"
	else
		self="$linksParent/${portName}_$1-$portFullVersion/.self"
	fi
	if [ ! -e "$self" ]; then
		echo >&2 "getPackagePrefix: \"$1\" is neither a valid package suffix nor a full versioned package name"
		exit 1
	fi
	echo $self
}

defineDebugInfoPackage()
{
	__kiln_ddip "$@"
}

updateRevisionVariables()
{
	__kiln_revision
	unset revisionVariables
}
`

var (
	preludeOnce  sync.Once
	preludeStmts []*syntax.Stmt
	preludeFuncs []string
)

// prelude returns the parsed helper functions; the AST is shared by all
// evaluations and never modified.
func prelude() []*syntax.Stmt {
	preludeOnce.Do(func() {
		f, err := syntax.NewParser().Parse(strings.NewReader(preludeSource), "prelude")
		if err != nil {
			panic("sandbox: prelude does not parse: " + err.Error())
		}
		preludeStmts = f.Stmts
		for _, st := range f.Stmts {
			if fd, ok := st.Cmd.(*syntax.FuncDecl); ok {
				preludeFuncs = append(preludeFuncs, fd.Name.Value)
			}
		}
	})
	return preludeStmts
}
