#!/bin/bash
# The shared library exports exactly the symbols of the version script, all
# named syncmap_*, and each is declared in the public header.
set -eu
so=$1 map=$2 header=$3
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
listed=$(sed -n 's/^[[:space:]]*\(syncmap_[a-z_0-9]*\);$/\1/p' "$map" | sort -u)
fail=0
bad=$(printf '%s\n' "$exported" | grep -v '^syncmap_' || true)
if [ -n "$bad" ]; then echo "exported but not syncmap_*: $bad"; fail=1; fi
if [ "$exported" != "$listed" ]; then
	echo "exports and version script differ:"
	diff <(printf '%s\n' "$exported") <(printf '%s\n' "$listed") || true
	fail=1
fi
for s in $listed; do
	grep -q "\b$s(" "$header" || { echo "$s is in the map but not declared in the header"; fail=1; }
done
n=$(printf '%s\n' "$exported" | wc -l)
[ "$fail" = 0 ] && echo "$n symbols exported, all syncmap_*, map and header agree"
exit $fail
