#!/bin/sh
# A crash-point sweep of one example (or of a control built from one):
#   sweep.sh CRASHTEST counter|log|kv EXE [syncmap-crashtest options...]
# Points 1, 2, 3 ... of the workload below are tried until the run ends
# (or the sample the options ask for); check.sh judges each.
#   counter: 1100 increments, one persist each;
#   log:     260 records one by one (two persists each), then 260 in
#            batches of 4 (a commit of 4 payloads, then of 4 headers);
#   kv:      "fill 500", a mix of inserts, updates and deletes.
set -eu
# Every command runs in another directory: make the paths absolute.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
crashtest=$(abs "$1") what=$2 exe=$(abs "$3")
shift 3
here=$(cd "$(dirname "$0")" && pwd)
check="sh $here/check.sh $what $exe"
case " $* " in *" --evict"*|*" -e"*) check="$check evict" ;; esac
case $what in
counter)
	exec "$crashtest" --run "$exe counter 1100" --check "$check" "$@" ;;
log)
	exec "$crashtest" --setup "$exe -s 1 wal fill 3" \
		--run "$exe wal fill 260 && $exe wal fill 260 4" --check "$check" "$@" ;;
kv)
	exec "$crashtest" --run "$exe db fill 500" --check "$check" "$@" ;;
esac
echo "sweep.sh: unknown example $what" >&2
exit 2
