#!/bin/sh
# Strict mode over a real MAP_SYNC mapping: ext4 -o dax gives the
# cache-line path where the regions read memory_controller and the byte
# path where they read cpu_cache, and strict mode must wrap each (the
# host's suite can only force them).  A sampled crash-point sweep of
# examples/counter there passes, and a control with a flush that is never
# drained is caught, at a named point.
set -u
b=$SYNCMAP_DAX_BUILD
src=$SYNCMAP_DAX_SOURCE/tests/strict
ct=$b/tools/syncmap-crashtest
counter=$b/examples/counter
kv=$b/examples/kv
control=$b/tests/strict/kv-flush-no-drain
for x in "$ct" "$counter" "$kv" "$control"; do
	[ -x "$x" ] || { echo "RESULT strict-dax FAIL $x is not built"; exit 1; }
done
want=cache_line
[ "$SYNCMAP_DAX_DOMAIN" = cpu_cache ] && want=byte
dir=$SYNCMAP_DAX_EXT4/strict
mkdir -p "$dir"

out=$(SYNCMAP_STRICT=1 "$counter" "$dir/path" 1 2>&1)
case "$out" in
*"cause:       strict_mode"*"Below it: the $want path, cause none"*)
	echo "RESULT strict-dax-path PASS strict mode over the $want path" ;;
*)
	echo "RESULT strict-dax-path FAIL want strict mode over $want: $out" ;;
esac

t0=$(cut -d' ' -f1 /proc/uptime)
if sh "$src/sweep.sh" "$ct" counter "$counter" --dir "$dir" --sample 24 --seed 3 \
	-j 2 >"$TMPDIR/strict-sweep" 2>&1; then
	echo "RESULT strict-dax-sweep PASS 24 sampled crash points of counter on $want" \
	     "in $(echo "$t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{ printf "%.0f", $2 - $1 }') s"
else
	echo "RESULT strict-dax-sweep FAIL"
	cat "$TMPDIR/strict-sweep"
fi

if TMPDIR=$dir sh "$src/control.sh" "$ct" kv "$control" kv-flush-no-drain \
	--dir "$dir" --points 1-30 -j 2 >"$TMPDIR/strict-control" 2>&1; then
	echo "RESULT strict-dax-control PASS" \
	     "$(grep -o 'crash point [0-9]*[^:]* fails the check' "$TMPDIR/strict-control" | head -n 1)"
else
	echo "RESULT strict-dax-control FAIL the sweep did not catch kv-flush-no-drain"
	cat "$TMPDIR/strict-control"
fi
rm -rf "$dir"
exit 0
