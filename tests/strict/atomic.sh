#!/bin/sh
# Crash-point sweeps of atomic batches on the journaled path
# (atomic_batch.c says what the workload does and what the check wants):
#   atomic.sh sweep CRASHTEST PROG [syncmap-crashtest options]
#       batches of copies: every stop must leave one batch whole
#   atomic.sh control CRASHTEST PROG [options]
#       the same pages as stores and batches of ranges: the sweep must
#       find a torn batch, or the control fails
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
mode=$1 crashtest=$(abs "$2") prog=$(abs "$3")
shift 3
case $mode in
sweep)
	exec "$crashtest" --setup "$prog init f" --run "$prog run f copies 24" \
		--check "$prog check f" "$@" ;;
control)
	out=$("$crashtest" --setup "$prog init f" --run "$prog run f ranges 24" \
		--check "$prog check f" "$@" 2>&1)
	st=$?
	echo "$out"
	if [ $st -eq 1 ] && echo "$out" | grep -q "torn batch"; then
		echo "ok: the sweep found a torn batch of ranges"
		exit 0
	fi
	echo "FAIL: the sweep of batches of ranges found no torn batch (exit $st)"
	exit 1 ;;
esac
echo "atomic.sh: unknown mode $mode" >&2
exit 2
