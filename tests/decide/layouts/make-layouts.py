#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the /sys trees of tests/decide/layouts/ again.

  tests/decide/layouts/make-layouts.py

Each layout is a directory like a capture of tests/decide/fixtures/
(answers, expected, tree/), but its tree is written here, file by file,
from the layout the kernel documents, not mirrored from a guest:

  cxl-pmem-ext4   ext4 -o dax on an fsdax namespace of a CXL pmem region:
                  the NVDIMM part as the capture of the CXL guest (Debian 12
                  kernel 6.1, QEMU 7.2, tests/dax run-guest --cxl) recorded
                  it, and /sys/bus/cxl with the names and values that guest
                  showed (region0, decoder2.0 in endpoint2, mem0 serial
                  0xc0ffee); Documentation/ABI/testing/sysfs-bus-cxl.
  hmem-devdax     /dev/dax0.0 of dax_hmem: a daxX.Y under the platform
                  device hmem.0, its dax_region attributes beside it, no
                  NVDIMM bus (drivers/dax/hmem, sysfs-bus-dax).
  cxl-ram-devdax  /dev/dax0.0 of a CXL region in ram mode (Linux 6.3+):
                  regionZ/dax_regionZ/daxZ.0, the region's mode "ram", its
                  endpoint decoder and a memory device with volatile
                  capacity only; no NVDIMM bus (sysfs-bus-cxl).

"answers" are the kernel's answers about the file (device DAX grants
MAP_SYNC), "expected" the facts the walk must find and the decision it
must make.  Run it after changing a layout, and commit the result.
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CPU = "cpu x86_64 64 0xe 3 2 1 0\ncpu_disabled 0x0\n"
ACPI = "/sys/devices/platform/ACPI0017:00/root0"
MEM0 = "/sys/devices/pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0"


def put(tree, path, value):
    dst = tree + path
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as f:
        f.write(value + "\n")


def link(tree, path, target):
    """A symbolic link at path to the absolute tree path target, written
    relative as sysfs writes its links."""
    dst = tree + path
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.makedirs(tree + target, exist_ok=True)
    os.symlink(os.path.relpath(target, os.path.dirname(path)), dst)


def empty_dir(tree, path):
    os.makedirs(tree + path, exist_ok=True)
    open(tree + path + "/.keep", "w").close()


def cxl_memdev(tree, path, serial, pmem, ram):
    put(tree, path + "/serial", serial)
    put(tree, path + "/firmware_version", "BWFW VERSION 00")
    put(tree, path + "/pmem/size", pmem)
    put(tree, path + "/ram/size", ram)
    link(tree, "/sys/bus/cxl/devices/mem0", path)


def cxl_region(tree, root_decoder, region, mode, size, start, with_mode):
    """regionN under a root decoder, one way, its target decoder2.0 in
    endpoint2 below port1, whose uport is mem0."""
    rdir = f"{ACPI}/{root_decoder}/{region}"
    if with_mode:
        put(tree, rdir + "/mode", mode)
    put(tree, rdir + "/interleave_ways", "1")
    put(tree, rdir + "/interleave_granularity", "256")
    put(tree, rdir + "/size", size)
    put(tree, rdir + "/resource", start)
    put(tree, rdir + "/commit", "1")
    put(tree, rdir + "/target0", "decoder2.0")
    link(tree, f"/sys/bus/cxl/devices/{region}", rdir)
    ep = f"{ACPI}/port1/endpoint2"
    put(tree, ep + "/decoder2.0/mode", mode)
    put(tree, ep + "/decoder2.0/region", region)
    link(tree, "/sys/bus/cxl/devices/decoder2.0", ep + "/decoder2.0")
    link(tree, "/sys/bus/cxl/devices/endpoint2", ep)
    link(tree, ep + "/uport", MEM0)
    return rdir


