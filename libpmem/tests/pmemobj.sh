#!/bin/sh
# pmemobj.sh SYNCMAP_RUN LIBDIR OBJ_TX
# The system's pmempool creates a libpmemobj pool and the system's
# libpmemobj runs transactions on it (obj_tx), twice, all through
# syncmap-run on a file of this (non-DAX) file system; pmempool check
# then finds the pool consistent.  obj_tx must report that pmem_persist
# came from the replacement.
set -eu
run=$1 libdir=$2 tx=$3
command -v pmempool >/dev/null || { echo "pmempool is missing: scripts/deps.sh installs pmdk-tools"; exit 1; }
dir=$(mktemp -d "$PWD/pm-obj.XXXXXX")
trap 'rm -rf "$dir"' EXIT
unset PMEM_IS_PMEM_FORCE
"$run" --libdir "$libdir" pmempool create obj --layout=pm-tx --size=16M "$dir/pool"
for round in 1 2; do
	"$run" --libdir "$libdir" "$tx" "$dir/pool" 60 >"$dir/out"
	cat "$dir/out"
	grep -q "pmem_persist from $libdir/libpmem.so.1" "$dir/out" ||
		{ echo "libpmemobj did not run on $libdir/libpmem.so.1"; exit 1; }
done
grep -q "^120 transactions" "$dir/out" || { echo "expected 120 transactions"; exit 1; }
"$run" --libdir "$libdir" pmempool check -v "$dir/pool"
