#!/bin/sh
# Strict mode over MAP_SYNC on CXL: on ext4 -o dax over the CXL region
# strict mode must wrap the cache-line path, a sampled crash-point sweep
# of examples/counter must pass, and a control whose flush is never
# drained must be caught.  Smaller than guest.d/strict.sh (8 sampled
# points; the control's sweep over points 22-30, which hold its first
# missing drain), to keep the dax-cxl test short.
set -u
b=$SYNCMAP_DAX_BUILD
src=$SYNCMAP_DAX_SOURCE/tests/strict
ct=$b/tools/syncmap-crashtest
counter=$b/examples/counter
control=$b/tests/strict/kv-flush-no-drain
for x in "$ct" "$counter" "$control"; do
	[ -x "$x" ] || { echo "RESULT cxl-strict FAIL $x is not built"; exit 1; }
done
dir=$SYNCMAP_DAX_EXT4/cxl-strict
mkdir -p "$dir"

out=$(SYNCMAP_STRICT=1 "$counter" "$dir/path" 1 2>&1)
case "$out" in
*"cause:       strict_mode"*"Below it: the cache_line path, cause none"*)
	echo "RESULT cxl-strict-path PASS strict mode over the cache_line path" ;;
*)
	echo "RESULT cxl-strict-path FAIL want strict mode over cache_line: $out" ;;
esac

t0=$(cut -d' ' -f1 /proc/uptime)
if sh "$src/sweep.sh" "$ct" counter "$counter" --dir "$dir" --sample 8 --seed 5 \
	-j 2 >"$TMPDIR/cxl-strict-sweep" 2>&1; then
	echo "RESULT cxl-strict-sweep PASS 8 sampled crash points of counter on cache_line" \
	     "in $(echo "$t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{ printf "%.0f", $2 - $1 }') s"
else
	echo "RESULT cxl-strict-sweep FAIL"
	cat "$TMPDIR/cxl-strict-sweep"
fi

if TMPDIR=$dir sh "$src/control.sh" "$ct" kv "$control" kv-flush-no-drain \
	--dir "$dir" --points 22-30 -j 2 >"$TMPDIR/cxl-strict-control" 2>&1; then
	echo "RESULT cxl-strict-control PASS" \
	     "$(grep -o 'crash point [0-9]*[^:]* fails the check' "$TMPDIR/cxl-strict-control" | head -n 1)"
else
	echo "RESULT cxl-strict-control FAIL the sweep did not catch kv-flush-no-drain"
	cat "$TMPDIR/cxl-strict-control"
fi
rm -rf "$dir"
exit 0
