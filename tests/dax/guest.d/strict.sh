#!/bin/sh
# Strict mode over a real MAP_SYNC mapping: ext4 -o dax gives the
# cache-line path where the regions read memory_controller and the byte
# path where they read cpu_cache, and strict mode must wrap each (the
# host's suite can only force them).  A sampled crash-point sweep of
# examples/counter there passes, and a control with a flush that is never
# drained is caught, at a named point.
# The CXL guest runs it smaller (guest.cxl.d/cxl-strict.sh) through
# DAX_STRICT_NAME (the results' prefix and directory), DAX_STRICT_SAMPLE
# and DAX_STRICT_SEED (the sweep), DAX_STRICT_POINTS (the control's sweep).
set -u
name=${DAX_STRICT_NAME:-strict-dax}
sample=${DAX_STRICT_SAMPLE:-24}
seed=${DAX_STRICT_SEED:-3}
points=${DAX_STRICT_POINTS:-1-30}
b=$SYNCMAP_DAX_BUILD
src=$SYNCMAP_DAX_SOURCE/tests/strict
ct=$b/tools/syncmap-crashtest
counter=$b/examples/counter
kv=$b/examples/kv
control=$b/tests/strict/kv-flush-no-drain
for x in "$ct" "$counter" "$kv" "$control"; do
	[ -x "$x" ] || { echo "RESULT $name FAIL $x is not built"; exit 1; }
done
want=cache_line
[ "$SYNCMAP_DAX_DOMAIN" = cpu_cache ] && want=byte
dir=$SYNCMAP_DAX_EXT4/$name
mkdir -p "$dir"

out=$(SYNCMAP_STRICT=1 "$counter" "$dir/path" 1 2>&1)
case "$out" in
*"cause:       strict_mode"*"Below it: the $want path, cause none"*)
	echo "RESULT $name-path PASS strict mode over the $want path" ;;
*)
	echo "RESULT $name-path FAIL want strict mode over $want: $out" ;;
esac

t0=$(cut -d' ' -f1 /proc/uptime)
if sh "$src/sweep.sh" "$ct" counter "$counter" --dir "$dir" --sample "$sample" --seed "$seed" \
	-j 2 >"$TMPDIR/$name-sweep" 2>&1; then
	echo "RESULT $name-sweep PASS $sample sampled crash points of counter on $want" \
	     "in $(echo "$t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{ printf "%.0f", $2 - $1 }') s"
else
	echo "RESULT $name-sweep FAIL"
	cat "$TMPDIR/$name-sweep"
fi

if TMPDIR=$dir sh "$src/control.sh" "$ct" kv "$control" kv-flush-no-drain \
	--dir "$dir" --points "$points" -j 2 >"$TMPDIR/$name-control" 2>&1; then
	echo "RESULT $name-control PASS" \
	     "$(grep -o 'crash point [0-9]*[^:]* fails the check' "$TMPDIR/$name-control" | head -n 1)"
else
	echo "RESULT $name-control FAIL the sweep did not catch kv-flush-no-drain"
	cat "$TMPDIR/$name-control"
fi
rm -rf "$dir"
exit 0
