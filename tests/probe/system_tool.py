#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""syncmap-probe on this machine: the JSON contract, the text report, and
the clear failures (missing directory, a directory, an unreadable file,
bad usage).  On a machine without an NVDIMM bus the answer must be "no"
with a cause and advice that say so; with a bus the answer depends on
the file system, and only the contract is checked.

usage: system_tool.py PATH-TO-syncmap-probe
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# The tool, after the emulator that runs it in a cross build, if any.
TOOL = sys.argv[1:]
# Root reads every file; without these two capabilities it is refused
# like anyone else, yet can still reach the build tree (a 0700 clone) and,
# in a cross build, the emulator's sysroot, both of which root owns.
DROP_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
CAUSES = {
    "kernel_too_old", "not_dax", "fs_not_dax_mounted", "inode_dax_flag_unset",
    "fs_not_dax_capable", "device_not_dax", "namespace_raw_mode",
    "device_not_synchronous", "map_sync_forbidden", "forced_by_environment",
    "read_only", "cpu_cannot_flush", "no_nvdimm_bus", "error",
}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, drop_dac=False):
    cmd = [*TOOL, *args]
    if drop_dac:
        cmd = DROP_DAC + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def has_ndbus():
    try:
        return any(n.startswith("ndbus") for n in os.listdir("/sys/bus/nd/devices"))
    except OSError:
        return False


def check_contract(obj, path):
    check(obj.get("path") == path, f"path is {path!r}: {obj.get('path')!r}")
    check(isinstance(obj.get("map_sync"), bool), "map_sync is a boolean")
    check(obj.get("granularity") in ("byte", "cache_line", "page"), "granularity")
    check(obj.get("insn") in ("clwb", "clflushopt", "clflush", "dc_cvap", "dc_cvac",
                                 "dcbstps", "dcbf", "cbo_clean", "none"), "insn")
    cause, advice = obj.get("cause", 0), obj.get("advice", 0)
    check(cause is None or cause in CAUSES, f"cause {cause!r} is stable")
    check((cause is None) == (advice is None), "advice iff cause")
    if advice is not None:
        check(isinstance(advice, str) and len(advice) > 20, "advice is a sentence")
    if obj.get("map_sync") is False:
        check(obj["granularity"] == "page" and cause is not None,
              "no MAP_SYNC means page granularity and a cause")
    if obj.get("granularity") == "byte":
        check(obj.get("persistence_domain") == "cpu_cache", "byte only under cpu_cache")
    # MAP_SYNC granted, or refused with EOPNOTSUPP, proves the kernel knows
    # MAP_SHARED_VALIDATE: the report may not call that unknown.
    trial = obj.get("trial_mmap") or ""
    if " granted" in trial or "refused with EOPNOTSUPP" in trial:
        check(obj.get("map_sync_known") is True,
              f"map_sync_known is true after {trial!r}: {obj.get('map_sync_known')!r}")


def probe_json(*paths):
    r = run("--json", *paths)
    check(r.returncode == 0, f"--json {paths} exits 0: {r.returncode} {r.stderr}")
    lines = r.stdout.splitlines()
    check(len(lines) == len(paths), f"one JSON line per path: {len(lines)}")
    objs = []
    for line in lines:
        try:
            objs.append(json.loads(line))
        except ValueError as e:
            check(False, f"valid JSON: {e}: {line[:200]}")
    return objs


def host_answer(obj):
    """Without any NVDIMM the answer is no, and the report says why."""
    check(obj["map_sync"] is False, "no MAP_SYNC without pmem")
    check(obj["nvdimm_bus"] is False, "nvdimm_bus is false")
    check(obj["insn"] == "none", "no write-back instruction on the page path")
    if obj.get("map_sync_known") is False:
        # A kernel (or emulator, like qemu-user 7.2) that rejects
        # MAP_SHARED_VALIDATE: that is what the report must blame.
        check(obj["cause"] == "kernel_too_old", f"cause kernel_too_old: {obj['cause']}")
        return
    if obj.get("fs_type") in ("ext4", "xfs", "ext2"):
        check(obj["cause"] == "no_nvdimm_bus", f"cause no_nvdimm_bus: {obj['cause']}")
    check("NVDIMM" in obj["advice"], "advice names the missing NVDIMM bus")


def main():
    tmp = tempfile.mkdtemp(prefix="syncmap-probe-")
    try:
        new = os.path.join(tmp, "not-yet")
        existing = os.path.join(tmp, "exists")
        with open(existing, "wb") as f:
            f.write(b"x" * 4096)
        a, b = probe_json(new, existing)
        check_contract(a, new)
        check_contract(b, existing)
        check(a["target"] == "new_file" and b["target"] == "file", "targets")
        check(not os.path.exists(new), "probing a new path creates nothing")
        check(sorted(os.listdir(tmp)) == ["exists"], "no file left behind")
        check(a["map_sync"] == b["map_sync"] or a["fs_type"] != b["fs_type"],
              "a new file and an existing one on one fs agree")
        if not has_ndbus():
            host_answer(a)
            host_answer(b)

        # A name JSON must escape.
        odd = os.path.join(tmp, 'q"uo\\te\nnl')
        (o,) = probe_json(odd)
        check_contract(o, odd)

        if os.path.isdir("/dev/shm"):
            (s,) = probe_json("/dev/shm/syncmap-probe-test")
            if s.get("fs_type") == "tmpfs" and s.get("map_sync_known") is not False:
                check(s["cause"] == "fs_not_dax_capable", "tmpfs cannot do DAX")
                check("tmpfs" in s["advice"], "advice names tmpfs")

        r = run(existing)
        check(r.returncode == 0, "text report exits 0")
        check(r.stdout.startswith(existing + "\n"), "text report starts with the path")
        check("granularity" in r.stdout and "facts:" in r.stdout, "text report has facts")
        if not has_ndbus():
            check("no NVDIMM bus" in r.stdout, "text report explains the missing bus")

        r = run("--json", os.path.join(tmp, "no-such-dir", "file"))
        check(r.returncode == 1, f"missing directory exits 1: {r.returncode}")
        check("does not exist" in r.stderr and r.stdout == "", "missing directory message")

        r = run(tmp)
        check(r.returncode == 1 and "is a directory" in r.stderr, "a directory is refused")

        # One bad path among good ones: reports for the good, exit 1.
        r = run("--json", existing, tmp)
        check(r.returncode == 1 and len(r.stdout.splitlines()) == 1, "mixed paths")

        unreadable = os.path.join(tmp, "unreadable")
        with open(unreadable, "wb") as f:
            f.write(b"y")
        os.chmod(unreadable, 0)
        r = run(unreadable, drop_dac=os.geteuid() == 0)
        check(r.returncode == 1, f"unreadable file exits 1: {r.returncode} {r.stderr}")
        check("cannot open" in r.stderr and "ermission" in r.stderr,
              f"unreadable message: {r.stderr.strip()}")

        r = run()
        check(r.returncode == 2 and "usage" in r.stderr, "no path is a usage error")
        r = run("--frobnicate", existing)
        check(r.returncode == 2, "unknown option is a usage error")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
