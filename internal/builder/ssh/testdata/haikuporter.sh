#!/bin/bash
# Stands in for haikuporter on a Haiku builder (installed as
# <dir>/bin/haikuporter). It checks how it was called, reads builder.conf,
# checks the dependency packages listed in <dir>/deps are visible in
# packages/ (symlinks into the cache), records the visible packages with
# their SHA-256 in <dir>/staged/<id>, prints <dir>/markers/<id>, and then
# does what <dir>/modes/<id> (or else <dir>/mode) says: ok (copy
# <dir>/outputs/<id>/*.hpkg into packages/), fail (exit 1), hang (sleep
# with a child; pids in <dir>/hang.pid, <dir>/child.pid and
# <dir>/running/<id>), slow (touch <dir>/started, sleep 3, then as ok),
# drop (kill its own sshd, so the connection drops).
# Exit status 3 means kiln broke the protocol; the reason is printed.
set -u
dir=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "fake haikuporter: $*"
	exit 3
}

if [ "$#" -eq 1 ] && [ "$1" = --version ]; then
	echo "haikuporter $(cat "$dir/version" 2>/dev/null || echo 1.2.9)"
	exit 0
fi

config=${1#--config=}
[ "$config" != "$1" ] || die "first argument $1 is not --config=..."
[ -f "$config" ] || die "no config file $config"
TREE_PATH= PACKAGES_PATH=
. "$config"
[ "$PWD" = "$TREE_PATH" ] || die "working directory $PWD is not TREE_PATH $TREE_PATH"
[ -d "$PACKAGES_PATH/.cache" ] || die "no $PACKAGES_PATH/.cache"
[ -d "$TREE_PATH/.git" ] || die "no ports tree at $TREE_PATH"
id=${!#}

for a in "$@"; do
	if [ "$a" = --purge ]; then
		echo "purging $id"
		exit 0
	fi
done

[ "${HAIKU_SETUP_ENVIRONMENT:-}" = sourced ] || die "SetupEnvironment was not sourced"
cp "$config" "$dir/builder.conf.seen"
echo "Checking if $id is buildable ..."
if [ -f "$dir/deps" ]; then
	while read -r p; do
		[ -L "$PACKAGES_PATH/$p" ] || die "dependency $p is not a symlink in $PACKAGES_PATH"
		[ -f "$PACKAGES_PATH/$p" ] || die "dependency $p is a dangling symlink"
		[ "$(readlink "$PACKAGES_PATH/$p")" = "$PACKAGES_PATH/.cache/$p" ] || die "$p does not point into the cache"
		echo "using $p"
	done <"$dir/deps"
fi
ls -A "$PACKAGES_PATH" >"$dir/visible.seen"
mkdir -p "$dir/staged"
for f in "$PACKAGES_PATH"/*.hpkg; do
	[ -L "$f" ] || continue
	echo "$(basename "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
done >"$dir/staged/$id"
echo "this line goes to standard error" >&2
mode=$(cat "$dir/modes/$id" 2>/dev/null || cat "$dir/mode" 2>/dev/null || echo ok)
if [ "$mode" = hang ]; then
	sleep 300 &
	echo $! >"$dir/child.pid"
	echo $$ >"$dir/hang.pid"
	mkdir -p "$dir/running"
	echo "$$ $(cat "$dir/child.pid")" >"$dir/running/$id"
fi
if [ -f "$dir/markers/$id" ]; then cat "$dir/markers/$id"; fi
case $mode in
ok) ;;
fail)
	echo "error: building $id failed"
	exit 1
	;;
hang)
	echo "hanging"
	wait
	exit 0
	;;
slow)
	echo "working slowly"
	touch "$dir/started"
	sleep 3
	;;
drop)
	echo "dropping the connection"
	# Walk up to this session's sshd and kill it.
	p=$$
	while [ "$p" -gt 1 ]; do
		if [ "$(cat /proc/$p/comm)" = sshd ]; then
			kill -9 "$p"
			sleep 5
			exit 0
		fi
		p=$(awk '{print $4}' "/proc/$p/stat")
	done
	die "no sshd above me"
	;;
*) die "unknown mode $mode" ;;
esac
if [ -d "$dir/outputs/$id" ]; then
	for f in "$dir/outputs/$id/"*.hpkg; do
		echo "creating package $(basename "$f")"
		cp "$f" "$PACKAGES_PATH/"
	done
fi
echo "build of $id done"
exit 0
