#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copy the /sys and /proc paths a capture read into a tree of its own.

  mirror.py TRACE TREE

TRACE holds "r PATH" (a file read), "l PATH" (a path resolved) and "d PATH"
(a directory listed), as decide-capture wrote them.  Every symbolic link
met on the way is recreated with its own target, so that the library's
walk resolves the same way under TREE as on the machine; files are copied;
a listed directory gets its entries (links as links, the rest as empty
directories).  Only what was read is copied: a capture is small.  An
empty directory gets a .keep file, so that git keeps it.
"""
import os
import sys


def place(tree, path, done):
    """Make path exist under tree as it does here, following links."""
    parts = path.strip("/").split("/")
    cur = ""
    for i, part in enumerate(parts):
        cur = cur + "/" + part
        if cur in done:
            if os.path.islink(cur):
                target = os.path.normpath(os.path.join(os.path.dirname(cur),
                                                       os.readlink(cur)))
                rest = "/".join(parts[i + 1:])
                return place(tree, target + ("/" + rest if rest else ""), done)
            continue
        done.add(cur)
        dst = tree + cur
        if os.path.islink(cur):
            link = os.readlink(cur)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.lexists(dst):
                os.symlink(link, dst)
            target = os.path.normpath(os.path.join(os.path.dirname(cur), link))
            rest = "/".join(parts[i + 1:])
            return place(tree, target + ("/" + rest if rest else ""), done)
        if os.path.isdir(cur):
            os.makedirs(dst, exist_ok=True)
        elif os.path.exists(cur):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                with open(cur, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            with open(dst, "wb") as f:
                f.write(data)
        else:
            return
    return


def listing(tree, path, done):
    place(tree, path, done)
    real = os.path.realpath(path)
    for name in sorted(os.listdir(real)):
        if name.startswith("."):
            continue
        src = os.path.join(real, name)
        dst = tree + src
        if os.path.lexists(dst):
            continue
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        elif os.path.isdir(src):
            os.makedirs(dst, exist_ok=True)


def keep_empty(tree):
    """git keeps no empty directory: give each a .keep (the library skips
    names that start with a dot when it lists one)."""
    for dirpath, dirnames, filenames in os.walk(tree):
        if not dirnames and not filenames:
            open(os.path.join(dirpath, ".keep"), "w").close()


def main():
    trace, tree = sys.argv[1], sys.argv[2]
    done = set()
    with open(trace) as f:
        for line in f:
            kind, _, path = line.rstrip("\n").partition(" ")
            if kind == "d":
                if os.path.isdir(path):
                    listing(tree, path, done)
            else:
                place(tree, path, done)
    keep_empty(tree)


if __name__ == "__main__":
    main()
