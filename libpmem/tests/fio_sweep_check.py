#!/usr/bin/env python3
# fio_sweep_check.py FILE BLOCKS
# The check of fio-sweep.sh, run by syncmap-crashtest after each crash
# point.  fio wrote FILE sequentially, one 4 KiB block after the other,
# each made durable before the next started (sync=1).  Block i, complete,
# is the 12-byte pattern "SYSM" + i*4096 (64-bit little-endian) repeated
# from the block's start.  After a crash FILE must hold: a prefix of
# complete blocks, then at most one torn block whose every 64-byte line
# is either its own line or zeros, then zeros.  After the complete run
# (SYNCMAP_CRASHTEST_POINT=0) every block is complete; after a stop, at
# least as many blocks as persists reached the file
# (SYNCMAP_CRASHTEST_PERSISTED).
import os
import struct
import sys

BS = 4096
LINE = 64


def expected(i):
    unit = b"SYSM" + struct.pack("<Q", i * BS)
    return (unit * (BS // len(unit) + 1))[:BS]


def fail(msg):
    print("fio-sweep check, point %s (%s persists reached the file): %s"
          % (os.environ.get("SYNCMAP_CRASHTEST_POINT", "?"),
             os.environ.get("SYNCMAP_CRASHTEST_PERSISTED", "?"), msg))
    sys.exit(1)


def classify(i, block):
    want = expected(i)
    if block == want:
        return "complete"
    if block.count(0) == BS:
        return "zero"
    for o in range(0, BS, LINE):
        got = block[o:o + LINE]
        if got != want[o:o + LINE] and got.count(0) != LINE:
            return "foreign line at byte %d (%s)" % (o, got[:12].hex())
    return "torn"


def main():
    path, blocks = sys.argv[1], int(sys.argv[2])
    point = int(os.environ.get("SYNCMAP_CRASHTEST_POINT", "0"))
    data = open(path, "rb").read()
    if len(data) != blocks * BS:
        fail("the file has %d bytes, not %d" % (len(data), blocks * BS))
    kinds = [classify(i, data[i * BS:(i + 1) * BS]) for i in range(blocks)]
    for i, k in enumerate(kinds):
        if k.startswith("foreign"):
            fail("block %d holds data of no block at its place: %s" % (i, k))
    done = 0
    while done < blocks and kinds[done] == "complete":
        done += 1
    rest = kinds[done + 1:] if done < blocks and kinds[done] == "torn" else kinds[done:]
    first = blocks - len(rest)
    for j, k in enumerate(rest):
        if k != "zero":
            fail("block %d is %s after %d complete block(s) and block %d %s: "
                 "a later write reached the file before an earlier one"
                 % (first + j, k, done, done, kinds[done]))
    # fio's engine copies a block with one pmem_memcpy, and every persist
    # point of this run writes one whole block (sync=1: one per copy; a
    # final drain: one per block flushed), so each persist that reached
    # the file must have left a complete block.
    persisted = int(os.environ.get("SYNCMAP_CRASHTEST_PERSISTED", "0"))
    if point > 0 and done < persisted:
        fail("%d persists reached the file, one block each, but only %d "
             "block(s) are complete" % (persisted, done))
    if point == 0 and done != blocks:
        fail("the complete run left %d of %d blocks complete (block %d is %s)"
             % (done, blocks, done, kinds[done]))
    print("point %d: %d complete, %s" % (point, done,
          "1 torn" if first > done else "no torn block"))


main()
