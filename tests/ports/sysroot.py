#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian packages of a foreign architecture, unpacked into a folder.

  sysroot.py --arch arm64 --cache DIR --out DIR PACKAGE...
  sysroot.py --arch arm64 --cache DIR --kernel SUITE    (prints a path)

The packages and everything they depend on (Depends and Pre-Depends,
recursively) come from Debian 12 through a private apt state in
CACHE/apt-ARCH: its own sources list, package lists and an empty dpkg
status, so the machine's apt configuration and installed packages are
left alone.  This is the alternative to `dpkg --add-architecture`, which
would make apt upgrade installed libraries to match the foreign ones.
Each .deb is downloaded once into CACHE/debs-ARCH, unpacked with
`dpkg-deb -x`, and the folder is unpacked again only when the set of .debs
changes.  --kernel prints the cached folder of the kernel package that
linux-image-ARCH depends on in SUITE (e.g. bookworm-backports).
"""

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

MIRROR = "http://deb.debian.org/debian"
SUITES = ["bookworm", "bookworm-updates", "bookworm-backports"]
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def log(msg):
    print(f"sysroot: {msg}", file=sys.stderr, flush=True)


class Fail(Exception):
    pass


class Apt:
    def __init__(self, arch, cache):
        self.arch = arch
        self.dir = os.path.join(cache, f"apt-{arch}")
        self.debs = os.path.join(cache, f"debs-{arch}")
        for d in ("lists/partial", "archives/partial", "etc/empty"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.makedirs(self.debs, exist_ok=True)
        status = os.path.join(self.dir, "status")
        if not os.path.exists(status):
            open(status, "w").close()
        with open(os.path.join(self.dir, "etc", "sources.list"), "w") as f:
            for s in SUITES:
                f.write(f"deb [arch={arch} signed-by={KEYRING}] {MIRROR} {s} main\n")
        self.opts = [
            "-o", f"APT::Architecture={arch}",
            "-o", f"APT::Architectures::={arch}",
            "-o", f"Dir::State={self.dir}",
            "-o", f"Dir::State::Lists={self.dir}/lists",
            "-o", f"Dir::State::status={status}",
            "-o", f"Dir::Cache={self.dir}",
            "-o", f"Dir::Cache::Archives={self.dir}/archives",
            "-o", f"Dir::Etc::SourceList={self.dir}/etc/sources.list",
            "-o", f"Dir::Etc::SourceParts={self.dir}/etc/empty",
            "-o", f"Dir::Etc::Preferences={self.dir}/etc/empty/none",
            "-o", f"Dir::Etc::PreferencesParts={self.dir}/etc/empty",
            "-o", "Acquire::Languages=none",
            "-o", "Debug::NoLocking=1",
        ]

    def run(self, tool, *args, cwd=None):
        cmd = [tool] + self.opts + list(args)
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode:
            raise Fail(f"{' '.join([tool] + list(args))} failed:\n"
                       f"{r.stdout}{r.stderr}")
        return r.stdout

    def update(self):
        stamp = os.path.join(self.dir, "updated")
        if not os.path.exists(stamp):
            log(f"apt-get update for {self.arch} (private state in {self.dir})")
            self.run("apt-get", "-qq", "update")
            open(stamp, "w").close()

    def closure(self, pkgs):
        out = self.run("apt-cache", "depends", "--recurse", "--no-recommends",
                       "--no-suggests", "--no-conflicts", "--no-breaks",
                       "--no-replaces", "--no-enhances", *pkgs)
        names = set()
        for line in out.splitlines():
            if line and not line[0].isspace() and not line.startswith("<"):
                names.add(line.strip())
        return sorted(names)

    def fetch(self, pkgs):
        """The .deb files of pkgs, downloaded where missing."""
        out = self.run("apt-get", "--print-uris", "-qq", "download", *pkgs)
        files, missing = [], []
        for line in out.splitlines():
            m = re.match(r"'(\S+)' (\S+\.deb) ", line)
            if not m:
                continue
            path = os.path.join(self.debs, m.group(2))
            files.append(path)
            if not os.path.exists(path):
                missing.append(m.group(2))
        if missing:
            log(f"downloading {len(missing)} {self.arch} packages")
            tmp = os.path.join(self.debs, "partial")
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            self.run("apt-get", "-qq", "download", *self.pinned(missing), cwd=tmp)
            for f in os.listdir(tmp):
                os.rename(os.path.join(tmp, f), os.path.join(self.debs, f))
            shutil.rmtree(tmp)
        gone = [f for f in files if not os.path.exists(f)]
        if gone:
            raise Fail(f"apt-get download left out {gone}")
        return files

    @staticmethod
    def pinned(files):
        """name=version of each .deb name apt gave (the version listed)."""
        out = []
        for f in files:
            name, ver, _ = f[:-4].split("_")
            out.append(f"{name}={urllib.parse.unquote(ver)}")
        return out


def locked(cache, arch):
    os.makedirs(cache, exist_ok=True)
    fd = os.open(os.path.join(cache, f"lock-{arch}"), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def relink(root):
    """Absolute symbolic links (ppc64el's /lib64/ld64.so.2) point into the
    folder instead, as they would in the foreign system: qemu-user -L and
    the linker's -rpath-link look inside it, not at the host."""
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            if os.path.islink(p):
                t = os.readlink(p)
                if t.startswith("/"):
                    os.unlink(p)
                    os.symlink(os.path.relpath(root + t, d), p)


def unpack(debs, out):
    digest = hashlib.sha256("\n".join(sorted(os.path.basename(d) for d in debs))
                            .encode()).hexdigest()
    stamp = os.path.join(out, ".sysroot-stamp")
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return
    log(f"unpacking {len(debs)} packages into {out}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for d in debs:
        subprocess.run(["dpkg-deb", "-x", d, out], check=True)
    relink(out)
    with open(stamp, "w") as f:
        f.write(digest)


def kernel(apt, suite):
    out = apt.run("apt-cache", "depends", f"linux-image-{apt.arch}/{suite}")
    for line in out.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\S+)", line)
        if m:
            pkg = m.group(1)
            break
    else:
        raise Fail(f"linux-image-{apt.arch}/{suite} names no kernel package")
    deb = apt.fetch([f"{pkg}/{suite}"])
    return pkg, deb[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--arch", required=True, help="Debian architecture")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", help="folder to unpack into")
    ap.add_argument("--kernel", metavar="SUITE",
                    help="print the kernel package's .deb of SUITE")
    ap.add_argument("packages", nargs="*")
    o = ap.parse_args()
    fd = locked(o.cache, o.arch)
    try:
        apt = Apt(o.arch, o.cache)
        apt.update()
        if o.kernel:
            pkg, deb = kernel(apt, o.kernel)
            print(f"{pkg} {deb}")
            return 0
        if not o.out or not o.packages:
            ap.error("--out and packages are needed without --kernel")
        debs = apt.fetch(apt.closure(o.packages))
        unpack(debs, os.path.abspath(o.out))
        print(os.path.abspath(o.out))
        return 0
    except Fail as e:
        log(str(e))
        return 1
    finally:
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