def cxl_pmem_ext4(tree):
    nd = f"{ACPI}/nvdimm-bridge0/ndbus0"
    put(tree, "/proc/1/mountinfo",
        "25 1 0:22 / / ro,relatime - 9p host ro,dirsync,loose,access=client,"
        "msize=262144,trans=virtio\n"
        "29 25 0:23 / /run rw,relatime - tmpfs run rw,mode=755,inode64\n"
        "30 29 259:0 / /run/dax/ext4-dax rw,relatime - ext4 /dev/pmem0 rw,dax=always")
    os.symlink("1", tree + "/proc/self")
    put(tree, nd + "/provider", "CXL")
    put(tree, nd + "/region0/persistence_domain", "memory_controller")
    put(tree, nd + "/region0/deep_flush", "0")
    put(tree, nd + "/region0/resource", "0x3d0000000")
    put(tree, nd + "/region0/pfn0.0/namespace", "namespace0.0")
    put(tree, nd + "/region0/pfn0.0/align", "2097152")
    put(tree, nd + "/region0/namespace0.0/size", "268435456")
    empty_dir(tree, nd + "/region0/pfn0.0/block/pmem0/slaves")
    link(tree, "/sys/dev/block/259:0", nd + "/region0/pfn0.0/block/pmem0")
    link(tree, "/sys/bus/nd/devices/ndbus0", nd)
    link(tree, "/sys/bus/nd/devices/region0", nd + "/region0")
    rdir = cxl_region(tree, "decoder0.0", "region0", "pmem", "0x40000000",
                      "0x3d0000000", with_mode=False)
    os.makedirs(tree + rdir + "/pmem_region0", exist_ok=True)
    open(tree + rdir + "/pmem_region0/.keep", "w").close()
    link(tree, "/sys/bus/cxl/devices/pmem_region0", rdir + "/pmem_region0")
    link(tree, "/sys/bus/cxl/devices/nvdimm-bridge0", ACPI + "/nvdimm-bridge0")
    cxl_memdev(tree, MEM0, "0xc0ffee", "0x40000000", "0x0")
    return ("mode 0100644\ndev 259:0\nrdev 0:0\nsize 65536\nmagic 1 0xef53\n"
            "statx_dax 1\nmount_id 30\nxflag_dax 0\npath /run/dax/ext4-dax/cap\n"
            "trial 0 2 1 4096\n" + CPU,
            "target 0\nfstype 1 ext4\nmount 1 /dev/pmem0 /run/dax/ext4-dax 1\n"
            "chain 0 1 1 1 0 0\n"
            "names pmem0 ndbus0 region0 pfn0.0 namespace0.0 CXL\n"
            "region 2 2 0 2097152 268435456\ndevdax -1 -1\n"
            "cxl region0 pmem resource 1 256 1073741824 1\n"
            "cxl_target decoder2.0 endpoint2 mem0 pmem 0xc0ffee BWFW_VERSION_00 "
            "1073741824 0\n"
            "open 0 1 cache_line clwb none\n")


def devdax_answers():
    return ("mode 020600\ndev 0:5\nrdev 252:0\nsize 0\nmagic 1 0x1021994\n"
            "statx_dax 1\nmount_id 26\nxflag_dax -1\npath /dev/dax0.0\n"
            "trial 0 2 1 2097152\n" + CPU)


def devdax_node(tree, ddir):
    put(tree, ddir + "/size", "268435456")
    put(tree, ddir + "/align", "2097152")
    link(tree, "/sys/dev/char/252:0", ddir)
    link(tree, "/sys/bus/dax/devices/dax0.0", ddir)
    empty_dir(tree, "/sys/bus/nd/devices")


def hmem_devdax(tree):
    hmem = "/sys/devices/platform/hmem.0"
    put(tree, hmem + "/dax_region/id", "0")
    put(tree, hmem + "/dax_region/size", "268435456")
    put(tree, hmem + "/dax_region/align", "2097152")
    devdax_node(tree, hmem + "/dax0.0")
    return (devdax_answers(),
            "target 1\nfstype 1 tmpfs\nmount 0 - - 0\nchain -19 0 1 0 1 0\n"
            "names dax0.0 - - - - -\nregion 0 0 -1 -1 -1\n"
            "devdax 268435456 2097152\nvolatile 1 hmem.0\n"
            "open 0 0 page none volatile_memory\n")


def cxl_ram_devdax(tree):
    rdir = cxl_region(tree, "decoder0.0", "region0", "ram", "0x10000000",
                      "0x3d0000000", with_mode=True)
    put(tree, rdir + "/dax_region0/dax_region/id", "0")
    put(tree, rdir + "/dax_region0/dax_region/size", "268435456")
    link(tree, "/sys/bus/cxl/devices/dax_region0", rdir + "/dax_region0")
    cxl_memdev(tree, MEM0, "0xbeef", "0x0", "0x10000000")
    devdax_node(tree, rdir + "/dax_region0/dax0.0")
    return (devdax_answers(),
            "target 1\nfstype 1 tmpfs\nmount 0 - - 0\nchain -19 0 1 0 1 0\n"
            "names dax0.0 - - - - -\nregion 0 0 -1 -1 -1\n"
            "devdax 268435456 2097152\nvolatile 2 -\n"
            "cxl region0 ram dax_region 1 256 268435456 1\n"
            "cxl_target decoder2.0 endpoint2 mem0 ram 0xbeef BWFW_VERSION_00 0 268435456\n"
            "open 0 0 page none volatile_memory\n")


def main():
    layouts = {"cxl-pmem-ext4": cxl_pmem_ext4, "hmem-devdax": hmem_devdax,
               "cxl-ram-devdax": cxl_ram_devdax}
    for name, make in layouts.items():
        out = os.path.join(HERE, name)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out + "/tree")
        answers, expected = make(out + "/tree")
        with open(out + "/answers", "w") as f:
            f.write(answers)
        with open(out + "/expected", "w") as f:
            f.write(expected.replace("BWFW_VERSION_00", "BWFW VERSION 00"))
    with open(os.path.join(HERE, "LIST"), "w") as f:
        f.write("\n".join(layouts) + "\n")
    print(f"make-layouts: {len(layouts)} layouts in {HERE}")


if __name__ == "__main__":
    main()
