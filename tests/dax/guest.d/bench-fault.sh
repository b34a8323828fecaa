#!/bin/sh
# Case 6 of syncmap-bench (doc/PERFORMANCE.md): the first-touch write-fault
# latencies of the cover letter of Jan Kara's MAP_SYNC patch series (Linux
# 4.15), on a real MAP_SYNC file system.
#
# In the default suite this is a smoke test: one quick round on ext4 -o dax
# that checks the benchmark's MAP_SYNC configurations really got MAP_SYNC
# and its output is whole; it judges no timing.  The measurement itself is
# the harness's bench mode (five rounds, ext4 and xfs, tables):
#   tests/dax/run-guest --build-dir BUILD --bench \
#     'SYNCMAP_BENCH_FAULT=full sh "$SYNCMAP_DAX_SOURCE/tests/dax/guest.d/bench-fault.sh"'
bench=$SYNCMAP_DAX_BUILD/bench/syncmap-bench
work=$SYNCMAP_DAX_EXT4/bench-fault

# Not run is not passed: a build without the benchmark fails this check
# and says how to get it.
if [ ! -x "$bench" ]; then
	echo "RESULT bench-fault-smoke FAIL not run: $bench is not built (configure with -Dbench=true)"
	exit 1
fi

if [ "${SYNCMAP_BENCH_FAULT:-smoke}" = full ]; then
	rc=0
	for fs in ext4:"$SYNCMAP_DAX_EXT4" xfs:"$SYNCMAP_DAX_XFS"; do
		dir=${fs#*:}/bench-fault
		mkdir -p "$dir" || exit 1
		echo "==== ${fs%%:*} -o dax ===="
		"$bench" --fault "$dir" --rounds "${SYNCMAP_BENCH_ROUNDS:-5}" ${SYNCMAP_BENCH_JSON:+--json} || rc=1
		rm -rf "$dir"
	done
	exit $rc
fi

mkdir -p "$work" || exit 1
out=$("$bench" --fault "$work" --quick --json 2>&1)
rc=$?
rm -rf "$work"
rows=$(printf '%s\n' "$out" | grep -c '^{"bench":"fault"')
synced=$(printf '%s\n' "$out" | grep '"map_sync_requested":true' | grep -c '"map_sync":true')
if [ $rc -eq 0 ] && [ "$rows" -eq 8 ] && [ "$synced" -eq 4 ]; then
	echo "RESULT bench-fault-smoke PASS 8 configurations, MAP_SYNC in all 4 that asked for it"
else
	printf '%s\n' "$out"
	echo "RESULT bench-fault-smoke FAIL rc=$rc rows=$rows/8 map_sync=$synced/4"
fi
