#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile and link the EXAMPLE of every man page against the header and
the built library, and render every page with groff's warnings on, so a
page cannot teach code that no longer builds or markup that no longer
renders.

Usage: check_examples.py --cc CC --include DIR --lib LIBSO --man DIR
                         [--readme README.md]

With --readme, every ```c block of the README must build as well.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def example_of(lines):
    out, inside, in_section = [], False, False
    for line in lines:
        if line.startswith(".SH"):
            in_section = line.split(None, 1)[1].strip('"') == "EXAMPLE"
        elif in_section and line.startswith(".EX"):
            inside = True
        elif line.startswith(".EE"):
            inside = False
        elif inside:
            out.append(line)
    text = "\n".join(out) + "\n"
    for esc, plain in (("\\e", "\\"), ("\\-", "-"), ("\\&", "")):
        text = text.replace(esc, plain)
    return text if out else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cc", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--readme")
    ap.add_argument("--only", help="check this page alone (and no README)")
    ap.add_argument("--extra", action="append", default=[],
                    help="one more compiler argument (repeatable), after --lib")
    args = ap.parse_args()
    errors = 0
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fn in sorted(os.listdir(args.man)):
            if not re.search(r"\.[1-8]$", fn) or (args.only and fn != args.only):
                continue
            path = os.path.join(args.man, fn)
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            if lines and lines[0].startswith(".so "):
                continue
            r = subprocess.run(["groff", "-man", "-ww", "-z", path],
                               capture_output=True, text=True)
            if r.returncode or r.stderr.strip():
                print(f"{fn}: groff warns:\n{r.stderr}")
                errors += 1
            src = example_of(lines)
            if src is None or "main(" not in src:
                if fn.endswith(".3") or fn.endswith(".7"):
                    print(f"{fn}: EXAMPLE is not a complete program")
                    errors += 1
                continue
            # The SQLite VFS's page needs libsqlite3 and the VFS's library:
            # the sqlite suite checks it with --only and --extra.
            if "<syncmap_sqlite.h>" in src and not args.only:
                print(f"{fn}: EXAMPLE left to the sqlite suite (man-example)")
                continue
            cfile = os.path.join(tmp, fn.replace(".", "_") + ".c")
            with open(cfile, "w", encoding="utf-8") as f:
                f.write(src)
            r = subprocess.run([args.cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                                "-I", args.include, "-o", cfile[:-2], cfile, args.lib]
                               + args.extra,
                               capture_output=True, text=True)
            checked += 1
            if r.returncode:
                print(f"{fn}: EXAMPLE does not build:\n{r.stderr}")
                errors += 1
        if args.only and not checked:
            print(f"{args.only}: no page with a C EXAMPLE of that name")
            errors += 1
        if args.readme and not args.only:
            with open(args.readme, encoding="utf-8") as f:
                blocks = re.findall(r"^```c\n(.*?)^```$", f.read(), flags=re.S | re.M)
            if not blocks:
                print(f"{args.readme}: no C example")
                errors += 1
            for i, src in enumerate(blocks):
                cfile = os.path.join(tmp, f"readme_{i}.c")
                with open(cfile, "w", encoding="utf-8") as f:
                    f.write(src)
                r = subprocess.run([args.cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                                    "-I", args.include, "-o", cfile[:-2], cfile, args.lib],
                                   capture_output=True, text=True)
                checked += 1
                if r.returncode:
                    print(f"{args.readme}: C block {i + 1} does not build:\n{r.stderr}")
                    errors += 1
    print(f"{checked} examples built, {errors} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
