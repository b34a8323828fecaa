#!/bin/sh
# fio.sh SYNCMAP_RUN LIBDIR MODE
# The system's fio, libpmem engine, random 4 KiB writes verified with
# crc32c, on a file of this (non-DAX) file system, with no
# PMEM_IS_PMEM_FORCE.  MODE: page (syncmap-run), journal (syncmap-run
# --journal), strict (syncmap-run --strict: only persisted lines reach
# the file; the job ends with an fsync, which the engine makes a
# pmem_drain), strict-nodrain (the same without that fsync: fio's
# NODRAIN copies are never drained, strict mode keeps them from the file
# and verification fails -- the caller expects failure), or system (the
# system's libpmem, which refuses the file: the caller expects failure).
set -eu
run=$1 libdir=$2 mode=$3
command -v fio >/dev/null || { echo "fio is missing: scripts/deps.sh installs it"; exit 1; }
size=16777216 extra=
dir=$(mktemp -d "$PWD/pm-fio.XXXXXX")
trap 'rm -rf "$dir"' EXIT
unset PMEM_IS_PMEM_FORCE
case $mode in
page) set -- "$run" --libdir "$libdir" ;;
journal) set -- "$run" --libdir "$libdir" --journal ;;
strict) set -- "$run" --libdir "$libdir" --strict; size=1048576; extra=--end_fsync=1 ;;
strict-nodrain) set -- "$run" --libdir "$libdir" --strict; size=1048576 ;;
system) unset LD_LIBRARY_PATH; set -- ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
"$@" fio --name=pm --ioengine=libpmem --filename="$dir/f" --size=$size --bs=4k \
	--rw=randwrite --verify=crc32c --verify_fatal=1 --do_verify=1 $extra \
	--output-format=json --output="$dir/out.json" || { cat "$dir/out.json" 2>/dev/null; exit 1; }
python3 - "$dir/out.json" $size <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
size = int(sys.argv[2])
job = out["jobs"][0]
w, r = job["write"], job["read"]
print("error %d, written %d bytes at %.0f IOPS, verified %d bytes"
      % (job["error"], w["io_bytes"], w["iops"], r["io_bytes"]))
sys.exit(0 if job["error"] == 0 and w["io_bytes"] == size and r["io_bytes"] == size else 1)
PY
if [ "$mode" = journal ] && [ ! -e "$dir/f.syncmap-journal" ]; then
	echo "no journal beside the file: the journaled path was not taken"
	exit 1
fi
