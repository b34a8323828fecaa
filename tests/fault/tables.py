#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fault injector's per-site lines as the two tables of
doc/RELIABILITY.md (by operation, by call), in Markdown.

  build/tests/fault/fault-inject | python3 tests/fault/tables.py
"""
import re
import sys

SITE = re.compile(r"^(\S+)/(\S+)#(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


def table(title, rows):
    print(f"| {title} | call sites | faults injected | reached the caller | absorbed |")
    print("|---|---:|---:|---:|---:|")
    for name, (sites, inj, sur, absd) in rows:
        print(f"| {name} | {sites} | {inj} | {sur} | {absd} |")
    print()


def main():
    by_op, by_call, order_op, order_call = {}, {}, [], []
    for line in sys.stdin:
        m = SITE.match(line.strip())
        if not m:
            if "faults injected at" in line:
                print(line.strip() + "\n")
            continue
        op, call = m.group(1), m.group(2)
        inj, sur, absd = (int(m.group(i)) for i in (4, 5, 6))
        for key, d, order in ((op, by_op, order_op), (call, by_call, order_call)):
            if key not in d:
                d[key] = [0, 0, 0, 0]
                order.append(key)
            d[key][0] += 1
            d[key][1] += inj
            d[key][2] += sur
            d[key][3] += absd
    table("operation", [(k, by_op[k]) for k in order_op])
    table("call", sorted(((k, by_call[k]) for k in order_call), key=lambda kv: -kv[1][1]))


if __name__ == "__main__":
    main()
