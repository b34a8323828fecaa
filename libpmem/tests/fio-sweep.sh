#!/bin/sh
# fio-sweep.sh CRASHTEST SYNCMAP_RUN LIBDIR CHECK MODE
# A crash-point sweep of the system's fio, libpmem engine, through
# syncmap-run --strict: syncmap-crashtest stops fio at every persist point
# and CHECK (fio_sweep_check.py) reads the file after each stop and after
# the complete run.  fio writes 16 blocks of 4 KiB sequentially (rw=write)
# into a 64 KiB file, each filled with a pattern naming its offset
# (verify_pattern "SYSM" + %o; zero_buffers=1 makes fio's prepopulation of
# the file, done with write(2) before the mapping, all zeros).  One thread
# (--thread), so a stop ends fio at once, as a power cut would.
#
# MODE sync: sync=1, so the engine copies each block with pmem_memcpy
#   without PMEM_F_MEM_NODRAIN: durable before the next write starts.
#   Every stop must leave a prefix of complete blocks, at most one torn
#   block, then zeros; the complete run, all 16 blocks.
# MODE control: no sync=1, so the copies are NODRAIN and only the job's
#   final fsync (end_fsync=1, a pmem_drain in the engine) makes them
#   durable, all at once and in no promised order.  The sweep must fail,
#   and for this reason only: the check found a later block in the file
#   before an earlier one.  The script exits 1 when it did (the test is
#   should_fail) and 0 when the sweep passed or failed in another way
#   (the harness broke), which makes the should_fail test fail.
set -eu
crashtest=$1 run=$2 libdir=$3 check=$4 mode=$5
command -v fio >/dev/null || { echo "fio is missing: scripts/deps.sh installs it"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is missing"; exit 1; }
blocks=16
case $mode in
sync) opts=--sync=1 ;;
control) opts=--end_fsync=1 ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
unset PMEM_IS_PMEM_FORCE
out=$(mktemp "$PWD/pm-fio-sweep.XXXXXX")
trap 'rm -f "$out"' EXIT
set +e
"$crashtest" --setup "truncate -s $((blocks * 4096)) f" \
	--run "$run --libdir $libdir --strict fio --thread --name=pm --ioengine=libpmem \
--filename=f --size=$((blocks * 4096)) --bs=4k --rw=write --zero_buffers=1 \
--verify=pattern --verify_pattern=0x5359534d%o --do_verify=0 $opts" \
	--check "python3 $check f $blocks" >"$out" 2>&1
rc=$?
set -e
# addr2line's complaints about fio, which has no debugging information
# here, say nothing about the sweep.
grep -v "^addr2line: " "$out" || true
case $mode in
sync) exit $rc ;;
control)
	if [ $rc -eq 1 ] && grep -q "a later write reached the file before an earlier one" "$out"; then
		echo "the control failed as it must: the check found blocks out of order"
		exit 1
	fi
	echo "the control did not fail for the reason it must (syncmap-crashtest exit $rc)"
	exit 0 ;;
esac
