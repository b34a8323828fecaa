#!/bin/sh
# The recovery checks syncmap-crashtest runs after each crash of an
# example (see sweep.sh).  It runs in the try's directory, without strict
# mode, with SYNCMAP_CRASHTEST_PERSISTED (persist points that reached the
# file) and SYNCMAP_CRASHTEST_STDOUT (what the run printed) set.
#   check.sh counter EXE [evict]  the counter holds exactly what was persisted
#                                 (one more with eviction: the line in flight)
#   check.sh log EXE              every acknowledged record is there, and the
#                                 log takes new records
#   check.sh kv EXE               the table holds the state after K operations
#                                 of "fill", K >= the acknowledged ones
set -u
what=$1 exe=$2

# The last "ack N" the run printed, or $1 if none: shell built-ins only, a
# try's cost is mostly the processes it starts.
last_ack() {
	acked=$1
	while read -r word n; do
		[ "$word" = ack ] && acked=$n
	done <"$SYNCMAP_CRASHTEST_STDOUT"
}

case $what in
counter)
	out=$("$exe" counter) || { echo "$out"; exit 1; }
	v=${out##*counter:}
	v=$((${v%% ->*}))
	# Point 1 persists the magic, each later one an increment.
	want=$((SYNCMAP_CRASHTEST_PERSISTED > 0 ? SYNCMAP_CRASHTEST_PERSISTED - 1 : 0))
	if [ "$v" -eq "$want" ] || { [ "${3:-}" = evict ] && [ "$v" -eq $((want + 1)) ]; }; then
		exit 0
	fi
	echo "counter is $v after $SYNCMAP_CRASHTEST_PERSISTED persist points; expected $want"
	exit 1 ;;
log)
	last_ack 3
	"$exe" wal verify "$acked" 2>/dev/null || exit 1
	"$exe" wal append after >/dev/null 2>&1 || { echo "no append after the crash"; exit 1; }
	"$exe" wal verify >/dev/null 2>&1 || { echo "broken after an append"; exit 1; } ;;
kv)
	last_ack 0
	"$exe" db verify "$acked" 2>/dev/null ;;
*)
	echo "check.sh: unknown example $what" >&2
	exit 2 ;;
esac
