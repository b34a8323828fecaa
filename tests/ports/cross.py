#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-build libsyncmap for another architecture and run its suites.

  cross.py ARCH [--source-dir DIR] [--cache DIR] [--jobs N]

ARCH is aarch64, ppc64le, s390x or riscv64 (see ARCHES).  The build goes
to SOURCE/build-ARCH with Debian's cross compiler; the foreign -dev
packages the build needs come from sysroot.py (a private apt state, no
multiarch) and are unpacked into CACHE/sysroot-ARCH, which is also the
root qemu-user runs the test programs in (`qemu-ARCH -L SYSROOT`).
What each architecture builds, runs and drops is in its entry below;
README.md beside this file has the table.  Exits non-zero if anything
fails; a suite that runs no test fails too.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

LIBS = ["libc6", "libcmocka-dev"]
NVDIMM = ["libpmem-dev", "libndctl-dev", "libdaxctl-dev"]
# The arm64 DAX guest runs in the same root (dax-arm64/run-guest).
GUEST = ["busybox-static", "ndctl", "e2fsprogs"]

# Tests left out under qemu-user, each with the reason the run prints.
QEMU_USER_KNOWN = {}

ARCHES = {
    "aarch64": dict(
        deb="arm64", triplet="aarch64-linux-gnu", qemu="qemu-aarch64",
        family="aarch64", endian="little", packages=LIBS + NVDIMM + GUEST,
        options=["-Dbench=disabled", "-Dfuzz=disabled", "-Dcxl=disabled", "-Ddax_tests=enabled"],
        suites=["unit", "system"],
        # QEMU 7.2 reports HWCAP_DCPOP on its "max" CPU in user mode but
        # implements DC CVAP only in system mode (SIGILL here), so the
        # suites run on a Cortex-A72 (ARMv8.0: DC CVAC), "max" is only
        # asked what it would choose, and DC CVAP runs in the system-mode
        # guest (dax-arm64/).
        suite_cpu="cortex-a72", known=QEMU_USER_KNOWN,
        choices={"cortex-a72": "dc_cvac", "max": "dc_cvap",
                 "neoverse-n1": "dc_cvap"}),
    "ppc64le": dict(
        deb="ppc64el", triplet="powerpc64le-linux-gnu", qemu="qemu-ppc64le",
        # libpmem's POWER code issues dcbstps and phwsync on every CPU (as
        # the kernel does; POWER8 and POWER9 run them as dcbf and hwsync),
        # which QEMU 7.2 cannot execute: the emulated build copies with
        # memmove and dcbf instead (-Dpmem=disabled).
        family="ppc64", endian="little",
        packages=LIBS + ["libndctl-dev", "libdaxctl-dev"],
        options=["-Dbench=disabled", "-Dfuzz=disabled", "-Dcxl=disabled", "-Ddax_tests=disabled",
                 "-Dpmem=disabled"],
        suites=["unit", "system"],
        # QEMU 7.2 implements neither dcbstps nor phwsync (SIGILL even on
        # its power10), so the suites run on POWER9 (ISA 3.0: dcbf and
        # hwsync) and POWER10 is only asked what it would choose.
        suite_cpu="power9", known=QEMU_USER_KNOWN,
        choices={"power8": "dcbf", "power9": "dcbf", "power10": "dcbstps"}),
    "s390x": dict(
        # No write-back at all; big-endian.  PMDK (libpmem) is not built
        # for s390x by Debian: -Dpmem=disabled.
        deb="s390x", triplet="s390x-linux-gnu", qemu="qemu-s390x",
        family="s390x", endian="big",
        packages=LIBS + ["libndctl-dev", "libdaxctl-dev"],
        options=["-Dbench=disabled", "-Dfuzz=disabled", "-Dcxl=disabled", "-Ddax_tests=disabled",
                 "-Dpmem=disabled"],
        suites=["unit", "system"],
        suite_cpu=None, choices={None: "none"},
        known=dict(QEMU_USER_KNOWN, sparse=(
            "qemu-s390x 7.2 hands a SIGBUS handler si_addr with its two 32-bit "
            "halves swapped (0x6f90000000007fc0 for a store at 0x7fc06f900000), so "
            "neither the test nor syncmap_write_safe() can match the fault to the "
            "page; on s390x itself the kernel reports the address as it is"))),
    "riscv64": dict(
        # Debian 12 has the cross compiler but no riscv64 packages: no
        # cmocka, libpmem, libndctl, libsqlite3 (with no root of its own,
        # pkg-config would hand the build the host's); the suites cannot
        # be built, the probe tool runs on the cross compiler's libc.
        deb=None, triplet="riscv64-linux-gnu", qemu="qemu-riscv64",
        family="riscv64", endian="little", packages=[],
        options=["-Dbench=disabled", "-Dfuzz=disabled", "-Dcxl=disabled", "-Ddax_tests=disabled",
                 "-Dpmem=disabled", "-Dndctl=disabled", "-Dtests=false",
                 "-Dexamples=true", "-Dsqlite=disabled"],
        suites=[],
        # QEMU 7.2 has no riscv_hwprobe: ENOSYS, so no cbo.clean.
        suite_cpu=None, choices={None: "none"}),
}


