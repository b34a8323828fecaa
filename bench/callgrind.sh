#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per operation of every single-threaded entry, counted by
# callgrind: a comparison that the noise of a shared machine cannot blur.
#   bench/callgrind.sh BUILD_DIR/bench/syncmap-bench [N]
set -eu
bench=${1:?usage: callgrind.sh path/to/syncmap-bench [iterations]}
n=${2:-1000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
	"$bench" --fixed "$n" --json >/dev/null 2>"$out/log" ||
	{ cat "$out/log" >&2; exit 1; }
printf '%-44s %12s\n' "bench/path/impl/mode/size/iterations" "Ir per op"
for f in "$out"/cg.out.*; do
	awk '/^desc: Trigger: Client Request: / { name = $5 }
	     /^(summary|totals):/ { ir = $2 }
	     END { if (name != "") { split(name, p, "/");
		   printf "%-44s %12.1f\n", name, ir / p[6] } }' "$f"
done | sort
