#!/bin/sh
# A control: an example with one deliberate bug must pass its check when
# run to the end without strict mode (the bug is invisible there), and a
# strict-mode sweep must catch it, naming the crash point and a call site
# in the control's own source.
#   control.sh CRASHTEST counter|log|kv EXE NAME [syncmap-crashtest options...]
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
crashtest=$(abs "$1") what=$2 exe=$(abs "$3") name=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/syncmap-control.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# 1. Without strict mode, no crash: the check passes.
(
	cd "$dir" || exit 1
	case $what in
	log) "$exe" -s 1 wal fill 3 >/dev/null 2>&1 &&
	     "$exe" wal fill 260 >out 2>/dev/null && "$exe" wal fill 260 4 >>out 2>/dev/null ;;
	kv) "$exe" db fill 500 >out 2>/dev/null ;;
	esac || exit 1
	SYNCMAP_CRASHTEST_STDOUT=$dir/out SYNCMAP_CRASHTEST_PERSISTED=0 \
		sh "$here/check.sh" "$what" "$exe" >check.out 2>&1
) || { echo "FAIL: $name fails its check even without strict mode:"; cat "$dir/check.out"; exit 1; }
echo "ok: without strict mode, $name passes its check"

# 2. The sweep must fail, and say where.
sh "$here/sweep.sh" "$crashtest" "$what" "$exe" "$@" >"$dir/sweep" 2>&1
st=$?
cat "$dir/sweep"
if [ $st -ne 1 ]; then
	echo "FAIL: the sweep of $name exited $st, not 1 (a failing point)"
	exit 1
fi
grep -q "^syncmap-crashtest: crash point [0-9]*\( of [0-9]*\)\? fails the check" "$dir/sweep" ||
	{ echo "FAIL: the sweep of $name named no crash point"; exit 1; }
grep -q "$name\.c:[0-9]" "$dir/sweep" ||
	{ echo "FAIL: the sweep of $name named no call site in $name.c"; exit 1; }
echo "ok: the sweep caught $name"
