package recipe

import "strings"

// The shell functions HaikuPorter defines before sourcing a recipe for
// evaluation, written for kiln: only what a recipe's top level can use
// (updateRevisionVariables, defineDebugInfoPackage, getPackagePrefix).

// debugInfoPrelude implements defineDebugInfoPackage: it declares the
// debuginfo package of a base package and the files whose debug info it
// holds, setting PROVIDES_debuginfo and REQUIRES_debuginfo.
const debugInfoPrelude = `defineDebugInfoPackage()
{
	if [ $# -lt 2 ] || { [ "$1" = --directory ] && [ $# -lt 4 ]; }; then
		echo "Usage: defineDebugInfoPackage [ --directory <toDirectory> ] <basePackageName> <path> ..." >&2
		exit 1
	fi
	if [ "$1" = --directory ]; then
		shift 2
	fi
	local __base="$1"
	shift
	PROVIDES_debuginfo="${__base}_debuginfo = $portVersion"
	REQUIRES_debuginfo="$__base == $portVersion base"
	local __path
	for __path in "$@"; do
		# HaikuPorter runs $(basename $path) with $path unquoted: a path
		# with blanks is split, and a second word is a suffix to remove.
		__kilnBasename $__path
		PROVIDES_debuginfo="$PROVIDES_debuginfo
\"debuginfo:${__kilnBase//-/_}($__base)\" = $portVersion"
	done
	DEBUG_INFO_PACKAGES="$DEBUG_INFO_PACKAGES debuginfo"
}

__kilnBasename()
{
	__kilnBase=
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		return 0
	fi
	local __p="$1"
	while [ "${__p%/}" != "$__p" ] && [ "$__p" != / ]; do
		__p="${__p%/}"
	done
	if [ "$__p" != / ]; then
		__p="${__p##*/}"
	fi
	if [ $# -eq 2 ] && [ -n "$2" ] && [ "$2" != "$__p" ]; then
		__p="${__p%"$2"}"
	fi
	__kilnBase="$__p"
}

getPackagePrefix()
{
	local __suffix="$1" __name __archs __version
	eval "__name=\"\$PACKAGE_NAME_$__suffix\""
	if [ -z "$__name" ]; then
		eval "__archs=\"\$ARCHITECTURES_$__suffix\""
		case "$__archs" in
		*any*) __name="${portBaseName}_$__suffix" ;;
		*) __name="${portName}_$__suffix" ;;
		esac
	fi
	eval "__version=\"\$PACKAGE_VERSION_$__suffix\""
	if [ -z "$__version" ]; then
		__version="$portVersion"
	fi
	echo "${portPackageLinksDir%/*}/$__name-$__version-$REVISION/.self"
}
`

// revisionPrelude returns updateRevisionVariables for the given variables:
// on its first call it re-evaluates every variable whose value holds
// $REVISION (HaikuPorter calls it after each REVISION="x" assignment, and
// only the first call has an effect).
func revisionPrelude(vars []shellVar) string {
	var b strings.Builder
	b.WriteString("updateRevisionVariables()\n{\n\tif [ -n \"${__kilnRevisionDone-}\" ]; then\n\t\treturn 0\n\tfi\n\t__kilnRevisionDone=1\n")
	for _, v := range vars {
		if !strings.Contains(v.Value, "$REVISION") {
			continue
		}
		b.WriteString("\t")
		b.WriteString(v.Name)
		b.WriteString("=")
		parts := strings.Split(v.Value, "$REVISION")
		for i, part := range parts {
			if i > 0 {
				b.WriteString(`"$REVISION"`)
			}
			if part != "" {
				b.WriteString(shellQuote(part))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// shellQuote quotes s for the shell in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// prelude is the shell code run before the recipe.
func prelude(vars []shellVar) string {
	return revisionPrelude(vars) + debugInfoPrelude
}
