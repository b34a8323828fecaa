#!/bin/sh
# Strict mode over SQLite: syncmap-crashtest stops sqlite-powercut (one
# thread alternating two connections, TXNS transactions) at every persist
# point of the syncmap VFS, and after each stop the database must pass
# integrity_check and hold every transaction acknowledged before it.
#
#   test_strict.sh sweep CRASHTEST PROG wal|rollback TXNS [crashtest options]
#   test_strict.sh control CRASHTEST PROG wal|rollback TXNS FAULT CHECKPROG [options]
#   test_strict.sh check PROG wal|rollback      (the check, in a try's directory)
#
# control: PROG is the test build of the VFS with deliberate bugs
# (sqlite-powercut-faults, SMSQL_FAULT=FAULT; file.c says which), checked
# by CHECKPROG (sqlite-powercut, the VFS as shipped).  Run to
# the end without strict mode it must pass the check (the bug is invisible
# there); the sweep must fail at a crash point, or the control fails.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
shift

if [ "$mode" = check ]; then
	prog=$1 how=$2
	n0=0 n1=0
	while read -r word who id; do
		case "$word $who" in
		"ACK s/0") n0=$((id + 1)) ;;
		"ACK s/1") n1=$((id + 1)) ;;
		esac
	done <"$SYNCMAP_CRASHTEST_STDOUT"
	exec "$prog" verify . s 1 "$n0,$n1" "$how" sweep
fi

crashtest=$(abs "$1") prog=$(abs "$2") how=$3 txns=$4
shift 4
fault= checkprog=$prog
if [ "$mode" = control ]; then
	fault=$1 checkprog=$(abs "$2")
	shift 2
fi
run="env SMSQL_FAULT=$fault SQLITE_POWERCUT_TXNS=$txns $prog $how . s 1"
check="sh $here/test_strict.sh check $checkprog $how"

case $mode in
sweep)
	exec "$crashtest" --run "$run" --check "$check" "$@" ;;
control)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sqlite-strict.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	# 1. Without strict mode, run to the end: the check passes.
	(cd "$dir" && $run >out 2>err &&
	 SYNCMAP_CRASHTEST_STDOUT=$dir/out sh "$here/test_strict.sh" check "$checkprog" "$how") ||
		{ echo "FAIL: with SMSQL_FAULT=$fault the workload fails even without strict mode"
		  cat "$dir/err"; exit 1; }
	echo "ok: without strict mode, SMSQL_FAULT=$fault passes its check"
	# 2. The sweep must fail at a crash point.
	"$crashtest" --run "$run" --check "$check" "$@" >"$dir/sweep" 2>&1
	st=$?
	cat "$dir/sweep"
	if [ $st -ne 1 ]; then
		echo "FAIL: the sweep of SMSQL_FAULT=$fault exited $st, not 1 (a failing point)"
		exit 1
	fi
	grep -q "^syncmap-crashtest: crash point [0-9]*\( of [0-9]*\)\? fails the check" "$dir/sweep" ||
		{ echo "FAIL: the sweep of SMSQL_FAULT=$fault named no crash point"; exit 1; }
	echo "ok: the sweep caught SMSQL_FAULT=$fault"
	exit 0 ;;
esac
echo "test_strict.sh: unknown mode $mode" >&2
exit 2
