#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test of syncmap-bench: run it with --quick --json (and the fault
mode once, quickly) and check its own output: valid JSON on every line,
every expected bench/path/impl/mode/size/threads row exactly once, positive
finite numbers, ratios and targets present.  Timing is never judged here.

  check_output.py BENCH             the main run and the fault mode
  check_output.py BENCH --journal   the journal mode (--journal) alone"""
import json
import math
import os
import subprocess
import sys
import tempfile

PERSIST = [64, 256, 4096, 65536]
COPY = [256, 1024, 4096, 16384, 65536, 262144, 1048576]
BENCHES = {"persist", "batch", "memcpy", "fault", "strict", "journal"}
PATHS = {"byte", "cache_line", "page", "journal", "checkpoint"}
IMPLS = {"syncmap", "raw", "libpmem", "libpmem2", "msync", "fdatasync", "strict", "page"}
JOURNAL_TARGETS = 6


def expected_rows():
    rows = set()
    for size in PERSIST:
        for th in (1, 2):
            for impl in ("syncmap", "raw", "libpmem", "libpmem2"):
                rows.add(("persist", "cache_line", impl, None, size, th))
        for impl in ("syncmap", "msync", "libpmem2"):
            rows.add(("persist", "page", impl, None, size, 1))
    for th in (1, 2):
        for impl in ("syncmap", "raw"):
            for mode in ("batch", "single"):
                rows.add(("batch", "cache_line", impl, mode, 64, th))
    for impl in ("libpmem", "libpmem2"):
        for mode in ("batch", "single"):
            rows.add(("batch", "cache_line", impl, mode, 64, 1))
    rows |= {("batch", "page", "syncmap", "batch", 64, 1),
             ("batch", "page", "syncmap", "batch", 64, 2),
             ("batch", "page", "syncmap", "single", 64, 1),
             ("batch", "page", "msync", "single", 64, 1),
             ("batch", "page", "libpmem2", "batch", 64, 1),
             ("batch", "page", "libpmem2", "single", 64, 1)}
    for impl in ("msync", "fdatasync"):
        for th in (1, 2):
            rows.add(("batch", "page", impl, "batch", 64, th))
    for size in COPY:
        for impl in ("syncmap", "libpmem", "libpmem2"):
            rows.add(("memcpy", "cache_line", impl, None, size, 1))
    for path in ("cache_line", "page"):
        for size in (64, 4096):
            for impl in ("syncmap", "strict"):
                rows.add(("strict", path, impl, None, size, 1))
    return rows


def journal_rows():
    rows = set()
    for th in (1, 2, 4):
        rows.add(("journal", "journal", "syncmap", None, 64, th))
        rows.add(("journal", "journal", "raw", None, 64, th))
    rows |= {("journal", "journal", "msync", None, 64, 1),
             ("journal", "journal", "libpmem2", None, 64, 1),
             ("journal", "checkpoint", "syncmap", None, 64, 1),
             ("journal", "checkpoint", "syncmap", "small_journal", 64, 1)}
    for lines in (16, 64):
        for impl in ("syncmap", "page", "raw"):
            rows.add(("journal", "journal", impl, "batch", lines * 64, 1))
    return rows


def positive(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v) and v > 0


class Checker:
    def __init__(self):
        self.errors = []

    def fail(self, msg):
        self.errors.append(msg)

    def parse(self, text, what):
        objs = []
        for n, line in enumerate(text.splitlines(), 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                self.fail(f"{what} line {n} is not JSON ({e}): {line!r}")
                continue
            if not isinstance(obj, dict):
                self.fail(f"{what} line {n} is not an object")
                continue
            objs.append(obj)
        return objs

    def row(self, r):
        for key in ("bench", "path", "impl", "size", "threads", "ns_per_op"):
            if key not in r:
                self.fail(f"row without {key}: {r}")
                return None
        if r["bench"] not in BENCHES or r["path"] not in PATHS or \
                r["impl"] not in IMPLS:
            self.fail(f"unknown bench, path or impl: {r}")
        if not positive(r["ns_per_op"]) or not positive(r["size"]) or \
                not positive(r["threads"]):
            self.fail(f"a number is not positive: {r}")
        for k, v in r.get("ratio_vs", {}).items():
            if k not in IMPLS or not positive(v):
                self.fail(f"bad ratio {k}={v}: {r}")
        return (r["bench"], r["path"], r["impl"], r.get("mode"), r["size"],
                r["threads"])

    def main_run(self, objs):
        seen = {}
        targets = 0
        if not objs or "machine" not in objs[0]:
            self.fail("the first line does not describe the machine")
        elif not positive(objs[0]["machine"].get("nproc")):
            self.fail("machine without nproc")
        if not any(o.get("control") == "alu_throughput" and
                   positive(o.get("speedup_2_threads")) for o in objs):
            self.fail("no ALU control line")
        for o in objs:
            if "bench" in o:
                key = self.row(o)
                if key in seen:
                    self.fail(f"duplicate row {key}")
                seen[key] = o
            elif "target" in o:
                targets += 1
                if not isinstance(o.get("met"), bool) or not positive(o.get("value")):
                    self.fail(f"bad target line: {o}")
        want = expected_rows()
        for key in sorted(want - seen.keys(), key=str):
            self.fail(f"missing row {key}")
        for key in sorted(seen.keys() - want, key=str):
            self.fail(f"unexpected row {key}")
        for key, o in seen.items():
            if key[2] == "syncmap" and not o.get("ratio_vs") and key[1] == "cache_line" \
                    and key[0] != "strict":
                self.fail(f"syncmap row without ratios: {key}")
            if key[5] == 2 and not positive(o.get("speedup_vs_1_thread")):
                self.fail(f"2-thread row without speedup: {key}")
            if key[0] == "strict" and key[2] == "syncmap" and \
                    not positive(o.get("strict_over_normal")):
                self.fail(f"strict-mode row without its ratio: {key}")
        if targets < 20:
            self.fail(f"only {targets} target lines")
        return len(seen)

    def journal_run(self, objs):
        seen, targets, groups = {}, 0, set()
        if not objs or "machine" not in objs[0] or \
                not positive(objs[0].get("raw_write_bytes")):
            self.fail("the first line does not describe the machine and files")
        for o in objs:
            if "bench" in o:
                key = self.row(o)
                if key in seen:
                    self.fail(f"duplicate row {key}")
                seen[key] = o
            elif "target" in o:
                targets += 1
                if not isinstance(o.get("met"), bool) or not positive(o.get("value")):
                    self.fail(f"bad target line: {o}")
            elif "journal_group" in o:
                g = o["journal_group"]
                groups.add(g.get("threads"))
                if not positive(g.get("persists")) or not positive(g.get("writes")) or \
                        not positive(g.get("avg_group")):
                    self.fail(f"bad group line: {o}")
            elif "journal_checkpoint" in o:
                c = o["journal_checkpoint"]
                if not positive(c.get("persists")) or not positive(c.get("ns_per_persist")):
                    self.fail(f"bad checkpoint line: {o}")
            elif "journal_device" in o:
                if not positive(o["journal_device"].get("msync_over_raw")):
                    self.fail(f"bad device line: {o}")
        want = journal_rows()
        for key in sorted(want - seen.keys(), key=str):
            self.fail(f"missing journal row {key}")
        for key in sorted(seen.keys() - want, key=str):
            self.fail(f"unexpected journal row {key}")
        for key, o in seen.items():
            if key[5] > 1 and not positive(o.get("speedup_vs_1_thread")):
                self.fail(f"journal row without its speedup: {key}")
        if groups != {1, 2, 4}:
            self.fail(f"group sizes for threads {sorted(groups)}, not 1, 2 and 4")
        for k in ("journal_checkpoint", "journal_device"):
            if not any(k in o for o in objs):
                self.fail(f"no {k} line")
        if targets != JOURNAL_TARGETS:
            self.fail(f"{targets} journal target lines, not {JOURNAL_TARGETS}")
        return len(seen)

    def fault_run(self, objs):
        rows = [o for o in objs if o.get("bench") == "fault"]
        if len(rows) != 8:
            self.fail(f"fault mode gave {len(rows)} rows, not 8")
        combos = set()
        for r in rows:
            self.row(r)
            combos.add((r.get("preallocated"), r.get("map_sync_requested"),
                        r.get("background_copy")))
            hist = r.get("hist_us", {})
            if sum(hist.values()) != r.get("faults", 0) or r.get("faults") != 512:
                self.fail(f"histogram does not add up to 512 faults: {r}")
            if not (r.get("min_ns", 0) <= r["ns_per_op"] <= r.get("max_ns", 0)):
                self.fail(f"min <= avg <= max does not hold: {r}")
        if len(combos) != 8:
            self.fail("fault mode did not cover the 8 configurations")
        # The cover letter of the MAP_SYNC series (Linux 4.15) measured
        # six of them; its figures ride along on exactly those rows.
        for r in rows:
            ref = r.get("cover_letter_us")
            measured = not (r.get("preallocated") and r.get("background_copy"))
            if measured and not (isinstance(ref, dict) and
                                 all(positive(ref.get(k)) for k in ("min", "avg", "max")) and
                                 ref["min"] <= ref["avg"] <= ref["max"]):
                self.fail(f"row without the cover letter's min/avg/max: {r}")
            if not measured and ref is not None:
                self.fail(f"cover letter figures on a row it did not measure: {r}")
            if "seeds_us" in r:
                self.fail(f"old key seeds_us: {r}")
        if not any("target" in o for o in objs):
            self.fail("fault mode printed no target")


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"{' '.join(cmd)} exited with {p.returncode}")
    return p.stdout


def journal_main(bench):
    c = Checker()
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base) as d:
        n = c.journal_run(c.parse(run([bench, "--journal", "--quick", "--json",
                                       "--dir", d]), "--journal"))
    for e in c.errors:
        print("FAIL:", e)
    if c.errors:
        return 1
    print(f"PASS: {n} journal rows, group sizes, checkpoint and device lines, "
          f"{JOURNAL_TARGETS} targets, all well-formed")
    return 0


def main():
    bench = sys.argv[1]
    if sys.argv[2:] == ["--journal"]:
        return journal_main(bench)
    c = Checker()
    n = c.main_run(c.parse(run([bench, "--quick", "--json"]), "--json"))
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base) as d:
        c.fault_run(c.parse(run([bench, "--fault", d, "--quick", "--json"]), "--fault"))
    for e in c.errors:
        print("FAIL:", e)
    if c.errors:
        return 1
    print(f"PASS: {n} rows and the fault mode's 8 configurations, all well-formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