def log(msg):
    print(f"cross: {msg}", flush=True)


def sh(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def cross_file(a, root, path):
    t = a["triplet"]
    libdirs = [f"{root}/usr/lib/{t}", f"{root}/lib/{t}"] if root else []
    wrapper = [a["qemu"], "-L", root or f"/usr/{t}"]
    q = lambda xs: "[" + ", ".join(repr(x) for x in xs) + "]"
    text = f"""# Written by tests/ports/cross.py; options: {' '.join(a["options"])}
[binaries]
c = '{t}-gcc'
cpp = '{t}-g++'
ar = '{t}-gcc-ar'
strip = '{t}-strip'
nm = '{t}-nm'
pkgconfig = 'pkg-config'
exe_wrapper = {q(wrapper)}

[properties]
syncmap_exe_wrapper = {q(wrapper)}
"""
    if root:
        text += f"""sys_root = '{root}'
pkg_config_libdir = {q([f"{root}/usr/lib/{t}/pkgconfig", f"{root}/usr/share/pkgconfig"])}

[built-in options]
c_args = {q(["-idirafter", f"{root}/usr/include"])}
c_link_args = {q([f"-L{d}" for d in libdirs] + [f"-Wl,-rpath-link,{d}" for d in libdirs])}
"""
    text += f"""
[host_machine]
system = 'linux'
cpu_family = '{a["family"]}'
cpu = '{a["family"]}'
endian = '{a["endian"]}'
"""
    old = open(path).read() if os.path.exists(path) else None
    if old != text:
        with open(path, "w") as f:
            f.write(text)
    return old != text


def check_tools(a):
    need = [f"{a['triplet']}-gcc", a["qemu"]]
    missing = [n for n in need if not shutil.which(n)]
    if missing:
        log(f"missing {missing}: sh scripts/deps.sh installs them")
        return False
    return True


def suite_tests(build, suites):
    """The names of the tests of the given suites."""
    out = subprocess.run(["meson", "test", "-C", build, "--no-rebuild", "--list"]
                         + [x for s in suites for x in ("--suite", s)],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return [line.split(" / ", 1)[1].strip() for line in out.splitlines()
            if " / " in line]


def wrapper(a, root):
    return [a["qemu"], "-L", root or f"/usr/{a['triplet']}"]


def qemu_env(cpu):
    env = dict(os.environ)
    env.pop("QEMU_CPU", None)
    if cpu:
        env["QEMU_CPU"] = cpu
    return env


def probe_facts(a, build, root, cpu):
    """syncmap-probe --json on a file in /tmp, on emulated CPU cpu."""
    tool = os.path.join(build, "tools", "syncmap-probe")
    path = f"/tmp/syncmap-cross-{a['family']}-{os.getpid()}"
    open(path, "wb").close()
    try:
        r = subprocess.run(wrapper(a, root) + [tool, "--json", path],
                           env=qemu_env(cpu), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    finally:
        os.unlink(path)
    try:
        start = r.stdout.index("{")
        return json.loads(r.stdout[start:]), r.stdout
    except ValueError:
        return None, r.stdout


def check_choices(a, build, root):
    """On each emulated CPU the probe reports the architecture, one
    cpu_<insn> fact per instruction of the architecture, and the
    instruction expected for that CPU."""
    ok = True
    for cpu, want in a["choices"].items():
        flat, out = probe_facts(a, build, root, cpu)
        flat = flat if isinstance(flat, dict) else {}
        got = flat.get("cpu_insn")
        # One cpu_<insn> fact per instruction of the architecture.
        insns = {v for v in a["choices"].values() if v != "none"}
        good = (got == want and flat.get("cpu_arch") == ARCH_NAME[a["family"]](a)
                and all(isinstance(flat.get(f"cpu_{i}"), bool) for i in insns)
                and flat.get(f"cpu_{want}", True) is True)
        log(f"syncmap-probe on QEMU_CPU={cpu or 'default'}: cpu_arch="
            f"{flat.get('cpu_arch')} cpu_insn={got} (want {want}): "
            f"{'PASS' if good else 'FAIL'}")
        if not good:
            print(out, flush=True)
        ok = ok and good
    return ok


ARCH_NAME = {
    "aarch64": lambda a: "aarch64",
    "ppc64": lambda a: "ppc64le" if a["endian"] == "little" else "ppc64",
    "s390x": lambda a: "s390x",
    "riscv64": lambda a: "riscv64",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("arch", choices=sorted(ARCHES))
    ap.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--cache", default=os.environ.get("SYNCMAP_PORTS_CACHE"))
    ap.add_argument("--jobs", type=int, default=2)
    o = ap.parse_args()
    a = ARCHES[o.arch]
    src = os.path.abspath(o.source_dir)
    cache = os.path.abspath(o.cache or os.path.join(src, "build", "ports-cache"))
    build = os.path.join(src, f"build-{o.arch}")
    started = time.monotonic()
    if not check_tools(a):
        return 1
    os.makedirs(cache, exist_ok=True)
    root = None
    if a["deb"]:
        root = os.path.join(cache, f"sysroot-{o.arch}")
        r = sh([sys.executable, os.path.join(HERE, "sysroot.py"), "--arch", a["deb"],
                "--cache", cache, "--out", root] + a["packages"])
        if r.returncode:
            log("cannot make the sysroot")
            return 1
    xfile = os.path.join(cache, f"cross-{o.arch}.ini")
    changed = cross_file(a, root, xfile)
    if changed or not os.path.exists(os.path.join(build, "build.ninja")):
        shutil.rmtree(build, ignore_errors=True)
        r = sh(["meson", "setup", build, src, "--cross-file", xfile,
                "-Dwerror=true"] + a["options"], stdout=subprocess.PIPE,
               stderr=subprocess.STDOUT, text=True)
        print(r.stdout[-3000:], flush=True)
        if r.returncode:
            log("meson setup failed")
            return 1
    if sh(["ninja", "-C", build, f"-j{o.jobs}"]).returncode:
        log("build failed")
        return 1
    ok = True
    if a["suites"]:
        names = suite_tests(build, a["suites"])
        known = a.get("known", {})
        for n, why in known.items():
            if n in names:
                log(f"left out under qemu-user: {n}: {why}")
        cmd = ["meson", "test", "-C", build, "--no-rebuild", "--print-errorlogs",
               "--num-processes", str(o.jobs)] + \
              [x for s in a["suites"] for x in ("--suite", s)] + \
              [n for n in names if n not in known]
        r = sh(cmd, env=qemu_env(a["suite_cpu"]), stdout=subprocess.PIPE,
               stderr=subprocess.STDOUT, text=True)
        print(r.stdout, flush=True)
        counts = dict(re.findall(r"^(Ok|Fail|Skipped|Timeout|Unexpected Pass|"
                                 r"Expected Fail):\s+(\d+)", r.stdout, re.M))
        ran = int(counts.get("Ok", 0))
        bad = sum(int(v) for k, v in counts.items() if k != "Ok")
        if r.returncode or bad or ran == 0:
            log(f"suites {a['suites']}: {ran} passed, {bad} not")
            ok = False
        else:
            with open(os.path.join(build, "meson-logs", "testlog.txt"),
                      errors="replace") as f:
                skipped = len(set(re.findall(r"^\[  SKIPPED \] (test\w+)", f.read(), re.M)))
            log(f"suites {a['suites']} on QEMU_CPU={a['suite_cpu'] or 'default'}: "
                f"{ran} passed" + (f"; {skipped} cmocka tests skipped (named in "
                                   "meson-logs/testlog.txt)" if skipped else ""))
    ok = check_choices(a, build, root) and ok
    log(f"{o.arch}: {'PASS' if ok else 'FAIL'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
