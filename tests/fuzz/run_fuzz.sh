#!/bin/sh
# Run one libFuzzer target for a bounded time: run_fuzz.sh TARGET SECONDS
# SEEDS WORKDIR.  New inputs go to WORKDIR/corpus (the committed seeds are
# only read); a crash leaves its input in WORKDIR and fails the test
# (exit 1: libFuzzer's default 77 would read as "skipped").
set -eu
target=$1 seconds=$2 seeds=$3 work=$4
mkdir -p "$work/corpus"
exec "$target" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -error_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
