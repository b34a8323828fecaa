#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The library's stack frames, as gcc's -fstack-usage reports them for a
copy of the library built with it: list the worst, and fail if any frame is
above the bound or of unbounded size (a variable-length array, alloca).

Why a bound per frame: a public call may need at most 8 KiB of stack in
all, and its deepest chain runs through some eight of the library's own
functions (public call, open, map, diagnosis, device chain, sysfs read,
system-call layer) above libc's, whose formatted printing alone takes one
to two KiB.  A frame of more than 2 KiB would spend a quarter of the whole
budget in one function; the buffers that house rule forbids on the stack
(PATH_MAX paths of 4096 bytes, 4 KiB scratch) are all above it, while the
library's advice buffers (1 KiB) fit.  The sum along real call chains is
what the stack-high-water test measures.

usage: check_frames.py [--control] BOUND DIR SOURCE...
  the *.su files under DIR of the library's SOURCE files only (a build
  directory keeps the objects of a source that was removed), and every
  SOURCE must have its report.  --control: DIR holds the control's
  report, and the check passes only if it finds the control's two faults.
"""
import os
import sys

TOP = 15


def reports(d, sources):
    """The .su file of each source under d (None where there is none).
    Walked, not globbed: meson names the object of ../../src/x.c
    ".._.._src_x.c.o", which a glob takes for a hidden file."""
    names = [os.path.join(root, n) for root, _, ns in os.walk(d)
             for n in ns if n.endswith(".su")]
    found = {}
    for src in sources:
        want = os.path.basename(src) + ".su"
        hits = [n for n in names if os.path.basename(n) == want or
                os.path.basename(n).endswith("_" + want)]
        # "cpu.c" also ends "path_cpu.c": take the shortest name.
        found[src] = min(hits, key=len) if hits else None
    return found


def frames(sus):
    """(size, kind, file, function, where) of every function in the
    reports, including inline functions of headers they instantiate."""
    out = []
    for su in sus:
        with open(su) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                where, size, kind = parts
                # where is FILE:LINE:COL:FUNCTION
                file, _, rest = where.partition(":")
                fn = rest.split(":", 2)[-1]
                out.append((int(size), kind, os.path.normpath(file), fn, where))
    return out


def check(bound, d, sources, quiet=False):
    """0 if every frame is bounded and at most bound bytes; the offenders."""
    found = reports(d, sources)
    missing = sorted(os.path.basename(s) for s, su in found.items() if su is None)
    if missing:
        print(f"FAIL: no -fstack-usage report under {d} for", " ".join(missing))
        return None
    fs = sorted(frames(found.values()), key=lambda f: -f[0])
    print(f"{len(fs)} functions; the {min(TOP, len(fs))} largest frames "
          f"(bound {bound} bytes per frame):")
    for size, kind, file, fn, where in fs[:TOP]:
        flag = "  FAIL" if size > bound or kind == "dynamic" else ""
        print(f"  {size:7d}  {kind:16s} {fn} ({file}){flag}")
    over = [f for f in fs if f[0] > bound]
    unbounded = [f for f in fs if f[1] == "dynamic"]
    for size, kind, file, fn, where in over:
        print(f"FAIL: {fn} ({where}) has a {size}-byte frame, above {bound}")
    for size, kind, file, fn, where in unbounded:
        print(f"FAIL: {fn} ({where}) has a frame of unbounded size ({kind})")
    return [f[3] for f in over + unbounded]


def main():
    args = sys.argv[1:]
    control = bool(args) and args[0] == "--control"
    if control:
        args = args[1:]
    if len(args) < 3:
        print(__doc__)
        return 2
    bad = check(int(args[0]), args[1], args[2:])
    if bad is None:
        return 1
    if control:
        # The control file has one frame above any sane bound and one
        # variable-length array: the check must name both.
        want = {"control_big_frame", "control_unbounded"}
        if want <= set(bad):
            print("PASS: the check caught both faults of the control")
            return 0
        print("FAIL: the check missed", " ".join(sorted(want - set(bad))))
        return 1
    if bad:
        return 1
    print(f"PASS: every frame is at most {args[0]} bytes and bounded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
